import ArgumentParser

/// `--lease-nonce` of mutating machine commands.
struct LeaseNonceOption: ParsableArguments {
    @Option(help: ArgumentHelp("Nonce of the lease held on the machine, if any.", valueName: "nonce"))
    var leaseNonce: String?
}
