import Foundation
import ProofCluster
import ProofCore
import ProofStore

/// Takes one snapshot of a cluster into an evidence store: lists every configured kind concurrently, runs the
/// Loki queries meanwhile, and streams: each list page is normalised, redacted, hashed and its new bodies
/// written (`EvidenceStore.storeBodies`) as it arrives, then let go, so memory holds a few pages and the
/// membership of the snapshot (a few hundred bytes an object), not the cluster. The snapshot itself (membership,
/// listing errors, Loki samples, its link in the hash chain) is written in one transaction at the end.
///
/// ```swift
/// let capturer = Capturer(client: client, store: store, config: CaptureConfig())
/// let result = try await capturer.capture(run: run, label: "after-detach", step: 3)
/// ```
///
/// A kind the server does not serve, or one whose listing fails (403, 5xx after retries), is a
/// ``ListingError`` in the snapshot; a Loki that is down is a failed ``LokiSample``. Only failures that leave
/// nothing to capture throw: discovery failing (the cluster is unreachable: `ClusterError`) or the store
/// refusing the write (`StoreError`).
public struct Capturer: Sendable {
    /// The cluster.
    public let client: KubernetesClient
    /// Where snapshots go.
    public let store: EvidenceStore
    /// What to capture.
    public let config: CaptureConfig

    /// A capturer of `config` from `client` into `store`.
    public init(client: KubernetesClient, store: EvidenceStore, config: CaptureConfig = CaptureConfig()) {
        self.client = client
        self.store = store
        self.config = config
    }

    /// Captures the cluster now and writes one snapshot of `run` labelled `label` (recorded with `step` when
    /// a scenario step took it).
    ///
    /// With `cache` (inside a run), each kind comes from the cache when it has caught up with the cluster and is
    /// listed otherwise (``CaptureCache``); the snapshot is the same either way.
    public func capture(run: RunID, label: String, step: Int? = nil, cache: CaptureCache? = nil) async throws -> CaptureResult {
        try await capture(runBegunBy: { run }, label: label, step: step, cache: cache)
    }

    /// ``capture(run:label:step:cache:)`` for a run that `begin` is still beginning (`proof capture` begins its
    /// run in the store while the lists run): `begin` is awaited only when the snapshot is written, and its error
    /// is the capture's.
    public func capture(
        runBegunBy begin: @Sendable () async throws -> RunID, label: String, step: Int? = nil, cache: CaptureCache? = nil
    ) async throws -> CaptureResult {
        let started = ContinuousClock.now
        let takenAt = Date()
        async let loki = lokiSamples(at: takenAt)
        await cache?.prepare()
        let batch = BodyBatch()
        var listing = try await listObjects(cache: cache, batch: batch)
        // The bodies still waiting start for the disk now, while the members are joined, sorted and encoded.
        try await store.writeWaitingBodies(of: batch)
        let samples = await loki
        // The pages' members in one array, made here once (the store sorts it in place); the pages let go.
        var pages: [SnapshotMembers] = []
        swap(&pages, &listing.pages)
        let members = SnapshotMembers(joining: consume pages)
        // The snapshot waits for the batch's writes to commit before its own transaction.
        let written = try await store.writeSnapshot(
            run: try await begin(), label: label, members: consume members, errors: listing.errors, lokiSamples: samples,
            step: step, takenAt: takenAt, batch: batch)
        return CaptureResult(
            snapshot: written.snapshot, newBodies: written.newBodies, newBytes: written.newBytes, counts: listing.counts,
            listingErrors: listing.errors, lokiSamples: samples, argoCD: listing.argoCD, duration: ContinuousClock.now - started)
    }

    // MARK: - Listing

    /// The members of every kind (and namespace), as the pages stored them, the counts, and what could not be
    /// listed.
    struct Listing {
        var pages: [SnapshotMembers] = []
        var counts: [String: [String: Int]] = [:]
        var errors: [ListingError] = []
        var argoCD: [JSON] = []
    }

    /// One list call to make: a type, in one namespace or across all (`nil`).
    struct ListCall: Sendable {
        var type: ResourceType
        var namespace: String?
    }

    /// What one list call stored: its members (as its pages stored them: a page's array is kept as it is, not
    /// copied member by member into a bigger one; the snapshot joins them all once), counts per namespace and
    /// (for Argo CD kinds) the objects.
    struct CallResult: Sendable {
        var pages: [SnapshotMembers] = []
        var counts: [String: Int] = [:]
        var argoCD: [JSON] = []
        /// The list's `resourceVersion` (empty when the call did not list).
        var resourceVersion = ""

        /// Adds what one page stored: its members, each counted in its namespace, and its Argo CD objects.
        mutating func add(_ stored: StoredPage) {
            counts.merge(Self.counts(of: stored.members.members), uniquingKeysWith: +)
            pages.append(stored.members)
            argoCD += stored.argoCD
        }

