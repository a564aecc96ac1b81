import Foundation
import ProofCore

/// Where one object lives inside `Storage`: its qualified resource and `namespace/name` key.
struct Address: Hashable, Sendable {
    var resource: String
    var key: String
}

/// A watch or `changes()` subscriber.
struct Subscriber: Sendable {
    /// What this subscriber gets for an event (a selector watch may turn MODIFIED into ADDED or DELETED);
    /// `nil` drops it. No transform: every event as it is.
    var transform: (@Sendable (WatchEvent) -> WatchEvent?)?
    var continuation: AsyncStream<WatchEvent>.Continuation
}

/// One event waiting in `Storage.outbox` for its subscriber.
struct Delivery: Sendable {
    var continuation: AsyncStream<WatchEvent>.Continuation
    var event: WatchEvent
}

/// The mutable state behind `SimState`'s mutex. Every method here runs with the lock held.
///
/// Lock rule: nothing here yields to a stream, resumes a continuation, finishes a stream or does I/O. Events
/// for subscribers are appended to `outbox` (in resourceVersion order) and `SimState` delivers them after
/// the lock is released; removed subscribers are handed back so their continuations are released outside it.
struct Storage: Sendable {
    var objects: [String: [String: JSON]] = [:]
    var types: [String: ResourceType] = [:]
    var rv: Int64 = 1
    var log: [WatchEvent] = []
    /// When each `log` entry was appended (same indexes).
    var logTimes: [Date] = []
    let capacity: Int
    /// How long changes stay in `log` (a real server keeps minutes of history, not everything).
    var historyWindow: TimeInterval = 300
    /// The clock `historyWindow` is measured with.
    var clock: @Sendable () -> Date = { Date() }
    var compactedRV: Int64 = 0
    var subscribers: [Int: Subscriber] = [:]
    var nextSubscriber = 0
    /// Events collected under the lock, delivered in order after it is released (see `SimState.deliver`).
    var outbox: [Delivery] = []
    /// Whether some thread is delivering `outbox` right now (only one does, so order is kept).
    var delivering = false
    /// owner uid → dependents.
    var dependents: [String: Set<Address>] = [:]
    /// uid → address.
    var uids: [String: Address] = [:]
    var gracefulPods = true
    var serviceIPCounter = 0
    /// Each resource's keys in list order (as etcd keeps them), by qualified resource: made by the first list
    /// after an object of that resource was created or removed (`create` and `remove` drop the entry), so a
    /// list costs a walk of the keys, not a sort (a `limit=1` list of 5,000 Events sorted them all).
    var sortedKeys: [String: [String]] = [:]

    init(capacity: Int) { self.capacity = capacity }

    static func key(_ type: ResourceType, _ namespace: String?, _ name: String) -> String {
        type.namespaced ? "\(namespace ?? "")/\(name)" : name
    }

    static let namespaces = ResourceRegistry.builtIn.first { $0.resource == "namespaces" }!
    static let suffixAlphabet = Array("bcdfghjklmnpqrstvwxz2456789")

    /// Five characters from the alphabet Kubernetes uses for generated names.
    static func randomSuffix(_ count: Int = 5) -> String {
        String((0..<count).map { _ in suffixAlphabet.randomElement()! })
    }

    /// The keys of `resource`'s objects, sorted (``sortedKeys``, made again when the count shows that a key
    /// was added or removed without `create` or `remove`).
    mutating func keysInOrder(_ resource: String) -> [String] {
        let count = objects[resource]?.count ?? 0
        if let keys = sortedKeys[resource], keys.count == count { return keys }
        let keys = (objects[resource]?.keys).map { $0.sorted() } ?? []
        sortedKeys[resource] = keys
        return keys
    }

    // MARK: Subscribers and the event log

    mutating func subscribe(_ transform: (@Sendable (WatchEvent) -> WatchEvent?)?, _ continuation: AsyncStream<WatchEvent>.Continuation) -> Int {
        nextSubscriber += 1
        subscribers[nextSubscriber] = Subscriber(transform: transform, continuation: continuation)
        return nextSubscriber
    }

