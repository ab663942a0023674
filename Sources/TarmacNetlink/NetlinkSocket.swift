#if canImport(Glibc)
import Glibc
#endif

/// Just enough rtnetlink to build a machine's network without an `ip` process: links up,
/// veth pairs with the peer in another namespace, bridge ports, aliases, addresses and
/// default routes. Each request waits for its answer (netlink answers in microseconds, so
/// the calls are synchronous). A socket acts in the network namespace it was opened in.
public struct NetlinkSocket: ~Copyable {
    private let fd: Int32
    private var sequence: UInt32 = 0

    /// A socket in the calling thread's network namespace.
    public init() throws(NetlinkError) {
        fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */)
        guard fd >= 0 else { throw NetlinkError("open a netlink socket", code: errno) }
    }

    /// Takes ownership of an open NETLINK_ROUTE socket (one opened in another namespace).
    public init(adopting descriptor: Int32) {
        fd = descriptor
    }

    deinit { close(fd) }

    /// The index of the interface called `name`.
    public mutating func linkIndex(name: String) throws(NetlinkError) -> Int32 {
        let reply = try linkInfo(name: name)
        return Int32(bitPattern: NetlinkMessage.readLE32(reply, 4))
    }

    /// The `RTM_NEWLINK` answer (ifinfomsg and attributes) about the interface called `name`.
    mutating func linkInfo(name: String) throws(NetlinkError) -> [UInt8] {
        let body = NetlinkMessage.interfaceInfo() + NetlinkMessage.attribute(3 /* IFLA_IFNAME */, string: name)
        guard let reply = try transact(type: NetlinkMessage.getLink, flags: NetlinkMessage.request, body, what: "find interface \(name)"),
              reply.count >= 16 else {
            throw NetlinkError("find interface \(name)", code: 0)
        }
        return reply
    }

    /// Sets IFF_UP on the interface.
    public mutating func setUp(index: Int32) throws(NetlinkError) {
        let body = NetlinkMessage.interfaceInfo(index: index, flags: NetlinkMessage.interfaceUp, change: NetlinkMessage.interfaceUp)
        try request(NetlinkMessage.newLink, body, what: "set interface \(index) up")
    }

    /// Sets the interface's alias (`ip link set … alias`).
    public mutating func setAlias(index: Int32, alias: String) throws(NetlinkError) {
        let body = NetlinkMessage.interfaceInfo(index: index) + NetlinkMessage.attribute(20 /* IFLA_IFALIAS */, Array(alias.utf8))
        try request(NetlinkMessage.newLink, body, what: "set the alias of interface \(index)")
    }

    /// Creates a veth pair: `name` here, up and a port of `master` when given, and its peer
    /// `peerName` in the namespace open at `peerNamespace` (a descriptor of it).
    public mutating func createVeth(name: String, peerName: String, peerNamespace: Int32, master: Int32?) throws(NetlinkError) {
        let peer = NetlinkMessage.interfaceInfo()
            + NetlinkMessage.attribute(3 /* IFLA_IFNAME */, string: peerName)
            + NetlinkMessage.attribute(28 /* IFLA_NET_NS_FD */, NetlinkMessage.le32(UInt32(bitPattern: peerNamespace)))
        let linkInfo = NetlinkMessage.attribute(1 /* IFLA_INFO_KIND */, string: "veth")
            + NetlinkMessage.attribute(2 /* IFLA_INFO_DATA */, NetlinkMessage.attribute(1 /* VETH_INFO_PEER */, peer))
        var body = NetlinkMessage.interfaceInfo(flags: NetlinkMessage.interfaceUp, change: NetlinkMessage.interfaceUp)
            + NetlinkMessage.attribute(3 /* IFLA_IFNAME */, string: name)
        if let master { body += NetlinkMessage.attribute(10 /* IFLA_MASTER */, NetlinkMessage.le32(UInt32(bitPattern: master))) }
        body += NetlinkMessage.attribute(18 /* IFLA_LINKINFO */, linkInfo)
        try request(NetlinkMessage.newLink, body, extra: NetlinkMessage.create | NetlinkMessage.exclusive,
                    what: "create veth \(name) with peer \(peerName)")
    }

    public mutating func addAddress(index: Int32, address: IPAddress, prefixLength: Int) throws(NetlinkError) {
        var body: [UInt8] = [address.family, UInt8(clamping: prefixLength), 0, 0 /* RT_SCOPE_UNIVERSE */]
        body += NetlinkMessage.le32(UInt32(bitPattern: index))
        body += NetlinkMessage.attribute(2 /* IFA_LOCAL */, address.bytes)
        body += NetlinkMessage.attribute(1 /* IFA_ADDRESS */, address.bytes)
        try request(NetlinkMessage.newAddress, body, extra: NetlinkMessage.create | NetlinkMessage.exclusive,
                    what: "add address \(address)/\(prefixLength)")
    }

    public mutating func addDefaultRoute(index: Int32, gateway: IPAddress) throws(NetlinkError) {
        // rtmsg: family, dst_len, src_len, tos, table (main), protocol (boot), scope (universe), type (unicast), flags.
        var body: [UInt8] = [gateway.family, 0, 0, 0, 254, 3, 0, 1]
        body += NetlinkMessage.le32(0)
        body += NetlinkMessage.attribute(5 /* RTA_GATEWAY */, gateway.bytes)
        body += NetlinkMessage.attribute(4 /* RTA_OIF */, NetlinkMessage.le32(UInt32(bitPattern: index)))
        try request(NetlinkMessage.newRoute, body, extra: NetlinkMessage.create | NetlinkMessage.exclusive,
                    what: "add default route via \(gateway)")
    }

    /// Sends a dump request and hands each reply message's payload to `handle` until the
    /// kernel's `NLMSG_DONE`.
    mutating func dump(type: UInt16, _ body: [UInt8], what: String, _ handle: ([UInt8]) -> Void) throws(NetlinkError) {
        try exchange(type: type, flags: NetlinkMessage.request | NetlinkMessage.dump, body, what: what) { kind, payload throws(NetlinkError) in
            if kind == NetlinkMessage.done { return true }
            if kind == NetlinkMessage.error { throw NetlinkError(what, code: -Self.errorCode(payload)) }
            handle(payload)
            return false
        }
    }

    private mutating func request(_ type: UInt16, _ body: [UInt8], extra: UInt16 = 0, what: String) throws(NetlinkError) {
        _ = try transact(type: type, flags: NetlinkMessage.request | NetlinkMessage.acknowledge | extra, body, what: what)
    }

    /// Sends one request and reads until its answer: the payload of a reply message (for a
    /// get), or nil for a positive acknowledgement; a negative one is thrown.
    private mutating func transact(type: UInt16, flags: UInt16, _ body: [UInt8], what: String) throws(NetlinkError) -> [UInt8]? {
        var reply: [UInt8]?
        try exchange(type: type, flags: flags, body, what: what) { kind, payload throws(NetlinkError) in
            if kind == NetlinkMessage.error {
                guard payload.count >= 4 else { throw NetlinkError(what, code: 0) }
                let code = Self.errorCode(payload)
                guard code == 0 else { throw NetlinkError(what, code: -code) }
                return true
            }
            if kind == NetlinkMessage.done { return false }
            reply = payload
            return true
        }
        return reply
    }

    /// Sends one message, then hands each answer to it (type, payload) to `visit` until
    /// `visit` says it was the last.
    private mutating func exchange(
        type: UInt16, flags: UInt16, _ body: [UInt8], what: String, _ visit: (UInt16, [UInt8]) throws(NetlinkError) -> Bool
    ) throws(NetlinkError) {
        sequence &+= 1
        let message = NetlinkMessage.message(type: type, flags: flags, sequence: sequence, body)
        let sent = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw NetlinkError(what, code: errno) }
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 16 else { throw NetlinkError(what, code: count < 0 ? errno : 0) }
            var offset = 0
            while offset + 16 <= count {
                let length = Int(NetlinkMessage.readLE32(buffer, offset))
                guard length >= 16, offset + length <= count else { break }
                if NetlinkMessage.readLE32(buffer, offset + 8) == sequence,
                   try visit(NetlinkMessage.readLE16(buffer, offset + 4), Array(buffer[(offset + 16)..<(offset + length)])) {
                    return
                }
                offset += (length + 3) & ~3
            }
        }
    }

    /// The (negative errno) code of an `NLMSG_ERROR` payload, 0 for an acknowledgement.
    private static func errorCode(_ payload: [UInt8]) -> Int32 {
        payload.count >= 4 ? Int32(bitPattern: NetlinkMessage.readLE32(payload, 0)) : 0
    }
}
