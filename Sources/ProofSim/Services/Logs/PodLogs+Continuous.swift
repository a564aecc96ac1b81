import Crypto
import Foundation
import ProofCore

/// One generated log line of a container.
public struct PodLogLine: Sendable, Equatable {
    /// Unix time in nanoseconds.
    public var nanoseconds: Int64
    /// RFC 3339 timestamp with microseconds, as `kubectl logs --timestamps` shows it (formatted when read:
    /// shipping to Loki needs only `nanoseconds`).
    public var timestamp: String { startupTimestamp ?? PodLogs.timestamp(nanoseconds) }
    /// The line.
    public var line: String
    /// A start-up line's own timestamp text.
    var startupTimestamp: String?
}

extension PodLogs {
    /// After its start-up lines, a running container logs one more line every this many nanoseconds (1 s).
    public static let lineIntervalNanoseconds: Int64 = 1_000_000_000

    /// How many lines the container of `pod` has logged by `date` (0 before it started; the start-up lines,
    /// then one per `lineIntervalNanoseconds`; none after the pod's deletion began).
    public static func lineCount(pod: JSON, through date: Date) -> Int {
        lineCount(started: startNanoseconds(pod), deletion: deletionNanoseconds(pod), through: date)
    }

    /// ``lineCount(pod:through:)`` from the pod's start and deletion times (Unix nanoseconds), read before.
    static func lineCount(started: Int64?, deletion: Int64?, through date: Date) -> Int {
        guard let started else { return 0 }
        var until = LokiTime.nanoseconds(date)
        if let deletion { until = min(until, deletion) }
        guard until >= started else { return 0 }
        return linesPerContainer + Int((until - started) / lineIntervalNanoseconds)
    }

    /// The lines `range` of `container` in `pod`: the first `linesPerContainer` are exactly
    /// `lines(pod:container:)`; later ones are periodic request lines, deterministic in pod, container and index.
    public static func lines(pod: JSON, container: String, range: Range<Int>) -> [PodLogLine] {
        lines(pod: pod, container: container, range: range, source: LogSource(pod: pod))
    }

    /// What a pod's generated lines are made from, read from the pod once.
    struct LogSource: Sendable {
        var started: Int64?
        var name: String
        var namespace: String
        /// `app.kubernetes.io/name`, else `app` (else a line names its container).
        var app: String?

        init(pod: JSON) {
            started = PodLogs.startNanoseconds(pod)
            name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
            namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
            app = pod[path: ["metadata", "labels", "app.kubernetes.io/name"]]?.stringValue ?? pod[path: ["metadata", "labels", "app"]]?.stringValue
        }
    }

    /// ``lines(pod:container:range:)`` with what `source` read from `pod` before (the pod itself is read only
    /// for its start-up lines).
    static func lines(pod: JSON, container: String, range: Range<Int>, source: LogSource) -> [PodLogLine] {
        guard let started = source.started, !range.isEmpty else { return [] }
        let startup = range.lowerBound < linesPerContainer ? lines(pod: pod, container: container) : []
        let name = source.name
        let namespace = source.namespace
        let app = source.app ?? container
        let seed = Digest.sha256Hex("\(namespace)/\(name)/\(container)").prefix(8)
        let paths = ["/healthz", "/metrics", "/v1/models", "/api/v1/health", "/ready"]
        return range.map { index in
            if index < linesPerContainer, index < startup.count {
                let nanos = started + Int64(index) * 1_000_000
                return PodLogLine(nanoseconds: nanos, line: startup[index].line, startupTimestamp: startup[index].timestamp)
            }
            let nanos = started + Int64(index - linesPerContainer + 1) * lineIntervalNanoseconds
            // The first three bytes of the SHA-256, read as a number (what the first six hex digits spell).
            let digest = Array(SHA256.hash(data: Array("\(seed)/\(index)".utf8)))
            let hash = Int(digest[0]) << 16 | Int(digest[1]) << 8 | Int(digest[2])
            let level = hash % 23 == 0 ? "error" : (hash % 7 == 0 ? "warn" : "info")
            let status = level == "error" ? 500 : 200
            let line = "level=\(level) component=\(app) pod=\(name) seq=\(index) trace=\(seed) msg=\"request served\" "
                + "path=\(paths[hash % paths.count]) status=\(status) duration_ms=\(hash % 97 + 1)"
            return PodLogLine(nanoseconds: nanos, line: line)
        }
    }

    /// Every line of the container logged by `date` (what the pod `log` subresource serves).
    public static func lines(pod: JSON, container: String, through date: Date) -> [(timestamp: String, line: String)] {
        lines(pod: pod, container: container, range: 0..<lineCount(pod: pod, through: date)).map { ($0.timestamp, $0.line) }
    }

    static func startNanoseconds(_ pod: JSON) -> Int64? {
        guard let text = pod[path: ["status", "startTime"]]?.stringValue else { return nil }
        return LokiTime.rfc3339(text)
    }

    /// When the pod's deletion began (Unix nanoseconds), if it did.
    static func deletionNanoseconds(_ pod: JSON) -> Int64? {
        pod[path: ["metadata", "deletionTimestamp"]]?.stringValue.flatMap(LokiTime.rfc3339)
    }

    static func timestamp(_ nanoseconds: Int64) -> String {
        let seconds = nanoseconds / 1_000_000_000
        let micros = (nanoseconds % 1_000_000_000) / 1000
        let base = SimState.timestamp(Date(timeIntervalSince1970: TimeInterval(seconds)))
        return base.replacingOccurrences(of: "Z", with: String(format: ".%06dZ", micros))
    }
}
