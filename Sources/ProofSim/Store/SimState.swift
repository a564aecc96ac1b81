import Foundation
import ProofCore
import Synchronization

/// The simulated cluster's object store — what etcd plus the API server's storage layer are to a real cluster.
///
/// This is the seam every in-sim component builds on: the HTTP API, the workload controllers, and later the
/// Argo CD controller and service handlers all read and write objects only through it.
///
/// - One monotonically increasing resourceVersion across all objects; `uid`, `generation`,
///   `creationTimestamp` and `resourceVersion` are set here, never by callers.
/// - Every change is appended to a bounded event log; `watch(_:filter:from:)` replays from a resourceVersion
///   still in the log or throws 410 `Expired`, and `changes()` streams every change from now on.
/// - Deletion follows Kubernetes: finalizers hold an object with a `deletionTimestamp`; owner references are
///   garbage-collected (Background, Foreground, Orphan); a namespace being deleted refuses new objects.
/// - Writes with an unchanged result are no-ops (no new resourceVersion, no event), so controllers that
///   write the same state twice do not loop.
///
/// All methods are synchronous and thread-safe (one `Mutex`); they never block on I/O.
///
/// Lock rule: the mutex is never held while yielding to a stream, finishing one, resuming a continuation or
/// doing I/O. A write collects the events it causes into `Storage.outbox` under the lock; `deliver()` yields
/// them after the lock is released, one thread at a time, so every subscriber sees them in resourceVersion
/// order. A cancelled watch's `onTermination` takes the lock only to remove its subscriber (it can never run
/// inside a yield made under the lock, since there is none), and the removed continuation is released after
/// the lock. `modify`'s body runs under the lock: it must not call back into `SimState`.
public final class SimState: Sendable {
    /// The resource types this store knows.
    public let registry: ResourceRegistry
    let storage: Mutex<Storage>
    let now: @Sendable () -> Date
    /// Pods are deleted gracefully (deletionTimestamp first, the simulated kubelet removes them) when true.
    let gracefulPodDeletion: Bool
    /// How many requests are waiting for a future resourceVersion (see `waitForResourceVersion`); a `Mutex`
    /// held only to change or read the count.
    let resourceVersionWaiters = Mutex<Int>(0)

    /// Creates an empty store.
    /// - Parameters:
    ///   - registry: the resource types served.
    ///   - eventLogCapacity: how many changes are kept for watches that resume from a resourceVersion.
    ///   - eventHistory: how long changes are kept for those watches (and for exact lists).
    ///   - gracefulPodDeletion: pods get a `deletionTimestamp` and are removed by the simulated kubelet.
    ///   - now: the clock used for timestamps and the history's age.
    public init(registry: ResourceRegistry = ResourceRegistry(), eventLogCapacity: Int = 50_000,
        eventHistory: Duration = .seconds(300), gracefulPodDeletion: Bool = true,
        now: @escaping @Sendable () -> Date = { Date() })
    {
        self.registry = registry
        var storage = Storage(capacity: max(eventLogCapacity, 1))
        storage.historyWindow = Double(eventHistory.components.seconds) + Double(eventHistory.components.attoseconds) / 1e18
        storage.clock = now
        self.storage = Mutex(storage)
        self.now = now
        self.gracefulPodDeletion = gracefulPodDeletion
    }

    /// The latest resourceVersion, as the opaque string clients see.
    public var resourceVersion: String { String(revision) }
    /// The store's current resourceVersion as a number (every write raises it).
    var revision: Int64 { storage.withLock { $0.rv } }

    /// The lowest resourceVersion a watch may still resume from.
    public var oldestWatchableResourceVersion: Int64 { storage.withLock { $0.compactedRV } }

    /// How many watch streams and `changes()` subscribers are open now (tests use it to show that a client's
    /// watches ended).
    public var subscriberCount: Int { storage.withLock { $0.subscribers.count } }

    /// Total number of stored objects.
    public var count: Int { storage.withLock { $0.objects.values.reduce(0) { $0 + $1.count } } }

    /// Runs `body` under the lock, then delivers the events it queued, after the lock is released.
    func locked<T: Sendable>(_ body: (inout Storage) throws(SimError) -> T) throws(SimError) -> T {
        defer { deliver() }
        return try storage.withLock { (storage: inout Storage) throws(SimError) -> T in try body(&storage) }
    }

    /// Yields queued events to their subscribers outside the lock. Only one thread delivers at a time; a
    /// thread that finds another delivering leaves its events to it, so per-subscriber order is kept.
    func deliver() {
        var batch = storage.withLock { $0.claimOutbox() }
        while !batch.isEmpty {
            for delivery in batch { delivery.continuation.yield(delivery.event) }
            batch = storage.withLock { $0.nextOutboxBatch() }
        }
    }

