import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore

/// Registers routes by their OpenAPI path (`/v1/apps/{app_name}`) and remembers them, so a
/// test can hold the router and `openapi.json` to each other.
struct RouteTable {
    struct Entry: Hashable, Sendable {
        var method: String
        var path: String
    }

    let router: Router<BasicRequestContext>
    private(set) var entries: [Entry] = []

    init(router: Router<BasicRequestContext>) { self.router = router }

    mutating func add(
        _ method: HTTPRequest.Method, _ path: String,
        _ handler: @escaping @Sendable (Request, BasicRequestContext) async throws -> Response
    ) {
        entries.append(Entry(method: method.rawValue.lowercased(), path: path))
        let hummingbirdPath = path.split(separator: "/", omittingEmptySubsequences: false).map { component in
            component.hasPrefix("{") && component.hasSuffix("}") ? ":" + component.dropFirst().dropLast() : component
        }.joined(separator: "/")
        router.on(RouterPath(hummingbirdPath), method: method, use: handler)
    }
}
