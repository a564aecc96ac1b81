import Foundation
import ProofCluster
import ProofCore
import ProofStore

/// An informer-style cache of what a capture needs, one per list call (kind, and namespace when the capture
/// is limited to namespaces), kept current by a watch, so a capture inside a run costs what changed.
///
/// Like client-go's reflector: the first capture of a kind lists it (the ordinary listing, which also stores
/// the bodies), the cache is seeded from that listing and watches from its `resourceVersion` with bookmarks;
/// a watch the server ends is reopened from the last version seen; a 410 (HTTP or an `ERROR` event) re-lists
/// and keeps what did not change. A capture asks for the collection's current version (a `limit=1` list,
/// ``KubernetesClient/collectionResourceVersion(_:namespace:)``) and takes the kind from the cache only once
/// the cache has seen that version (an event or a bookmark at or past it), waiting at most
/// about as long as listing the kind costs; otherwise it lists, as a capture without a cache does, and
/// re-seeds. Versions are compared as integers only when the server's are integers (a real server does not
/// promise that); otherwise that kind is always listed. Calls whose collections answered one version to every
/// probe of two rounds in a row share one probe from then on (``prepare()``).
///
/// Memory: per object, its identity, uid, resourceVersion and stored digest (``SnapshotMember``, held by identity
/// and, once captured, in key order as well), plus whole
/// objects only for the Argo CD kinds (the summary needs them) and for objects changed since the last capture
/// (their bodies are stored at the next capture, so the store gets exactly the versions a listing would).
///
/// Concurrency: an actor. Watches run in their own tasks and apply events through actor calls; no lock is
/// held anywhere; waiting captures are resumed from actor-isolated code. ``stop()`` cancels every watch and
/// returns once they have ended.
public actor CaptureCache {
    /// The cluster.
    public nonisolated let client: KubernetesClient
    /// Where changed bodies are stored at capture time.
    public nonisolated let store: EvidenceStore
    /// The longest a capture waits for a kind's cache to catch up before it lists the kind instead.
    public nonisolated let maxWait: Duration
    /// A capture waits for a kind's cache about as long as its last listing took, but at least this long (and
    /// at most ``maxWait``).
    public nonisolated let minWait: Duration
    /// The `timeoutSeconds` of each watch request (the server ends it then; the cache reopens it).
    public nonisolated let watchTimeout: Duration

    /// What the cache did so far (for tests and the benchmark).
    public struct Statistics: Sendable, Equatable {
        /// Kinds taken from the cache.
        public var hits = 0
        /// Kinds listed instead (first capture, cache behind, versions not comparable).
        public var listings = 0
        /// Re-lists after a 410 or a failed watch.
        public var relists = 0
        /// Watch requests opened (initial and reconnections).
        public var watchesOpened = 0
        /// `limit=1` lists asking a collection for its current version.
        public var probes = 0
    }

    /// What the cache did so far.
    public private(set) var statistics = Statistics()

    /// One list call's place in the cache.
    struct Key: Hashable, Sendable {
        var type: ResourceType
        var namespace: String?
    }

    /// The cache of one list call.
    struct Entry {
        /// Bumped on every re-seed, so updates from a replaced watch are ignored.
        var generation = 0
        /// Every object whose body is stored, by identity.
        var members: [ObjectIdentity: SnapshotMember] = [:] { didSet { ordered = nil } }
        /// ``members`` in key order with their count per namespace, made by the first capture after they
        /// changed: a capture of an unchanged kind then hands over a sorted array (the snapshot's sort finds it
        /// in order) instead of sorting and counting thousands of members again.
        var ordered: (members: [SnapshotMember], counts: [String: Int])?
        /// Objects changed since their body was stored (their latest version), by identity.
        var changed: [ObjectIdentity: JSON] = [:]
        /// The Argo CD objects, by identity (Application and AppProject only).
        var argoCD: [ObjectIdentity: JSON] = [:]
        /// Every change up to this version is applied.
        var seen: Int64 = 0
        /// False while re-listing or after the watch failed: captures list instead.
        var usable = false
        /// False once the server gave a version that is not an integer: always list.
        var comparable = true
        /// How long the last listing of this call took (how long waiting may be worth it).
        var listCost: Duration = .zero
        /// The watch.
        var task: Task<Void, Never>?
    }

    private var entries: [Key: Entry] = [:]
    /// The calls ``prepare()`` checked for the coming capture, with the generation found current (`nil`: behind).
    private var prepared: [Key: Int?] = [:]
    /// The calls whose collections answered one and the same version to every probe of the last
    /// ``sharedRounds`` rounds in which each call was probed: they share the server's version counter (one
    /// etcd), so one probe gives the current version of all of them.
    private var shared: Set<Key> = []
    /// How many rounds in a row found ``shared`` answering one version.
    private var sharedRounds = 0
    /// Rounds in a row a set of calls must answer one version before one probe stands for all of them.
    static let roundsBeforeSharing = 2

    /// Whether the next capture sends one probe for the calls that share a version counter (for tests and the
    /// benchmark).
    public var sharesProbes: Bool { sharedRounds >= Self.roundsBeforeSharing && shared.count >= 2 }
    private var waiters: [Int: (key: Key, version: Int64, continuation: CheckedContinuation<Bool, Never>)] = [:]
    private var nextWaiter = 0
    private var stopped = false

    /// A cache over `client` storing changed bodies into `store`. A capture waits for a kind to catch up about
    /// as long as listing it took, within `minWait`...`maxWait`; watches are reopened every `watchTimeout`.
    public init(
        client: KubernetesClient, store: EvidenceStore, maxWait: Duration = .seconds(1), minWait: Duration = .milliseconds(5),
        watchTimeout: Duration = .seconds(300)
    ) {
        self.client = client
        self.store = store
        self.maxWait = maxWait
        self.minWait = min(minWait, maxWait)
        self.watchTimeout = watchTimeout
    }

    /// How many watches are running now.
    public var activeWatches: Int { entries.values.filter { $0.task != nil }.count }

    /// Ends every watch and waits until they have ended; later captures list (the cache stays stopped).
    public func stop() async {
        stopped = true
        let tasks = entries.values.compactMap(\.task)
        for key in Array(entries.keys) {
            entries[key]?.task = nil
            entries[key]?.usable = false
        }
        for task in tasks { task.cancel() }
        for (id, _) in waiters { resolve(id, false) }
        for task in tasks { await task.value }
    }

    // MARK: - Capturing through the cache

    /// One call's result for a capture: from the cache when it has caught up with the collection's current
    /// version, otherwise by listing with `capturer` (and re-seeding the cache from that listing).
    func capture(_ call: Capturer.ListCall, namespaces: Set<String>?, capturer: Capturer) async throws -> Capturer.CallResult {
        let key = Key(type: call.type, namespace: call.namespace)
        if let view = try await currentView(key) {
            let stored = try await store.storeBodies(view.changed, label: call.type.kind, fromServer: true)
            forget(stored.members, key: key, generation: view.generation)
            var result = Capturer.CallResult()
            var members = SnapshotMembers()
            members.members = view.members
            members.shared = true  // the cache keeps them for the next capture
            result.pages = [members]
            result.counts = view.counts
            result.add(Capturer.StoredPage(members: stored))
            result.argoCD = view.argoCD
            statistics.hits += 1
            return result
        }
        let started = ContinuousClock.now
        let result = try await capturer.stream(call, namespaces: namespaces)
        statistics.listings += 1
        seed(key, from: result, cost: ContinuousClock.now - started, namespaces: namespaces)
        return result
    }

    /// What a capture takes from one call's cache.
    struct View: Sendable {
        var generation: Int
        /// The stored members, in key order.
        var members: [SnapshotMember]
        /// How many of them each namespace holds.
        var counts: [String: Int]
        var changed: [JSON]
        var argoCD: [JSON]
    }

    /// Checks every call's cache at once before a capture (the probes and the waits run concurrently, not in
    /// the capture's list slots); the capture then takes each call that was current and lists the others.
    ///
    /// Each call's collection is probed for its current version, except that calls which answered one and the
    /// same version to every probe of the last ``roundsBeforeSharing`` rounds share one probe: equal versions
    /// from different collections at one moment mean one version counter (one etcd, where a list's version is
    /// the store's revision), so every change to any of them before the probe is at or below its answer. Events
    /// are never shared: they are what a cluster keeps in an etcd of its own (`--etcd-servers-overrides`), whose
    /// counter could equal the main one by chance; they keep their own probe. A busy cluster, whose version moves
    /// between the probes of a round, keeps one probe per call.
    public func prepare() async {
        prepared = [:]
        let keys = entries.filter { !stopped && $0.value.comparable && $0.value.task != nil }.map(\.key)
        let sharing = sharedRounds >= Self.roundsBeforeSharing ? keys.filter(shared.contains) : []
        if sharing.count >= 2 {
            let version = await probe(sharing[0])
            if version == nil { (shared, sharedRounds) = ([], 0) }
            let sharers = Set(sharing)
            await withTaskGroup(of: Void.self) { group in
                for key in keys {
                    if sharers.contains(key) {
                        group.addTask { await self.check(key, at: version) }
                    } else {
                        group.addTask { _ = await self.check(key) }
                    }
                }
            }
            return
        }
        let versions = await withTaskGroup(of: Int64?.self) { group in
            for key in keys { group.addTask { await self.check(key) } }
            var versions: [Int64?] = []
            for await version in group { versions.append(version) }
            return versions
        }
        let candidates = Set(keys.filter { !Self.keepsOwnProbe($0.type) })
        if candidates.count >= 2, let first = versions.first ?? nil, versions.allSatisfy({ $0 == first }) {
            sharedRounds = shared == candidates ? sharedRounds + 1 : 1
            shared = candidates
        } else {
            (shared, sharedRounds) = ([], 0)
        }
    }

    /// Whether a kind is always probed on its own: Events (core and `events.k8s.io`).
    static func keepsOwnProbe(_ type: ResourceType) -> Bool {
        type.name == "events" && (type.group.isEmpty || type.group == "events.k8s.io")
    }

    /// One call's part of ``prepare()``: probes its collection and returns the version it answered (`nil`
    /// when the probe failed or the version is not an integer).
    private func check(_ key: Key) async -> Int64? {
        let version = await probe(key)
        await check(key, at: version)
        return version
    }

    /// One call's part of ``prepare()`` once the collection's current version is known (`nil`: unknown, list).
    private func check(_ key: Key, at version: Int64?) async {
        let current = if let version { await caughtUp(key, with: version) } else { false }
        prepared[key] = current ? entries[key]?.generation : Int?.none
    }

    /// Whether the call's cache has seen the collection's current version (waiting a bounded time for it).
    private func isCurrent(_ key: Key) async -> Bool {
        guard let version = await probe(key) else { return false }
        return await caughtUp(key, with: version)
    }

    /// The collection's current version (a `limit=1` list); `nil` when the call is not watched, the probe
    /// failed or the server's version is not an integer (then this call is always listed).
    private func probe(_ key: Key) async -> Int64? {
        guard !stopped, let entry = entries[key], entry.comparable, entry.task != nil else { return nil }
        statistics.probes += 1
        let text: String
        do { text = try await client.collectionResourceVersion(key.type, namespace: key.namespace) } catch { return nil }
        guard let version = Int64(text) else {
            entries[key]?.comparable = false
            return nil
        }
        return version
    }

    /// Whether the call's cache has seen `version`, waiting for it about as long as listing the call costs.
    private func caughtUp(_ key: Key, with version: Int64) async -> Bool {
        guard !stopped, let entry = entries[key], entry.comparable, entry.task != nil else { return false }
        let wait = min(maxWait, max(minWait, entry.listCost))
        guard await waitUntilSeen(key, version, timeout: wait), let entry = entries[key], entry.usable else { return false }
        return true
    }

    /// The call's cache once it has seen the collection's current version, or `nil` (list instead).
    private func currentView(_ key: Key) async throws -> View? {
        if let checked = prepared.removeValue(forKey: key) {
            guard let generation = checked, let entry = entries[key], entry.generation == generation, entry.usable else { return nil }
            return view(key)
        }
        guard await isCurrent(key), entries[key] != nil else { return nil }
        return view(key)
    }

    /// What a capture takes from the call's cache (which must exist).
    private func view(_ key: Key) -> View {
        if entries[key]!.ordered == nil {
            let members = entries[key]!.members.values.sorted { ByteOrder.precedes($0.key, $1.key) }
            entries[key]!.ordered = (members, Capturer.CallResult.counts(of: members))
        }
        let entry = entries[key]!
        return View(
            generation: entry.generation, members: entry.ordered!.members, counts: entry.ordered!.counts,
            changed: Array(entry.changed.values), argoCD: entry.argoCD.sorted { $0.key < $1.key }.map(\.value))
    }

    /// After a capture stored the changed bodies: they are members now, unless a newer version came meanwhile.
    private func forget(_ stored: [SnapshotMember], key: Key, generation: Int) {
        guard entries[key]?.generation == generation else { return }
        for member in stored {
            if let object = entries[key]?.changed[member.identity],
                object[path: ["metadata", "resourceVersion"]]?.stringValue == member.resourceVersion
            {
                entries[key]?.changed[member.identity] = nil
                entries[key]?.members[member.identity] = member
            }
        }
    }

    /// Seeds the call's cache from a listing (its members and Argo CD objects) and watches from its version.
    private func seed(_ key: Key, from result: Capturer.CallResult, cost: Duration, namespaces: Set<String>?) {
        var entry = entries[key] ?? Entry()
        entry.task?.cancel()
        entry.task = nil
        entry.generation += 1
        entry.listCost = cost
        entry.members = [:]
        entry.changed = [:]
        entry.argoCD = [:]
        guard !stopped, let version = Int64(result.resourceVersion) else {
            if !stopped { entry.comparable = false }
            entry.usable = false
            entries[key] = entry
            return
        }
        for page in result.pages {
            for member in page.members { entry.members[member.identity] = member }
        }
        for object in result.argoCD {
            if let identity = ObjectIdentity(object: object) { entry.argoCD[identity] = object }
        }
        entry.seen = version
        entry.usable = true
        let generation = entry.generation
        let reflector = Reflector(cache: self, key: key, generation: generation, namespaces: namespaces)
        entry.task = Task { await reflector.run(from: result.resourceVersion) }
        entries[key] = entry
    }

    // MARK: - Applying what the watch saw

    /// Applies one change seen by the watch of `generation` and advances the version seen.
    func apply(_ key: Key, generation: Int, type: String, object: JSON, version: Int64) {
        guard var entry = entries[key], entry.generation == generation,
            let identity = ObjectIdentity(object: object)
        else { return }
        if type == "DELETED" {
            entry.members[identity] = nil
            entry.changed[identity] = nil
            entry.argoCD[identity] = nil
        } else {
            let old = entry.members[identity]
            let uid = object[path: ["metadata", "uid"]]?.stringValue
            let rv = object[path: ["metadata", "resourceVersion"]]?.stringValue
            if let old, old.uid != nil, old.uid == uid, old.resourceVersion != nil, old.resourceVersion == rv {
                entry.changed[identity] = nil
            } else {
                entry.members[identity] = nil
                entry.changed[identity] = object
            }
            if Capturer.isArgoCD(key.type) { entry.argoCD[identity] = object }
        }
        entry.seen = max(entry.seen, version)
        entries[key] = entry
        wake(key)
    }

    /// A bookmark (or an event without an object) at `version`.
    func advance(_ key: Key, generation: Int, to version: Int64) {
        guard entries[key]?.generation == generation else { return }
        entries[key]!.seen = max(entries[key]!.seen, version)
        wake(key)
    }

    /// Marks the call's cache as behind (re-listing) or back in step.
    func setUsable(_ key: Key, generation: Int, _ usable: Bool) {
        guard entries[key]?.generation == generation else { return }
        entries[key]!.usable = usable
        if !usable { statistics.relists += 1 }
    }

    /// The server gave a version that is not an integer: this call is always listed from now on.
    func setIncomparable(_ key: Key, generation: Int) {
        guard entries[key]?.generation == generation else { return }
        entries[key]!.comparable = false
        entries[key]!.usable = false
    }

    /// Counts a watch request.
    func watchOpened() { statistics.watchesOpened += 1 }

    /// The uid and resourceVersion of every object the call's cache holds (stored or changed), for a re-list.
    func versions(_ key: Key) -> [ObjectIdentity: (uid: String?, resourceVersion: String?)] {
        guard let entry = entries[key] else { return [:] }
        var versions: [ObjectIdentity: (uid: String?, resourceVersion: String?)] = [:]
        for (identity, member) in entry.members { versions[identity] = (member.uid, member.resourceVersion) }
        for (identity, object) in entry.changed {
            versions[identity] = (object[path: ["metadata", "uid"]]?.stringValue, object[path: ["metadata", "resourceVersion"]]?.stringValue)
        }
        return versions
    }

    /// Replaces the call's cache after a re-list: `unchanged` are listed objects whose version (the value) the
    /// cache holds, `changed` the others, whole (and every object of an Argo CD kind).
    func replace(_ key: Key, generation: Int, unchanged: [ObjectIdentity: String], changed: [ObjectIdentity: JSON], version: Int64) {
        guard var entry = entries[key], entry.generation == generation else { return }
        var members: [ObjectIdentity: SnapshotMember] = [:]
        var pending: [ObjectIdentity: JSON] = [:]
        var argoCD: [ObjectIdentity: JSON] = [:]
        for (identity, rv) in unchanged {
            if let member = entry.members[identity], member.resourceVersion == rv {
                members[identity] = member
            } else if let object = entry.changed[identity] {
                pending[identity] = object
            }
        }
        for (identity, object) in changed {
            let uid = object[path: ["metadata", "uid"]]?.stringValue
            let rv = object[path: ["metadata", "resourceVersion"]]?.stringValue
            if let old = entry.members[identity], old.uid != nil, old.uid == uid, old.resourceVersion != nil, old.resourceVersion == rv {
                members[identity] = old
            } else {
                pending[identity] = object
            }
            if Capturer.isArgoCD(key.type) { argoCD[identity] = object }
        }
        entry.members = members
        entry.changed = pending
        entry.argoCD = argoCD
        entry.seen = version
        entry.usable = true
        entries[key] = entry
        wake(key)
    }

    // MARK: - Waiting for a version

    /// Waits until the call's cache has seen `version` (true) or `timeout` passed, the task was cancelled or
    /// the cache stopped (false).
    private func waitUntilSeen(_ key: Key, _ version: Int64, timeout: Duration) async -> Bool {
        if let entry = entries[key], entry.usable, entry.seen >= version { return true }
        nextWaiter += 1
        let id = nextWaiter
        let timer = Task { [weak self] in
            try? await Task.sleep(for: timeout)
            await self?.resolve(id, false)
        }
        defer { timer.cancel() }
        return await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                waiters[id] = (key, version, continuation)
            }
        } onCancel: {
            Task { await self.resolve(id, false) }
        }
    }

    /// Resumes the waiters of `key` whose version the cache has seen.
    private func wake(_ key: Key) {
        guard let entry = entries[key], entry.usable else { return }
        for (id, waiter) in waiters where waiter.key == key && waiter.version <= entry.seen { resolve(id, true) }
    }

    /// Resumes waiter `id` (once) with `value`.
    private func resolve(_ id: Int, _ value: Bool) {
        waiters.removeValue(forKey: id)?.continuation.resume(returning: value)
    }
}
