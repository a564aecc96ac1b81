import ProofCluster

/// What a capture lists and asks Loki: kinds, namespaces and Loki queries.
///
/// The defaults are what the platform's invariants need: the eighteen kinds of ``defaultKinds`` across all
/// namespaces, and Loki's readiness plus lines per Alloy namespace of `dev` (``LokiTarget/platform(environment:)``).
public struct CaptureConfig: Sendable, Equatable {
    /// The kinds captured by default, named as kubectl accepts them (kind, plural or short name).
    public static let defaultKinds = [
        "Namespace", "Node", "PersistentVolume", "PersistentVolumeClaim", "Deployment", "ReplicaSet", "StatefulSet",
        "DaemonSet", "Pod", "Service", "Ingress", "ConfigMap", "Secret", "Event", "ServiceMonitor", "PrometheusRule",
        "Application", "AppProject",
    ]

    /// The kinds to list, as kubectl names them (`Deployment`, `deployments.apps`, `app`); a kind the server
    /// does not serve becomes a listing error of the snapshot, not a failure.
    public var kinds: [String]
    /// The namespaces to list namespaced kinds in; empty means all namespaces. Cluster-scoped kinds are always
    /// listed whole, except Namespace, which is then limited to these names.
    public var namespaces: [String]
    /// The Loki instances to ask and what to ask each; empty asks nothing.
    public var loki: [LokiTarget]
    /// The window `{{window}}` stands for in Loki queries, ending at the capture time.
    public var lokiWindow: Duration
    /// How many list calls run at once.
    public var concurrency: Int
    /// The `limit` of each list page.
    public var pageSize: Int
    /// Whether an item that normalising leaves as it is (most of them) is encoded straight from the bytes the
    /// server sent (``ListPage/canonical(_:redaction:)``) rather than decoded first; the stored bytes and digests
    /// are the same either way (a test captures one cluster both ways), so this is off only to check that.
    public var encodeFromBytes = true

    /// A configuration; every argument defaults to the platform's needs.
    public init(
        kinds: [String] = CaptureConfig.defaultKinds, namespaces: [String] = [],
        loki: [LokiTarget] = [LokiTarget.platform(environment: "dev")], lokiWindow: Duration = .seconds(300),
        concurrency: Int = 8, pageSize: Int = 500
    ) {
        self.kinds = kinds
        self.namespaces = namespaces
        self.loki = loki
        self.lokiWindow = lokiWindow
        self.concurrency = concurrency
        self.pageSize = pageSize
    }
}