    // MARK: Reads

    /// The object `name` of `resource` in `namespace` (ignored for cluster-scoped types); 404 when missing.
    public func get(_ resource: ResourceType, namespace: String?, name: String) throws(SimError) -> JSON {
        let key = Storage.key(resource, namespace, name)
        guard let object = storage.withLock({ $0.objects[resource.qualifiedResource]?[key] }) else {
            throw .notFound(resource, name)
        }
        return object
    }

    /// The object with this `apiVersion`/`kind`, if stored.
    public func get(apiVersion: String, kind: String, namespace: String?, name: String) throws(SimError) -> JSON {
        guard let type = registry.type(apiVersion: apiVersion, kind: kind) else {
            throw SimError(code: 404, reason: "NotFound", message: "no kind \(kind) in \(apiVersion) is registered")
        }
        return try get(type, namespace: namespace, name: name)
    }

    /// All objects of `resource` passing `filter`, sorted by namespace then name, and the list's resourceVersion.
    public func list(_ resource: ResourceType, filter: ObjectFilter? = nil) -> (items: [JSON], resourceVersion: Int64) {
        storage.withLock { storage in
            let all = storage.objects[resource.qualifiedResource] ?? [:]
            // Keys of namespaced objects start `namespace/`: a namespace filter is checked on the key first (the
            // services' loops list one namespace's pods many times a second).
            let prefix = resource.namespaced ? filter?.namespace.map { $0 + "/" } : nil
            let keys = storage.keysInOrder(resource.qualifiedResource)
            var matched: [JSON] = []
            // The keys are sorted, so one namespace's keys are one run that starts at the first key not below
            // its prefix (found by bisection; names are ASCII, so a prefix's keys are contiguous).
            var index = prefix.map { prefix in keys.partitioningIndex { !($0 < prefix) } } ?? keys.startIndex
            while index < keys.endIndex {
                let key = keys[index]
                index += 1
                if let prefix, !key.hasPrefix(prefix) { break }
                guard let object = all[key] else { continue }
                if let filter, !filter.matches(object) { continue }
                matched.append(object)
            }
            return (matched, storage.rv)
        }
    }

    /// The objects of `resource` passing `filter` as they were at `resourceVersion` (an Exact list), rebuilt
    /// from the kept history; 410 `Expired` when that is older than the history, 504 when it is in the future.
    public func list(_ resource: ResourceType, filter: ObjectFilter?, at resourceVersion: Int64) throws(SimError)
        -> (items: [JSON], resourceVersion: Int64)
    {
        try storage.withLock { (storage: inout Storage) throws(SimError) -> (items: [JSON], resourceVersion: Int64) in
            if resourceVersion > storage.rv { throw Self.tooLarge(resourceVersion, current: storage.rv) }
            if resourceVersion < storage.compactedRV {
                throw .expired("too old resource version: \(resourceVersion) (\(storage.compactedRV))")
            }
            var objects = storage.objects[resource.qualifiedResource] ?? [:]
            for event in storage.log.reversed() where event.resourceVersion > resourceVersion {
                guard event.resource.qualifiedResource == resource.qualifiedResource else { continue }
                let key = Storage.key(resource, event.namespace.isEmpty ? nil : event.namespace, event.name)
                objects[key] = event.type == .added ? nil : event.previous
            }
            let items = objects.keys.sorted().compactMap { key -> JSON? in
                let object = objects[key]!
                if let filter, !filter.matches(object) { return nil }
                return object
            }
            return (items, resourceVersion)
        }
    }

    /// 504 for a resourceVersion the store has not reached, as a real server answers after waiting for it
    /// (`NewTooLargeResourceVersionError`: a Timeout Status with a `ResourceVersionTooLarge` cause, retry after 1 s).
    static func tooLarge(_ resourceVersion: Int64, current: Int64) -> SimError {
        SimError(code: 504, reason: "Timeout",
            message: "Timeout: Too large resource version: \(resourceVersion), current: \(current)",
            details: ["causes": [["reason": "ResourceVersionTooLarge", "message": "Too large resource version"]], "retryAfterSeconds": 1],
            retryAfterSeconds: 1)
    }

