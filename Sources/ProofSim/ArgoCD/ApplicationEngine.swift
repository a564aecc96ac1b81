import Foundation
import ProofCore

/// The state and logic of one running Argo CD application controller: a reconciliation pass over every
/// Application in the controller's namespace. Owned by the controller's run task alone (never shared), so
/// its caches and timers need no lock.
struct ApplicationEngine {
    let state: SimState
    let repository: GitRepository
    let options: ArgoCDOptions
    let faults: ArgoCDFaults
    let clock = ContinuousClock()

    let applications: ResourceType
    let projects: ResourceType
    let namespaces: ResourceType

    /// Resolved revisions: revision text → commit id (or the failure) and when it was resolved.
    var resolved: [String: (result: Result<String, SimError>, at: ContinuousClock.Instant)] = [:]
    /// When an Application first showed drift at the revision it last synced (for selfHeal).
    var driftSince: [String: ContinuousClock.Instant] = [:]
    /// The commit each Application last auto-synced to.
    var autoSynced: [String: String] = [:]
    /// When each Application's running operation started (for the slowSync fault).
    var operationStarted: [String: ContinuousClock.Instant] = [:]
    /// When each Application's `reconciledAt` was last written.
    var reconciled: [String: ContinuousClock.Instant] = [:]
    /// The uid each name had on the last pass: a re-created Application starts with a clean memory.
    var uids: [String: String] = [:]

    init(state: SimState, repository: GitRepository, options: ArgoCDOptions, faults: ArgoCDFaults) {
        self.state = state
        self.repository = repository
        self.options = options
        self.faults = faults
        let registry = state.registry
        func type(_ group: String, _ version: String, _ resource: String, _ kind: String, namespaced: Bool) -> ResourceType {
            if let known = registry.type(group: group, version: version, resource: resource) { return known }
            let added = ResourceType(group: group, version: version, resource: resource, kind: kind, namespaced: namespaced)
            registry.register(added)
            return added
        }
        applications = type("argoproj.io", "v1alpha1", "applications", "Application", namespaced: true)
        projects = type("argoproj.io", "v1alpha1", "appprojects", "AppProject", namespaced: true)
        namespaces = type("", "v1", "namespaces", "Namespace", namespaced: false)
    }

    var now: String { SimState.timestamp(Date()) }

    // MARK: The pass

    /// Reconciles every Application once.
    mutating func pass() async {
        let apps = state.list(applications).items.filter {
            $0[path: ["metadata", "namespace"]]?.stringValue == options.namespace
        }
        var policies: [String: ProjectPolicy] = [:]
        for project in state.list(projects).items where project[path: ["metadata", "namespace"]]?.stringValue == options.namespace {
            let policy = ProjectPolicy(project: project)
            policies[policy.name] = policy
        }
        for app in apps {
            let name = app[path: ["metadata", "name"]]?.stringValue ?? ""
            let uid = app[path: ["metadata", "uid"]]?.stringValue ?? ""
            if let previous = uids[name], previous != uid { forget(name) }
            uids[name] = uid
        }
        let index = managedIndex()
        for app in apps {
            await reconcile(app, policies: policies, managed: index[app[path: ["metadata", "name"]]?.stringValue ?? ""] ?? [:])
        }
        let names = Set(apps.compactMap { $0[path: ["metadata", "name"]]?.stringValue })
        for name in Array(uids.keys) where !names.contains(name) { forget(name) }
    }

    /// Drops everything remembered about Application `name`.
    mutating func forget(_ name: String) {
        autoSynced[name] = nil
        driftSince[name] = nil
        reconciled[name] = nil
        operationStarted[name] = nil
        uids[name] = nil
    }

    /// Every live object carrying a tracking id, grouped by Application name. A tracking id whose identity
    /// does not match the object it sits on (a copied manifest) is ignored, as Argo CD does.
    func managedIndex() -> [String: [ResourceRef: (type: ResourceType, object: JSON)]] {
        var index: [String: [ResourceRef: (type: ResourceType, object: JSON)]] = [:]
        for type in state.registry.all where !(type.group.isEmpty && type.resource == "events") {
            for object in state.list(type).items {
                guard let tracking = object[path: ["metadata", "annotations", ArgoCDNames.trackingID]]?.stringValue,
                    let colon = tracking.firstIndex(of: ":")
                else { continue }
                let app = String(tracking[..<colon])
                let ref = ResourceRef(type: type, namespace: object[path: ["metadata", "namespace"]]?.stringValue ?? "",
                    name: object[path: ["metadata", "name"]]?.stringValue ?? "")
                guard tracking[tracking.index(after: colon)...] == ref.trackingTail else { continue }
                index[app, default: [:]][ref] = (type, object)
            }
        }
        return index
    }

