import CTarmacLinux
import Glibc
import TarmacGuestProtocol

/// One interactive session (`ttyOpen`): a program on a new pseudo-terminal, leader of its own
/// session with the terminal as its controlling terminal. Init holds the master: what the
/// program prints goes to the host as `ttyOutput`, the host's keystrokes are written to it.
/// Ends with a `ttyExit` once the program has been reaped (and what it printed last was read).
struct TTYSession {
    /// Input waiting for the terminal beyond this (a program that stopped reading) is dropped.
    static let inputLimit = 1 << 20
    /// Largest `ttyOutput` chunk.
    static let chunk = 32 << 10

    let id: UInt32
    /// Control-port session that opened it; its output is dropped once the host changed.
    let session: Int
    let pid: pid_t
    private(set) var master: Int32
    private var input: [UInt8] = []
    /// Wait status, once reaped.
    var status: Int32?

    static func start(id: UInt32, session: Int, request: GuestTTYRequest, config: GuestConfig) -> Result<TTYSession, ExecFailure> {
        let identity: Identity
        do {
            identity = try Identity.resolve(request.user ?? config.user)
        } catch {
            return .failure(ExecFailure(message: "\(error)", exitCode: 126))
        }
        var slave: Int32 = -1
        let master = tarmac_open_pty(request.rows, request.columns, &slave)
        guard master >= 0 else {
            return .failure(ExecFailure(message: "cannot open a terminal: \(String(cString: strerror(errno)))", exitCode: 126))
        }
        let env = Launcher.environment(Launcher.merge(config.env, request.env), identity: identity, hostname: config.hostname)
        var launcher = Launcher(args: request.args, env: env, workingDirectory: request.workingDirectory ?? config.workingDirectory,
                                identity: identity, stdin: slave, stdout: slave, stderr: slave)
        launcher.controllingTerminal = true
        let pid: pid_t
        do {
            pid = try launcher.spawn()
        } catch {
            close(master)
            close(slave)
            return .failure(ExecFailure(message: error.message, exitCode: error.exitCode))
        }
        close(slave)
        return .success(TTYSession(id: id, session: session, pid: pid, master: master))
    }

    private init(id: UInt32, session: Int, pid: pid_t, master: Int32) {
        self.id = id
        self.session = session
        self.pid = pid
        self.master = master
    }

    var pollEvents: Int16? {
        guard master >= 0, !stopReading else { return nil }
        return Int16(POLLIN) | (input.isEmpty ? 0 : Int16(POLLOUT))
    }

    /// Writes pending input; returns what the terminal printed, for the host.
    mutating func handle(events: Int16) -> [GuestMessage] {
        if events & Int16(POLLOUT) != 0 { writeInput() }
        return events & Int16(POLLIN | POLLHUP | POLLERR) != 0 ? drain() : []
    }

    mutating func write(_ bytes: [UInt8]) {
        guard master >= 0, input.count + bytes.count <= Self.inputLimit else { return }
        input += bytes
        writeInput()
    }

    func resize(rows: UInt16, columns: UInt16) {
        guard master >= 0 else { return }
        _ = tarmac_set_window_size(master, rows, columns)
    }

    /// The host hung up: the session's processes get SIGHUP, as on a closed terminal.
    func hangUp() {
        kill(-pid, SIGHUP)
        kill(-pid, SIGCONT)
    }

    /// After the program was reaped: the last output, then how it ended.
    mutating func finish() -> [GuestMessage] {
        let output = drain()
        abandon()
        let status = status ?? 0
        let exited = status & 0x7F == 0
        return output + [.ttyExit(id: id, exitCode: exited ? (status >> 8) & 0xFF : 0, signal: exited ? 0 : status & 0x7F)]
    }

    mutating func abandon() {
        if master >= 0 { close(master) }
        master = -1
    }

    private mutating func writeInput() {
        while !input.isEmpty && master >= 0 {
            let written = input.withUnsafeBytes { Glibc.write(master, $0.baseAddress, $0.count) }
            if written > 0 {
                input.removeFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }

    /// Reads what is available now. EIO means every holder of the slave closed it.
    private mutating func drain() -> [GuestMessage] {
        guard master >= 0, !stopReading else { return [] }
        var messages: [GuestMessage] = []
        var buffer = [UInt8](repeating: 0, count: Self.chunk)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(master, $0.baseAddress, $0.count) }
            if count > 0 {
                messages.append(.ttyOutput(id: id, Array(buffer.prefix(count))))
            } else if count < 0 && errno == EINTR {
                continue
            } else if count < 0 && errno == EAGAIN {
                return messages
            } else {
                // EIO / end: nothing more will come; keep the descriptor until the program is reaped.
                input.removeAll()
                stopReading = true
                return messages
            }
        }
    }

    /// Set once the terminal has no writer left (no more POLLIN worth polling for).
    private(set) var stopReading = false
}
