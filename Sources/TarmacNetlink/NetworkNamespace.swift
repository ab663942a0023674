import CTarmacLinux

/// Named network namespaces, as `ip netns` keeps them: a file in /var/run/netns on which
/// the namespace is bind-mounted.
public enum NetworkNamespace {
    public static let runDirectory = "/var/run/netns"

    /// Creates the namespace pinned at `path` (in `runDirectory`) without changing this
    /// thread's namespace, and returns a netlink socket that acts inside it.
    public static func create(at path: String, runDirectory: String = runDirectory) throws(NetlinkError) -> NetlinkSocket {
        var descriptor: Int32 = -1
        let result = tarmac_netns_create(runDirectory, path, &descriptor)
        guard result == 0 else { throw NetlinkError("create the network namespace \(path)", code: -result) }
        return NetlinkSocket(adopting: descriptor)
    }
}
