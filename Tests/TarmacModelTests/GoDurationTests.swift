import Foundation
import Testing
import TarmacModel

@Suite("GoDuration")
struct GoDurationTests {
    static let second: Int64 = 1_000_000_000

    @Test("parses Go duration strings", arguments: [
        ("10s", 10 * second),
        ("1m30s", 90 * second),
        ("1.5s", 1_500_000_000),
        ("500ms", 500_000_000),
        ("1h2m3s", 3_723 * second),
        ("0", 0),
        ("0s", 0),
        ("250us", 250_000),
        ("250\u{00B5}s", 250_000),
        ("42ns", 42),
        ("-5s", -5 * second),
        ("+5s", 5 * second),
        ("1h", 3_600 * second),
        ("2m", 120 * second),
        (".5s", 500_000_000),
    ] as [(String, Int64)])
    func parses(text: String, nanoseconds: Int64) {
        #expect(GoDuration(parsing: text)?.nanoseconds == nanoseconds)
    }

    /// Go's `time.ParseDuration` is exact; decimal fractions must not lose a nanosecond to
    /// binary floating point (8.2 × 1e9 is 8199999999.999999 as a Double).
    @Test("decimal fractions parse exactly", arguments: [
        ("8.2s", 8_200_000_000),
        ("2.01s", 2_010_000_000),
        ("1.005s", 1_005_000_000),
        ("0.1s", 100_000_000),
        ("1.1ms", 1_100_000),
    ] as [(String, Int64)])
    func parsesFractionsExactly(text: String, nanoseconds: Int64) {
        #expect(GoDuration(parsing: text)?.nanoseconds == nanoseconds)
    }

    @Test("rejects invalid strings", arguments: ["", "abc", "10", "s", "10x", "1.5.5s", "5 s", "1d", "--5s", "10000000h"])
    func rejects(text: String) {
        #expect(GoDuration(parsing: text) == nil)
    }

    @Test("formats like Go's Duration.String()", arguments: [
        (0, "0s"),
        (90 * second, "1m30s"),
        (1_500_000_000, "1.5s"),
        (500_000_000, "500ms"),
        (10 * second, "10s"),
        (60 * second, "1m0s"),
        (3_600 * second, "1h0m0s"),
        (3_723 * second, "1h2m3s"),
        (61_500_000_000, "1m1.5s"),
        (1_050_000_000, "1.05s"),
        (1_000_000, "1ms"),
        (1_500_000, "1.5ms"),
        (1_500, "1.5\u{00B5}s"),
        (999, "999ns"),
        (-90 * second, "-1m30s"),
        (300 * second, "5m0s"),
    ] as [(Int64, String)])
    func formats(nanoseconds: Int64, text: String) {
        #expect(GoDuration(nanoseconds: nanoseconds).description == text)
    }

    @Test("formatting and parsing round-trip", arguments: [1, 999, 1_500, 1_000_000, 500_000_000, 8_200_000_000, 90_000_000_000, 3_723_000_000_000] as [Int64])
    func roundTrip(nanoseconds: Int64) throws {
        let text = GoDuration(nanoseconds: nanoseconds).description
        #expect(GoDuration(parsing: text)?.nanoseconds == nanoseconds)
    }

    @Test("seconds initializer is exact for decimal seconds")
    func secondsInitializer() {
        #expect(GoDuration(seconds: 10).nanoseconds == 10 * Self.second)
        #expect(GoDuration(seconds: 1.5).nanoseconds == 1_500_000_000)
        #expect(GoDuration(seconds: 8.2).nanoseconds == 8_200_000_000)
        #expect(GoDuration(seconds: 2.5).seconds == 2.5)
        #expect(GoDuration(seconds: 3).duration == .seconds(3))
    }

    struct Holder: Codable, Equatable {
        var timeout: GoDuration
    }

    @Test("decodes JSON strings and numbers (numbers are nanoseconds)", arguments: [
        (#"{"timeout":"10s"}"#, 10 * second),
        (#"{"timeout":"1m30s"}"#, 90 * second),
        (#"{"timeout":10000000000}"#, 10 * second),
        (#"{"timeout":0}"#, 0),
        (#"{"timeout":1500000000.0}"#, 1_500_000_000),
    ] as [(String, Int64)])
    func decodes(json: String, nanoseconds: Int64) throws {
        let holder = try JSONDecoder().decode(Holder.self, from: Data(json.utf8))
        #expect(holder.timeout.nanoseconds == nanoseconds)
    }

    @Test("decoding an invalid duration string fails", arguments: [#"{"timeout":"abc"}"#, #"{"timeout":"10"}"#, #"{"timeout":true}"#, #"{"timeout":null}"#])
    func decodingFails(json: String) {
        #expect(throws: DecodingError.self) {
            try JSONDecoder().decode(Holder.self, from: Data(json.utf8))
        }
    }

    @Test("encodes as a Go duration string")
    func encodes() throws {
        let data = try JSONEncoder().encode(Holder(timeout: GoDuration(nanoseconds: 90 * Self.second)))
        #expect(String(decoding: data, as: UTF8.self) == #"{"timeout":"1m30s"}"#)
        #expect(try JSONDecoder().decode(Holder.self, from: data) == Holder(timeout: GoDuration(nanoseconds: 90 * Self.second)))
    }
}
