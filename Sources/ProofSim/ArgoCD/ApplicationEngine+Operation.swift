import Foundation
import ProofCore

extension ApplicationEngine {
    /// Progresses the running operation, starts a requested one (or refuses it), or starts an automated sync.
    mutating func operate(_ app: JSON, name: String, spec: JSON, source: JSON, target: String, sha: String?,
        compared: [ComparedResource], comparisonError: String?, policy: ProjectPolicy?, status: inout JSON,
        conditions: inout [JSON], outcome: inout Outcome) async
    {
        let requested = app["operation"].flatMap { $0.isNull ? nil : $0 }
        let operationState = status["operationState"]
        if operationState?["phase"]?.stringValue == "Running", let running = operationState?["operation"] {
            if let requested, requested != running {
                conditions = upsert(conditions, type: "SyncError",
                    message: "Unable to sync: another operation is already in progress")
                outcome.restoreOperation = running
            }
            await progress(app, name: name, operation: running, spec: spec, source: source, target: target,
                compared: compared, policy: policy, status: &status, outcome: &outcome)
            return
        }
        if let requested {
            conditions.removeAll { $0["type"]?.stringValue == "SyncError" }
            let startedAt = now
            if let refusal = await refusal(of: requested, spec: spec, target: target, sha: sha, status: status) {
                status["operationState"] = ["operation": requested, "phase": "Failed", "message": .string(refusal),
                    "startedAt": .string(startedAt), "finishedAt": .string(startedAt)]
                outcome.clearOperation = requested
                return
            }
            status["operationState"] = ["operation": requested, "phase": "Running", "message": "",
                "startedAt": .string(startedAt)]
            operationStarted[name] = clock.now
            await progress(app, name: name, operation: requested, spec: spec, source: source, target: target,
                compared: compared, policy: policy, status: &status, outcome: &outcome)
            return
        }
        guard let operation = automatedSync(name: name, spec: spec, sha: sha, compared: compared,
            comparisonError: comparisonError, status: status)
        else { return }
        status["operationState"] = ["operation": operation, "phase": "Running", "message": "", "startedAt": .string(now)]
        operationStarted[name] = clock.now
        autoSynced[name] = sha
        await progress(app, name: name, operation: operation, spec: spec, source: source, target: target,
            compared: compared, policy: policy, status: &status, outcome: &outcome)
        if status[path: ["operationState", "phase"]]?.stringValue == "Running" { outcome.startOperation = operation }
    }

    /// The operation an automated sync policy starts now, if any: at once for a new commit; for drift at an
    /// already synced commit only with selfHeal, after `selfHealDelay`. A failed automated sync is not
    /// retried at the same commit (as Argo CD without a retry policy).
    mutating func automatedSync(name: String, spec: JSON, sha: String?, compared: [ComparedResource],
        comparisonError: String?, status: JSON) -> JSON?
    {
        guard let automated = spec[path: ["syncPolicy", "automated"]], automated.objectValue != nil,
            automated["enabled"]?.boolValue != false, comparisonError == nil, let sha,
            status[path: ["sync", "status"]]?.stringValue == "OutOfSync"
        else {
            driftSince[name] = nil
            return nil
        }
        let prune = automated["prune"]?.boolValue ?? false
        let selfHeal = automated["selfHeal"]?.boolValue ?? false
        let switches = faults.current
        let ignoreKeep = switches.pruneKeptResources
        let actionable = compared.contains { resource in
            if resource.desired != nil { return !resource.synced }
            guard prune, !switches.noPrune, let live = resource.live else { return false }
            return ignoreKeep || ArgoCDNames.resourceOptions(live)["Prune"] != "false"
        }
        guard actionable else {
            driftSince[name] = nil
            return nil
        }
        let last = status["operationState"]
        // A failure the failSync fault caused no longer counts once the fault is off for this app, so
        // clearing the fault lets the app recover without a new commit.
        let injected = last?["message"]?.stringValue?.hasPrefix(ArgoCDFaults.failSyncMessagePrefix) == true
            && !ArgoCDFaults.Settings.matches(switches.failSync, name)
        let failedHere = ["Failed", "Error"].contains(last?["phase"]?.stringValue ?? "")
            && last?[path: ["syncResult", "revision"]]?.stringValue == sha
            && last?[path: ["operation", "initiatedBy", "automated"]]?.boolValue == true
            && !injected
        let operation: JSON = ["initiatedBy": ["automated": true], "sync": ["revision": .string(sha), "prune": .bool(prune)]]
        if autoSynced[name] != sha || injected {
            if failedHere { return nil }
            driftSince[name] = nil
            return operation
        }
        guard selfHeal, !failedHere else { return nil }
        let since = driftSince[name] ?? clock.now
        driftSince[name] = since
        guard clock.now - since >= options.selfHealDelay else { return nil }
        driftSince[name] = nil
        return operation
    }

