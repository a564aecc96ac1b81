import Foundation
import ProofCore

extension ApplicationEngine {
    /// What a sync operation did.
    struct SyncOutcome {
        var phase: String
        var message: String
        var syncResult: JSON?
        /// The `history[]` entry (without id) when the sync succeeded.
        var history: JSON?
    }

    /// Executes a sync operation: renders the requested revision, checks every resource against the
    /// project (nothing is applied if one is refused), creates the namespace when asked, applies in wave and
    /// kind order, and prunes (or skips pruning) what Git no longer holds. `history` is the Application's
    /// `status.history` (the `rollbackToCurrent` fault needs the deployed revision). The `failSync`,
    /// `skipApply`, `noPrune` and `ignoreProjectDestinations` faults act here.
    mutating func execute(name: String, operation: JSON, spec: JSON, source: JSON, target: String,
        compared: [ComparedResource], policy: ProjectPolicy?, history: [JSON], startedAt: String) async -> SyncOutcome
    {
        let switches = faults.current
        let sync = operation["sync"] ?? [:]
        let revision = sync["revision"]?.stringValue ?? target
        var syncSource = sync["source"].flatMap { $0.isNull ? nil : $0 } ?? source
        let prune = (sync["prune"]?.boolValue ?? false) && !switches.noPrune
        let destination = spec["destination"] ?? [:]
        let destinationNamespace = destination["namespace"]?.stringValue ?? ""
        guard let policy else {
            return SyncOutcome(phase: "Failed", message: "Application referencing project \(spec["project"]?.stringValue ?? "") which does not exist")
        }
        var commit: String
        switch await resolve(revision, force: true) {
        case .failure(let error): return SyncOutcome(phase: "Error", message: error.message)
        case .success(let value): commit = value
        }
        if switches.rollbackToCurrent, let requested = sync["revision"]?.stringValue, !requested.isEmpty,
            let deployed = history.last, let current = deployed["revision"]?.stringValue, !current.isEmpty,
            current != commit, history.contains(where: { $0["revision"]?.stringValue == commit })
        {
            // A rollback to an older history entry: the fault re-applies the deployed revision instead.
            commit = current
            if let recorded = deployed["source"], !recorded.isNull { syncSource = recorded }
        }
        if ArgoCDFaults.Settings.matches(switches.failSync, name) {
            return SyncOutcome(phase: "Failed",
                message: "\(ArgoCDFaults.failSyncMessagePrefix) the sync of \(name) to \(commit.prefix(12)) failed on purpose; nothing was applied",
                syncResult: ["revision": .string(commit), "source": syncSource, "resources": []])
        }
        let desired: [DesiredResource]
        switch await desiredResources(appName: name, sha: commit, source: syncSource, destinationNamespace: destinationNamespace) {
        case .failure(let error):
            return SyncOutcome(phase: "Error", message: "ComparisonError: Failed to load target state: \(error.message)")
        case .success(let value): desired = value
        }

        // Validation first: a refused resource fails the whole sync before anything is applied.
        var invalid: [JSON] = []
        let server = destination["server"]?.stringValue
        let clusterName = destination["name"]?.stringValue
        for item in desired {
            var message: String?
            if !policy.permitsKind(group: item.ref.group, kind: item.ref.kind, namespaced: item.type.namespaced) {
                message = "resource \(item.ref.group):\(item.ref.kind) is not permitted in project \(policy.name)."
            } else if item.type.namespaced, !switches.ignoreProjectDestinations,
                !policy.permitsDestination(server: server, name: clusterName, namespace: item.ref.namespace)
            {
                message = "namespace \(item.ref.namespace) is not permitted in project '\(policy.name)'"
            }
            if let message { invalid.append(result(item.ref, status: "SyncFailed", message: message)) }
        }
        var syncResult: JSON = ["revision": .string(commit), "source": syncSource]
        if !invalid.isEmpty {
            syncResult["resources"] = .array(invalid)
            return SyncOutcome(phase: "Failed", message: "one or more synchronization tasks are not valid", syncResult: syncResult)
        }

        var results: [JSON] = []
        var failures: [String] = []
        if ArgoCDFaults.Settings.matches(switches.skipApply, name) {
            // Reported as done, with the history entry, while no live object is touched.
            syncResult["resources"] = .array(desired.map {
                result($0.ref, status: "Synced", message: "\($0.ref.kind.lowercased())/\($0.ref.name) not applied (skipApply fault)")
            })
            return SyncOutcome(phase: "Succeeded", message: "successfully synced (all tasks run)", syncResult: syncResult,
                history: historyEntry(operation: operation, commit: commit, source: syncSource, startedAt: startedAt))
        }
        let syncOptions = ((spec[path: ["syncPolicy", "syncOptions"]]?.arrayValue ?? []) + (sync["syncOptions"]?.arrayValue ?? []))
            .compactMap(\.stringValue)
        if syncOptions.contains("CreateNamespace=true"), !destinationNamespace.isEmpty,
            (try? state.get(namespaces, namespace: nil, name: destinationNamespace)) == nil
        {
            // Created without tracking metadata: not a resource of the app, so never pruned or deleted.
            do throws(SimError) {
                try state.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(destinationNamespace)]], as: namespaces)
            } catch where error.reason != "AlreadyExists" {
                failures.append("namespaces \"\(destinationNamespace)\": \(error.message)")
            } catch {}
        }
        let ordered = desired.sorted { ($0.wave, $0.kindOrder, $0.ref) < ($1.wave, $1.kindOrder, $1.ref) }
        for item in ordered {
            let serverSide = (syncOptions.contains("ServerSideApply=true")
                && ArgoCDNames.resourceOptions(item.object)["ServerSideApply"] != "false")
                || ArgoCDNames.resourceOptions(item.object)["ServerSideApply"] == "true"
            // Argo CD's writes pass the API server's admission like any client's: defaulting and validation
            // (a 422 or 400 fails the sync with the server's message). Client-side apply lets the server prune
            // unknown fields (argoproj/argo-cd#16817); server-side apply is strict; `Validate=false` skips it.
            let admission = WriteRequest(fieldManager: nil, external: !syncOptions.contains("Validate=false"),
                fieldValidation: serverSide ? .strict : .ignore, warnings: nil)
            switch WriteRequest.$current.withValue(admission, operation: { serverSide ? applyServerSide(item) : apply(item) }) {
            case .success(let message):
                results.append(result(item.ref, status: "Synced", message: message))
            case .failure(let error):
                results.append(result(item.ref, status: "SyncFailed", message: error.message))
                failures.append(error.message)
            }
        }

        let wanted = Set(desired.map(\.ref))
        let ignoreKeep = faults.pruneKeptResources
        for resource in compared where resource.desired == nil && !wanted.contains(resource.ref) {
            guard let live = resource.live else { continue }
            if !prune {
                let message = switches.noPrune ? "ignored (requires pruning; noPrune fault)" : "ignored (requires pruning)"
                results.append(result(resource.ref, status: "PruneSkipped", message: message))
            } else if !ignoreKeep && ArgoCDNames.resourceOptions(live)["Prune"] == "false" {
                results.append(result(resource.ref, status: "PruneSkipped", message: "ignored (no prune)"))
            } else {
                do throws(SimError) {
                    try state.delete(resource.type, namespace: resource.type.namespaced ? resource.ref.namespace : nil,
                        name: resource.ref.name, propagation: .background)
                    results.append(result(resource.ref, status: "Pruned", message: "pruned"))
                } catch where error.code == 404 {
                    results.append(result(resource.ref, status: "Pruned", message: "pruned"))
                } catch {
                    results.append(result(resource.ref, status: "SyncFailed", message: error.message))
                    failures.append(error.message)
                }
            }
        }
        syncResult["resources"] = .array(results)
        if let first = failures.first {
            return SyncOutcome(phase: "Failed", message: "one or more objects failed to apply, reason: \(first)", syncResult: syncResult)
        }
        return SyncOutcome(phase: "Succeeded", message: "successfully synced (all tasks run)", syncResult: syncResult,
            history: historyEntry(operation: operation, commit: commit, source: syncSource, startedAt: startedAt))
    }

    /// The `history[]` entry (without id) of a successful sync of `commit`, deployed now.
    func historyEntry(operation: JSON, commit: String, source: JSON, startedAt: String) -> JSON {
        var initiatedBy = operation["initiatedBy"] ?? [:]
        if initiatedBy.objectValue == nil { initiatedBy = [:] }
        return ["revision": .string(commit), "source": source, "deployedAt": .string(now),
            "deployStartedAt": .string(startedAt), "initiatedBy": initiatedBy]
    }

    /// One `syncResult.resources[]` entry.
    func result(_ ref: ResourceRef, status: String, message: String) -> JSON {
        var value = ref.json
        // Argo CD's ResourceResult always carries `namespace` ("" for cluster-scoped kinds): its CRD requires it.
        value["namespace"] = .string(ref.namespace)
        value["status"] = .string(status)
        value["message"] = .string(message)
        value["syncPhase"] = "Sync"
        return value
    }

    /// Applies one resource like `kubectl apply`: create when missing, otherwise a three-way merge with the
    /// last applied manifest (kept in `kubectl.kubernetes.io/last-applied-configuration`).
    func apply(_ item: DesiredResource) -> Result<String, SimError> {
        let namespace = item.type.namespaced ? item.ref.namespace : nil
        var object = item.object
        object.set(.string(ManifestComparison.lastApplied(item.object).canonicalString),
            at: ["metadata", "annotations", ArgoCDNames.lastApplied])
        do throws(SimError) {
            guard let live = try? state.get(item.type, namespace: namespace, name: item.ref.name) else {
                try state.create(object, as: item.type)
                return .success("\(item.ref.kind.lowercased())/\(item.ref.name) created")
            }
            if live[path: ["metadata", "deletionTimestamp"]] != nil {
                return .failure(SimError(code: 409, reason: "Conflict",
                    message: "\(item.ref) is being deleted; it is re-created by the next sync"))
            }
            if ManifestComparison.isSynced(live: live, desired: item.object) {
                return .success("\(item.ref.kind.lowercased())/\(item.ref.name) unchanged")
            }
            try state.modify(item.type, namespace: namespace, name: item.ref.name) { current in
                let previous = current[path: ["metadata", "annotations", ArgoCDNames.lastApplied]]?.stringValue
                    .flatMap { try? JSON(parsing: Array($0.utf8)) }
                current = ManifestComparison.merged(live: current, desired: object, lastApplied: previous)
            }
            return .success("\(item.ref.kind.lowercased())/\(item.ref.name) configured")
        } catch {
            return .failure(error)
        }
    }

    /// Deletion of an Application: with the resources finalizer its resources are deleted first (except
    /// `Delete=false` ones, unless the `pruneKeptResources` fault is on; none under the `noPrune` fault, which
    /// orphans them) and the finalizer is removed once they are gone; without it there is nothing to do (the
    /// API server already removed it).
    func finalize(_ app: JSON, name: String, managed: [ResourceRef: (type: ResourceType, object: JSON)]) {
        let finalizers = (app[path: ["metadata", "finalizers"]]?.arrayValue ?? []).compactMap(\.stringValue)
        guard finalizers.contains(where: ArgoCDNames.isResourcesFinalizer) else { return }
        let switches = faults.current
        let ignoreKeep = switches.pruneKeptResources
        var remaining = 0
        for (ref, entry) in managed.sorted(by: { $0.key < $1.key }) where !switches.noPrune {
            if !ignoreKeep && ArgoCDNames.resourceOptions(entry.object)["Delete"] == "false" { continue }
            remaining += 1
            if entry.object[path: ["metadata", "deletionTimestamp"]] == nil {
                _ = try? state.delete(entry.type, namespace: entry.type.namespaced ? ref.namespace : nil, name: ref.name,
                    propagation: .background)
            }
        }
        guard remaining == 0 else { return }
        _ = try? state.modify(applications, namespace: options.namespace, name: name) { object in
            guard object[path: ["metadata", "uid"]] == app[path: ["metadata", "uid"]] else { return }
            let kept = (object[path: ["metadata", "finalizers"]]?.arrayValue ?? []).filter {
                !ArgoCDNames.isResourcesFinalizer($0.stringValue ?? "")
            }
            object.set(kept.isEmpty ? nil : .array(kept), at: ["metadata", "finalizers"])
        }
    }
}
