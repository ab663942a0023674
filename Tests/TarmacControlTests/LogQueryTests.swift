import Foundation
import Testing
import TarmacControl
import TarmacModel

@Suite("LogQuery")
struct LogQueryTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test("since as an RFC 3339 time (any offset, nanoseconds kept) or a duration back from now")
    func since() throws {
        let nanos: Int64 = 1_800_000_000 * 1_000_000_000
        #expect(try LogQuery(machineID: nil, region: nil, since: "2027-01-15T08:00:00Z", limit: nil, now: Self.now).since == nanos)
        #expect(try LogQuery(machineID: nil, region: nil, since: "2027-01-15T09:00:00+01:00", limit: nil, now: Self.now).since == nanos)
        #expect(try LogQuery(machineID: nil, region: nil, since: "2027-01-15T08:00:00.000000123Z", limit: nil, now: Self.now).since == nanos + 123)
        #expect(try LogQuery(machineID: nil, region: nil, since: "2027-01-15T07:59:59.5Z", limit: nil, now: Self.now).since == nanos - 500_000_000)
        #expect(try LogQuery(machineID: nil, region: nil, since: "10m", limit: nil, now: Self.now).since == nanos - 600 * 1_000_000_000)
        #expect(try LogQuery(machineID: nil, region: nil, since: "1h30m", limit: nil, now: Self.now).since == nanos - 5_400 * 1_000_000_000)
        let plain = try LogQuery(machineID: "", region: "", since: "", limit: "", now: Self.now)
        #expect(plain.since == nil && plain.machineID == nil && plain.region == nil && plain.limit == LogQuery.defaultLimit)
        #expect(plain.order == .newest)
        #expect(try LogQuery(machineID: nil, region: nil, since: "5s", limit: "7", now: Self.now).order == .oldest)
    }

    @Test("bad since and limit values are refused with the field's name", arguments: [
        ("since", "yesterday"), ("since", "-5m"), ("since", "0s"), ("since", "2027-02-30T00:00:00Z"), ("since", "10 minutes"),
        ("limit", "0"), ("limit", "-1"), ("limit", "10001"), ("limit", "1e3"),
    ])
    func refusals(field: String, value: String) {
        let error = #expect(throws: ControlError.self) {
            _ = try LogQuery(machineID: nil, region: nil, since: field == "since" ? value : nil, limit: field == "limit" ? value : nil, now: Self.now)
        }
        #expect(error?.code == .badRequest)
        #expect(error?.message.contains("\(field) must be") == true, "\(error?.message ?? "")")
        #expect(error?.message.contains("\"\(value)\"") == true)
    }

    @Test("nanosecond timestamps print with nine digits and parse back exactly")
    func nanosRoundTrip() {
        for value: Int64 in [0, 1, 999_999_999, 1_800_000_000_123_456_789, 1_764_806_400_000_000_001] {
            let text = Timestamps.rfc3339Nanos(unixNanos: value)
            #expect(text.count == 30, "\(text)")
            #expect(Timestamps.parseRFC3339Nanos(text) == value, "\(text)")
        }
        #expect(Timestamps.rfc3339Nanos(unixNanos: 1_800_000_000_000_000_042) == "2027-01-15T08:00:00.000000042Z")
        #expect(Timestamps.parseRFC3339Nanos("not a time") == nil)
        var formatter = Timestamps.NanosFormatter()
        for value: Int64 in [5, 999_999_999, 1_000_000_000, 1_000_000_001, 1_800_000_000_000_000_000, 1_799_999_999_999_999_999, 5] {
            #expect(formatter.format(value) == Timestamps.rfc3339Nanos(unixNanos: value), "one formatter for many times: \(value)")
        }
        for bad in ["2027-02-29T00:00:00Z", "2027-01-15T24:00:00Z", "2027-01-15T08:00:00", "2027-01-15T08:00:00.Z", "2027-01-15T08:00:00+1:00"] {
            #expect(Timestamps.parseRFC3339Nanos(bad) == nil, "\(bad)")
        }
        #expect(Timestamps.parseRFC3339Nanos("2028-02-29t08:00:00z") != nil, "a leap day; lower-case t and z are RFC 3339 too")
    }
}
