import ArgumentParser
import TarmacRuntime

/// `tarmac runtime-shim`: the per-container supervisor the container driver starts. Hidden;
/// not meant to be run by hand. See `ContainerShim`.
struct RuntimeShimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime-shim", abstract: "Supervise one container (started by the agent).", shouldDisplay: false
    )

    @Option(help: "runc program") var runc: String
    @Option(help: "runc state directory") var root: String
    @Option(help: "container id") var id: String
    @Option(help: "OCI bundle directory") var bundle: String
    @Option(help: "machine log file (stdout and stderr, appended)") var log: String
    @Option(help: "where runc writes the init pid") var pidFile: String
    @Option(help: "runc's own log (JSON)") var runcLog: String
    @Option(help: "exit status file written when the container ends") var exitFile: String
    @Option(help: "the container's cgroup path") var cgroup: String

    func run() throws {
        let shim = ContainerShim(configuration: ContainerShim.Configuration(
            runc: runc, runcRoot: root, containerID: id, bundle: bundle, logPath: log, pidFile: pidFile,
            runcLog: runcLog, exitFile: exitFile, cgroupsPath: cgroup
        ))
        let code = shim.run()
        if code != 0 { throw ExitCode(code) }
    }
}
