import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacControl
import TarmacModel

/// Reading requests: bodies (size-limited, lenient about emptiness), query values, headers.
extension Request {
    static let maximumBodySize = 1 << 20

    /// Decodes the JSON body; an empty body yields `empty` when given, else a 400.
    func decodeBody<T: Decodable>(_ type: T.Type, empty: T? = nil) async throws -> T {
        var body = self.body
        let buffer: ByteBuffer
        do {
            buffer = try await body.collect(upTo: Self.maximumBodySize)
        } catch is NIOTooManyBytesError {
            throw ControlError(.tooLarge, "request body is larger than 1 MiB")
        }
        let data = Data(buffer.readableBytesView)
        if data.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
            if let empty { return empty }
            throw ControlError(.badRequest, "a JSON request body is required")
        }
        do {
            _ = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        } catch {
            throw ControlError(.badRequest, "invalid JSON body: \(Self.describeSyntaxError(error))")
        }
        return try JSONDecoder().decode(type, from: data)
    }

    private static func describeSyntaxError(_ error: any Error) -> String {
        let nsError = error as NSError
        return (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? "\(error)"
    }

    var leaseNonce: String? {
        headers.first { $0.name.canonicalName == "fly-machine-lease-nonce" }?.value
    }

    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    /// All values of a repeated or comma-separated parameter (`state=a&state=b`, `state=a,b`).
    func queryList(_ name: String) -> [String] {
        uri.queryParameters[values: name[...]].flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }

    func queryBool(_ name: String) throws -> Bool? {
        guard let value = query(name) else { return nil }
        switch value.lowercased() {
        case "true", "1", "yes", "": return true
        case "false", "0", "no": return false
        default: throw ControlError(.badRequest, "invalid_argument: \(name) must be true or false, got \"\(value)\"")
        }
    }

    func queryInt(_ name: String) throws -> Int? {
        guard let value = query(name), !value.isEmpty else { return nil }
        guard let number = Int(value) else { throw ControlError(.badRequest, "invalid_argument: \(name) must be an integer, got \"\(value)\"") }
        return number
    }

    /// A duration given as seconds (`10`) or as a Go duration (`10s`).
    func queryDuration(_ name: String) throws -> GoDuration? {
        guard let value = query(name), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return GoDuration(seconds: seconds) }
        guard let duration = GoDuration(parsing: value) else {
            throw ControlError(.badRequest, "invalid_argument: \(name) must be seconds or a duration such as 10s, got \"\(value)\"")
        }
        return duration
    }

    /// `metadata.<key>=<value>` filters.
    var metadataFilters: [String: String] {
        var filters: [String: String] = [:]
        for (key, value) in uri.queryParameters where key.hasPrefix("metadata.") {
            filters[String(key.dropFirst("metadata.".count))] = String(value)
        }
        return filters
    }
}
