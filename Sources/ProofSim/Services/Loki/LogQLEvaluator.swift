import Foundation

/// Evaluates parsed LogQL against a `LokiStore`: log queries give streams, metric queries give samples per
/// series at one instant or at every step of a range.
public enum LogQLEvaluator {
    /// A series of a metric result: labels and (nanosecond timestamp, value) points.
    public struct Series: Sendable, Equatable {
        /// The series labels.
        public var labels: [String: String]
        /// Points, oldest first.
        public var points: [(timestamp: Int64, value: Double)]

        public static func == (lhs: Series, rhs: Series) -> Bool {
            lhs.labels == rhs.labels && lhs.points.elementsEqual(rhs.points) { $0 == $1 }
        }
    }

    /// Which end of the range a log query reads from.
    public enum Direction: String, Sendable {
        /// Oldest first.
        case forward
        /// Newest first (Loki's default).
        case backward
    }

    /// Compiles a pattern; `anchored` patterns must match the whole value (label matchers).
    static func regex(_ pattern: String, anchored: Bool) throws -> Regex<AnyRegexOutput> {
        try Regex(anchored ? "^(?:\(pattern))$" : pattern)
    }

    // MARK: Log queries

    /// The lines of a log query in `[start, end)`: at most `limit` entries in all, the newest (`backward`) or
    /// oldest (`forward`), each stream's values in that order.
    public static func logs(_ selector: LogSelector, store: LokiStore, tenant: String, start: Int64, end: Int64,
        limit: Int, direction: Direction) throws -> [LokiStream]
    {
        var items = try select(selector, store: store, tenant: tenant, start: start, end: end)
        items.sort { direction == .forward ? $0.entry.timestamp < $1.entry.timestamp : $0.entry.timestamp > $1.entry.timestamp }
        var grouped: [String: LokiStream] = [:]
        for item in items.prefix(limit) {
            grouped[LokiStream.key(item.labels), default: LokiStream(labels: item.labels)].entries.append(item.entry)
        }
        return grouped.keys.sorted().map { grouped[$0]! }
    }

    /// Every entry of `selector` in `[start, end)` with its labels after the pipeline.
    static func select(_ selector: LogSelector, store: LokiStore, tenant: String, start: Int64, end: Int64) throws
        -> [(labels: [String: String], entry: LokiEntry)]
    {
        let streams = try matching(selector, store: store, tenant: tenant, start: start, end: end)
        let stages = try selector.stages.map { try CompiledStage($0) }
        var result: [(labels: [String: String], entry: LokiEntry)] = []
        for stream in streams {
            for entry in stream.entries {
                var labels = stream.labels
                var keep = true
                for stage in stages where !stage.apply(entry.line, &labels) {
                    keep = false
                    break
                }
                if keep { result.append((labels, entry)) }
            }
        }
        return result
    }

    /// The streams whose labels `selector`'s matchers accept, with their entries in `[start, end)`, oldest first
    /// (the pipeline stages are not applied).
    static func matching(_ selector: LogSelector, store: LokiStore, tenant: String, start: Int64, end: Int64) throws -> [LokiStream] {
        let matchers = try selector.matchers.map { try CompiledMatcher($0) }
        return store.streams(tenant: tenant, start: start, end: end) { labels in
            matchers.allSatisfy { $0.matches(labels[$0.name] ?? "") }
        }
    }

    // MARK: Metric queries

    /// The value of a metric expression at `time` (an instant query).
    public static func instant(_ expression: LogQLExpression, store: LokiStore, tenant: String, time: Int64) throws
        -> [Series]
    {
        try range(expression, store: store, tenant: tenant, start: time, end: time, step: 1)
    }

    /// The values of a metric expression at `start`, `start + step`, … ≤ `end` (a range query).
    public static func range(_ expression: LogQLExpression, store: LokiStore, tenant: String, start: Int64, end: Int64,
        step: Int64) throws -> [Series]
    {
        let steps = Array(stride(from: start, through: end, by: Int(max(step, 1))))
        let perStep = try evaluate(expression, store: store, tenant: tenant, steps: steps)
        var series: [String: Series] = [:]
        for (index, samples) in perStep.enumerated() {
            for (labels, value) in samples {
                series[LokiStream.key(labels), default: Series(labels: labels, points: [])].points.append((steps[index], value))
            }
        }
        return series.keys.sorted().map { series[$0]! }
    }

    /// Samples per step: `[[labels: value]]` aligned with `steps`.
    static func evaluate(_ expression: LogQLExpression, store: LokiStore, tenant: String, steps: [Int64]) throws
        -> [[([String: String], Double)]]
    {
        switch expression {
        case .log:
            return steps.map { _ in [] }
        case .range(let aggregation):
            guard let first = steps.first, let last = steps.last else { return [] }
            let from = first - aggregation.rangeNanoseconds + 1, through = last + 1
            let series: [LokiStream]
            if aggregation.selector.stages.isEmpty {
                // No stage can change an entry's labels or drop it: the store's streams are the series, in time order.
                series = try matching(aggregation.selector, store: store, tenant: tenant, start: from, end: through)
            } else {
                let items = try select(aggregation.selector, store: store, tenant: tenant, start: from, end: through)
                var bySeries: [String: (labels: [String: String], entries: [LokiEntry])] = [:]
                for item in items {
                    bySeries[LokiStream.key(item.labels), default: (item.labels, [])].entries.append(item.entry)
                }
                series = bySeries.keys.sorted().map { key -> LokiStream in
                    var stream = LokiStream(labels: bySeries[key]!.labels, entries: bySeries[key]!.entries)
                    stream.entries.sort { $0.timestamp < $1.timestamp }
                    return stream
                }
            }
            let seconds = Double(aggregation.rangeNanoseconds) / 1e9
            return steps.map { time in
                series.compactMap { stream -> ([String: String], Double)? in
                    let from = stream.lowerBound(time - aggregation.rangeNanoseconds + 1)
                    let to = stream.lowerBound(time + 1)
                    guard from < to else { return nil }
                    let window = stream.entries[from..<to]
                    let value: Double
                    switch aggregation.function {
                    case .countOverTime: value = Double(window.count)
                    case .rate: value = Double(window.count) / seconds
                    case .bytesOverTime: value = Double(window.reduce(0) { $0 + $1.line.utf8.count })
                    case .bytesRate: value = Double(window.reduce(0) { $0 + $1.line.utf8.count }) / seconds
                    }
                    return (stream.labels, value)
                }
            }
        case .vector(let aggregation):
            let inner = try evaluate(aggregation.inner, store: store, tenant: tenant, steps: steps)
            return inner.map { samples in aggregate(samples, aggregation) }
        }
    }

