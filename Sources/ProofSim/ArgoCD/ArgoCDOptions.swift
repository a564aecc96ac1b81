/// Timing and behaviour of the simulated Argo CD application controller; small delays by default so tests
/// are fast (real Argo CD polls Git every 120–180 s and self-heals after 5 s).
public struct ArgoCDOptions: Sendable {
    /// The namespace whose Applications and AppProjects the controller serves (Argo CD's own namespace).
    public var namespace = "argocd"
    /// How often Git revisions are re-resolved, so new commits are noticed.
    public var pollInterval: Duration = .milliseconds(200)
    /// How long a hand edit or deletion of a managed object stays before selfHeal reverts it.
    public var selfHealDelay: Duration = .milliseconds(300)
    /// How often every Application is re-evaluated even when nothing changed (timed work such as selfHeal
    /// and slow operations progresses on this tick).
    public var tick: Duration = .milliseconds(50)
    /// The minimum gap between two reconciliation passes (changes arriving meanwhile are coalesced).
    public var coalesce: Duration = .milliseconds(15)
    /// `status.reconciledAt` is refreshed at least this often even when nothing changed.
    public var reconciliationInterval: Duration = .seconds(180)
    /// How many `status.history[]` entries are kept (Argo CD's `revisionHistoryLimit`).
    public var revisionHistoryLimit = 10
    /// Whether managed objects also get the `app.kubernetes.io/instance` label (Argo CD's
    /// `annotation+label` tracking); the `argocd.argoproj.io/tracking-id` annotation is always set.
    public var trackingLabel = true

    /// A directory of the repository whose manifests (AppProjects, root Applications) the controller creates
    /// at start when they are missing — what an operator's `kubectl apply -f bootstrap/` does after installing
    /// Argo CD; `nil` creates nothing.
    public var bootstrapPath: String? = "bootstrap"

    /// The defaults.
    public init() {}

    /// Real Argo CD's timing (3 minute Git poll, 5 s selfHeal), for `proof sim serve` sessions that want it.
    public static var realistic: ArgoCDOptions {
        var options = ArgoCDOptions()
        options.pollInterval = .seconds(120)
        options.selfHealDelay = .seconds(5)
        options.tick = .milliseconds(500)
        return options
    }
}
