import CTarmacLinux
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// This process's own terminal during an interactive session: raw mode (every key goes to
/// the remote terminal, which does the echo and line editing), restored afterwards; and
/// its window size, for the remote terminal to match.
struct RawTerminal {
    private var saved: termios?

    static var standardInputIsTerminal: Bool { isatty(STDIN_FILENO) != 0 }

    /// Puts standard input in raw mode when it is a terminal (a pipe is left alone).
    static func enter() -> RawTerminal {
        guard standardInputIsTerminal else { return RawTerminal(saved: nil) }
        var original = termios()
        guard tcgetattr(STDIN_FILENO, &original) == 0 else { return RawTerminal(saved: nil) }
        var raw = original
        cfmakeraw(&raw)
        // Keep output post-processing: the remote side sends CR LF itself, but local
        // messages printed meanwhile stay readable.
        raw.c_oflag |= tcflag_t(OPOST)
        guard tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0 else { return RawTerminal(saved: nil) }
        return RawTerminal(saved: original)
    }

    func restore() {
        guard var saved else { return }
        _ = tcsetattr(STDIN_FILENO, TCSANOW, &saved)
    }

    /// The window size of the terminal on stdout (or stdin), else 24 × 80.
    static func windowSize() -> (rows: UInt16, columns: UInt16) {
        var rows: UInt16 = 0
        var columns: UInt16 = 0
        for fd in [STDOUT_FILENO, STDIN_FILENO] where tarmac_get_window_size(fd, &rows, &columns) == 0 && rows > 0 && columns > 0 {
            return (rows, columns)
        }
        return (24, 80)
    }
}
