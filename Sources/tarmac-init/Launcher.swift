import CTarmacInit
import Glibc

/// Starting a program in the guest: PATH lookup as `execvp` does it (with the machine's
/// PATH, not init's), identity, working directory, environment and standard descriptors.
struct Launcher {
    static let defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// Why a program did not start; `exitCode` follows the shell's convention.
    struct Failure: Error {
        var message: String
        var exitCode: Int32
    }

    var args: [String]
    var env: [String]
    var workingDirectory: String
    var identity: Identity
    var stdin: Int32 = -1
    var stdout: Int32 = -1
    var stderr: Int32 = -1
    /// Makes stdin (a terminal) the controlling terminal of the program's new session.
    var controllingTerminal = false

    /// The environment with PATH, HOME and HOSTNAME filled in when the image did not set them.
    static func environment(_ env: [String], identity: Identity, hostname: String) -> [String] {
        var result = env
        let names = Set(env.map { $0.split(separator: "=", maxSplits: 1).first.map(String.init) ?? $0 })
        if !names.contains("PATH") { result.append("PATH=\(defaultPath)") }
        if !names.contains("HOME") { result.append("HOME=\(identity.home)") }
        if !names.contains("HOSTNAME") && !hostname.isEmpty { result.append("HOSTNAME=\(hostname)") }
        return result
    }

    /// `base` with `overrides` applied: one entry per name (getenv would see only the first
    /// of two), the override's value in the base entry's place.
    static func merge(_ base: [String], _ overrides: [String]) -> [String] {
        func name(_ entry: String) -> Substring { entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? "" }
        var result = base
        for entry in overrides {
            if let index = result.firstIndex(where: { name($0) == name(entry) }) {
                result[index] = entry
            } else {
                result.append(entry)
            }
        }
        return result
    }

    /// Starts the program; the pid on success. A child that failed to exec is reaped here.
    func spawn() throws(Failure) -> pid_t {
        guard let program = args.first, !program.isEmpty else {
            throw Failure(message: "no command to run (the image has no entrypoint or cmd)", exitCode: 127)
        }
        if !workingDirectory.isEmpty && !FileSystem.isDirectory(workingDirectory) {
            throw Failure(message: "working directory \(workingDirectory) does not exist", exitCode: 126)
        }
        let path = try resolve(program)
        var code: Int32 = 0
        let pid = withCStrings(args) { argv in
            withCStrings(env) { envp in
                identity.groups.withUnsafeBufferPointer { groups in
                    tarmac_spawn(path, argv, envp, workingDirectory.isEmpty ? "/" : workingDirectory,
                                 stdin, stdout, stderr, controllingTerminal ? 1 : 0, 1, identity.uid, identity.gid,
                                 Int32(groups.count), groups.baseAddress, &code)
                }
            }
        }
        if pid < 0 { throw Failure(message: "cannot start \(program): \(String(cString: strerror(code)))", exitCode: 126) }
        guard code == 0 else {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            let notFound = code == ENOENT
            throw Failure(message: "cannot execute \(program): \(String(cString: strerror(code)))"
                + (code == ENOENT && FileSystem.exists(path) ? " (its interpreter or loader is missing)" : ""),
                exitCode: notFound ? 127 : 126)
        }
        return pid
    }

    /// The file `execvp` would run for `program`.
    private func resolve(_ program: String) throws(Failure) -> String {
        if program.contains("/") {
            if program.hasPrefix("/") || workingDirectory.isEmpty { return program }
            return workingDirectory + "/" + program
        }
        let searchPath = env.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) } ?? Self.defaultPath
        var denied = false
        for directory in searchPath.split(separator: ":", omittingEmptySubsequences: false) {
            let candidate = (directory.isEmpty ? "." : String(directory)) + "/" + program
            var info = stat()
            guard stat(candidate, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            if access(candidate, X_OK) == 0 { return candidate }
            denied = true
        }
        throw Failure(message: denied ? "\(program): permission denied" : "\(program): executable file not found in $PATH (\(searchPath))",
                      exitCode: denied ? 126 : 127)
    }
}

/// A NULL-terminated array of C strings valid during `body` (argv, envp).
func withCStrings<Result>(_ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>) -> Result) -> Result {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { for pointer in pointers { free(pointer) } }
    return pointers.withUnsafeBufferPointer { buffer in
        // A non-empty array always has storage.
        guard let base = buffer.baseAddress else { preconditionFailure("empty C string array") }
        return body(base)
    }
}
