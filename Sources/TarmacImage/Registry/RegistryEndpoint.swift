/// Where a registry's API lives: `http://` for loopback hosts (as Docker does) and hosts the
/// user listed as insecure, `https://` otherwise.
public struct RegistryEndpoint: Sendable, Hashable {
    /// The registry host as used in references and credentials, e.g. `127.0.0.1:5000`.
    public var host: String
    public var scheme: String

    public init(host: String, insecureRegistries: Set<String> = []) {
        self.host = host
        let plain = Self.isLoopback(host) || insecureRegistries.contains(host)
            || insecureRegistries.contains(Self.hostname(of: host))
        scheme = plain ? "http" : "https"
    }

    /// `scheme://host`.
    public var baseURL: String { "\(scheme)://\(host)" }

    /// The host without its port (`[::1]:5000` → `::1`).
    static func hostname(of host: String) -> String {
        if host.hasPrefix("["), let close = host.firstIndex(of: "]") {
            return String(host[host.index(after: host.startIndex)..<close])
        }
        if host.filter({ $0 == ":" }).count == 1, let colon = host.firstIndex(of: ":") {
            return String(host[..<colon])
        }
        return host
    }

    /// `localhost`, `127.0.0.0/8` and `::1`, with or without a port.
    static func isLoopback(_ host: String) -> Bool {
        let name = hostname(of: host).lowercased()
        if name == "localhost" || name == "::1" { return true }
        let octets = name.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets.first == "127" else { return false }
        return octets.allSatisfy { octet in UInt8(octet).map { _ in true } ?? false }
    }
}
