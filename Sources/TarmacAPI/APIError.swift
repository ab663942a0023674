import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacControl
import TarmacModel

/// The one place where errors become HTTP responses: `ControlError` codes map to statuses,
/// body-decoding failures to 400/422 naming the field, anything else to a logged 500.
struct APIErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    static var requestIDField: HTTPField.Name? { HTTPField.Name("fly-request-id") }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let requestID = ULID.make() + "-tarmac"
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = Self.response(for: error, requestID: requestID, context: context)
        }
        if let name = Self.requestIDField { response.headers[name] = requestID }
        return response
    }

    /// An internal failure is logged with the request ID and answered with that ID only: its
    /// text (paths, SQL, peer addresses) stays in the server's log.
    static func response(for error: any Error, requestID: String, context: Context) -> Response {
        var (status, body) = Self.map(error)
        if status == .internalServerError {
            context.logger.error("request failed", metadata: ["error": "\(error)", "request_id": "\(requestID)"])
            body = ErrorBody(error: "internal error (request id \(requestID)); the details are in the server's log under that id")
        }
        return JSONResponse.make(body, status: status)
    }

    static func map(_ error: any Error) -> (HTTPResponse.Status, ErrorBody) {
        switch error {
        case let error as ControlError:
            return (status(for: error.code), ErrorBody(error: error.message, status: error.status))
        case let error as DecodingError:
            return decodingFailure(error)
        case let error as any HTTPResponseError where error.status == .contentTooLarge:
            return (.contentTooLarge, ErrorBody(error: "request body is larger than 1 MiB"))
        case let error as HTTPError:
            return (error.status, ErrorBody(error: error.body ?? error.status.reasonPhrase))
        default:
            return (.internalServerError, ErrorBody(error: "internal error: \(error)"))
        }
    }

    static func status(for code: ControlError.Code) -> HTTPResponse.Status {
        switch code {
        case .badRequest: .badRequest
        case .unauthorized: .unauthorized
        case .forbidden: .forbidden
        case .notFound: .notFound
        case .conflict: .conflict
        case .preconditionFailed: .preconditionFailed
        case .unprocessable: .unprocessableContent
        case .timeout: .requestTimeout
        case .tooLarge: .contentTooLarge
        case .notImplemented: .notImplemented
        case .unavailable: .serviceUnavailable
        default: .internalServerError
        }
    }

    /// A value that can't be decoded is a 422 naming its field; broken JSON is a 400.
    static func decodingFailure(_ error: DecodingError) -> (HTTPResponse.Status, ErrorBody) {
        func field(_ path: [any CodingKey]) -> String {
            path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".").replacingOccurrences(of: ".[", with: "[")
        }
        switch error {
        case .dataCorrupted(let context) where context.codingPath.isEmpty:
            return (.badRequest, ErrorBody(error: "invalid JSON body: \(context.underlyingError.map { "\($0)" } ?? context.debugDescription)"))
        case .dataCorrupted(let context):
            return (.unprocessableContent, ErrorBody(error: "\(field(context.codingPath)): \(context.debugDescription)"))
        case .typeMismatch(let type, let context):
            return (.unprocessableContent, ErrorBody(error: "\(field(context.codingPath)): expected \(Self.describe(type))"))
        case .valueNotFound(let type, let context):
            return (.unprocessableContent, ErrorBody(error: "\(field(context.codingPath)): expected \(Self.describe(type)), found null"))
        case .keyNotFound(let key, let context):
            return (.unprocessableContent, ErrorBody(error: "\(field(context.codingPath + [key])): is required"))
        @unknown default:
            return (.badRequest, ErrorBody(error: "invalid request body"))
        }
    }

    static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int32.Type, is Int64.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is Double.Type: "a number"
        default: "\(type)".contains("Array") ? "an array" : "an object"
        }
    }
}

enum JSONResponse {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let data = (try? encoder.encode(value)) ?? Data("{\"error\":\"could not encode the response\"}".utf8)
        return Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func empty(_ status: HTTPResponse.Status) -> Response {
        Response(status: status)
    }
}
