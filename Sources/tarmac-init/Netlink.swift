import Glibc

/// Just enough rtnetlink to configure one interface without an `ip` binary: link up,
/// add an address, add a default route. Requests carry NLM_F_ACK; each waits for its ack.
struct Netlink: ~Copyable {
    private let fd: Int32
    private var sequence: UInt32 = 0

    init() throws {
        fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0 /* NETLINK_ROUTE */)
        guard fd >= 0 else { throw InitError.system("cannot open a netlink socket") }
    }

    deinit { close(fd) }

    private static let newLink: UInt16 = 16, newAddress: UInt16 = 20, newRoute: UInt16 = 24
    private static let request: UInt16 = 0x1, acknowledge: UInt16 = 0x4, exclusive: UInt16 = 0x200, create: UInt16 = 0x400

    /// Sets IFF_UP on the interface.
    mutating func setUp(index: Int32) throws {
        var body: [UInt8] = [UInt8(AF_UNSPEC), 0]
        body += Self.le16(0) + Self.le32(UInt32(bitPattern: index))
        body += Self.le32(1 /* IFF_UP */) + Self.le32(1)
        try send(type: Self.newLink, flags: Self.request | Self.acknowledge, body, what: "set interface \(index) up")
    }

    mutating func addAddress(index: Int32, address: IPAddress, prefixLength: Int) throws {
        var body: [UInt8] = [address.family, UInt8(clamping: prefixLength), 0, 0 /* RT_SCOPE_UNIVERSE */]
        body += Self.le32(UInt32(bitPattern: index))
        body += Self.attribute(2 /* IFA_LOCAL */, address.bytes)
        body += Self.attribute(1 /* IFA_ADDRESS */, address.bytes)
        try send(type: Self.newAddress, flags: Self.request | Self.acknowledge | Self.create | Self.exclusive, body,
                 what: "add address \(address)/\(prefixLength)")
    }

    mutating func addDefaultRoute(index: Int32, gateway: IPAddress) throws {
        // rtmsg: family, dst_len, src_len, tos, table (main), protocol (boot), scope (universe), type (unicast), flags.
        var body: [UInt8] = [gateway.family, 0, 0, 0, 254, 3, 0, 1]
        body += Self.le32(0)
        body += Self.attribute(5 /* RTA_GATEWAY */, gateway.bytes)
        body += Self.attribute(4 /* RTA_OIF */, Self.le32(UInt32(bitPattern: index)))
        try send(type: Self.newRoute, flags: Self.request | Self.acknowledge | Self.create | Self.exclusive, body,
                 what: "add default route via \(gateway)")
    }

    private mutating func send(type: UInt16, flags: UInt16, _ body: [UInt8], what: String) throws {
        sequence += 1
        let message = Self.le32(UInt32(16 + body.count)) + Self.le16(type) + Self.le16(flags)
            + Self.le32(sequence) + Self.le32(0) + body
        let sent = message.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, 0) }
        guard sent == message.count else { throw InitError.system("netlink: cannot \(what)") }
        try awaitAck(what: what)
    }

    private func awaitAck(what: String) throws {
        var buffer = [UInt8](repeating: 0, count: 8192)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if count < 0 && errno == EINTR { continue }
            guard count >= 16 else { throw InitError.system("netlink: no answer to \(what)") }
            var offset = 0
            while offset + 16 <= count {
                let length = Int(Self.readLE32(buffer, offset))
                let type = UInt16(buffer[offset + 4]) | UInt16(buffer[offset + 5]) << 8
                let seq = Self.readLE32(buffer, offset + 8)
                if type == 2 /* NLMSG_ERROR */ && seq == sequence && offset + 20 <= count {
                    let code = Int32(bitPattern: Self.readLE32(buffer, offset + 16))
                    guard code == 0 else { throw InitError.system("netlink: cannot \(what)", -code) }
                    return
                }
                guard length >= 16 else { break }
                offset += (length + 3) & ~3
            }
        }
    }

    private static func attribute(_ type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var bytes = le16(UInt16(4 + payload.count)) + le16(type) + payload
        while bytes.count % 4 != 0 { bytes.append(0) }
        return bytes
    }

    private static func le16(_ value: UInt16) -> [UInt8] { [UInt8(value & 0xFF), UInt8(value >> 8)] }

    private static func le32(_ value: UInt32) -> [UInt8] {
        [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
    }

    private static func readLE32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }
}

/// An IPv4 or IPv6 address in network byte order.
struct IPAddress: CustomStringConvertible {
    let family: UInt8
    let bytes: [UInt8]
    let description: String

    init?(_ text: String) {
        var buffer = [UInt8](repeating: 0, count: 16)
        if buffer.withUnsafeMutableBytes({ inet_pton(AF_INET, text, $0.baseAddress) }) == 1 {
            family = UInt8(AF_INET)
            bytes = Array(buffer.prefix(4))
        } else if buffer.withUnsafeMutableBytes({ inet_pton(AF_INET6, text, $0.baseAddress) }) == 1 {
            family = UInt8(AF_INET6)
            bytes = buffer
        } else {
            return nil
        }
        description = text
    }
}
