import TarmacStore
import TarmacAgentProtocol
import TarmacModel

extension Control {
    /// Refuses a console for a machine that does not exist (404) or is not started (412), so
    /// the WebSocket upgrade can be refused with the reason.
    public func checkConsole(app: String, id: String) async throws {
        let record = try await machineRecord(app: app, id: id)
        if record.destroyedAt != nil || record.state == .destroyed { throw ControlError.machineNotFound() }
        guard record.state == .started else {
            throw ControlError(.preconditionFailed, "failed_precondition: machine \(id) is \(record.state.rawValue); start it for a console")
        }
    }

    /// Opens an interactive session in a started machine on its host. Needs no lease: like
    /// exec, it does not change the machine.
    public func openConsole(app: String, id: String, options: ConsoleOptions) async throws -> AgentConsoleSession {
        try await checkConsole(app: app, id: id)
        let record = try await machineRecord(app: app, id: id)
        do {
            return try await host(id: record.hostID).api.openConsole(record.id, options.request)
        } catch let error as AgentError where error.kind == .unsupported {
            throw ControlError(.notImplemented, error.message)
        } catch {
            throw Self.mapAgentError(error)
        }
    }
}
