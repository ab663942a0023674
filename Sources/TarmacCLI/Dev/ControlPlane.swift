import Foundation
import Hummingbird
import TarmacAgentProtocol
import HummingbirdWebSocket
import Logging
import TarmacAPI
import TarmacControl
import TarmacStore
import TarmacWebhooks

/// The control-plane half of a Tarmac process, shared by `tarmac dev` and `tarmac server`:
/// the store, `Control`, and the API server.
struct ControlPlane {
    let store: SQLiteControlStore
    let control: Control

    static func make(dataDirectory: String, defaultRegion: String, hosts: [Control.Host], logger: Logger) async throws -> ControlPlane {
        let store = try SQLiteControlStore(path: dataDirectory + "/control.db")
        var configuration = Control.Configuration()
        configuration.defaultRegion = defaultRegion
        configuration.faults = try FaultPlan.fromEnvironment()
        let control = Control(configuration: configuration, store: store, hosts: hosts, logger: logger)
        try await control.bootstrap()
        return ControlPlane(store: store, control: control)
    }

    /// The API server (`/v1`, `/tarmac/v1`, WebSocket upgrades) on `host:port`.
    func api(host: String, port: Int, token: String, metrics: @escaping @Sendable () async -> String, onRunning: @escaping @Sendable () -> Void, logger: Logger)
        -> some ApplicationProtocol
    {
        Application(
            router: APIServer.makeRouter(control: control, configuration: .init(token: token, metrics: metrics)),
            server: .http1WebSocketUpgrade(webSocketRouter: AppEventsWebSocket.makeRouter(control: control, configuration: .init(token: token))),
            configuration: .init(address: .hostname(host, port: port), serverName: "tarmac"),
            onServerRunning: { _ in onRunning() },
            logger: logger)
    }

    func webhooks(_ configuration: WebhookDispatcher.Configuration, logger: Logger) -> WebhookDispatcher {
        WebhookDispatcher(control: control, store: store, configuration: configuration, logger: logger)
    }
}
