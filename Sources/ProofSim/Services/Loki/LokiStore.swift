import Foundation
import Synchronization

/// One log entry: nanoseconds since the epoch and the line.
public struct LokiEntry: Sendable, Equatable {
    /// Unix time in nanoseconds.
    public var timestamp: Int64
    /// The log line.
    public var line: String

    /// Creates an entry.
    public init(timestamp: Int64, line: String) {
        self.timestamp = timestamp
        self.line = line
    }
}

/// One stream: a label set and its entries, oldest first.
public struct LokiStream: Sendable, Equatable {
    /// The stream's labels.
    public var labels: [String: String]
    /// Entries sorted by timestamp.
    public var entries: [LokiEntry]

    /// Creates a stream.
    public init(labels: [String: String], entries: [LokiEntry] = []) {
        self.labels = labels
        self.entries = entries
    }

    /// Loki's canonical text for a label set: `{a="1", b="2"}`, keys sorted.
    public static func key(_ labels: [String: String]) -> String {
        "{" + labels.keys.sorted().map { "\($0)=\"\(escape(labels[$0]!))\"" }.joined(separator: ", ") + "}"
    }

    static func escape(_ value: String) -> String {
        // Most values need no escaping; the check is a byte scan, the rewrite goes through Foundation.
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") })
        else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }

    /// The index of the first entry at or after `timestamp`.
    func lowerBound(_ timestamp: Int64) -> Int {
        entries.partitioningIndex { $0.timestamp >= timestamp }
    }
}

/// The data of one Loki instance — what lives on its volume: streams per tenant, with retention.
///
/// One store exists per PersistentVolumeClaim (keyed by the claim's uid), so it outlives the Loki pod and its
/// StatefulSet as long as the claim is retained, and is dropped with the claim.
///
/// Lock rule: one `Mutex` over the tenants' streams, held only to append or query in memory; never across an await, a
/// yield or I/O.
public final class LokiStore: Sendable {
    private let tenants = Mutex<[String: [String: LokiStream]]>([:])

    /// An empty store.
    public init() {}

    /// Appends entries to the stream with `labels` of `tenant`, keeping entries sorted and dropping exact
    /// duplicates (same timestamp and line), as Loki does for a re-sent batch. Returns how many were new.
    /// `key`, when the caller has it, is `LokiStream.key(labels)`.
    @discardableResult
    public func append(tenant: String, labels: [String: String], entries: [LokiEntry], key: String? = nil) -> Int {
        let key = key ?? LokiStream.key(labels)
        return tenants.withLock { tenants in
            // Taken out of the map while it grows, so the append does not copy every entry the stream holds.
            var stream = tenants[tenant]?.removeValue(forKey: key) ?? LokiStream(labels: labels)
            var added = 0
            for entry in entries {
                if let last = stream.entries.last, last.timestamp < entry.timestamp {
                    stream.entries.append(entry)
                    added += 1
                    continue
                }
                var index = stream.lowerBound(entry.timestamp)
                var duplicate = false
                while index < stream.entries.count, stream.entries[index].timestamp == entry.timestamp {
                    if stream.entries[index].line == entry.line { duplicate = true }
                    index += 1
                }
                if !duplicate {
                    stream.entries.insert(entry, at: index)
                    added += 1
                }
            }
            tenants[tenant, default: [:]][key] = stream
            return added
        }
    }

    /// The streams of `tenant` whose labels pass `include`, with only the entries in `[start, end)`.
    public func streams(tenant: String, start: Int64, end: Int64, where include: ([String: String]) -> Bool) -> [LokiStream] {
        tenants.withLock { tenants in
            (tenants[tenant] ?? [:]).keys.sorted().compactMap { key -> LokiStream? in
                let stream = tenants[tenant]![key]!
                guard include(stream.labels) else { return nil }
                let from = stream.lowerBound(start)
                let to = stream.lowerBound(end)
                guard from < to else { return nil }
                return LokiStream(labels: stream.labels, entries: Array(stream.entries[from..<to]))
            }
        }
    }

    /// Removes every entry older than `cutoff` (ns), as the compactor does with `retention_period`.
    public func applyRetention(olderThan cutoff: Int64) {
        tenants.withLock { tenants in
            for (tenant, streams) in tenants {
                var kept: [String: LokiStream] = [:]
                for (key, var stream) in streams {
                    let first = stream.lowerBound(cutoff)
                    if first > 0 { stream.entries.removeFirst(first) }
                    if !stream.entries.isEmpty { kept[key] = stream }
                }
                tenants[tenant] = kept
            }
        }
    }

    /// Total number of entries (all tenants).
    public var entryCount: Int {
        tenants.withLock { $0.values.reduce(0) { $0 + $1.values.reduce(0) { $0 + $1.entries.count } } }
    }
}
