import Foundation

/// Finds a machine's program in its root filesystem before the container starts, so a
/// missing program is a clear launch failure rather than an init exiting with 127.
enum ExecutableLookup {
    /// Whether `program` exists in `rootfs`, looked up through the process's `PATH` when it
    /// has no slash. Entries are checked without following symlinks (an image's absolute
    /// links point into the image, not the host).
    static func exists(_ program: String, environment: [String], rootfs: String) -> Bool {
        if program.contains("/") {
            let absolute = program.hasPrefix("/") ? program : "/" + program
            return entryExists(rootfs + absolute)
        }
        let path = environment.last { $0.hasPrefix("PATH=") }.map { String($0.dropFirst(5)) }
            ?? String(OCISpecBuilder.defaultPath.dropFirst(5))
        return path.split(separator: ":").contains { directory in entryExists("\(rootfs)/\(directory)/\(program)") }
    }

    private static func entryExists(_ path: String) -> Bool {
        var info = stat()
        return lstat(path, &info) == 0
    }
}
