import TarmacAgentProtocol
import TarmacModel
import TarmacRuntime

extension Agent {
    /// Opens an interactive session in a started machine through its runtime (`runc exec
    /// --tty`, or a terminal opened by the guest's init). Like exec, off the supervisor loop;
    /// a machine that stops meanwhile ends the session (its stream ends).
    public func openConsole(_ machineID: String, _ request: AgentConsoleRequest) async throws -> AgentConsoleSession {
        guard !request.command.isEmpty else { throw AgentError(.invalidArgument, "a console needs a command") }
        let handle = try startedHandle(machineID)
        let session: ConsoleSession
        do {
            session = try await environment.driver.console(handle, ConsoleRequest(
                command: request.command, environment: request.environment, user: request.user, rows: request.rows, columns: request.columns))
        } catch let error as RuntimeError where error.code == .notRunning {
            throw AgentError(.invalidState, "machine is not running any more: \(error.message)")
        } catch let error as RuntimeError where error.code == .unsupported {
            throw AgentError(.unsupported, error.message)
        } catch let error as RuntimeError where error.code == .startFailed {
            throw AgentError(.invalidArgument, "the console did not start: \(error.message)")
        } catch {
            throw AgentError(.internalError, "the console did not start: \(error)")
        }
        let events = IteratorBox(session.events.makeAsyncIterator())
        return AgentConsoleSession(
            events: AsyncThrowingStream(unfolding: {
                switch try await events.next() {
                case .output(let bytes)?: .output(bytes)
                case .exit(let code, let signal)?: .exit(code: code, signal: signal)
                case nil: nil
                }
            }),
            write: { session.write($0) }, resize: { session.resize(rows: $0, columns: $1) }, hangUp: { session.close() })
    }
}

/// The iterator of a stream with one reader, for an `AsyncThrowingStream(unfolding:)` that
/// passes its elements on: only that stream's consumer ever calls `next()`, one call at a
/// time, which is what makes sharing it sound.
final class IteratorBox<Base: AsyncIteratorProtocol>: @unchecked Sendable {
    private var base: Base

    init(_ base: Base) { self.base = base }

    func next() async throws -> Base.Element? { try await base.next() }
}
