import Glibc
import TarmacGuestProtocol

/// One `exec` request running in the guest: its pipes, the output so far (capped), its
/// deadline. Completed once the process has been reaped; output still in the pipes then is
/// drained without waiting for descendants that may hold them open.
struct ExecSession {
    /// Per stream; more is dropped (frames must stay under `GuestProtocol.maxFrame`).
    static let outputLimit = 4 << 20

    let id: UInt32
    /// Control-port session that asked; the answer is dropped if the host changed since.
    let session: Int
    let pid: pid_t
    private(set) var stdout: Int32
    private(set) var stderr: Int32
    private(set) var stdin: Int32
    private var input: ArraySlice<UInt8>
    private var output: [UInt8] = []
    private var errors: [UInt8] = []
    let deadline: ContinuousClock.Instant?
    private(set) var timedOut = false
    /// Wait status, once reaped.
    var status: Int32?

    /// Starts the command; a command that cannot start is reported as an ordinary result.
    static func start(id: UInt32, session: Int, request: GuestExecRequest, config: GuestConfig) -> Result<ExecSession, ExecFailure> {
        let identity: Identity
        do {
            identity = try Identity.resolve(request.user ?? config.user)
        } catch {
            return .failure(ExecFailure(message: "\(error)", exitCode: 126))
        }
        guard let outPipe = Pipe.make(initReads: true), let errPipe = Pipe.make(initReads: true), let inPipe = Pipe.make(initReads: false) else {
            return .failure(ExecFailure(message: "cannot create pipes: \(String(cString: strerror(errno)))", exitCode: 126))
        }
        let env = Launcher.environment(Launcher.merge(config.env, request.env), identity: identity, hostname: config.hostname)
        let launcher = Launcher(args: request.args, env: env,
                                workingDirectory: request.workingDirectory ?? config.workingDirectory,
                                identity: identity, stdin: inPipe.read, stdout: outPipe.write, stderr: errPipe.write)
        let pid: pid_t
        do {
            pid = try launcher.spawn()
        } catch {
            for fd in [outPipe.read, outPipe.write, errPipe.read, errPipe.write, inPipe.read, inPipe.write] { close(fd) }
            return .failure(ExecFailure(message: error.message, exitCode: error.exitCode))
        }
        close(outPipe.write)
        close(errPipe.write)
        close(inPipe.read)
        var stdinWriter = inPipe.write
        if request.stdin.isEmpty {
            close(stdinWriter)
            stdinWriter = -1
        }
        let deadline = request.timeoutMilliseconds > 0 ? ContinuousClock.now + .milliseconds(request.timeoutMilliseconds) : nil
        var session = ExecSession(id: id, session: session, pid: pid, stdout: outPipe.read, stderr: errPipe.read,
                                  stdin: stdinWriter, input: request.stdin[...], deadline: deadline)
        session.writeInput()
        return .success(session)
    }

    private init(id: UInt32, session: Int, pid: pid_t, stdout: Int32, stderr: Int32, stdin: Int32,
                 input: ArraySlice<UInt8>, deadline: ContinuousClock.Instant?) {
        self.id = id
        self.session = session
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self.input = input
        self.deadline = deadline
    }

    /// (descriptor, events) to poll.
    var pollRequests: [(Int32, Int16)] {
        var list: [(Int32, Int16)] = []
        if stdout >= 0 { list.append((stdout, Int16(POLLIN))) }
        if stderr >= 0 { list.append((stderr, Int16(POLLIN))) }
        if stdin >= 0 { list.append((stdin, Int16(POLLOUT))) }
        return list
    }

    mutating func handle(fd: Int32, events: Int16) {
        if fd == stdin {
            if events & Int16(POLLERR | POLLHUP) != 0 { closeInput() } else { writeInput() }
        } else if fd == stdout {
            drain(&stdout, into: &output)
        } else if fd == stderr {
            drain(&stderr, into: &errors)
        }
    }

    /// Kills the command (and its session's processes) when its deadline has passed.
    mutating func enforceDeadline(now: ContinuousClock.Instant) {
        guard let deadline, now >= deadline, status == nil, !timedOut else { return }
        timedOut = true
        kill(-pid, SIGKILL)
        kill(pid, SIGKILL)
    }

    /// Collects what is left in the pipes and closes everything; the answer for the host.
    mutating func finish() -> GuestExecResult {
        drain(&stdout, into: &output)
        drain(&stderr, into: &errors)
        if stdout >= 0 { close(stdout); stdout = -1 }
        if stderr >= 0 { close(stderr); stderr = -1 }
        closeInput()
        let status = status ?? 0
        let exited = status & 0x7F == 0
        return GuestExecResult(exitCode: exited ? (status >> 8) & 0xFF : 0, signal: exited ? 0 : status & 0x7F,
                               stdout: output, stderr: errors, timedOut: timedOut)
    }

    /// Closes every descriptor (the command is abandoned, e.g. at power-off).
    mutating func abandon() {
        for fd in [stdout, stderr, stdin] where fd >= 0 { close(fd) }
        stdout = -1
        stderr = -1
        stdin = -1
    }

    private mutating func writeInput() {
        while !input.isEmpty && stdin >= 0 {
            let written = input.withUnsafeBytes { write(stdin, $0.baseAddress, $0.count) }
            if written > 0 {
                input = input.dropFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else if written < 0 && errno == EAGAIN {
                return
            } else {
                break
            }
        }
        closeInput()
    }

    private mutating func closeInput() {
        if stdin >= 0 { close(stdin) }
        stdin = -1
    }

    /// Reads what is available now; closes the descriptor at end of file.
    private func drain(_ fd: inout Int32, into buffer: inout [UInt8]) {
        guard fd >= 0 else { return }
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count > 0 {
                let room = Self.outputLimit - buffer.count
                if room > 0 { buffer.append(contentsOf: chunk.prefix(min(count, room))) }
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                return
            } else {
                close(fd)
                fd = -1
                return
            }
        }
    }
}

/// An exec that did not start, answered as a result with the shell's exit code.
struct ExecFailure: Error {
    var message: String
    var exitCode: Int32

    var result: GuestExecResult {
        GuestExecResult(exitCode: exitCode, signal: 0, stdout: [], stderr: Array("tarmac-init: \(message)\n".utf8), timedOut: false)
    }
}

/// A pipe with both ends close-on-exec (the spawn places the child's end on 0/1/2, which
/// clears that there) and init's end non-blocking. The child's end stays blocking: a
/// program must not see EAGAIN on its standard streams.
struct Pipe {
    let read: Int32
    let write: Int32

    static func make(initReads: Bool) -> Pipe? {
        var fds: [Int32] = [-1, -1]
        guard pipe(&fds) == 0 else { return nil }
        for fd in fds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(initReads ? fds[0] : fds[1], F_SETFL, O_NONBLOCK)
        return Pipe(read: fds[0], write: fds[1])
    }
}