        /// How many of `members` each namespace holds. A list comes in namespace order, so a run of one
        /// namespace is counted at once; a member's namespace is read in place (a member taken out whole would
        /// retain all its references).
        static func counts(of members: [SnapshotMember]) -> [String: Int] {
            var counts: [String: Int] = [:]
            var start = members.startIndex
            while start < members.endIndex {
                let namespace = members[start].identity.namespace
                var end = start + 1
                while end < members.endIndex, members[end].identity.namespace == namespace { end += 1 }
                counts[namespace, default: 0] += end - start
                start = end
            }
            return counts
        }
    }

    /// Resolves the kinds with discovery (throws when the cluster cannot be reached) and lists them all; with
    /// `batch`, the bodies of the lists are written together (``BodyBatch``: give it to the snapshot).
    func listObjects(cache: CaptureCache? = nil, batch: BodyBatch? = nil) async throws -> Listing {
        let discovery = try await client.discovery()
        var listing = Listing()
        var calls: [ListCall] = []
        var seen = Set<ResourceType>()
        for name in config.kinds {
            guard let type = discovery.resource(named: name) else {
                listing.errors.append(
                    ListingError(
                        apiVersion: "", kind: name,
                        message: "the server does not serve a resource named \"\(name)\" (is its CRD installed?)"))
                continue
            }
            guard seen.insert(type).inserted else { continue }
            guard type.supports("list") else {
                listing.errors.append(ListingError(apiVersion: type.apiVersion, kind: type.kind, message: "the server does not allow listing \(type.qualifiedName)"))
                continue
            }
            if type.namespaced, !config.namespaces.isEmpty {
                calls += config.namespaces.map { ListCall(type: type, namespace: $0) }
            } else {
                calls.append(ListCall(type: type, namespace: nil))
            }
        }
        // Longest first: a list is a chain of pages, one request after another, so the capture ends no sooner
        // than its longest list; started last (Event is 14th of the defaults), that list ran alone at the end.
        calls = Self.longestFirst(calls)
        let wanted = Set(config.namespaces)
        let filterNamespaces = !wanted.isEmpty
        var storeFailure: StoreError?
        await withTaskGroup(of: (ListCall, Result<CallResult, any Error>).self) { tasks in
            var next = 0
            func start(_ tasks: inout TaskGroup<(ListCall, Result<CallResult, any Error>)>) {
                guard next < calls.count else { return }
                let call = calls[next]
                next += 1
                tasks.addTask {
                    do {
                        if let cache {
                            return (call, .success(try await cache.capture(call, namespaces: filterNamespaces ? wanted : nil, capturer: self)))
                        }
                        return (call, .success(try await stream(call, namespaces: filterNamespaces ? wanted : nil, batch: batch)))
                    } catch {
                        return (call, .failure(error))
                    }
                }
            }
            for _ in 0..<max(1, config.concurrency) { start(&tasks) }
            for await (call, result) in tasks {
                switch result {
                case .success(let stored):
                    listing.pages += stored.pages
                    listing.counts[call.type.kind, default: [:]].merge(stored.counts, uniquingKeysWith: +)
                    listing.argoCD += stored.argoCD
                case .failure(let error as StoreError):
                    // The store refused a page: nothing can be captured into it.
                    storeFailure = storeFailure ?? error
                case .failure(let error):
                    let message = (error as? ClusterError)?.description ?? ClusterError(kind: .cancelled, message: "\(error)").description
                    listing.errors.append(
                        ListingError(apiVersion: call.type.apiVersion, kind: call.type.kind, namespace: call.namespace ?? "", message: message))
                }
                start(&tasks)
            }
        }
        if let storeFailure { throw storeFailure }
        // Completion order varies; store errors in a stable order so `errors_digest` only changes with content.
        listing.errors.sort { ($0.kind, $0.namespace, $0.apiVersion) < ($1.kind, $1.namespace, $1.apiVersion) }
        return listing
    }

    /// The kinds that hold the most objects in nearly every cluster, most first: Events (kept for an hour, one
    /// per change of every object), Pods, and ReplicaSets (ten old ones per Deployment by default).
    static let usuallyLongest = ["Event", "Pod", "ReplicaSet"]

    /// `calls` with those of ``usuallyLongest`` first, in that order, and the rest in their own order: the
    /// longest lists start first, and the short ones fill the cores around them (with `concurrency` calls at a
    /// time, the last of 18 kinds starts only when others have finished).
    static func longestFirst(_ calls: [ListCall]) -> [ListCall] {
        func rank(_ call: ListCall) -> Int {
            let group = call.type.group
            guard group.isEmpty || group == "apps" || group == "events.k8s.io" else { return usuallyLongest.count }
            return usuallyLongest.firstIndex(of: call.type.kind) ?? usuallyLongest.count
        }
        return calls.enumerated().sorted { (rank($0.element), $0.offset) < (rank($1.element), $1.offset) }.map(\.element)
    }

