import Foundation

/// The test's own "data centre" on one machine: a bridge on the host and, per agent, a
/// network namespace joined to it by a veth pair, each agent with its own address. All of
/// it is created by `make` and removed by `remove`. `cut`/`restore` partition one agent by
/// taking its link down.
final class ClusterNetwork: @unchecked Sendable {
    // @unchecked: only touched by the test that owns it.
    let tag: Int
    let bridge: String
    private(set) var namespaces: [String] = []

    init() {
        tag = Int.random(in: 10...249)
        bridge = "tc\(tag)br"
    }

    /// The host's address on the bridge: where agents reach the server.
    var gateway: String { "10.77.\(tag).1" }

    func make() throws {
        try Self.ip(["link", "add", bridge, "type", "bridge"])
        try Self.ip(["addr", "add", "\(gateway)/24", "dev", bridge])
        try Self.ip(["link", "set", bridge, "up"])
    }

    /// A namespace for agent `index` with address 10.77.<tag>.<10+index>; returns its name.
    func addNamespace(_ index: Int) throws -> String {
        let name = "tc\(tag)n\(index)"
        try Self.ip(["netns", "add", name])
        namespaces.append(name)
        try Self.ip(["link", "add", hostSide(index), "type", "veth", "peer", "name", "tc\(tag)a\(index)"])
        try Self.ip(["link", "set", "tc\(tag)a\(index)", "netns", name])
        try Self.ip(["link", "set", hostSide(index), "master", bridge, "up"])
        try Self.ip(["netns", "exec", name, "ip", "link", "set", "lo", "up"])
        try Self.ip(["netns", "exec", name, "ip", "addr", "add", "10.77.\(tag).\(10 + index)/24", "dev", "tc\(tag)a\(index)"])
        try Self.ip(["netns", "exec", name, "ip", "link", "set", "tc\(tag)a\(index)", "up"])
        try Self.ip(["netns", "exec", name, "ip", "route", "add", "default", "via", gateway])
        return name
    }

    func hostSide(_ index: Int) -> String { "tc\(tag)h\(index)" }

    /// Partitions agent `index` from everything: its link goes down.
    func cut(_ index: Int) throws { try Self.ip(["link", "set", hostSide(index), "down"]) }

    func restore(_ index: Int) throws { try Self.ip(["link", "set", hostSide(index), "up"]) }

    func remove() {
        for name in namespaces { _ = try? Shell.run("ip", ["netns", "delete", name]) }
        for index in namespaces.indices { _ = try? Shell.run("ip", ["link", "delete", hostSide(index)]) }
        _ = try? Shell.run("ip", ["link", "delete", bridge])
        namespaces = []
    }

    static func ip(_ arguments: [String]) throws {
        let output = try Shell.run("ip", arguments)
        guard output.status == 0 else { throw FixtureError("ip \(arguments.joined(separator: " ")) failed: \(output.stderr)") }
    }
}
