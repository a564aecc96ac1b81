import Foundation
import Testing

@testable import ProofStore

/// The store's instants (digests depend on them) and the second-precision forms the summaries and file names
/// use, which replaced Foundation's date formatters: the same text as those, for instants across the range.
@Suite("Timestamps")
struct TimestampTests {
    static let instants: [Double] = [
        0, 0.999, 1_764_242_650.123, 1_764_242_650.9996, 951_782_400 - 0.5, 4_102_444_799.999, -1, -86_400.25, 1_795_000_000,
    ]

    @Test("stored text round-trips to the millisecond")
    func storedTextRoundTrips() {
        for seconds in Self.instants {
            let date = Date(timeIntervalSince1970: seconds)
            let text = Timestamp.format(date)
            #expect(text.utf8.count == 24 && text.hasSuffix("Z"), "\(text)")
            let parsed = Timestamp.parse(text)
            #expect(parsed.map(Timestamp.format) == text, "\(seconds) → \(text)")
            #expect(parsed.map { abs($0.timeIntervalSince1970 - seconds) <= 0.0005 } == true, "\(seconds) → \(text)")
        }
        #expect(Timestamp.format(Date(timeIntervalSince1970: 1_764_242_650.123)) == "2025-11-27T11:24:10.123Z")
        #expect(Timestamp.parse("2025-11-27T11:24:10Z") == nil, "only the stored form parses")
    }

    @Test("to the second: what ISO8601DateFormatter and a UTC DateFormatter write")
    func secondsMatchFoundation() {
        let iso = ISO8601DateFormatter()
        iso.formatOptions = [.withInternetDateTime]
        iso.timeZone = TimeZone(identifier: "UTC")
        let compact = DateFormatter()
        compact.locale = Locale(identifier: "en_US_POSIX")
        compact.timeZone = TimeZone(identifier: "UTC")
        compact.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        for seconds in Self.instants {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(Timestamp.formatSeconds(date) == iso.string(from: date), "\(seconds)")
            #expect(Timestamp.formatSeconds(date, compact: true) == compact.string(from: date), "\(seconds)")
        }
        #expect(Timestamp.formatSeconds(Date(timeIntervalSince1970: 1_764_242_650.999)) == "2025-11-27T11:24:10Z", "truncated to the second")
        #expect(Timestamp.formatSeconds(Date(timeIntervalSince1970: 1_764_242_650.9996)) == "2025-11-27T11:24:11Z", "after rounding to the millisecond")
        #expect(Timestamp.formatSeconds(Date(timeIntervalSince1970: 1_764_242_650), compact: true) == "20251127T112410Z")
    }
}
