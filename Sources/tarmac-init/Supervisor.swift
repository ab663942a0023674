import Glibc
import TarmacGuestProtocol

/// Init's event loop once the main process runs: reaps children (PID 1 inherits every
/// orphan), forwards signals to the main process, serves the control port, runs execs.
/// Single-threaded, driven by poll(2); returns how the main process ended.
struct Supervisor {
    /// How long a poweroff request waits after SIGTERM before SIGKILL.
    static let stopGrace: Duration = .seconds(3)
    /// After the main process ended, how long the `exited` message may take to reach the host.
    static let reportFlushTimeout: Duration = .milliseconds(500)

    let config: GuestConfig
    let signals: Signals
    var control: ControlPort?
    let mainPID: pid_t
    let oomBaseline: Int64
    private var mainExit: GuestExit?
    private var execs: [ExecSession] = []
    private var ttys: [TTYSession] = []
    private var killAt: ContinuousClock.Instant?

    init(config: GuestConfig, signals: Signals, control: ControlPort?, mainPID: pid_t, oomBaseline: Int64) {
        self.config = config
        self.signals = signals
        self.control = control
        self.mainPID = mainPID
        self.oomBaseline = oomBaseline
    }

    mutating func run() -> GuestExit {
        while mainExit == nil { iterate(until: nil) }
        let exit = mainExit ?? GuestExit(exitCode: 0, signal: 0, oomKilled: false)
        if var port = control, let session = port.greeted ? port.session : nil {
            port.send(.exited(exit), session: session)
            control = port
            let end = ContinuousClock.now + Self.reportFlushTimeout
            while control?.hasOutput == true && ContinuousClock.now < end { iterate(until: end) }
        }
        for index in execs.indices { execs[index].abandon() }
        for index in ttys.indices { ttys[index].abandon() }
        return exit
    }

    private mutating func iterate(until limit: ContinuousClock.Instant?) {
        var descriptors = [pollfd(fd: signals.fd, events: Int16(POLLIN), revents: 0)]
        if let port = control, let events = port.pollEvents { descriptors.append(pollfd(fd: port.fd, events: events, revents: 0)) }
        for exec in execs {
            for (fd, events) in exec.pollRequests { descriptors.append(pollfd(fd: fd, events: events, revents: 0)) }
        }
        for tty in ttys {
            if let events = tty.pollEvents { descriptors.append(pollfd(fd: tty.master, events: events, revents: 0)) }
        }
        let deadlines = [limit, killAt, control?.nextDeadline] + execs.map { $0.status == nil ? $0.deadline : nil }
        let now = ContinuousClock.now
        let timeout: Int32 = deadlines.compactMap { $0 }.min().map { Self.milliseconds(from: now, to: $0) } ?? -1
        let ready = poll(&descriptors, nfds_t(descriptors.count), timeout)
        if ready < 0 && errno != EINTR { Console.error("poll failed: \(String(cString: strerror(errno)))") }

        for descriptor in descriptors where descriptor.revents != 0 {
            if descriptor.fd == signals.fd {
                handleSignals()
            } else if descriptor.fd == control?.fd, var port = control {
                let messages = port.handle(descriptor.revents)
                control = port
                for message in messages { handle(message) }
            } else if let index = execs.firstIndex(where: { exec in exec.pollRequests.contains { $0.0 == descriptor.fd } }) {
                execs[index].handle(fd: descriptor.fd, events: descriptor.revents)
            } else if let index = ttys.firstIndex(where: { $0.master == descriptor.fd }) {
                let output = ttys[index].handle(events: descriptor.revents)
                for message in output { control?.send(message, session: ttys[index].session) }
            }
        }

        let later = ContinuousClock.now
        control?.tick(now: later)
        for index in execs.indices { execs[index].enforceDeadline(now: later) }
        if let killAt, later >= killAt {
            Console.debug("grace period over; killing every process")
            kill(-1, SIGKILL)
            self.killAt = nil
        }
        completeExecs()
        completeTTYs()
    }

    private mutating func handleSignals() {
        for signal in signals.pending() {
            switch signal {
            case SIGCHLD: reap()
            case SIGIO: control?.refresh()
            default:
                if mainExit == nil { kill(mainPID, signal) }
            }
        }
    }

