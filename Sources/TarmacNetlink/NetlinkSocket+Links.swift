#if canImport(Glibc)
import Glibc
#endif

/// One network interface of the socket's namespace, as `RTM_GETLINK` reports it.
public struct NetlinkLink: Sendable, Hashable {
    public var index: Int32
    public var name: String
    public var flags: UInt32
    public var alias: String?
    /// `IFLA_INFO_KIND` (`veth`, `bridge`, `tun`, …), nil for a physical device.
    public var kind: String?

    public var isUp: Bool { flags & 0x1 != 0 }
}

extension NetlinkSocket {
    /// Every interface of the socket's namespace. Reads the namespace itself, unlike
    /// `/sys/class/net`, which shows the namespace that mounted sysfs (an agent started with
    /// `nsenter --net` sees the host's there).
    public mutating func links() throws(NetlinkError) -> [NetlinkLink] {
        var links: [NetlinkLink] = []
        try dump(type: NetlinkMessage.getLink, NetlinkMessage.interfaceInfo(), what: "list interfaces") { payload in
            if let link = Self.link(payload) { links.append(link) }
        }
        return links
    }

    /// The interface called `name` (one request, no dump), nil when there is none.
    public mutating func link(named name: String) -> NetlinkLink? {
        (try? linkInfo(name: name)).flatMap(Self.link)
    }

    static func link(_ payload: [UInt8]) -> NetlinkLink? {
        // ifinfomsg: family(1) pad(1) type(2) index(4) flags(4) change(4), then attributes.
        guard payload.count >= 16 else { return nil }
        var link = NetlinkLink(index: Int32(bitPattern: NetlinkMessage.readLE32(payload, 4)), name: "", flags: NetlinkMessage.readLE32(payload, 8))
        for (type, value) in NetlinkMessage.attributes(payload, from: 16) {
            switch type {
            case 3: link.name = NetlinkMessage.string(value)
            case 20: link.alias = NetlinkMessage.string(value)
            case 18:
                for (infoType, info) in NetlinkMessage.attributes(value, from: 0) where infoType == 1 { link.kind = NetlinkMessage.string(info) }
            default: break
            }
        }
        return link.name.isEmpty ? nil : link
    }
}

extension NetlinkLink {
    init(index: Int32, name: String, flags: UInt32) {
        self.init(index: index, name: name, flags: flags, alias: nil, kind: nil)
    }
}
