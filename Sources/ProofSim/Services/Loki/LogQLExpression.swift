/// A parsed LogQL query (the subset the simulated Loki answers): a log query (stream selector plus line
/// filters) or a metric query (range aggregation, optionally under vector aggregations).
public indirect enum LogQLExpression: Sendable, Equatable {
    /// `{matchers} |= "x" …`: log lines.
    case log(LogSelector)
    /// `count_over_time(selector [5m])`, `rate(…)`, `bytes_over_time(…)`, `bytes_rate(…)`.
    case range(RangeAggregation)
    /// `sum by (a) (…)`, `sum without (a) (…)`, `count`, `avg`, `min`, `max`.
    case vector(VectorAggregation)

    /// Whether the query returns samples (metric query) rather than log lines.
    public var isMetric: Bool {
        if case .log = self { return false }
        return true
    }
}

/// A stream selector with its pipeline.
public struct LogSelector: Sendable, Equatable {
    /// The label matchers between braces.
    public var matchers: [LabelMatcher]
    /// The pipeline stages, applied in order.
    public var stages: [PipelineStage]
}

/// One label matcher: `name op "value"`.
public struct LabelMatcher: Sendable, Equatable {
    /// The comparison.
    public enum Operator: String, Sendable {
        /// `=`
        case equal = "="
        /// `!=`
        case notEqual = "!="
        /// `=~` (fully anchored regular expression)
        case regex = "=~"
        /// `!~`
        case notRegex = "!~"
    }

    /// The label name.
    public var name: String
    /// The comparison.
    public var op: Operator
    /// The value or pattern.
    public var value: String
}

/// One pipeline stage.
public enum PipelineStage: Sendable, Equatable {
    /// A line filter: `|=`, `!=`, `|~`, `!~` with its string or pattern.
    case lineFilter(LineFilter.Operator, String)
    /// `| logfmt`: extracts `key=value` pairs of the line as labels.
    case logfmt
    /// `| name op "value"` after a parser: keeps lines whose extracted label matches.
    case labelFilter(LabelMatcher)
}

/// Namespace for line filter operators.
public enum LineFilter {
    /// A line filter operator.
    public enum Operator: String, Sendable {
        /// `|=`: the line contains the string.
        case contains = "|="
        /// `!=`: the line does not contain the string.
        case notContains = "!="
        /// `|~`: the line matches the pattern (unanchored).
        case matches = "|~"
        /// `!~`: the line does not match the pattern.
        case notMatches = "!~"
    }
}

/// A range aggregation over a log selector.
public struct RangeAggregation: Sendable, Equatable {
    /// The function.
    public enum Function: String, Sendable, CaseIterable {
        /// Lines per range.
        case countOverTime = "count_over_time"
        /// Lines per second over the range.
        case rate
        /// Bytes of the lines per range.
        case bytesOverTime = "bytes_over_time"
        /// Bytes per second over the range.
        case bytesRate = "bytes_rate"
    }

    /// The function.
    public var function: Function
    /// The selector the range applies to.
    public var selector: LogSelector
    /// The range in nanoseconds.
    public var rangeNanoseconds: Int64
}

/// A vector aggregation (`sum`, `count`, `avg`, `min`, `max`) with optional grouping.
public struct VectorAggregation: Sendable, Equatable {
    /// The operation.
    public enum Operation: String, Sendable, CaseIterable {
        /// Sum of the values.
        case sum
        /// Number of series.
        case count
        /// Mean of the values.
        case avg
        /// Smallest value.
        case min
        /// Largest value.
        case max
    }

    /// How the output series are grouped.
    public enum Grouping: Sendable, Equatable {
        /// No clause: one output series without labels.
        case none
        /// `by (labels)`: keep only these labels.
        case by([String])
        /// `without (labels)`: drop these labels.
        case without([String])
    }

    /// The operation.
    public var operation: Operation
    /// The grouping clause.
    public var grouping: Grouping
    /// The aggregated expression (a range or vector aggregation).
    public var inner: LogQLExpression
}