    /// Removes a subscriber and returns it, so its continuation is released after the lock.
    mutating func unsubscribe(_ id: Int) -> Subscriber? { subscribers.removeValue(forKey: id) }

    /// Takes the outbox for delivery unless another thread is delivering (it will take these too).
    mutating func claimOutbox() -> [Delivery] {
        guard !delivering, !outbox.isEmpty else { return [] }
        delivering = true
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox
    }

    /// Called by the delivering thread after each batch: the next batch, or `[]` and delivery ends.
    mutating func nextOutboxBatch() -> [Delivery] {
        guard !outbox.isEmpty else {
            delivering = false
            return []
        }
        defer { outbox.removeAll(keepingCapacity: true) }
        return outbox
    }

    mutating func emit(_ type: WatchEvent.Kind, _ resource: ResourceType, _ object: JSON, previous: JSON?) {
        var event = WatchEvent(type: type, resource: resource, object: object, resourceVersion: rv)
        event.previous = previous
        log.append(event)
        let now = clock()
        logTimes.append(now)
        // Compacted in batches: past the capacity by a quarter, or a tenth of the window past its age.
        var drop = log.count > capacity + capacity / 4 + 1 ? log.count - capacity : 0
        if let oldest = logTimes.first, now.timeIntervalSince(oldest) > historyWindow * 1.1 {
            drop = max(drop, logTimes.firstIndex { now.timeIntervalSince($0) <= historyWindow } ?? logTimes.count)
        }
        if drop > 0 {
            compactedRV = log[drop - 1].resourceVersion
            log.removeFirst(drop)
            logTimes.removeFirst(drop)
        }
        for subscriber in subscribers.values {
            guard let delivered = subscriber.transform.map({ $0(event) }) ?? event else { continue }
            outbox.append(Delivery(continuation: subscriber.continuation, event: delivered))
        }
    }

    // MARK: Indexes

    mutating func index(_ address: Address, old: JSON?, new: JSON?) {
        if let uid = old?[path: ["metadata", "uid"]]?.stringValue { uids[uid] = nil }
        for owner in Self.ownerUIDs(old) { dependents[owner]?.remove(address) }
        if let uid = new?[path: ["metadata", "uid"]]?.stringValue { uids[uid] = address }
        for owner in Self.ownerUIDs(new) { dependents[owner, default: []].insert(address) }
    }

