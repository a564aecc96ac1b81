import ProofCore
import ProofStore

/// What one capture stored: the snapshot and what went into it.
public struct CaptureResult: Sendable {
    /// The snapshot as stored (counts, digests, chain link).
    public var snapshot: SnapshotRecord
    /// Object bodies this capture added to the store (0 for an unchanged cluster).
    public var newBodies: Int
    /// Bytes of canonical JSON those new bodies take.
    public var newBytes: Int
    /// Objects per kind and namespace (`""` for cluster-scoped), as listed.
    public var counts: [String: [String: Int]]
    /// The kinds (or kind + namespace) that could not be listed.
    public var listingErrors: [ListingError]
    /// The Loki samples stored with the snapshot (failed queries included, with their error).
    public var lokiSamples: [LokiSample]
    /// The Argo CD Applications and AppProjects as listed (for the application tree of a summary).
    public var argoCD: [JSON]
    /// Wall time from the first request to the committed snapshot.
    public var duration: Duration

    /// Total number of objects stored.
    public var objectCount: Int { snapshot.objectCount }

    /// A result.
    public init(
        snapshot: SnapshotRecord, newBodies: Int, newBytes: Int, counts: [String: [String: Int]],
        listingErrors: [ListingError], lokiSamples: [LokiSample], argoCD: [JSON] = [], duration: Duration
    ) {
        self.snapshot = snapshot
        self.newBodies = newBodies
        self.newBytes = newBytes
        self.counts = counts
        self.listingErrors = listingErrors
        self.lokiSamples = lokiSamples
        self.argoCD = argoCD
        self.duration = duration
    }
}