    static func aggregate(_ samples: [([String: String], Double)], _ aggregation: VectorAggregation)
        -> [([String: String], Double)]
    {
        var groups: [String: (labels: [String: String], values: [Double])] = [:]
        for (labels, value) in samples {
            let kept: [String: String]
            switch aggregation.grouping {
            case .none: kept = [:]
            case .by(let names): kept = labels.filter { names.contains($0.key) }
            case .without(let names): kept = labels.filter { !names.contains($0.key) }
            }
            groups[LokiStream.key(kept), default: (kept, [])].values.append(value)
        }
        return groups.keys.sorted().map { key in
            let group = groups[key]!
            let value: Double
            switch aggregation.operation {
            case .sum: value = group.values.reduce(0, +)
            case .count: value = Double(group.values.count)
            case .avg: value = group.values.reduce(0, +) / Double(group.values.count)
            case .min: value = group.values.min() ?? 0
            case .max: value = group.values.max() ?? 0
            }
            return (group.labels, value)
        }
    }

    /// Loki's text for a sample value (`3`, `0.05`).
    public static func format(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(value)
    }

    // MARK: Compiled pieces (regexes are compiled once per evaluation)

    struct CompiledMatcher {
        let name: String
        let op: LabelMatcher.Operator
        let value: String
        let regex: Regex<AnyRegexOutput>?

        init(_ matcher: LabelMatcher) throws {
            name = matcher.name
            op = matcher.op
            value = matcher.value
            regex = matcher.op == .regex || matcher.op == .notRegex ? try LogQLEvaluator.regex(matcher.value, anchored: true) : nil
        }

        func matches(_ actual: String) -> Bool {
            switch op {
            case .equal: return actual == value
            case .notEqual: return actual != value
            case .regex: return actual.wholeMatch(of: regex!) != nil
            case .notRegex: return actual.wholeMatch(of: regex!) == nil
            }
        }
    }

    struct CompiledStage {
        let stage: PipelineStage
        let regex: Regex<AnyRegexOutput>?
        let matcher: CompiledMatcher?

        init(_ stage: PipelineStage) throws {
            self.stage = stage
            switch stage {
            case .lineFilter(let op, let pattern) where op == .matches || op == .notMatches:
                regex = try LogQLEvaluator.regex(pattern, anchored: false)
                matcher = nil
            case .labelFilter(let labelMatcher):
                regex = nil
                matcher = try CompiledMatcher(labelMatcher)
            default:
                regex = nil
                matcher = nil
            }
        }

        /// Whether the line passes; parser stages add labels.
        func apply(_ line: String, _ labels: inout [String: String]) -> Bool {
            switch stage {
            case .lineFilter(.contains, let text): return text.isEmpty || line.contains(text)
            case .lineFilter(.notContains, let text): return text.isEmpty || !line.contains(text)
            case .lineFilter(.matches, _): return line.firstMatch(of: regex!) != nil
            case .lineFilter(.notMatches, _): return line.firstMatch(of: regex!) == nil
            case .logfmt:
                for (key, value) in Self.logfmt(line) where labels[key] == nil { labels[key] = value }
                return true
            case .labelFilter:
                return matcher!.matches(labels[matcher!.name] ?? "")
            }
        }

        /// `key=value key2="quoted value"` pairs.
        static func logfmt(_ line: String) -> [(String, String)] {
            var pairs: [(String, String)] = []
            var index = line.startIndex
            while index < line.endIndex {
                while index < line.endIndex, line[index] == " " { index = line.index(after: index) }
                let keyStart = index
                while index < line.endIndex, line[index] != "=", line[index] != " " { index = line.index(after: index) }
                let key = String(line[keyStart..<index])
                guard index < line.endIndex, line[index] == "=" else { continue }
                index = line.index(after: index)
                var value = ""
                if index < line.endIndex, line[index] == "\"" {
                    index = line.index(after: index)
                    while index < line.endIndex, line[index] != "\"" {
                        if line[index] == "\\", line.index(after: index) < line.endIndex { index = line.index(after: index) }
                        value.append(line[index])
                        index = line.index(after: index)
                    }
                    if index < line.endIndex { index = line.index(after: index) }
                } else {
                    let valueStart = index
                    while index < line.endIndex, line[index] != " " { index = line.index(after: index) }
                    value = String(line[valueStart..<index])
                }
                if !key.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) { pairs.append((key, value)) }
            }
            return pairs
        }
    }
}
