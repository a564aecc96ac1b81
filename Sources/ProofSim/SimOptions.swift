import Foundation

/// How a simulated cluster is started: where it listens, who may call it, what it is seeded with, how fast
/// its controllers act and which faults are armed from the start.
public struct SimOptions: Sendable {
    /// TCP port on 127.0.0.1; 0 picks a free port (read it back from `SimulatedCluster.port`).
    public var port: Int = 0
    /// The bearer token clients must send; a random one when `nil`.
    public var token: String?
    /// Directory of YAML manifests loaded at start (recursively); `nil` seeds only the nodes and default namespaces.
    public var platformDirectory: String?
    /// Workload multiplier for benchmarks: N > 1 adds N−1 copies of every Deployment/StatefulSet/DaemonSet
    /// (and their Services/ConfigMaps) suffixed `-sN`.
    public var scale: Int = 1
    /// Faults armed from the start.
    public var faults: [FaultRule] = []
    /// Controller timing.
    public var timing = Timing()
    /// The cluster's wall clock (object timestamps, CronJob schedules); a manual `SimClock` lets a test move time.
    public var clock: SimClock = .system
    /// Changes kept for watches resuming from a resourceVersion; older ones get 410.
    public var eventLogCapacity: Int = 50_000
    /// How long changes are kept for watches and exact lists at an older resourceVersion (a real server keeps
    /// about five minutes between etcd compactions); older ones get 410 Expired.
    public var eventHistory: Duration = .seconds(300)
    /// How long a list `continue` token stays valid.
    public var continueTokenTTL: Duration = .seconds(300)
    /// Extra controllers started with the built-in ones (e.g. the Argo CD controller).
    public var controllers: [any SimController] = []
    /// Whether the built-in workload controllers (deployments, pods, …) run.
    public var runWorkloadControllers = true
    /// The simulated platform services (Loki, Alloy, Airflow, MLflow, Triton, FastAPI behind their Services;
    /// see `PlatformServices`), started with the cluster; `nil` runs none.
    public var platformServices: PlatformServicesOptions? = PlatformServicesOptions()

    /// Defaults: any free port, random token, no platform, fast controllers.
    public init() {}

    /// Delays of the simulated control plane; small by default so tests are fast.
    public struct Timing: Sendable {
        /// From a pod's creation to Running and Ready.
        public var podStartDelay: Duration = .milliseconds(40)
        /// From a pod's graceful deletion to its removal.
        public var podTerminationDelay: Duration = .milliseconds(30)
        /// From a namespace's deletion to the removal of its contents.
        public var namespaceCleanupDelay: Duration = .milliseconds(100)
        /// Between BOOKMARK events on watches that allow them.
        public var bookmarkInterval: Duration = .seconds(1)
        /// How long a list or watch at a resourceVersion the store has not reached yet waits for it before the
        /// 504 `ResourceVersionTooLarge` (a real API server's watch cache waits 3 s).
        public var resourceVersionWait: Duration = .seconds(3)
        /// How often a watch that allows bookmarks asks the store for its progress: a BOOKMARK goes out as soon
        /// as the store has moved past what the watch has sent (and every `bookmarkInterval` anyway), so an
        /// informer on a quiet kind learns within this long that it is current. A real API server's bookmarks
        /// come about once a minute; the simulated cluster is quicker so the harness's capture cache is exercised.
        public var progressInterval: Duration = .milliseconds(100)

        /// The defaults.
        public init() {}
    }
}