    /// How many pages of one list call are stored at once. With two, one page's bodies are written (the store
    /// has one writer) while the next is decoded, normalised and hashed on the other cores, and the page after
    /// that is on its way (``KubernetesClient/listRawPages(_:namespace:labelSelector:fieldSelector:pageSize:_:)``
    /// reads one ahead): a long list (25,000 Events) is no longer processed one page at a time once the
    /// shorter ones have finished (docs/capture.md, session 10).
    static let pagesInFlight = 2

    /// Lists one call page by page, storing each page's bodies as it arrives (``pagesInFlight`` pages at once);
    /// a restarted listing (expired `continue` token) waits for the pages in flight and starts its members and
    /// counts over. `namespaces`, when given, limits Namespace objects.
    ///
    /// A page stays bytes until the store's workers decode its items one at a time (``ListPage``), so memory
    /// holds the pages' text and a few decoded objects, and decoding is spread over the cores with the rest of
    /// the encoding; only Argo CD's kinds, kept whole for the application tree, are decoded up front. With
    /// `batch`, the bodies join it (``BodyBatch``).
    func stream(_ call: ListCall, namespaces: Set<String>?, batch: BodyBatch? = nil) async throws -> CallResult {
        let keep = Self.namespaceFilter(call.type, namespaces)
        // Pages are stored in child tasks, so a failure cancels and awaits the others before it is thrown.
        return try await withThrowingTaskGroup(of: StoredPage.self) { pages in
            var result = CallResult()
            var inFlight = 0
            let version = try await client.listRawPages(call.type, namespace: call.namespace, pageSize: config.pageSize) { page, restarted in
                if restarted {
                    // What the earlier pages stored belongs to the abandoned listing; their errors still count.
                    while inFlight > 0, try await pages.next() != nil { inFlight -= 1 }
                    result = CallResult()
                }
                pages.addTask { try await self.store(page, kind: call.type.kind, keep: keep, batch: batch) }
                inFlight += 1
                if inFlight >= Self.pagesInFlight, let stored = try await pages.next() {
                    inFlight -= 1
                    result.add(stored)
                }
            }
            while let stored = try await pages.next() { result.add(stored) }
            result.resourceVersion = version
            return result
        }
    }

    /// What storing one page gave: its members and, for an Argo CD kind, its objects.
    struct StoredPage: Sendable {
        var members: SnapshotMembers
        var argoCD: [JSON] = []
    }

    /// Stores one page's bodies (those `keep` passes; into `batch` when given) and returns its members.
    func store(_ page: ListPage, kind: String, keep: Set<String>?, batch: BodyBatch? = nil) async throws -> StoredPage {
        if Self.isArgoCD(page.type) {
            let items = try page.items().filter { Self.keeps($0, namespaces: keep) }
            let members = try await store.storeBodies(count: items.count, label: kind, fromServer: true, batch: batch) { items[$0] }
            return StoredPage(members: members, argoCD: items)
        }
        // Without a filter, a version stored before is recognised from its bytes and not decoded at all…
        // …and most items are encoded straight from their bytes (`ListPage.canonical`).
        var version: (@Sendable (Int) -> ObjectVersion?)?
        var canonical: EvidenceStore.CanonicalSource?
        if keep == nil {
            version = { index in page.version(index) }
            if config.encodeFromBytes {
                canonical = { index, redaction, scratch, body in page.canonical(index, redaction: redaction, scratch: scratch, body) != nil }
            }
        }
        let members = try await store.storeBodies(
            count: page.count, label: kind, fromServer: true, kind: kind, batch: batch, version: version, canonical: canonical
        ) { index in
            let item = try page.item(index)
            // Not `keeps ? item : nil`: JSON is ExpressibleByNilLiteral, so that `nil` would be JSON.null.
            guard Self.keeps(item, namespaces: keep) else { return Optional<JSON>.none }
            return item
        }
        return StoredPage(members: members)
    }

    /// Whether a call's objects are kept whole (the Argo CD kinds the summary's application tree needs).
    static func isArgoCD(_ type: ResourceType) -> Bool {
        type.group == "argoproj.io" && (type.kind == "Application" || type.kind == "AppProject")
    }

    /// The filter ``keeps(_:namespaces:)`` applies to a call of `type`: `namespaces` for the Namespace kind
    /// (only those Namespace objects are captured), `nil` (keep everything) for any other kind.
    static func namespaceFilter(_ type: ResourceType, _ namespaces: Set<String>?) -> Set<String>? {
        type.kind == "Namespace" && type.group.isEmpty ? namespaces : nil
    }

    /// Whether `item` passes the Namespace filter (`namespaces`, when given, lists the names kept).
    static func keeps(_ item: JSON, namespaces: Set<String>?) -> Bool {
        guard let namespaces, let name = item[path: "metadata", "name"]?.stringValue else { return true }
        return namespaces.contains(name)
    }
}
