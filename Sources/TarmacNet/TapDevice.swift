import Foundation
import TarmacNetlink

/// A machine's TAP device on the host bridge (the host end of a microVM's `eth0`).
///
/// Named `<prefix>` (first 7 characters) + `v` + 7 hex digits of an FNV-1a hash of
/// `<prefix>/<machineID>`, at most 15 bytes (IFNAMSIZ). The interface alias is
/// `<prefix>/<machineID>` so orphans can be found and matched to machines.
public struct TapDevice: Sendable, Hashable {
    public let machineID: String
    public let prefix: String

    public init(machineID: String, prefix: String) {
        self.machineID = machineID
        self.prefix = prefix
    }

    public var name: String { Self.name(machineID: machineID, prefix: prefix) }
    public var alias: String { "\(prefix)/\(machineID)" }

    public static func name(machineID: String, prefix: String) -> String {
        let head = String(prefix.filter { $0.isLetter || $0.isNumber }.prefix(7))
        return head + "v" + InterfaceName.hash(machineID: machineID, prefix: prefix).prefix(7)
    }

    public var exists: Bool { HostTools.interfaceExists(name) }

    /// Creates the TAP (replacing a leftover of the same name), attaches it to `bridge` and
    /// brings it up.
    public func create(bridge: String) async throws(NetError) {
        guard !machineID.isEmpty, HostTools.isValidInterfaceName(name), HostTools.isValidInterfaceName(bridge) else {
            throw NetError(.invalidName, "invalid TAP name \"\(name)\" or bridge name \"\(bridge)\"")
        }
        guard HostTools.interfaceExists(bridge) else {
            throw NetError(.commandFailed, "bridge \(bridge) does not exist: start the agent (it creates the bridge) or run the setup command")
        }
        if exists { try await remove() }
        try await HostTools.ipBatch([
            "tuntap add dev \(name) mode tap",
            "link set \(name) alias \(alias)",
            "link set \(name) master \(bridge) up",
        ])
    }

    /// Makes sure the TAP exists on `bridge` and is up, creating it only when missing (resume
    /// and re-adoption must not replace a device a running QEMU holds).
    public func ensure(bridge: String) async throws(NetError) {
        if exists {
            try await HostTools.ipBatch(["link set \(name) master \(bridge) up"])
        } else {
            try await create(bridge: bridge)
        }
    }

    /// Deletes the device if it exists. Idempotent.
    public func remove() async throws(NetError) {
        guard exists else { return }
        try await HostTools.ip(["link", "del", name])
    }

    /// TAP devices on the host whose alias carries `prefix`, for orphan removal.
    public static func existing(prefix: String) -> [TapDevice] {
        let aliasPrefix = "\(prefix)/"
        var found: [TapDevice] = []
        for link in HostTools.links().sorted(by: { $0.name < $1.name }) where link.kind == "tun" {
            guard let alias = link.alias, alias.hasPrefix(aliasPrefix) else { continue }
            let device = TapDevice(machineID: String(alias.dropFirst(aliasPrefix.count)), prefix: prefix)
            if device.name == link.name { found.append(device) }
        }
        return found
    }
}