    static func ownerUIDs(_ object: JSON?) -> [String] {
        (object?[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).compactMap { $0["uid"]?.stringValue }
    }

    // MARK: Create

    mutating func create(_ input: JSON, as type: ResourceType, timestamp: String, dryRun: Bool) throws(SimError) -> JSON {
        guard case .object = input else { throw .badRequest("the request body must be a JSON object") }
        var object = input
        object["apiVersion"] = .string(type.apiVersion)
        object["kind"] = .string(type.kind)
        var metadata = object["metadata"]?.objectValue ?? [:]
        var name = metadata["name"]?.stringValue ?? ""
        if name.isEmpty, let prefix = metadata["generateName"]?.stringValue, !prefix.isEmpty {
            name = prefix + Self.randomSuffix()
        }
        guard !name.isEmpty else {
            throw Admission.invalidError(type, "", [FieldCause(reason: "FieldValueRequired",
                message: "Required value: name or generateName is required", field: "metadata.name")])
        }
        guard name.count <= 253, name.allSatisfy({ ($0.isLowercase && $0.isASCII) || $0.isNumber || $0 == "-" || $0 == "." || ($0 == ":" && type.kind == "Event") }),
            name.first?.isLetter == true || name.first?.isNumber == true
        else {
            throw Admission.invalidError(type, name, [FieldCause(reason: "FieldValueInvalid",
                message: "Invalid value: \"\(name)\": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
                field: "metadata.name")])
        }
        metadata["name"] = .string(name)
        var namespace: String? = nil
        if type.namespaced {
            let ns = metadata["namespace"]?.stringValue ?? "default"
            namespace = ns.isEmpty ? "default" : ns
            metadata["namespace"] = .string(namespace!)
            guard let namespaceObject = objects["namespaces"]?[namespace!] else {
                throw .notFound(Self.namespaces, namespace!)
            }
            if namespaceObject[path: ["metadata", "deletionTimestamp"]] != nil {
                throw .forbidden(type, name, "unable to create new content in namespace \(namespace!) because it is being terminated")
            }
        } else {
            metadata["namespace"] = nil
        }
        let key = Self.key(type, namespace, name)
        if objects[type.qualifiedResource]?[key] != nil { throw .alreadyExists(type, name) }

        metadata["uid"] = .string(UUID().uuidString.lowercased())
        metadata["creationTimestamp"] = .string(timestamp)
        metadata["deletionTimestamp"] = nil
        metadata["deletionGracePeriodSeconds"] = nil
        metadata["generateName"] = metadata["generateName"].flatMap { $0.isNull ? nil : $0 }
        if Self.hasGeneration(object, type) { metadata["generation"] = 1 } else { metadata["generation"] = nil }
        metadata["resourceVersion"] = .string(String(dryRun ? rv : rv + 1))
        object["metadata"] = .object(metadata)
        applyCreateDefaults(&object, type)
        try Admission.admit(&object, old: nil, as: type, subresource: nil, timestamp: timestamp)
        if dryRun { return object }

        rv += 1
        let address = Address(resource: type.qualifiedResource, key: key)
        types[type.qualifiedResource] = type
        objects[type.qualifiedResource, default: [:]][key] = object
        sortedKeys[type.qualifiedResource] = nil
        index(address, old: nil, new: object)
        emit(.added, type, object, previous: nil)
        collectIfOrphaned(type, key: key, timestamp: timestamp)
        return object
    }

    static func hasGeneration(_ object: JSON, _ type: ResourceType) -> Bool {
        object["spec"] != nil || type.group.contains(".") && !type.group.hasSuffix("k8s.io")
    }

    mutating func applyCreateDefaults(_ object: inout JSON, _ type: ResourceType) {
        switch (type.group, type.resource) {
        case ("", "namespaces"):
            object.set(object[path: ["metadata", "name"]], at: ["metadata", "labels", "kubernetes.io/metadata.name"])
            object.set(["kubernetes"], at: ["spec", "finalizers"])
            object["status"] = ["phase": "Active"]
        case ("", "pods"):
            object["status"] = ["phase": "Pending", "qosClass": .string(QualityOfService.podClass(object["spec"]))]
            if object[path: ["spec", "restartPolicy"]] == nil { object.set("Always", at: ["spec", "restartPolicy"]) }
            if object[path: ["spec", "serviceAccountName"]] == nil { object.set("default", at: ["spec", "serviceAccountName"]) }
        case ("", "services"):
            if object[path: ["spec", "type"]] == nil { object.set("ClusterIP", at: ["spec", "type"]) }
            if object[path: ["spec", "clusterIP"]] == nil {
                serviceIPCounter += 1
                let ip = "10.96.\(serviceIPCounter / 250).\(serviceIPCounter % 250 + 1)"
                object.set(.string(ip), at: ["spec", "clusterIP"])
                object.set([.string(ip)], at: ["spec", "clusterIPs"])
            }
            if var ports = object[path: ["spec", "ports"]]?.arrayValue {
                for index in ports.indices {
                    if ports[index]["protocol"] == nil { ports[index]["protocol"] = "TCP" }
                    if ports[index]["targetPort"] == nil { ports[index]["targetPort"] = ports[index]["port"] }
                }
                object.set(.array(ports), at: ["spec", "ports"])
            }
            object["status"] = ["loadBalancer": [:]]
        case ("", "persistentvolumeclaims"):
            object["status"] = ["phase": "Pending"]
        case ("", "persistentvolumes"):
            object["status"] = ["phase": "Available"]
        case ("apps", "deployments"), ("apps", "statefulsets"), ("apps", "replicasets"):
            if object[path: ["spec", "replicas"]] == nil { object.set(1, at: ["spec", "replicas"]) }
            if type.resource == "deployments", object[path: ["spec", "revisionHistoryLimit"]] == nil {
                object.set(10, at: ["spec", "revisionHistoryLimit"])
            }
            object["status"] = [:]
        case ("apps", "daemonsets"):
            object["status"] = [:]
        default:
            break
        }
    }

    // MARK: Update

    static func specPart(_ object: JSON) -> JSON {
        var copy = object
        copy["metadata"] = nil
        copy["status"] = nil
        return copy
    }

    mutating func update(_ input: JSON, as type: ResourceType, subresource: String?, timestamp: String, dryRun: Bool)
        throws(SimError) -> JSON
    {
        guard case .object = input else { throw .badRequest("the request body must be a JSON object") }
        guard let name = input[path: ["metadata", "name"]]?.stringValue, !name.isEmpty else {
            throw .badRequest("metadata.name is required to update an object")
        }
        let namespace = type.namespaced ? (input[path: ["metadata", "namespace"]]?.stringValue ?? "default") : nil
        let key = Self.key(type, namespace, name)
        guard let old = objects[type.qualifiedResource]?[key] else { throw .notFound(type, name) }
        if let given = input[path: ["metadata", "resourceVersion"]]?.stringValue, !given.isEmpty,
            given != old[path: ["metadata", "resourceVersion"]]?.stringValue
        {
            throw .conflict(type, name)
        }
        var new: JSON
        if subresource == "status" {
            new = old
            new["status"] = input["status"]
        } else {
            new = input
            new["apiVersion"] = .string(type.apiVersion)
            new["kind"] = .string(type.kind)
            for field in ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "namespace"] {
                new.set(old[path: ["metadata", field]], at: ["metadata", field])
            }
            if type.hasStatusSubresource { new["status"] = old["status"] }
            if type.group.isEmpty && type.resource == "namespaces" { new["spec"] = new["spec"] ?? old["spec"] }
        }
        try Admission.admit(&new, old: old, as: type, subresource: subresource, timestamp: timestamp)
        if let generation = old[path: ["metadata", "generation"]]?.intValue, Self.specPart(new) != Self.specPart(old) {
            new.set(.int(generation + 1), at: ["metadata", "generation"])
        }
        new.set(old[path: ["metadata", "resourceVersion"]], at: ["metadata", "resourceVersion"])
        if new == old { return old }
        new.set(.string(String(dryRun ? rv : rv + 1)), at: ["metadata", "resourceVersion"])
        if dryRun { return new }

        let address = Address(resource: type.qualifiedResource, key: key)
        if Self.readyToRemove(new, type) {
            objects[type.qualifiedResource]?[key] = new
            index(address, old: old, new: new)
            return remove(type, key: key, cascade: true)
        }
        rv += 1
        let previous = objects[type.qualifiedResource]?[key]
        objects[type.qualifiedResource]?[key] = new
        index(address, old: old, new: new)
        emit(.modified, type, new, previous: previous)
        if Self.ownerUIDs(new) != Self.ownerUIDs(old) { collectIfOrphaned(type, key: key, timestamp: timestamp) }
        return new
    }