    /// Waits (polling, no lock held while waiting) until the store's resourceVersion reaches `resourceVersion`
    /// or `timeout` passes, as a real server's watch cache waits before answering a list or watch at a future
    /// version. Returns whether it was reached.
    func waitForResourceVersion(_ resourceVersion: Int64, timeout: Duration) async -> Bool {
        let deadline = ContinuousClock.now + timeout
        resourceVersionWaiters.withLock { $0 += 1 }
        defer { resourceVersionWaiters.withLock { $0 -= 1 } }
        while storage.withLock({ $0.rv }) < resourceVersion {
            if ContinuousClock.now >= deadline || Task.isCancelled { return false }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return true
    }

    /// The objects whose `metadata.ownerReferences` name `uid`.
    public func dependents(ofUID uid: String) -> [(resource: ResourceType, object: JSON)] {
        storage.withLock { storage in
            (storage.dependents[uid] ?? []).sorted { $0.key < $1.key }.compactMap { address in
                guard let object = storage.objects[address.resource]?[address.key],
                    let type = storage.types[address.resource]
                else { return nil }
                return (type, object)
            }
        }
    }

    // MARK: Writes

    /// Creates `object` (its type from `apiVersion`/`kind`); 409 AlreadyExists, 404 for a missing namespace,
    /// 403 in a terminating namespace. With `dryRun` nothing is stored. Returns the stored object.
    @discardableResult
    public func create(_ object: JSON, dryRun: Bool = false) throws(SimError) -> JSON {
        let type = try registry.type(of: object)
        return try create(object, as: type, dryRun: dryRun)
    }

    /// Creates `object` as `resource`.
    @discardableResult
    public func create(_ object: JSON, as resource: ResourceType, dryRun: Bool = false) throws(SimError) -> JSON {
        let timestamp = Self.timestamp(now())
        return try locked { (storage: inout Storage) throws(SimError) -> JSON in
            try storage.create(object, as: resource, timestamp: timestamp, dryRun: dryRun)
        }
    }

    /// Replaces the object (PUT). A `metadata.resourceVersion` that is set and not current gives 409 Conflict.
    /// For types with a status subresource the stored `status` is kept; use `updateStatus` to change it.
    @discardableResult
    public func update(_ object: JSON, dryRun: Bool = false) throws(SimError) -> JSON {
        let type = try registry.type(of: object)
        return try update(object, as: type, subresource: nil, dryRun: dryRun)
    }

    /// Replaces only `status` of the stored object (PUT …/status); metadata and spec are kept.
    @discardableResult
    public func updateStatus(_ object: JSON, dryRun: Bool = false) throws(SimError) -> JSON {
        let type = try registry.type(of: object)
        return try update(object, as: type, subresource: "status", dryRun: dryRun)
    }

    /// Replaces the object as `resource`, optionally only its `status` subresource.
    @discardableResult
    public func update(_ object: JSON, as resource: ResourceType, subresource: String?, dryRun: Bool = false)
        throws(SimError) -> JSON
    {
        let timestamp = Self.timestamp(now())
        return try locked { (storage: inout Storage) throws(SimError) -> JSON in
            try storage.update(object, as: resource, subresource: subresource, timestamp: timestamp, dryRun: dryRun)
        }
    }

    /// Reads, transforms and writes back one object atomically (no Conflict possible); `body` may throw to
    /// abort. Returns the stored result. Handy for controllers that patch a field or two.
    @discardableResult
    public func modify(_ resource: ResourceType, namespace: String?, name: String, subresource: String? = nil,
        dryRun: Bool = false, _ body: (inout JSON) throws(SimError) -> Void) throws(SimError) -> JSON
    {
        let timestamp = Self.timestamp(now())
        return try locked { (storage: inout Storage) throws(SimError) -> JSON in
            guard var object = storage.objects[resource.qualifiedResource]?[Storage.key(resource, namespace, name)]
            else { throw .notFound(resource, name) }
            try body(&object)
            return try storage.update(object, as: resource, subresource: subresource, timestamp: timestamp,
                dryRun: dryRun)
        }
    }

    /// Applies a patch (merge, JSON or strategic-merge) to the stored object and writes the result;
    /// `subresource` `"status"` changes only the status.
    @discardableResult
    public func patch(_ resource: ResourceType, namespace: String?, name: String, type: PatchType, patch: JSON,
        subresource: String? = nil, dryRun: Bool = false) throws(SimError) -> JSON
    {
        let timestamp = Self.timestamp(now())
        return try locked { (storage: inout Storage) throws(SimError) -> JSON in
            guard let current = storage.objects[resource.qualifiedResource]?[Storage.key(resource, namespace, name)]
            else { throw .notFound(resource, name) }
            var patched = try type.apply(patch, to: current, kind: resource.kind)
            if patched[path: ["metadata", "name"]]?.stringValue != name {
                throw .badRequest("the name of the object (\(patched[path: ["metadata", "name"]]?.displayString ?? "")) does not match the name on the URL (\(name))")
            }
            if patched["apiVersion"] == nil { patched["apiVersion"] = .string(resource.apiVersion) }
            if patched["kind"] == nil { patched["kind"] = .string(resource.kind) }
            return try storage.update(patched, as: resource, subresource: subresource, timestamp: timestamp,
                dryRun: dryRun)
        }
    }

    /// Deletes an object: with finalizers (or a Foreground policy with dependents, or a gracefully deleted
    /// Pod, or a Namespace) it only gets a `deletionTimestamp`; otherwise it is removed and its dependents are
    /// garbage-collected per `propagation`. `preconditionUID`/`preconditionResourceVersion` give 409 on mismatch.
    @discardableResult
    public func delete(_ resource: ResourceType, namespace: String?, name: String,
        propagation: PropagationPolicy? = nil, gracePeriodSeconds: Int? = nil, preconditionUID: String? = nil,
        preconditionResourceVersion: String? = nil, dryRun: Bool = false) throws(SimError) -> DeleteOutcome
    {
        let timestamp = Self.timestamp(now())
        let graceful = gracefulPodDeletion && resource.group.isEmpty && resource.resource == "pods" && gracePeriodSeconds != 0
        return try locked { (storage: inout Storage) throws(SimError) -> DeleteOutcome in
            try storage.delete(resource, namespace: namespace, name: name, propagation: propagation,
                graceful: graceful, preconditionUID: preconditionUID,
                preconditionResourceVersion: preconditionResourceVersion, timestamp: timestamp, dryRun: dryRun)
        }
    }

    /// Removes a finalizer from the object (and so perhaps finishes its deletion); a no-op when absent.
    public func removeFinalizer(_ finalizer: String, from resource: ResourceType, namespace: String?, name: String)
        throws(SimError)
    {
        try modify(resource, namespace: namespace, name: name) { object in
            let finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
            let kept = finalizers.filter { $0.stringValue != finalizer }
            object.set(kept.isEmpty ? nil : .array(kept), at: ["metadata", "finalizers"])
        }
    }

    // MARK: Watching

    /// Every change from now on, for in-sim controllers. The stream ends when the cluster stops.
    public func changes() -> AsyncStream<WatchEvent> {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self)
        let id = storage.withLock { $0.subscribe(nil, continuation) }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return stream
    }

