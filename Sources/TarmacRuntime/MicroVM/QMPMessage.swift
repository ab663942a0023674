import Foundation
import TarmacModel

/// QEMU Machine Protocol messages: one JSON object per line each way (pure, unit-tested).
///
/// QEMU greets with `{"QMP": {...}}`, accepts `{"execute": NAME, "arguments": {...}}` after
/// `qmp_capabilities`, answers each command with `{"return": ...}` or
/// `{"error": {"class": ..., "desc": ...}}`, and sends `{"event": NAME, ...}` at any time.
enum QMPMessage: Sendable, Hashable {
    case greeting
    case success(JSONValue)
    case failure(errorClass: String, description: String)
    case event(String)

    /// A command line (with trailing newline).
    static func command(_ name: String, arguments: [String: JSONValue]? = nil) -> [UInt8] {
        var object: [String: JSONValue] = ["execute": .string(name)]
        if let arguments { object["arguments"] = .object(arguments) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(JSONValue.object(object))) ?? Data("{}".utf8)
        return Array(data) + [UInt8(ascii: "\n")]
    }

    /// Decodes one line; nil for anything that is not a QMP message.
    static func decode(_ line: some Collection<UInt8>) -> QMPMessage? {
        guard let value = try? JSONDecoder().decode(JSONValue.self, from: Data(line)), case .object(let object) = value else { return nil }
        if object["QMP"] != nil { return .greeting }
        if let result = object["return"] { return .success(result) }
        if case .object(let error)? = object["error"] {
            var errorClass = "GenericError", description = ""
            if case .string(let value)? = error["class"] { errorClass = value }
            if case .string(let value)? = error["desc"] { description = value }
            return .failure(errorClass: errorClass, description: description)
        }
        if case .string(let name)? = object["event"] { return .event(name) }
        return nil
    }
}

extension JSONValue {
    /// `self[key]` as a string, for reading QMP replies.
    func string(_ key: String) -> String? {
        guard case .object(let object) = self, case .string(let value)? = object[key] else { return nil }
        return value
    }

    func number(_ key: String) -> Double? {
        guard case .object(let object) = self, case .number(let value)? = object[key] else { return nil }
        return value
    }
}
