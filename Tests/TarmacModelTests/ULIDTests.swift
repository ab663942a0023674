import Foundation
import Testing
@testable import TarmacModel

@Suite("ULID")
struct ULIDTests {
    static let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    @Test("is 26 Crockford base32 characters")
    func shape() {
        for _ in 0..<200 {
            let ulid = ULID.make()
            #expect(ulid.count == 26)
            #expect(ulid.allSatisfy { Self.alphabet.contains($0) })
            #expect(ULID.isValid(ulid))
        }
    }

    @Test("IDs made in the same millisecond are distinct and sorted")
    func monotonic() {
        let date = Date()
        let ids = (0..<1_000).map { _ in ULID.make(date: date) }
        #expect(Set(ids).count == ids.count)
        #expect(ids == ids.sorted())
        for (earlier, later) in zip(ids, ids.dropFirst()) {
            #expect(earlier < later)
        }
    }

    @Test("IDs made later sort after earlier ones")
    func sortedOverTime() async throws {
        let first = ULID.make()
        try await Task.sleep(for: .milliseconds(5))
        let second = ULID.make()
        #expect(first < second)
        #expect(try #require(ULID.timestamp(of: first)) < (try #require(ULID.timestamp(of: second))))
    }

    @Test("timestamp(of:) returns the creation time in milliseconds")
    func timestampOfNewID() throws {
        let before = UInt64(Date().timeIntervalSince1970 * 1000)
        let ulid = ULID.make()
        let after = UInt64(Date().timeIntervalSince1970 * 1000)
        let millis = try #require(ULID.timestamp(of: ulid))
        #expect(millis >= before)
        #expect(millis <= after)
    }

    @Test("timestamp(of:) decodes known values")
    func timestampKnown() {
        // 01HEPA330H… is the instance_id of a machine created 2023-11-08 (docs example).
        #expect(ULID.timestamp(of: "01HEPA330HZ37A78TK080NAK1M") == 1_699_408_350_225)
        #expect(ULID.timestamp(of: "00000000000000000000000000") == 0)
        #expect(ULID.timestamp(of: "7ZZZZZZZZZZZZZZZZZZZZZZZZZ") == (1 << 48) - 1)
    }

    @Test("encode writes the time big-endian in the first ten characters")
    func encodeLayout() {
        #expect(ULID.encode(millis: 0, high: 0, low: 0) == "00000000000000000000000000")
        #expect(ULID.encode(millis: 1, high: 0, low: 0) == "00000000010000000000000000")
        #expect(ULID.encode(millis: 0, high: 0, low: 1) == "00000000000000000000000001")
        #expect(ULID.encode(millis: 0, high: .max, low: .max) == "0000000000ZZZZZZZZZZZZZZZZ")
        let ulid = ULID.encode(millis: 1_699_408_350_225, high: 42, low: 7)
        #expect(ULID.timestamp(of: ulid) == 1_699_408_350_225)
    }

    @Test("timestamp(of:) and isValid reject non-ULIDs", arguments: ["", "01HEPA330HZ37A78TK080NAK1", "01HEPA330HZ37A78TK080NAK1MX", "01hepa330hz37a78tk080nak1m", "01HEPA330HZ37A78TK080NAKIU", "0IHEPA330HZ37A78TK080NAK1M"])
    func rejects(value: String) {
        #expect(!ULID.isValid(value))
        if value.count != 26 || value.prefix(10).contains(where: { !Self.alphabet.contains($0) }) {
            #expect(ULID.timestamp(of: value) == nil)
        }
    }
}
