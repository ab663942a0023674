#if canImport(Glibc)
import Glibc
#endif

/// Starting and reaping the shim's own children (runc) with `posix_spawn`.
enum ShimSpawn {
    /// How a child ended: `exited(code)` or `signaled(signal)`.
    enum Termination: Equatable {
        case exited(Int32)
        case signaled(Int32)

        init(waitStatus status: Int32) {
            let signal = status & 0x7f
            self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
        }

        var succeeded: Bool { self == .exited(0) }
    }

    /// Runs `path` with `arguments` (argv[0] is `path`), stdin /dev/null and stdout/stderr
    /// on `output` (or /dev/null when nil), the shim's environment, every signal defaulted
    /// and unblocked (the shim ignores SIGPIPE), and waits for it. Nil when it could not start.
    static func run(_ path: String, _ arguments: [String], output: Int32?) -> Termination? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let output {
            posix_spawn_file_actions_adddup2(&actions, output, 1)
            posix_spawn_file_actions_adddup2(&actions, output, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
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
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, path, &actions, &attributes, argv, environ) == 0 else { return nil }
        return wait(pid)
    }

    /// Blocks until the child `pid` ends.
    static func wait(_ pid: pid_t) -> Termination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, 0)
            if result == pid { return Termination(waitStatus: status) }
            if result == -1 && errno == EINTR { continue }
            return nil
        }
    }
}
