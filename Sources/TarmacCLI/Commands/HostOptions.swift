import ArgumentParser

/// The options of a process that runs a host agent (`tarmac dev`, `tarmac agent`).
struct HostOptions: ParsableArguments {
    @Option(name: .long, help: "Where Tarmac keeps its state (default: $TARMAC_DATA_DIR or ~/.tarmac).")
    var dataDir: String?

    @Option(name: .long, help: "Machine runtime: auto, container or microvm.")
    var runtime: RuntimeChoice = .auto

    @Option(name: .long, help: "Guest kernel and initramfs for the microvm runtime (built by scripts/build-guest.sh).")
    var guestDir: String = "/var/lib/tarmac/guest"

    @Option(name: .long, help: "Private IPv4 subnet for machines on this host.")
    var subnet: String = "172.30.0.0/16"

    @Option(name: .long, help: "Host bridge the machines are attached to.")
    var bridge: String = "tarmac0"

    @Option(name: .long, help: ArgumentHelp("Prefix of host-global resource names (netns, cgroups); lets several instances share a host.", visibility: .hidden))
    var resourcePrefix: String = "tarmac"

    @Option(name: .long, help: "A registry (HOST:PORT) reached over plain HTTP although not on loopback; repeatable.")
    var insecureRegistry: [String] = []

    @Option(name: .long, help: "Log level: trace, debug, info, notice, warning, error.")
    var logLevel: String = "info"

    /// The validated settings, with the API address and region of the caller.
    func settings(apiListen: String, region: String) throws -> DevSettings {
        try DevSettings(
            dataDirectory: dataDir ?? DevSettings.defaultDataDirectory(), apiListen: apiListen, region: region,
            runtime: runtime, subnet: subnet, bridge: bridge, resourcePrefix: resourcePrefix, insecureRegistries: insecureRegistry,
            guestDirectory: guestDir)
    }
}
