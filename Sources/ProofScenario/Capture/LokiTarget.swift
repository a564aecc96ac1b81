import ProofCluster

/// One Loki a capture asks, reached through the API server's service proxy, with the queries to run there.
public struct LokiTarget: Sendable, Equatable {
    /// The namespace of Loki's Service (`baseline-dev`).
    public var namespace: String
    /// The Service name (`loki-dev`).
    public var service: String
    /// The Service port (`3100`).
    public var port: String
    /// The tenant sent as `X-Scope-OrgID`, if Loki runs with auth on.
    public var tenant: String?
    /// Prefixed to each query's name in the stored samples (`prod/`), so several Lokis do not collide.
    public var namePrefix: String
    /// The queries (readiness, instant metric or range).
    public var queries: [LokiCaptureQuery]

    /// A target.
    public init(
        namespace: String, service: String, port: String = "3100", tenant: String? = nil, namePrefix: String = "",
        queries: [LokiCaptureQuery]
    ) {
        self.namespace = namespace
        self.service = service
        self.port = port
        self.tenant = tenant
        self.namePrefix = namePrefix
        self.queries = queries
    }

    /// The platform's Loki of `environment` (`loki-ENV` in `baseline-ENV`) with
    /// `LokiCaptureQuery.defaults(environment:)`; names are prefixed with `ENV/` except for `dev`.
    public static func platform(environment: String) -> LokiTarget {
        LokiTarget(
            namespace: "baseline-\(environment)", service: "loki-\(environment)",
            namePrefix: environment == "dev" ? "" : "\(environment)/",
            queries: LokiCaptureQuery.defaults(environment: environment))
    }
}
