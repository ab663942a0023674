import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import TarmacAgentProtocol

extension AgentRouter {
    /// `POST …/console`: opens the session first (so a refusal is an ordinary error answer),
    /// then streams the terminal into the response while the request body's keyboard frames
    /// are passed to it. The caller going away is a hang-up.
    static func console(_ request: Request, context: BasicRequestContext, agent: some AgentAPI) async throws -> Response {
        let id = try machineID(context)
        let consoleRequest = try consoleRequest(request)
        let session = try await agent.openConsole(id, consoleRequest)
        let keyboard = request.body
        return Response(status: .ok, headers: [.contentType: "application/octet-stream"], body: ResponseBody { writer in
            do {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        var decoder = ConsoleFrames.Decoder()
                        do {
                            for try await buffer in keyboard {
                                decoder.append(buffer)
                                while let frame = try decoder.next() {
                                    switch try ConsoleFrames.input(frame.kind, frame.payload) {
                                    case .input(let bytes): session.write(bytes)
                                    case .resize(let rows, let columns): session.resize(rows: rows, columns: columns)
                                    case .hangUp: session.hangUp()
                                    }
                                }
                            }
                        } catch {
                            // A broken keyboard stream ends like a closed one.
                        }
                        session.hangUp()
                    }
                    for try await event in session.events { try await writer.write(ConsoleFrames.encode(event)) }
                    group.cancelAll()
                }
            } catch {
                session.hangUp()
                throw error
            }
            try await writer.finish(nil)
        })
    }

    private static func consoleRequest(_ request: Request) throws -> AgentConsoleRequest {
        guard let name = HTTPField.Name(AgentRoute.consoleRequestHeader), let value = request.headers[name],
              let data = Data(base64Encoded: value) else {
            throw AgentError(.invalidArgument, "a console request needs the \(AgentRoute.consoleRequestHeader) header (base64 JSON)")
        }
        return try JSONDecoder().decode(AgentConsoleRequest.self, from: data)
    }
}