    /// A watch on `resource` objects passing `filter`: from `resourceVersion` (replaying logged changes after
    /// it; 410 `Expired` when it is older than the kept history), or, when `nil` or `"0"`, synthetic ADDED
    /// events for every current object first. Replay and subscription are atomic, so no change is missed.
    /// With a selector, an object that stops matching arrives as DELETED and one that starts matching as
    /// ADDED, as from a real API server.
    public func watch(_ resource: ResourceType, filter: ObjectFilter?, from resourceVersion: String?)
        throws(SimError) -> AsyncStream<WatchEvent>
    {
        try watchWithStart(resource, filter: filter, from: resourceVersion).stream
    }

    /// `watch`, also returning the resourceVersion the stream starts at and how many synthetic ADDED events
    /// come first (for the `initial-events-end` bookmark of `sendInitialEvents`).
    public func watchWithStart(_ resource: ResourceType, filter: ObjectFilter?, from resourceVersion: String?)
        throws(SimError) -> (stream: AsyncStream<WatchEvent>, start: Int64, initialEvents: Int)
    {
        let opened = try subscribeWatch(resource, filter: filter, from: resourceVersion)
        return (opened.stream, opened.start, opened.initialEvents)
    }

    /// `watchWithStart`, also returning a function that asks for a progress notification: an event with
    /// ``WatchEvent/isProgressNotify`` carrying the store's latest resourceVersion, queued behind every change
    /// already queued for this stream, so when it arrives every change up to that version has arrived (what
    /// etcd's progress notify gives a real API server's watch cache, whose bookmarks carry that version).
    public func watchWithProgress(_ resource: ResourceType, filter: ObjectFilter?, from resourceVersion: String?)
        throws(SimError) -> (stream: AsyncStream<WatchEvent>, start: Int64, initialEvents: Int, requestProgress: @Sendable () -> Void)
    {
        let opened = try subscribeWatch(resource, filter: filter, from: resourceVersion)
        let id = opened.id
        return (opened.stream, opened.start, opened.initialEvents, { [weak self] in self?.requestProgress(id, resource) })
    }

