import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacModel

/// Accepts `Authorization: Bearer <token>` and `FlyV1 <token>[,<token>…]` (fly-go joins
/// several tokens with commas); any of them matching the admin token authenticates.
struct AuthMiddleware<Context: RequestContext>: RouterMiddleware {
    let token: String
    /// Paths served without a token (the OpenAPI document and the health probe).
    let publicPaths: Set<String>

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if publicPaths.contains(request.uri.path) { return try await next(request, context) }
        guard let header = request.headers[.authorization], Self.accepts(header: header, token: token) else {
            return JSONResponse.make(ErrorBody(error: "Authenticate: token validation error"), status: .unauthorized)
        }
        return try await next(request, context)
    }

    static func accepts(header: String, token: String) -> Bool {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2 else { return false }
        let scheme = parts[0].lowercased()
        guard scheme == "bearer" || scheme == "flyv1" else { return false }
        return parts[1].split(separator: ",").contains { constantTimeEquals($0.trimmingCharacters(in: .whitespaces), token) }
    }

    static func constantTimeEquals(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8)
        let b = Array(rhs.utf8)
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
