import Foundation

/// A Loki query a capture runs and stores with its snapshot (issue 5 §4).
public struct LokiCaptureQuery: Sendable, Equatable {
    /// What kind of request it is.
    public enum Kind: Sendable, Equatable {
        /// `GET /ready` (the query text is unused).
        case readiness
        /// An instant metric query at the capture time; `{{window}}` in the query is replaced by the capture
        /// window as a LogQL duration (`300s`).
        case instant
        /// A log query over the capture window (`query_range`, at most `limit` lines).
        case range(limit: Int)
    }

    /// A stable name for evidence (`lines-airflow-dev`, `loki-ready`).
    public var name: String
    /// The LogQL text (may contain `{{window}}`).
    public var query: String
    /// What kind of request it is.
    public var kind: Kind

    /// Creates a query.
    public init(name: String, query: String, kind: Kind) {
        self.name = name
        self.query = query
        self.kind = kind
    }

    /// The query with `{{window}}` replaced by `seconds` (at least 1) as `Ns`.
    public func resolved(windowSeconds seconds: Int) -> String {
        query.replacingOccurrences(of: "{{window}}", with: "\(max(1, seconds))s")
    }

    /// The namespaces Alloy collects from in `environment`, as the platform configures it.
    public static func alloyNamespaces(environment: String) -> [String] {
        ["airflow", "mlflow", "fastapi", "triton", "feature-store"].map { "\($0)-\(environment)" }
    }

    /// The namespaces listed by a `config.alloy` text (`names = ["a", "b"]` in `namespaces { … }`); empty when
    /// there is no such list.
    public static func namespaces(inAlloyConfig text: String) -> [String] {
        guard let block = text.range(of: "namespaces") .flatMap({ text[$0.upperBound...].range(of: "names") }),
            let open = text[block.upperBound...].firstIndex(of: "["),
            let close = text[open...].firstIndex(of: "]")
        else { return [] }
        return text[open...close].split(separator: "\"", omittingEmptySubsequences: false).enumerated()
            .filter { $0.offset % 2 == 1 }.map { String($0.element) }
    }

    /// The default capture queries: Loki's readiness, then for each namespace the number of lines it logged
    /// over the capture window (`sum(count_over_time({namespace="N"}[{{window}}]))`; an empty result means 0).
    public static func defaults(namespaces: [String]) -> [LokiCaptureQuery] {
        [LokiCaptureQuery(name: "loki-ready", query: "", kind: .readiness)]
            + namespaces.map {
                LokiCaptureQuery(name: "lines-\($0)", query: "sum(count_over_time({namespace=\"\($0)\"}[{{window}}]))", kind: .instant)
            }
    }

    /// `defaults(namespaces:)` for the platform's Alloy namespaces of `environment`.
    public static func defaults(environment: String) -> [LokiCaptureQuery] {
        defaults(namespaces: alloyNamespaces(environment: environment))
    }
}
