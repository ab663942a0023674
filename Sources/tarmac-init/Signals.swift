import CTarmacInit
import Glibc

/// Init takes its signals through a signalfd: child exits, SIGIO from the control port,
/// and the signals it forwards to the main process. All are blocked, so they never
/// interrupt init at an awkward point; children get a clean mask (see `tarmac_spawn`).
struct Signals {
    /// Signals init passes on to the main process (SIGINT is also Ctrl-Alt-Del's).
    static let forwarded: [Int32] = [SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGPWR]
    static let handled: [Int32] = forwarded + [SIGCHLD, SIGIO]

    let fd: Int32

    init() throws {
        var mask = sigset_t()
        sigemptyset(&mask)
        for signal in Self.handled { sigaddset(&mask, signal) }
        guard sigprocmask(SIG_BLOCK, &mask, nil) == 0 else { throw InitError.system("cannot block signals") }
        let fd = tarmac_signalfd(&mask)
        guard fd >= 0 else { throw InitError.system("cannot create a signalfd") }
        self.fd = fd
        // A broken pipe to an exec's stdin is an error to handle, not a reason to die.
        signal(SIGPIPE, SIG_IGN)
        _ = tarmac_disable_cad()
    }

    /// Signals delivered since the last call (each at most once: standard signals coalesce).
    func pending() -> [Int32] {
        var signals: [Int32] = []
        while true {
            let signal = tarmac_signalfd_read(fd)
            guard signal > 0 else { return signals }
            signals.append(signal)
        }
    }
}
