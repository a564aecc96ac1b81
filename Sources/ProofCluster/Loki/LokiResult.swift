import Foundation
import ProofCore

/// A log stream as Loki's API carries it: labels and (nanosecond timestamp, line) entries.
public struct LokiLogStream: Sendable, Equatable {
    /// The stream labels.
    public var labels: [String: String]
    /// Entries in the order Loki sent them (newest first for a backward query).
    public var entries: [Entry]

    /// One log line.
    public struct Entry: Sendable, Equatable {
        /// Unix time in nanoseconds.
        public var nanoseconds: Int64
        /// The line.
        public var line: String

        /// Creates an entry.
        public init(nanoseconds: Int64, line: String) {
            self.nanoseconds = nanoseconds
            self.line = line
        }

        /// Creates an entry at `date`.
        public init(date: Date, line: String) {
            self.init(nanoseconds: Int64((date.timeIntervalSince1970 * 1e9).rounded()), line: line)
        }
    }

    /// Creates a stream.
    public init(labels: [String: String], entries: [Entry]) {
        self.labels = labels
        self.entries = entries
    }
}

/// One metric series: labels and (seconds, value) points (a matrix item, or a vector item with one point).
public struct LokiSeries: Sendable, Equatable {
    /// The series labels (`metric`).
    public var labels: [String: String]
    /// Points, oldest first: Unix seconds and the value.
    public var points: [Point]

    /// One sample.
    public struct Point: Sendable, Equatable {
        /// Unix time in seconds.
        public var seconds: Double
        /// The value (Loki sends it as a string).
        public var value: Double
    }
}

/// A decoded query answer: the `data` object as sent plus its typed form.
public struct LokiQueryResult: Sendable, Equatable {
    /// `streams`, `matrix`, `vector` or `scalar`.
    public var resultType: String
    /// Loki's `data` object, unchanged (what evidence stores).
    public var data: JSON
    /// The streams of a log query.
    public var streams: [LokiLogStream]
    /// The series of a metric query (`matrix`; `vector` with one point each; `scalar` as one series without
    /// labels holding its one point).
    public var series: [LokiSeries]

    /// Total number of log lines in `streams`.
    public var entryCount: Int { streams.reduce(0) { $0 + $1.entries.count } }

    /// Decodes `{"status":"success","data":{…}}`; `nil` when the shape is not Loki's.
    init?(response body: JSON) {
        guard body["status"]?.stringValue == "success", let data = body["data"],
            let type = data["resultType"]?.stringValue, let result = data["result"]?.arrayValue
        else { return nil }
        resultType = type
        self.data = data
        streams = []
        series = []
        func labels(_ value: JSON?) -> [String: String] { (value?.objectValue ?? [:]).compactMapValues(\.stringValue) }
        func point(_ value: JSON) -> LokiSeries.Point? {
            guard let pair = value.arrayValue, pair.count == 2, let seconds = pair[0].doubleValue ?? pair[0].intValue.map(Double.init),
                let text = pair[1].stringValue, let number = Double(text)
            else { return nil }
            return LokiSeries.Point(seconds: seconds, value: number)
        }
        switch type {
        case "streams":
            streams = result.map { item in
                LokiLogStream(labels: labels(item["stream"]), entries: (item["values"]?.arrayValue ?? []).compactMap { value in
                    guard let pair = value.arrayValue, pair.count >= 2, let nanos = pair[0].stringValue.flatMap({ Int64($0) }),
                        let line = pair[1].stringValue
                    else { return nil }
                    return LokiLogStream.Entry(nanoseconds: nanos, line: line)
                })
            }
        case "matrix":
            series = result.map { LokiSeries(labels: labels($0["metric"]), points: ($0["values"]?.arrayValue ?? []).compactMap(point)) }
        case "vector":
            series = result.map { LokiSeries(labels: labels($0["metric"]), points: $0["value"].flatMap(point).map { [$0] } ?? []) }
        case "scalar":
            // `result` is the point itself: `[1688879688.235, "5"]`.
            guard let only = point(.array(result)) else { return nil }
            series = [LokiSeries(labels: [:], points: [only])]
        default:
            return nil
        }
    }
}

/// Loki's answer to `/ready`: ready only on 200 with body `ready`.
public struct LokiReadiness: Sendable, Equatable {
    /// Whether Loki said `ready`.
    public var ready: Bool
    /// The HTTP status (503 from the API server proxy when no Loki pod is Ready).
    public var status: Int
    /// The body text, trimmed (Loki's reason when not ready, or the proxy's Status message).
    public var message: String
}
