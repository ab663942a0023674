import Glibc
import Synchronization

/// Init's own diagnostics on the console (fd 2, ttyS0). Errors always; progress only with
/// `tarmac.debug` on the kernel command line, so a normal boot stays quiet (a chatty serial
/// console is slow under TCG).
enum Console {
    private static let verbose = Atomic<Bool>(false)

    static func enableDebug() { verbose.store(true, ordering: .relaxed) }

    static var debugEnabled: Bool { verbose.load(ordering: .relaxed) }

    static func debug(_ message: @autoclosure () -> String) {
        guard debugEnabled else { return }
        emit("tarmac-init [\(uptime())] \(message())\n")
    }

    static func error(_ message: String) {
        emit("tarmac-init: \(message)\n")
    }

    /// Seconds since boot with millisecond precision, as the kernel's log shows them.
    static func uptime() -> String {
        var now = timespec()
        clock_gettime(CLOCK_BOOTTIME, &now)
        let milliseconds = Int(now.tv_nsec) / 1_000_000
        let padded = milliseconds < 10 ? "00\(milliseconds)" : milliseconds < 100 ? "0\(milliseconds)" : "\(milliseconds)"
        return "\(now.tv_sec).\(padded)"
    }

    private static func emit(_ text: String) {
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { write(2, $0.baseAddress, $0.count) }
            if written > 0 {
                bytes = bytes.dropFirst(written)
            } else if written < 0 && errno == EINTR {
                continue
            } else {
                return
            }
        }
    }
}
