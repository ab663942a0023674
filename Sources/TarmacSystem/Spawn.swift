import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Starting and reaping child processes with `posix_spawn`, for supervisors (the runtime
/// shim) that need exact control of a child's file descriptors and must `waitpid` it
/// themselves. `Command` is the simpler tool for short programs whose output is collected.
public enum Spawn {
    /// A change to the child's file descriptor table, applied in order.
    public enum FileAction: Sendable, Hashable {
        /// `dup2(source, target)`; clears close-on-exec on `target`.
        case duplicate(Int32, to: Int32)
        /// Opens `path` with `flags` (and `mode` for `O_CREAT`) as `target`.
        case open(String, to: Int32, flags: Int32, mode: mode_t)
        case close(Int32)
        /// Closes every descriptor from this one upwards (`posix_spawn_file_actions_addclosefrom_np`,
        /// glibc ≥ 2.34; skipped on older C libraries).
        case closeFrom(Int32)

        /// `/dev/null` as `target` (read-only for 0, write-only otherwise).
        public static func null(_ target: Int32) -> FileAction {
            .open("/dev/null", to: target, flags: target == 0 ? O_RDONLY : O_WRONLY, mode: 0)
        }
    }

    /// How a child ended.
    public enum Termination: Sendable, Hashable {
        case exited(Int32)
        case signaled(Int32)

        /// Decodes a `waitpid` status word.
        public init(waitStatus status: Int32) {
            let signal = status & 0x7f
            self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        }

        public var succeeded: Bool { self == .exited(0) }
    }

    /// Starts `path` with `arguments` (argv[0] is `path`). Every signal the child could
    /// inherit as ignored or blocked is reset to default and unblocked, so programs started by
    /// a process that ignores SIGPIPE behave normally.
    public static func launch(
        _ path: String, _ arguments: [String], environment: [String]? = nil, fileActions: [FileAction] = []
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for action in fileActions {
            let result: Int32
            switch action {
            case .duplicate(let source, let target):
                result = posix_spawn_file_actions_adddup2(&actions, source, target)
            case .open(let file, let target, let flags, let mode):
                result = posix_spawn_file_actions_addopen(&actions, target, file, flags, mode)
            case .close(let target):
                result = posix_spawn_file_actions_addclose(&actions, target)
            case .closeFrom(let lowest):
                result = addCloseFrom.map { $0(&actions, lowest) } ?? 0
            }
            guard result == 0 else { throw CommandError(spawning: path, errno: result) }
        }

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigfillset(&defaults)
        sigdelset(&defaults, SIGKILL)
        sigdelset(&defaults, SIGSTOP)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var mask = sigset_t()
        sigemptyset(&mask)
        posix_spawnattr_setsigmask(&attributes, &mask)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([path] + arguments).map { strdup($0) } + [nil]
        let envp = (environment ?? ProcessInfo.processInfo.environment.map { "\($0.key)=\($0.value)" }).map { strdup($0) } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result = posix_spawn(&pid, path, &actions, &attributes, argv, envp)
        guard result == 0 else { throw CommandError(spawning: path, errno: result) }
        return pid
    }

    /// Blocks until `pid` (a child of this process) ends. Nil when it is not our child.
    public static func wait(_ pid: pid_t) -> Termination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result == pid { return Termination(waitStatus: status) }
            if result == -1 && errno == EINTR { continue }
            return nil
        }
    }

    /// Reaps `pid` if it has ended; nil when it is still running or not our child.
    public static func poll(_ pid: pid_t) -> Termination? {
        var status: Int32 = 0
        let result = waitpid(pid, &status, WNOHANG)
        return result == pid ? Termination(waitStatus: status) : nil
    }
}

private typealias AddCloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

/// Looked up at run time: Swift's Glibc module does not import this GNU extension.
private let addCloseFrom: AddCloseFrom? = dlsym(nil, "posix_spawn_file_actions_addclosefrom_np").map {
    unsafeBitCast($0, to: AddCloseFrom.self)
}

extension CommandError {
    init(spawning program: String, errno code: Int32) {
        description = "cannot start \(program): \(String(cString: strerror(code)))"
    }
}
