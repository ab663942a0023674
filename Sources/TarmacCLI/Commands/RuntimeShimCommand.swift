import ArgumentParser
import TarmacRuntime

/// `tarmac runtime-shim`: the per-container supervisor, as the container driver starts it
/// where the small `tarmac-shim` executable is missing (and as shims started by older
/// versions run). Hidden; not meant to be run by hand: it takes its configuration and
/// commands from the driver over the socket on fd 3. Same code as `tarmac-shim`
/// (`TarmacShimCore.Shim`).
struct RuntimeShimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "runtime-shim", abstract: "Supervise one container (started by the agent).", shouldDisplay: false
    )

    @Option(help: "descriptor of the control socket") var controlFD: Int32 = ContainerShim.controlDescriptor

    func run() throws {
        let code = ContainerShim(controlDescriptor: controlFD).run()
        if code != 0 { throw ExitCode(code) }
    }
}
