import Foundation

/// Resolves `AcceleratorChoice.auto` once per driver (the probe's verdict is also cached on disk).
actor AcceleratorResolver {
    private var verdict: KVMProbe.Verdict?

    func resolve(_ configuration: MicroVMDriver.Configuration) async -> (QEMUArguments.Accelerator, String) {
        switch configuration.accelerator {
        case .kvm: return (.kvm, "KVM requested by configuration")
        case .tcg: return (.tcg, "TCG requested by configuration")
        case .auto:
            if let verdict { return (verdict.kvmUsable ? .kvm : .tcg, verdict.reason) }
            let fresh = await KVMProbe.verdict(guest: configuration.guest, qemu: configuration.qemu,
                                               cacheDirectory: configuration.cacheDirectory, timeout: configuration.probeTimeout)
            verdict = fresh
            return (fresh.kvmUsable ? .kvm : .tcg, fresh.reason)
        }
    }
}