    /// Why a requested operation is refused before it starts, or `nil`: a sync to another revision than the
    /// target while automated sync is on (a rollback, when the revision is a `history[]` entry).
    mutating func refusal(of operation: JSON, spec: JSON, target: String, sha: String?, status: JSON) async -> String? {
        guard let sync = operation["sync"], sync.objectValue != nil else {
            return "unsupported operation: only `sync` operations are modelled by the simulated Argo CD"
        }
        guard let revision = sync["revision"]?.stringValue, !revision.isEmpty else { return nil }
        let automated = spec[path: ["syncPolicy", "automated"]]
        guard let automated, automated.objectValue != nil, automated["enabled"]?.boolValue != false else { return nil }
        let wanted = await resolve(revision, force: true)
        if case .success(let commit) = wanted, commit == sha { return nil }
        let history = status["history"]?.arrayValue ?? []
        if history.contains(where: { entry in
            let recorded = entry["revision"]?.stringValue ?? ""
            return !recorded.isEmpty && (recorded == revision || (try? wanted.get()) == recorded)
        }) {
            return "rollback cannot be initiated when auto-sync is enabled"
        }
        return "Cannot sync to \(revision): auto-sync currently set to \(target)"
    }

    /// Runs the operation once its (fault-injected) delay has passed; records the result and history.
    mutating func progress(_ app: JSON, name: String, operation: JSON, spec: JSON, source: JSON, target: String,
        compared: [ComparedResource], policy: ProjectPolicy?, status: inout JSON, outcome: inout Outcome) async
    {
        let started = operationStarted[name] ?? clock.now
        operationStarted[name] = started
        if let delay = faults.slowSync, clock.now - started < delay {
            status.set("waiting to start the sync (slowSync fault)", at: ["operationState", "message"])
            return
        }
        var operationState = status["operationState"] ?? [:]
        let startedAt = operationState["startedAt"]?.stringValue ?? now
        let result = await execute(name: name, operation: operation, spec: spec, source: source, target: target,
            compared: compared, policy: policy, history: status["history"]?.arrayValue ?? [], startedAt: startedAt)
        operationState["phase"] = .string(result.phase)
        operationState["message"] = .string(result.message)
        operationState["finishedAt"] = .string(now)
        operationState["syncResult"] = result.syncResult
        status["operationState"] = operationState
        if let entry = result.history {
            var history = status["history"]?.arrayValue ?? []
            let nextID = (history.compactMap { $0["id"]?.intValue }.max() ?? -1) + 1
            var numbered = entry
            numbered["id"] = .int(nextID)
            history.append(numbered)
            if history.count > options.revisionHistoryLimit { history.removeFirst(history.count - options.revisionHistoryLimit) }
            status["history"] = .array(history)
        }
        outcome.clearOperation = app["operation"].flatMap { $0.isNull ? nil : $0 } ?? operation
        if outcome.restoreOperation != nil {
            // The refused operation is dropped together with the finished one.
            outcome.restoreOperation = nil
            outcome.clearOperation = nil
            outcome.dropOperation = true
        }
        operationStarted[name] = nil
    }
}
