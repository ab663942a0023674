import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import NIOWebSocket
import TarmacAgentProtocol
import TarmacControl
import TarmacModel

/// `GET /tarmac/v1/apps/{app}/machines/{id}/console/ws`: an interactive session on a terminal
/// in a started machine (`command`, `user`, `rows`, `cols`, `term` in the query; a shell by
/// default). Binary messages are the terminal's bytes both ways; the client sends text
/// `{"type":"resize","rows":R,"cols":C}` on a window change, and the server ends with text
/// `{"type":"exit","exit_code":N,"signal":S}` and a normal close. The upgrade is
/// authenticated (401 without a valid token); a console that cannot open (bad query, unknown
/// machine, not started, no console in the runtime) is answered after the upgrade with text
/// `{"type":"error","status":404,"error":"…"}` and a policy-violation close, so the client
/// learns why (a refused upgrade carries no reason). Closing the WebSocket hangs the
/// terminal up (the program gets SIGHUP).
enum MachineConsoleWebSocket {
    static let path = "/tarmac/v1/apps/{app_name}/machines/{machine_id}/console/ws"

    struct Control: Decodable {
        var type: String
        var rows: Int?
        var cols: Int?
    }

    static func register(on router: Router<BasicWebSocketRequestContext>, control: TarmacControl.Control) {
        router.ws(RouterPath("/tarmac/v1/apps/:app_name/machines/:machine_id/console/ws")) { _, _ in
            .upgrade([:])
        } onUpgrade: { inbound, outbound, context in
            let app = try context.requestContext.parameters.require("app_name")
            let id = try context.requestContext.parameters.require("machine_id")
            let session: AgentConsoleSession
            do {
                session = try await control.openConsole(app: app, id: id, options: try options(context.request))
            } catch {
                let (status, body) = APIErrorMiddleware<BasicWebSocketRequestContext>.map(error)
                try await outbound.write(.text(notice(["type": "error", "status": Int(status.code), "error": body.error])))
                try await outbound.close(.policyViolation, reason: "the console did not start")
                return
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                group.addTask {
                    for try await message in inbound.messages(maxSize: 1 << 20) {
                        switch message {
                        case .binary(let buffer): session.write(Array(buffer.readableBytesView))
                        case .text(let text): command(text, session)
                        }
                    }
                    // The client went away: a closed terminal.
                    session.hangUp()
                }
                for try await event in session.events {
                    switch event {
                    case .output(let bytes):
                        try await outbound.write(.binary(ByteBuffer(bytes: bytes)))
                    case .exit(let code, let signal):
                        try await outbound.write(.text(notice(["type": "exit", "exit_code": code, "signal": signal])))
                    }
                }
                group.cancelAll()
            }
            try await outbound.close(.normalClosure, reason: nil)
        }
    }

    static func options(_ request: Request) throws -> ConsoleOptions {
        let query = request.uri.queryParameters
        return try ConsoleOptions(
            command: query.get("command"), user: query.get("user"), rows: query.get("rows"), columns: query.get("cols"), term: query.get("term"))
    }

    /// A text message from the client: a resize (out-of-range sizes are clamped), or a hang-up.
    private static func command(_ text: String, _ session: AgentConsoleSession) {
        guard let message = try? JSONDecoder().decode(Control.self, from: Data(text.utf8)) else { return }
        switch message.type {
        case "resize":
            let clamp = { (value: Int?) in UInt16(min(max(value ?? 0, ConsoleOptions.sizeRange.lowerBound), ConsoleOptions.sizeRange.upperBound)) }
            session.resize(rows: clamp(message.rows), columns: clamp(message.cols))
        case "hangup":
            session.hangUp()
        default:
            break
        }
    }

    private static func notice(_ fields: [String: Any]) -> String {
        (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
