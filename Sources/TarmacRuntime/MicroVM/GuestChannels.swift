import Foundation

/// The driver's open control channels, one per running VM instance, connected on first use
/// (so a re-adopted VM gets one too). QEMU serves one client per socket at a time: the
/// agent keeps one channel per VM and drops it when the session ends.
actor GuestChannels {
    private var open: [String: GuestChannel] = [:]

    /// The cached channel for `socketPath`, or a new connection (waiting up to `timeout`).
    func channel(socketPath: String, timeout: Duration) async throws -> GuestChannel {
        if let channel = open[socketPath] { return channel }
        let channel = try await GuestChannel.connect(socketPath: socketPath, timeout: timeout)
        if let raced = open[socketPath] {
            await channel.close()
            return raced
        }
        open[socketPath] = channel
        return channel
    }

    /// Adopts a channel connected elsewhere (by `start`/`resume`).
    func store(_ channel: GuestChannel, socketPath: String) async {
        if let old = open.updateValue(channel, forKey: socketPath), old !== channel { await old.close() }
    }

    /// Closes and forgets the channel of `socketPath`.
    func drop(_ socketPath: String) async {
        if let channel = open.removeValue(forKey: socketPath) { await channel.close() }
    }

    /// Closes every channel (agent shutdown; tests simulating an agent restart).
    func closeAll() async {
        let channels = open.values
        open.removeAll()
        for channel in channels { await channel.close() }
    }
}

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
