import Foundation
import Logging
import TarmacRuntime
import TarmacSystem

/// Which runtime a host agent runs machines with (`--runtime`), and why.
struct RuntimeSelection {
    let settings: AgentHost.Settings
    let logger: Logger

    /// `auto` picks microVMs when the guest artefacts exist and the KVM probe passes, else
    /// runc containers; `microvm` forces microVMs (under TCG where KVM does not work).
    /// Returns the driver and a sentence saying why.
    func choose(root: String, layers: @escaping @Sendable (String) async throws -> [String]) async throws -> (any RuntimeDriver, String) {
        let guest = GuestArtifacts(directory: settings.guestDirectory)
        let microVM = MicroVMDriver(
            configuration: .init(layers: layers, cacheDirectory: root + "/microvm", guestDirectory: settings.guestDirectory,
                                 resourcePrefix: settings.resourcePrefix),
            logger: logger)
        func container(_ reason: String) throws -> (any RuntimeDriver, String) {
            guard Command.exists("runc") else {
                throw DevError("runc is not installed: run the setup command from the README (it installs runc, iproute2 and iptables)")
            }
            let driver = ContainerDriver(
                configuration: .init(runcRoot: root + "/agent/runc", layers: layers, resourcePrefix: settings.resourcePrefix),
                logger: logger)
            driver.prepare()
            return (driver, reason)
        }
        switch settings.runtime {
        case .container:
            return try container("requested with --runtime container")
        case .microvm:
            do {
                try guest.check()
            } catch {
                throw DevError("--runtime microvm: \(error.message)")
            }
            for tool in ["qemu-system-x86_64", "qemu-img"] where !Command.exists(tool) {
                throw DevError("--runtime microvm needs \(tool): run scripts/install-deps.sh (qemu-system-x86, qemu-utils)")
            }
            let decision = await microVM.acceleratorDecision()
            return (microVM, "requested with --runtime microvm; \(decision.reason)")
        case .auto:
            guard guest.exist else {
                return try container("auto: no microVM guest in \(settings.guestDirectory) (build it with scripts/build-guest.sh), using runc containers")
            }
            guard Command.exists("qemu-system-x86_64"), Command.exists("qemu-img") else {
                return try container("auto: QEMU is not installed (qemu-system-x86, qemu-utils), using runc containers")
            }
            let decision = await microVM.acceleratorDecision()
            guard decision.name == "kvm" else {
                return try container("auto: \(decision.reason.replacingOccurrences(of: "; using TCG", with: "")); using runc containers (--runtime microvm forces microVMs under TCG)")
            }
            return (microVM, "auto: \(decision.reason)")
        }
    }
}
