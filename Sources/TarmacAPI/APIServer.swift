import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import TarmacControl
import TarmacModel

/// Builds the HTTP API: the Fly-compatible `/v1` and Tarmac's `/tarmac/v1`.
public enum APIServer {
    public struct Configuration: Sendable {
        /// The admin token; requests must present it (Bearer or FlyV1).
        public var token: String
        /// Renders the Prometheus text served at `/metrics` (authenticated like the API);
        /// nil: no `/metrics`.
        public var metrics: (@Sendable () async -> String)?

        public init(token: String, metrics: (@Sendable () async -> String)? = nil) {
            self.token = token
            self.metrics = metrics
        }
    }

    public static let openAPIPath = "/v1/openapi.json"
    public static let healthPath = "/tarmac/v1/health"
    public static let metricsPath = "/metrics"

    public static func makeRouter(control: Control, configuration: Configuration) -> Router<BasicRequestContext> {
        buildRoutes(control: control, configuration: configuration).router
    }

    /// Every `(method, path)` the API serves, in OpenAPI path syntax.
    public static func routes() -> [(method: String, path: String)] {
        buildRoutes(control: nil, configuration: Configuration(token: "")).entries.map { ($0.method, $0.path) }
    }

    /// The OpenAPI 3.1 document served at `/v1/openapi.json`.
    public static func openAPIDocument() throws -> Data {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json") else {
            throw ControlError(.internalError, "openapi.json is missing from the TarmacAPI bundle")
        }
        return try Data(contentsOf: url)
    }

    static func buildRoutes(control: Control?, configuration: Configuration) -> RouteTable {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: APIErrorMiddleware())
        // Request counts and latency histograms by route (`hb_requests`, `http_server_request_duration`).
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: AuthMiddleware(token: configuration.token, publicPaths: [openAPIPath, healthPath]))
        var table = RouteTable(router: router)
        let handlers = Handlers(wiredControl: control)
        table.add(.get, openAPIPath) { _, _ in
            let data = try openAPIDocument()
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        router.get(RouterPath(healthPath)) { _, _ in JSONResponse.make(["status": "ok"]) }
        if let metrics = configuration.metrics {
            router.get(RouterPath(metricsPath)) { _, _ in
                Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: ByteBuffer(string: await metrics())))
            }
        }
        handlers.registerApps(&table)
        handlers.registerHosts(&table)
        handlers.registerMachines(&table)
        handlers.registerMachineActions(&table)
        handlers.registerExec(&table)
        handlers.registerMachineData(&table)
        handlers.registerAppEvents(&table)
        handlers.registerWebhooks(&table)
        handlers.registerLogs(&table)
        return table
    }
}

/// Route handlers; `control` is nil only when routes are listed without serving them.
struct Handlers: Sendable {
    let wiredControl: Control?

    func control() throws -> Control {
        guard let control = wiredControl else { throw ControlError(.internalError, "the API is not connected to a control plane") }
        return control
    }
}
