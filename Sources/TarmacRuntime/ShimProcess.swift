import Foundation
import TarmacSystem
#if canImport(Glibc)
import Glibc
#endif

/// The driver's side of a freshly launched shim (`tarmac-shim`): its pid and our end of the
/// control socket of the start protocol (see `ContainerShim`). Used only during `start()`.
/// A socket rather than pipes so writing to a shim that died raises no SIGPIPE here.
struct ShimProcess: Sendable {
    let pid: pid_t
    private let socket: ShimSocket

    /// Spawns `command` with the control socket as fd 3, stdin/stdout/stderr /dev/null (the
    /// shim redirects its output once configured) and every other descriptor closed.
    static func launch(command: [String]) throws(RuntimeError) -> ShimProcess {
        guard let program = command.first else {
            throw RuntimeError(.internalError, "the runtime shim command is empty")
        }
        do {
            let executable = try Command.resolve(program)
            var pair: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &pair) == 0 else {
                throw RuntimeError(.resources, "socketpair: \(String(cString: strerror(errno)))")
            }
            // Keep the child's end above the target so the dup2 below cannot clobber it.
            let childEnd = try highDescriptor(pair[1])
            defer { _ = Glibc.close(childEnd) }
            let pid: pid_t
            do {
                pid = try Spawn.launch(executable, Array(command.dropFirst()), fileActions: [
                    .null(0), .null(1), .null(2),
                    .duplicate(childEnd, to: ContainerShim.controlDescriptor),
                    .closeFrom(ContainerShim.controlDescriptor + 1),
                ])
            } catch {
                _ = Glibc.close(pair[0])
                throw error
            }
            return ShimProcess(pid: pid, socket: ShimSocket(pair[0]))
        } catch let error as RuntimeError {
            throw error
        } catch {
            throw RuntimeError(.startFailed, "cannot start the runtime shim (\(command.joined(separator: " "))): \(error)")
        }
    }

    /// Moves `fd` to a close-on-exec descriptor ≥ 10 and closes the original.
    private static func highDescriptor(_ fd: Int32) throws -> Int32 {
        let moved = fcntl(fd, F_DUPFD_CLOEXEC, 10)
        guard moved >= 0 else { throw RuntimeError(.resources, "fcntl(F_DUPFD_CLOEXEC): \(String(cString: strerror(errno)))") }
        _ = Glibc.close(fd)
        return moved
    }

    /// Whether the process is still running (reaps it when it has exited).
    var isRunning: Bool { Spawn.poll(pid) == nil && kill(pid, 0) == 0 }

    /// Hands the shim the container it supervises.
    func configure(_ configuration: ContainerShim.Configuration) throws(RuntimeError) {
        let json: Data
        do {
            json = try JSONEncoder().encode(configuration)
        } catch {
            throw RuntimeError(.internalError, "cannot encode the shim configuration: \(error)")
        }
        try send("config " + String(decoding: json, as: UTF8.self))
    }

    func send(_ command: String) throws(RuntimeError) {
        try socket.send(command)
    }

    /// Waits for the reply to the last command: returns the pid in `<expected> <pid>`,
    /// throws the shim's `error <message>` or a timeout.
    func receive(_ expected: String, timeout: Duration) async throws(RuntimeError) -> pid_t {
        guard let fd = socket.take() else {
            throw RuntimeError(.internalError, "the runtime shim's socket is already closed")
        }
        let line = await ShimReply.read(from: fd, timeout: timeout)
        guard let line else {
            throw RuntimeError(.startFailed, "the runtime shim did not answer \(expected) within \(timeout) or exited")
        }
        if line.hasPrefix("error ") {
            throw RuntimeError(.startFailed, String(line.dropFirst("error ".count)))
        }
        let parts = line.split(separator: " ")
        guard parts.count == 2, parts[0] == expected, let pid = pid_t(parts[1]) else {
            throw RuntimeError(.internalError, "unexpected answer from the runtime shim: \(line)")
        }
        return pid
    }

    /// Closes our end of the socket: after `started` this is the normal end of the
    /// conversation; before it, the shim aborts and deletes what it created.
    func closeChannel() {
        socket.close()
    }

    /// After a failed start: closes the socket, gives the shim `grace` to clean up and exit,
    /// kills it if needed, and reaps it (woken by its pidfd, no polling).
    func abandon(grace: Duration = .seconds(5)) async {
        closeChannel()
        if await ProcessExitMonitor.shared.waitForExit(of: pid, reap: true, timeout: grace) != nil {
            _ = Spawn.poll(pid)
            return
        }
        kill(pid, SIGKILL)
        _ = await ProcessExitMonitor.shared.waitForExit(of: pid, reap: true, timeout: .seconds(10))
        _ = Spawn.poll(pid)
    }
}
