import Foundation
import TarmacModel

/// A QMP connection to one QEMU (`-qmp unix:PATH,server=on,wait=off`). Blocking calls with
/// deadlines, run on dispatch threads via the async wrappers; events are skipped.
///
/// QEMU serves one QMP client at a time, so the driver connects for one operation
/// (suspend, resume) and closes again.
final class QMPClient: Sendable {
    private let socket: UnixSocket
    private let timeout: Duration

    private init(socket: UnixSocket, timeout: Duration) {
        self.socket = socket
        self.timeout = timeout
    }

    /// Connects, reads the greeting and negotiates capabilities.
    static func connect(path: String, timeout: Duration = .seconds(10)) async throws -> QMPClient {
        try await BlockingIO.run {
            let deadline = ContinuousClock.now + timeout
            let socket = try UnixSocket.connect(path: path, deadline: deadline)
            let client = QMPClient(socket: socket, timeout: timeout)
            guard case .greeting? = QMPMessage.decode(try socket.readLine(deadline: deadline)) else {
                throw RuntimeError(.internalError, "QEMU at \(path) did not greet with QMP")
            }
            _ = try client.executeBlocking("qmp_capabilities", arguments: nil)
            return client
        }
    }

    /// Runs one command and returns its `return` value; a QMP error is thrown.
    @discardableResult
    func execute(_ command: String, arguments: [String: JSONValue]? = nil) async throws -> JSONValue {
        try await BlockingIO.run { try self.executeBlocking(command, arguments: arguments) }
    }

    /// `query-status`'s `status` (`running`, `paused`, `inmigrate`, `postmigrate`, …).
    func status() async throws -> String {
        try await execute("query-status").string("status") ?? "unknown"
    }

    private func executeBlocking(_ command: String, arguments: [String: JSONValue]?) throws -> JSONValue {
        let deadline = ContinuousClock.now + timeout
        try socket.write(QMPMessage.command(command, arguments: arguments))
        while true {
            switch QMPMessage.decode(try socket.readLine(deadline: deadline)) {
            case .success(let value)?: return value
            case .failure(let errorClass, let description)?:
                throw RuntimeError(.internalError, "QEMU refused \(command): \(errorClass): \(description)")
            case .greeting?, .event?, nil: continue
            }
        }
    }

    func close() { socket.close() }
}