    // MARK: Revisions

    /// The commit `revision` names, re-resolved when older than the poll interval or when `force`d.
    mutating func resolve(_ revision: String, force: Bool = false) async -> Result<String, SimError> {
        let key = GitRepository.revisionName(revision)
        if !force, let cached = resolved[key], clock.now - cached.at < options.pollInterval { return cached.result }
        let result: Result<String, SimError>
        do throws(SimError) {
            result = .success(try await repository.resolve(key))
        } catch {
            result = .failure(error)
        }
        resolved[key] = (result, clock.now)
        return result
    }

    /// The rendered, normalised objects of `source` at commit `sha` for Application `appName`.
    func desiredResources(appName: String, sha: String, source: JSON, destinationNamespace: String) async
        -> Result<[DesiredResource], SimError>
    {
        do throws(SimError) {
            let path = source["path"]?.stringValue ?? ""
            let recurse = source[path: ["directory", "recurse"]]?.boolValue ?? false
            let files = try await repository.manifestFiles(at: sha, directory: path, recurse: recurse)
            let set = try ManifestSet(files: files)
            var seen: Set<ResourceRef> = []
            var result: [DesiredResource] = []
            for entry in set.entries {
                var object = entry.object
                let apiVersion = object["apiVersion"]?.stringValue ?? ""
                let kind = object["kind"]?.stringValue ?? ""
                guard let type = state.registry.type(apiVersion: apiVersion, kind: kind) else {
                    throw SimError.manifest("the server could not find the requested resource: kind \(kind) of \(apiVersion) is not served by the cluster", file: entry.file)
                }
                object["status"] = nil
                var namespace = ""
                if type.namespaced {
                    namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
                    if namespace.isEmpty { namespace = destinationNamespace }
                    object.set(.string(namespace), at: ["metadata", "namespace"])
                } else {
                    object.set(nil, at: ["metadata", "namespace"])
                }
                let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
                let ref = ResourceRef(type: type, namespace: namespace, name: name)
                guard seen.insert(ref).inserted else {
                    throw SimError.manifest("\(ref) is defined more than once in the source", file: entry.file)
                }
                object.set(.string("\(appName):\(ref.trackingTail)"), at: ["metadata", "annotations", ArgoCDNames.trackingID])
                if options.trackingLabel {
                    object.set(.string(appName), at: ["metadata", "labels", ArgoCDNames.instanceLabel])
                }
                result.append(DesiredResource(type: type, ref: ref, object: object, file: entry.file))
            }
            return .success(result)
        } catch {
            return .failure(error)
        }
    }

    /// Compares desired with live: every desired object (live or missing) and every managed object no longer
    /// desired.
    func compare(_ desired: [DesiredResource], managed: [ResourceRef: (type: ResourceType, object: JSON)]) -> [ComparedResource] {
        var result: [ComparedResource] = []
        var wanted: Set<ResourceRef> = []
        for item in desired {
            wanted.insert(item.ref)
            let live = try? state.get(item.type, namespace: item.type.namespaced ? item.ref.namespace : nil, name: item.ref.name)
            let synced = live.map { ManifestComparison.isSynced(live: $0, desired: item.object) } ?? false
            let health = live.map { ResourceHealth.assess($0, kind: item.ref.kind, group: item.ref.group) } ?? (.missing, nil)
            result.append(ComparedResource(type: item.type, ref: item.ref, live: live, desired: item, synced: synced, health: health))
        }
        for (ref, entry) in managed where !wanted.contains(ref) {
            result.append(ComparedResource(type: entry.type, ref: ref, live: entry.object, desired: nil, synced: false,
                health: ResourceHealth.assess(entry.object, kind: ref.kind, group: ref.group)))
        }
        return result.sorted { $0.ref < $1.ref }
    }
}
