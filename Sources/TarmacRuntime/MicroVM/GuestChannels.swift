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
