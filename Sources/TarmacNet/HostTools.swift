import Foundation
import TarmacNetlink
import TarmacSystem

/// Runs the host networking programs (`ip`, `iptables`) and turns their failures into
/// `NetError`s that say what to do.
enum HostTools {
    /// Runs `ip` with `arguments` and returns its stdout.
    @discardableResult
    static func ip(_ arguments: [String]) async throws(NetError) -> String {
        try await run("ip", arguments, input: nil, package: "iproute2")
    }

    /// Runs several `ip` commands in one process (`ip [-n NETNS] -batch -`), one per line.
    /// A failing line stops the batch and fails the call.
    static func ipBatch(_ lines: [String], namespace: String? = nil) async throws(NetError) {
        guard !lines.isEmpty else { return }
        var arguments: [String] = []
        if let namespace { arguments += ["-n", namespace] }
        arguments += ["-batch", "-"]
        let script = lines.joined(separator: "\n") + "\n"
        try await run("ip", arguments, input: Data(script.utf8), package: "iproute2")
    }

    /// Runs `iptables -w` with `arguments`; returns whether it exited 0. Used for `-C` checks.
    static func iptablesSucceeds(_ arguments: [String]) async throws(NetError) -> Bool {
        let result: Command.Result
        do {
            result = try await Command.run("iptables", ["-w"] + arguments)
        } catch {
            throw NetError(.missingTool, "iptables not found: install it (apt-get install iptables) or run the setup command")
        }
        return result.succeeded
    }

    static func iptables(_ arguments: [String]) async throws(NetError) {
        try await run("iptables", ["-w"] + arguments, input: nil, package: "iptables")
    }

    @discardableResult
    private static func run(_ program: String, _ arguments: [String], input: Data?, package: String) async throws(NetError) -> String {
        let result: Command.Result
        do {
            result = try await Command.run(program, arguments, input: input)
        } catch {
            throw NetError(.missingTool, "\(program) not found: install it (apt-get install \(package)) or run the setup command")
        }
        guard result.succeeded else {
            let detail = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
            let shownArguments = input.map { String(decoding: $0, as: UTF8.self).replacingOccurrences(of: "\n", with: "; ") }
            throw NetError(.commandFailed, "\(program) \(arguments.joined(separator: " "))\(shownArguments.map { " [\($0)]" } ?? "") failed (exit \(result.status)): \(detail)")
        }
        return result.stdout
    }

    /// Whether a network interface exists in the current namespace (no process spawned).
    static func interfaceExists(_ name: String) -> Bool {
        link(named: name) != nil
    }

    /// The interface called `name` in the process's network namespace, nil when there is
    /// none (or netlink cannot be opened).
    static func link(named name: String) -> NetlinkLink? {
        guard var socket = try? NetlinkSocket() else { return nil }
        return socket.link(named: name)
    }

    /// The interfaces of the process's network namespace, asked over netlink (sysfs shows
    /// the namespace that mounted it, which is not ours under `nsenter --net`); empty when
    /// netlink cannot be opened.
    static func links() -> [NetlinkLink] {
        do {
            var socket = try NetlinkSocket()
            return try socket.links()
        } catch {
            return []
        }
    }

    /// Reads a small /sys or /proc file, trimmed.
    static func readSystemFile(_ path: String) -> String? {
        (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Interface names the kernel accepts: 1–15 bytes, no `/`, whitespace or `:`.
    static func isValidInterfaceName(_ name: String) -> Bool {
        (1...15).contains(name.utf8.count) && !name.contains(where: { $0 == "/" || $0 == ":" || $0.isWhitespace })
    }
}
