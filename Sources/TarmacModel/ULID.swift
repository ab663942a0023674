import Foundation
import Synchronization

/// 26-character ULIDs (Crockford base32), monotonic within one process so that IDs made
/// in the same millisecond still sort in creation order.
public enum ULID {
    private static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")
    private static let last = Mutex<(millis: UInt64, random: (UInt64, UInt16))>((0, (0, 0)))

    public static func make(date: Date = Date()) -> String {
        let now = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let (millis, random) = last.withLock { state -> (UInt64, (UInt64, UInt16)) in
            if now <= state.millis {
                // Same (or earlier) millisecond: increment the 80-bit random part.
                var (high, low) = state.random
                low &+= 1
                if low == 0 { high &+= 1 }
                state.random = (high, low)
                return (state.millis, state.random)
            }
            state.millis = now
            state.random = (UInt64.random(in: 0...UInt64.max), UInt16.random(in: 0...UInt16.max))
            return (now, state.random)
        }
        return encode(millis: millis, high: random.0, low: random.1)
    }

    static func encode(millis: UInt64, high: UInt64, low: UInt16) -> String {
        var chars = [Character](repeating: "0", count: 26)
        var time = millis
        for index in stride(from: 9, through: 0, by: -1) {
            chars[index] = alphabet[Int(time & 31)]
            time >>= 5
        }
        // 80 random bits = 64 (high) + 16 (low), written as 16 base32 chars.
        var bits: [UInt8] = []
        for shift in stride(from: 56, through: 0, by: -8) { bits.append(UInt8((high >> UInt64(shift)) & 0xff)) }
        bits.append(UInt8(low >> 8))
        bits.append(UInt8(low & 0xff))
        var acc: UInt32 = 0
        var accBits = 0
        var out = 10
        for byte in bits {
            acc = (acc << 8) | UInt32(byte)
            accBits += 8
            while accBits >= 5 {
                accBits -= 5
                chars[out] = alphabet[Int((acc >> UInt32(accBits)) & 31)]
                out += 1
            }
        }
        return String(chars)
    }

    /// Milliseconds since the epoch encoded in a ULID, or nil when it is not one.
    public static func timestamp(of ulid: String) -> UInt64? {
        guard ulid.count == 26 else { return nil }
        var value: UInt64 = 0
        for char in ulid.prefix(10) {
            guard let index = alphabet.firstIndex(of: char) else { return nil }
            value = value << 5 | UInt64(index)
        }
        return value
    }

    public static func isValid(_ value: String) -> Bool {
        value.count == 26 && value.allSatisfy { alphabet.contains($0) }
    }
}