    /// Queues a progress notification for subscriber `id` (nothing when it is gone); delivered after the lock.
    func requestProgress(_ id: Int, _ resource: ResourceType) {
        defer { deliver() }
        storage.withLock { storage in
            guard let subscriber = storage.subscribers[id] else { return }
            var event = WatchEvent(type: .modified, resource: resource, object: .null, resourceVersion: storage.rv)
            event.isProgressNotify = true
            storage.outbox.append(Delivery(continuation: subscriber.continuation, event: event))
        }
    }

    /// Subscribes a watch (see `watch`) and returns its subscriber id too.
    private func subscribeWatch(_ resource: ResourceType, filter: ObjectFilter?, from resourceVersion: String?)
        throws(SimError) -> (stream: AsyncStream<WatchEvent>, start: Int64, initialEvents: Int, id: Int)
    {
        let (stream, continuation) = AsyncStream.makeStream(of: WatchEvent.self)
        let transform: @Sendable (WatchEvent) -> WatchEvent? = { event in
            guard event.resource.qualifiedResource == resource.qualifiedResource else { return nil }
            return Self.selected(event, by: filter)
        }
        var synthetic = 0
        let (id, start) = try locked { (storage: inout Storage) throws(SimError) -> (Int, Int64) in
            var backlog: [WatchEvent] = []
            if let text = resourceVersion, !text.isEmpty, text != "0" {
                let rv = try Self.parseResourceVersion(text)
                if rv < storage.compactedRV {
                    throw .expired("too old resource version: \(rv) (\(storage.compactedRV))")
                }
                backlog = storage.log.filter { $0.resourceVersion > rv }.compactMap(transform)
            } else {
                let all = storage.objects[resource.qualifiedResource] ?? [:]
                for key in storage.keysInOrder(resource.qualifiedResource) {
                    guard let object = all[key] else { continue }
                    if let filter, !filter.matches(object) { continue }
                    let rv = Int64(object[path: ["metadata", "resourceVersion"]]?.stringValue ?? "") ?? storage.rv
                    backlog.append(WatchEvent(type: .added, resource: resource, object: object, resourceVersion: rv))
                }
                synthetic = backlog.count
            }
            // Queued ahead of any later change, and delivered by `locked` after the lock is released.
            storage.outbox += backlog.map { Delivery(continuation: continuation, event: $0) }
            return (storage.subscribe(transform, continuation), storage.rv)
        }
        continuation.onTermination = { [weak self] _ in self?.unsubscribe(id) }
        return (stream, start, synthetic, id)
    }

    /// What a watch with `filter` sees of `event`: MODIFIED becomes ADDED when the object enters the
    /// selection and DELETED (with its new state) when it leaves; `nil` when it concerns nothing selected.
    static func selected(_ event: WatchEvent, by filter: ObjectFilter?) -> WatchEvent? {
        guard let filter else { return event }
        let now = filter.matches(event.object)
        let before = event.previous.map(filter.matches) ?? false
        var result = event
        switch event.type {
        case .added: return now ? event : nil
        case .deleted: return now || before ? event : nil
        case .modified:
            switch (before, now) {
            case (true, true): return event
            case (false, true): result.type = .added
            case (true, false): result.type = .deleted
            case (false, false): return nil
            }
            return result
        }
    }

    /// A resourceVersion from a client: the opaque value of a list or watch (400 otherwise).
    static func parseResourceVersion(_ text: String) throws(SimError) -> Int64 {
        guard let rv = Int64(text), rv >= 0 else {
            throw .badRequest("invalid resourceVersion \"\(text)\": expected the opaque value from a list or watch")
        }
        return rv
    }

    /// Removes a subscriber; its continuation is released after the lock (never inside it).
    func unsubscribe(_ id: Int) {
        let removed = storage.withLock { $0.unsubscribe(id) }
        _ = removed
    }

    /// Ends every open `changes()` and watch stream (the cluster is stopping).
    public func finishAllStreams() {
        let continuations = storage.withLock { storage in
            let all = storage.subscribers.values.map(\.continuation)
            storage.subscribers.removeAll()
            return all
        }
        for continuation in continuations { continuation.finish() }
    }

    /// Drops the event log up to now, so every earlier resourceVersion is too old to watch from (as an etcd
    /// compaction would). Used by tests and the fault switchboard.
    public func compactEventLog() {
        storage.withLock { storage in
            storage.log.removeAll()
            storage.logTimes.removeAll()
            storage.compactedRV = storage.rv
        }
    }

    /// RFC 3339 seconds, as Kubernetes writes timestamps.
    public static func timestamp(_ date: Date) -> String {
        date.formatted(Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!))
    }
}