    static func readyToRemove(_ object: JSON, _ type: ResourceType) -> Bool {
        guard object[path: ["metadata", "deletionTimestamp"]] != nil else { return false }
        if !(object[path: ["metadata", "finalizers"]]?.arrayValue ?? []).isEmpty { return false }
        if type.group.isEmpty && type.resource == "namespaces" {
            return (object[path: ["spec", "finalizers"]]?.arrayValue ?? []).isEmpty
        }
        if type.group.isEmpty && type.resource == "pods" {
            // A gracefully deleted pod waits for the simulated kubelet (deletionGracePeriodSeconds 0).
            return (object[path: ["metadata", "deletionGracePeriodSeconds"]]?.intValue ?? 0) == 0
        }
        return true
    }

    // MARK: Delete

    mutating func delete(_ type: ResourceType, namespace: String?, name: String, propagation: PropagationPolicy?,
        graceful: Bool, preconditionUID: String?, preconditionResourceVersion: String?, timestamp: String, dryRun: Bool)
        throws(SimError) -> DeleteOutcome
    {
        let key = Self.key(type, namespace, name)
        guard var object = objects[type.qualifiedResource]?[key] else { throw .notFound(type, name) }
        let uid = object[path: ["metadata", "uid"]]?.stringValue ?? ""
        if let preconditionUID, preconditionUID != uid {
            throw SimError(code: 409, reason: "Conflict",
                message: "Precondition failed: UID in precondition: \(preconditionUID), UID in object meta: \(uid)")
        }
        if let preconditionResourceVersion,
            preconditionResourceVersion != object[path: ["metadata", "resourceVersion"]]?.stringValue
        {
            throw .conflict(type, name)
        }
        let policy = propagation ?? .background
        let isPod = type.group.isEmpty && type.resource == "pods"
        let isNamespace = type.group.isEmpty && type.resource == "namespaces"
        var finalizers = object[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if dryRun {
            // What the client would get back, with nothing stored: marked for deletion when something holds it.
            guard object[path: ["metadata", "deletionTimestamp"]] == nil else { return .pending(object) }
            if finalizers.isEmpty && !isNamespace && !(isPod && graceful) { return .deleted(object) }
            object.set(.string(timestamp), at: ["metadata", "deletionTimestamp"])
            object.set(.int(isPod && graceful ? 30 : 0), at: ["metadata", "deletionGracePeriodSeconds"])
            return .pending(object)
        }

        if object[path: ["metadata", "deletionTimestamp"]] != nil {
            // Already being deleted: only a forced pod deletion (grace 0) moves it along.
            if isPod && !graceful {
                object.set(0, at: ["metadata", "deletionGracePeriodSeconds"])
                if finalizers.isEmpty { return .deleted(remove(type, key: key, cascade: policy != .orphan, replacing: object)) }
                rv += 1
                object.set(.string(String(rv)), at: ["metadata", "resourceVersion"])
                let previous = objects[type.qualifiedResource]?[key]
                objects[type.qualifiedResource]?[key] = object
                emit(.modified, type, object, previous: previous)
            }
            return .pending(object)
        }
        if policy == .orphan { orphanDependents(of: uid) }
        let hasDependents = !(dependents[uid] ?? []).isEmpty
        if policy == .foreground && hasDependents && !finalizers.contains("foregroundDeletion") {
            finalizers.append("foregroundDeletion")
        }
        if finalizers.isEmpty && !isNamespace && !(isPod && graceful) {
            return .deleted(remove(type, key: key, cascade: policy != .orphan))
        }
        rv += 1
        object.set(.string(timestamp), at: ["metadata", "deletionTimestamp"])
        object.set(.int(isPod && graceful ? 30 : 0), at: ["metadata", "deletionGracePeriodSeconds"])
        object.set(finalizers.isEmpty ? nil : .array(finalizers), at: ["metadata", "finalizers"])
        object.set(.string(String(rv)), at: ["metadata", "resourceVersion"])
        if isNamespace { object.set("Terminating", at: ["status", "phase"]) }
        let previous = objects[type.qualifiedResource]?[key]
        objects[type.qualifiedResource]?[key] = object
        emit(.modified, type, object, previous: previous)
        if policy == .foreground {
            for address in dependents[uid] ?? [] {
                deleteQuietly(address, policy: .foreground, timestamp: timestamp)
            }
            settleForeground(uid: uid)
        }
        return .pending(objects[type.qualifiedResource]?[key] ?? object)
    }

    /// The garbage collector's rule for an object whose owners are all gone (or never existed): it is deleted
    /// in the background, its ADDED or MODIFIED event followed by its deletion.
    mutating func collectIfOrphaned(_ type: ResourceType, key: String, timestamp: String) {
        guard let object = objects[type.qualifiedResource]?[key] else { return }
        let owners = Self.ownerUIDs(object)
        guard !owners.isEmpty, owners.allSatisfy({ uids[$0] == nil }) else { return }
        deleteQuietly(Address(resource: type.qualifiedResource, key: key), policy: .background, timestamp: timestamp)
    }

    /// Deletes a dependent, ignoring failures (it may already be gone).
    mutating func deleteQuietly(_ address: Address, policy: PropagationPolicy, timestamp: String) {
        guard let type = types[address.resource], let object = objects[address.resource]?[address.key] else { return }
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let namespace = object[path: ["metadata", "namespace"]]?.stringValue
        _ = try? delete(type, namespace: namespace, name: name, propagation: policy,
            graceful: gracefulPods && type.group.isEmpty && type.resource == "pods", preconditionUID: nil,
            preconditionResourceVersion: nil, timestamp: timestamp, dryRun: false)
    }

    mutating func orphanDependents(of uid: String) {
        for address in dependents[uid] ?? [] {
            guard var object = objects[address.resource]?[address.key], let type = types[address.resource] else { continue }
            let kept = (object[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).filter { $0["uid"]?.stringValue != uid }
            object.set(kept.isEmpty ? nil : .array(kept), at: ["metadata", "ownerReferences"])
            rv += 1
            object.set(.string(String(rv)), at: ["metadata", "resourceVersion"])
            let previous = objects[address.resource]?[address.key]
            objects[address.resource]?[address.key] = object
            emit(.modified, type, object, previous: previous)
        }
        dependents[uid] = nil
    }

    /// An owner in foreground deletion loses its `foregroundDeletion` finalizer once no dependents remain.
    mutating func settleForeground(uid: String) {
        guard (dependents[uid] ?? []).isEmpty, let address = uids[uid], let type = types[address.resource],
            var owner = objects[address.resource]?[address.key], owner[path: ["metadata", "deletionTimestamp"]] != nil
        else { return }
        var finalizers = owner[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        guard finalizers.contains("foregroundDeletion") else { return }
        finalizers.removeAll { $0 == "foregroundDeletion" }
        owner.set(finalizers.isEmpty ? nil : .array(finalizers), at: ["metadata", "finalizers"])
        if Self.readyToRemove(owner, type) {
            objects[address.resource]?[address.key] = owner
            _ = remove(type, key: address.key, cascade: true)
        } else {
            rv += 1
            owner.set(.string(String(rv)), at: ["metadata", "resourceVersion"])
            let previous = objects[address.resource]?[address.key]
            objects[address.resource]?[address.key] = owner
            emit(.modified, type, owner, previous: previous)
        }
    }

    /// Removes an object for good, emits DELETED, garbage-collects its dependents (when `cascade`) and lets
    /// owners waiting in foreground deletion proceed.
    mutating func remove(_ type: ResourceType, key: String, cascade: Bool, replacing: JSON? = nil) -> JSON {
        let previous = objects[type.qualifiedResource]?[key]
        guard var object = replacing ?? previous else { return .null }
        let address = Address(resource: type.qualifiedResource, key: key)
        objects[type.qualifiedResource]?[key] = nil
        sortedKeys[type.qualifiedResource] = nil
        index(address, old: object, new: nil)
        rv += 1
        object.set(.string(String(rv)), at: ["metadata", "resourceVersion"])
        emit(.deleted, type, object, previous: previous)
        let uid = object[path: ["metadata", "uid"]]?.stringValue ?? ""
        let timestamp = object[path: ["metadata", "deletionTimestamp"]]?.stringValue
            ?? SimState.timestamp(Date())
        if cascade {
            for dependent in dependents[uid] ?? [] {
                guard let dependentObject = objects[dependent.resource]?[dependent.key] else { continue }
                // Only delete dependents all of whose owners are gone (as the garbage collector does).
                let liveOwners = Self.ownerUIDs(dependentObject).filter { $0 != uid && uids[$0] != nil }
                if liveOwners.isEmpty { deleteQuietly(dependent, policy: .background, timestamp: timestamp) }
            }
        }
        dependents[uid] = nil
        for owner in Self.ownerUIDs(object) { settleForeground(uid: owner) }
        return object
    }
}
