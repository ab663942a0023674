import Foundation
import TarmacModel

/// A successful (2xx) answer: status, headers and the raw body.
public struct APIResponse: Sendable, Hashable {
    public var status: Int
    /// Header names lower-cased; repeated headers joined with `, `.
    public var headers: [String: String]
    public var body: Data
    /// The URL that was requested, for error messages.
    public var url: String

    public init(status: Int, headers: [String: String] = [:], body: Data, url: String) {
        self.status = status
        self.headers = headers
        self.body = body
        self.url = url
    }

    /// Decodes the body as JSON, throwing a ``ClientError`` with code `decoding` on mismatch.
    public func decode<T: Decodable>(_ type: T.Type = T.self) throws(ClientError) -> T {
        do {
            return try JSONDecoder().decode(T.self, from: body)
        } catch {
            throw ClientError(
                code: .decoding,
                message: "unexpected answer from \(url): \(Self.describe(error)) (body: \(Self.excerpt(body)))",
                httpStatus: status, url: url, cause: error)
        }
    }

    /// The value of the `fly-request-id` header, when the server sent one.
    public var requestID: String? { headers["fly-request-id"] }

    static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, let context):
            return "missing field \"\(path(context.codingPath + [key]))\""
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "wrong type at \"\(path(context.codingPath))\": \(context.debugDescription)"
        case DecodingError.dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "invalid value at \"\(path(context.codingPath))\": \(context.debugDescription)"
        default:
            return String(describing: error)
        }
    }

    static func path(_ keys: [any CodingKey]) -> String {
        keys.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    static func excerpt(_ body: Data, limit: Int = 200) -> String {
        let text = String(decoding: body.prefix(limit), as: UTF8.self)
        return body.count > limit ? text + "…" : text
    }

    /// Turns a non-2xx answer into the error users see: the server's `error` (or `message`)
    /// text verbatim, else the body text, else the HTTP status.
    static func error(status: Int, reason: String, body: Data, url: String) -> ClientError {
        let parsed = try? JSONDecoder().decode(ErrorBody.self, from: body)
        let text: String
        if let parsed, let message = parsed.message, !message.isEmpty, parsed.error.isEmpty {
            text = message
        } else if let parsed, !parsed.error.isEmpty {
            text = parsed.error
        } else if let lenient = try? JSONDecoder().decode(LooseErrorBody.self, from: body), let message = lenient.message ?? lenient.error, !message.isEmpty {
            text = message
        } else {
            let raw = String(decoding: body.prefix(500), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            text = raw.isEmpty ? "HTTP \(status) \(reason)".trimmingCharacters(in: .whitespaces) : raw
        }
        return ClientError(code: .server, message: text, httpStatus: status, serverStatus: parsed?.status, url: url)
    }

    /// `{"status":"error","message":"…"}` (lease endpoints) has no `error` field.
    private struct LooseErrorBody: Decodable {
        var error: String?
        var message: String?
    }
}