    private mutating func reap() {
        var status: Int32 = 0
        while true {
            let pid = waitpid(-1, &status, WNOHANG)
            if pid < 0 && errno == EINTR { continue }
            guard pid > 0 else { return }
            if pid == mainPID {
                let exited = status & 0x7F == 0
                mainExit = GuestExit(exitCode: exited ? (status >> 8) & 0xFF : 0, signal: exited ? 0 : status & 0x7F,
                                     oomKilled: ProcessTable.oomKills() > oomBaseline)
                Console.debug("main process \(pid) ended: code \(mainExit?.exitCode ?? 0) signal \(mainExit?.signal ?? 0)")
            } else if let index = execs.firstIndex(where: { $0.pid == pid }) {
                execs[index].status = status
            } else if let index = ttys.firstIndex(where: { $0.pid == pid }) {
                ttys[index].status = status
            }
        }
    }

    private mutating func completeExecs() {
        var index = 0
        while index < execs.count {
            guard execs[index].status != nil else { index += 1; continue }
            var exec = execs.remove(at: index)
            let result = exec.finish()
            control?.send(.execResult(id: exec.id, result), session: exec.session)
        }
    }

    private mutating func completeTTYs() {
        var index = 0
        while index < ttys.count {
            guard ttys[index].status != nil else { index += 1; continue }
            var tty = ttys.remove(at: index)
            for message in tty.finish() { control?.send(message, session: tty.session) }
        }
    }

    private mutating func handle(_ message: GuestMessage) {
        guard var port = control else { return }
        let session = port.session
        switch message {
        case .hello(let version, _):
            if version != GuestProtocol.version {
                Console.error("host speaks protocol version \(version), init speaks \(GuestProtocol.version)")
            }
            port.greet(mainPID: mainExit == nil ? mainPID : 0)
            Console.debug("host said hello; session \(port.session)")
            // Interactive sessions of a host that went away are hung up, like a dropped ssh.
            for tty in ttys where tty.session != port.session { tty.hangUp() }
        case .ttyOpen(let id, let request):
            switch TTYSession.start(id: id, session: session, request: request, config: config) {
            case .success(let tty):
                ttys.append(tty)
                port.send(.ok(id: id), session: session)
            case .failure(let failure):
                port.send(.failure(id: id, message: failure.message), session: session)
            }
        case .ttyInput(let id, let bytes):
            if let index = ttys.firstIndex(where: { $0.id == id && $0.session == session }) { ttys[index].write(bytes) }
        case .ttyResize(let id, let rows, let columns):
            ttys.first { $0.id == id && $0.session == session }?.resize(rows: rows, columns: columns)
        case .ttyClose(let id):
            ttys.first { $0.id == id && $0.session == session }?.hangUp()
        case .exec(let id, let request):
            switch ExecSession.start(id: id, session: port.session, request: request, config: config) {
            case .success(let exec): execs.append(exec)
            case .failure(let failure): port.send(.execResult(id: id, failure.result), session: session)
            }
        case .signal(let id, let signal):
            if mainExit != nil {
                port.send(.failure(id: id, message: "the main process is not running"), session: session)
            } else if kill(mainPID, signal) == 0 {
                port.send(.ok(id: id), session: session)
            } else {
                port.send(.failure(id: id, message: "cannot signal the main process: \(String(cString: strerror(errno)))"), session: session)
            }
        case .listProcesses(let id):
            port.send(.processes(id: id, ProcessTable.list()), session: session)
        case .status(let id):
            port.send(.mainStatus(id: id, running: mainExit == nil, pid: mainPID, exit: mainExit), session: session)
        case .poweroff(let id):
            port.send(.ok(id: id), session: session)
            if killAt == nil {
                Console.debug("poweroff requested")
                kill(-1, SIGTERM)
                killAt = ContinuousClock.now + Self.stopGrace
            }
        case .execResult, .processes, .mainStatus, .ok, .failure, .exited, .ttyOutput, .ttyExit:
            break
        }
        control = port
    }

    private static func milliseconds(from now: ContinuousClock.Instant, to deadline: ContinuousClock.Instant) -> Int32 {
        guard deadline > now else { return 0 }
        let (seconds, attoseconds) = (deadline - now).components
        return Int32(clamping: seconds * 1_000 + attoseconds / 1_000_000_000_000_000 + 1)
    }
}
