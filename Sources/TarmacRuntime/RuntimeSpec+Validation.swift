import TarmacSystem

extension RuntimeSpec {
    /// Checks every driver needs before it touches the host: a usable machine id (it names
    /// directories and host resources), an absolute machine directory and a command.
    func validate() throws(RuntimeError) {
        guard !machineID.isEmpty, !machineID.contains("/"), !machineID.contains("-"), !machineID.hasPrefix(".") else {
            throw RuntimeError(.startFailed, "invalid machine id \"\(machineID)\"")
        }
        guard machineDirectory.hasPrefix("/") else {
            throw RuntimeError(.startFailed, "machine directory must be an absolute path, got \"\(machineDirectory)\"")
        }
        guard !process.args.isEmpty else {
            throw RuntimeError(.startFailed, "no command to run: the image has no entrypoint/cmd and the machine config sets none")
        }
    }
}

/// Host programs the drivers run (runc, qemu, qemu-img).
enum RuntimeTools {
    /// The program's path, or an error naming the Debian package that provides it.
    static func resolve(_ program: String, package: String) throws(RuntimeError) -> String {
        do {
            return try Command.resolve(program)
        } catch {
            throw RuntimeError(.unsupported, "\(program) is not installed: apt-get install \(package), or run scripts/install-deps.sh")
        }
    }
}
