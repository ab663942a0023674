import NIOCore
import TarmacModel

/// A QMP connection to one QEMU (`-qmp unix:PATH,server=on,wait=off`) on a NIO channel:
/// nothing blocks and no thread waits for QEMU. Every exchange is bounded by `timeout`;
/// one that runs out closes the connection (so a late answer never meets the next command).
///
/// QEMU serves one QMP client at a time, so the driver connects for one operation
/// (suspend, resume) and closes again.
final class QMPClient: Sendable {
    private let channel: any Channel
    private let timeout: Duration

    private init(channel: any Channel, timeout: Duration) {
        self.channel = channel
        self.timeout = timeout
    }

    deinit { channel.close(promise: nil) }

    /// Connects, reads the greeting and negotiates capabilities.
    static func connect(path: String, timeout: Duration = .seconds(10)) async throws -> QMPClient {
        let loop = UnixStreamConnector.nextLoop()
        let greeting = loop.makePromise(of: Void.self)
        let channel: any Channel
        do {
            channel = try await UnixStreamConnector.connect(path: path, deadline: .now + timeout, on: loop) { channel in
                try channel.pipeline.syncOperations.addHandler(QMPHandler(greeting: greeting))
            }
        } catch {
            greeting.fail(error)
            throw error
        }
        let client = QMPClient(channel: channel, timeout: timeout)
        try await client.answer(greeting, to: "the QMP greeting")
        try await client.execute("qmp_capabilities")
        return client
    }

    /// Runs one command and returns its `return` value; a QMP error is thrown.
    @discardableResult
    func execute(_ command: String, arguments: [String: JSONValue]? = nil) async throws -> JSONValue {
        let reply = channel.eventLoop.makePromise(of: JSONValue.self)
        let written = channel.eventLoop.makePromise(of: Void.self)
        written.futureResult.whenFailure { error in
            reply.fail(RuntimeError(.notRunning, "cannot send \(command) to QEMU: \(error)"))
        }
        channel.writeAndFlush(QMPHandler.Request(name: command, line: QMPMessage.command(command, arguments: arguments), reply: reply), promise: written)
        return try await answer(reply, to: command)
    }

    /// `query-status`'s `status` (`running`, `paused`, `inmigrate`, `postmigrate`, …).
    func status() async throws -> String {
        try await execute("query-status").string("status") ?? "unknown"
    }

    func close() { channel.close(promise: nil) }

    /// Waits for `promise`, failing it when `timeout` passes or the task is cancelled; then
    /// (and only then: a late timer after the answer changes nothing) the connection is
    /// closed, so a late answer never meets the next command.
    private func answer<Value: Sendable>(_ promise: EventLoopPromise<Value>, to what: String) async throws -> Value {
        let timer = channel.eventLoop.scheduleTask(in: TimeAmount(timeout)) {
            promise.fail(Abandoned.timedOut)
        }
        defer { timer.cancel() }
        do {
            return try await withTaskCancellationHandler {
                try await promise.futureResult.get()
            } onCancel: {
                promise.fail(Abandoned.cancelled)
            }
        } catch let reason as Abandoned {
            channel.close(promise: nil)
            switch reason {
            case .timedOut: throw RuntimeError(.internalError, "QEMU gave no answer to \(what) within \(timeout)")
            case .cancelled: throw CancellationError()
            }
        }
    }

    /// Why an exchange was given up on before QEMU answered.
    private enum Abandoned: Error {
        case timedOut, cancelled
    }
}
