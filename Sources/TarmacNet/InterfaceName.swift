/// Host interface names must fit IFNAMSIZ (15 bytes), so they carry a hash of the machine
/// rather than its id.
enum InterfaceName {
    /// FNV-1a 64-bit of `prefix/machineID` as 16 lowercase hex digits.
    static func hash(machineID: String, prefix: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "\(prefix)/\(machineID)".utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: max(0, 16 - hex.count)) + hex
    }
}
