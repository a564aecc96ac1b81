import Foundation
import ProofCore

extension ApplicationEngine {
    /// What one reconciliation decided to write to an Application.
    struct Outcome {
        var status: JSON
        /// Remove `operation` if it still equals this (the operation finished or was refused).
        var clearOperation: JSON?
        /// Put this operation back (a second operation was refused while this one runs).
        var restoreOperation: JSON?
        /// Set this operation (an automated sync starting).
        var startOperation: JSON?
        var clearRefresh = false
        /// Remove `operation` whatever it holds (a refused request arrived while the finished one ran).
        var dropOperation = false
    }

    /// Reconciles one Application: validation, comparison, operations, status.
    mutating func reconcile(_ app: JSON, policies: [String: ProjectPolicy],
        managed: [ResourceRef: (type: ResourceType, object: JSON)]) async
    {
        let name = app[path: ["metadata", "name"]]?.stringValue ?? ""
        if app[path: ["metadata", "deletionTimestamp"]] != nil {
            finalize(app, name: name, managed: managed)
            return
        }
        let spec = app["spec"] ?? [:]
        let source = spec["source"] ?? spec["sources"]?[0] ?? [:]
        let destination = spec["destination"] ?? [:]
        let destinationNamespace = destination["namespace"]?.stringValue ?? ""
        let refresh = app[path: ["metadata", "annotations", ArgoCDNames.refresh]] != nil
        let oldStatus = app["status"] ?? [:]
        var status: JSON = oldStatus
        status["controllerNamespace"] = .string(options.namespace)
        status["sourceType"] = "Directory"
        status.set(["source": source, "destination": destination], at: ["sync", "comparedTo"])
        var outcome = Outcome(status: [:], clearRefresh: refresh)
        var conditions = (oldStatus["conditions"]?.arrayValue ?? []).filter {
            !["InvalidSpecError", "ComparisonError"].contains($0["type"]?.stringValue ?? "")
        }

        // 1. The spec against the project.
        let projectName = spec["project"]?.stringValue ?? ""
        let policy = policies[projectName]
        if let problem = invalidSpec(spec: spec, source: source, destination: destination, projectName: projectName, policy: policy) {
            conditions = upsert(conditions, type: "InvalidSpecError", message: problem)
            status.set("Unknown", at: ["sync", "status"])
            status.set(nil, at: ["sync", "revision"])
            status["health"] = ["status": "Unknown"]
            status["resources"] = nil
            status["summary"] = nil
            failPendingOperation(app, status: &status, outcome: &outcome, message: "\(problem)")
            status["conditions"] = .array(conditions)
            outcome.status = status
            write(app, name: name, oldStatus: oldStatus, outcome: outcome)
            return
        }

        // 2. The target revision and what Git holds there.
        let target = source["targetRevision"]?.stringValue ?? "HEAD"
        var comparisonError: String?
        var compared: [ComparedResource] = []
        var sha: String?
        switch await resolve(target, force: refresh) {
        case .failure(let error):
            comparisonError = error.message
        case .success(let commit):
            sha = commit
            switch await desiredResources(appName: name, sha: commit, source: source, destinationNamespace: destinationNamespace) {
            case .failure(let error):
                comparisonError = "Failed to load target state: failed to generate manifest for source 1 of 1: \(error.message)"
            case .success(let desired):
                compared = compare(desired, managed: managed)
            }
        }
        if let comparisonError {
            conditions = upsert(conditions, type: "ComparisonError", message: comparisonError)
            status.set("Unknown", at: ["sync", "status"])
            status.set(sha.map(JSON.string), at: ["sync", "revision"])
        } else {
            let synced = compared.allSatisfy(\.synced)
            status.set(.string(synced ? "Synced" : "OutOfSync"), at: ["sync", "status"])
            status.set(sha.map(JSON.string), at: ["sync", "revision"])
            status["resources"] = .array(compared.map(\.json))
            status["summary"] = ["images": .array(images(compared).map(JSON.string))]
        }
        status["health"] = aggregateHealth(compared, unknown: comparisonError != nil, app: name)

        // 3. Operations: a running one progresses, a new one starts, or automated sync starts one.
        await operate(app, name: name, spec: spec, source: source, target: target, sha: sha,
            compared: compared, comparisonError: comparisonError, policy: policy, status: &status,
            conditions: &conditions, outcome: &outcome)

        status["conditions"] = conditions.isEmpty ? nil : .array(conditions)
        outcome.status = status
        write(app, name: name, oldStatus: oldStatus, outcome: outcome)
    }

    /// Why the Application's spec is refused, as Argo CD words it (`InvalidSpecError`), or `nil`.
    func invalidSpec(spec: JSON, source: JSON, destination: JSON, projectName: String, policy: ProjectPolicy?) -> String? {
        guard let policy else {
            return "Application referencing project \(projectName.isEmpty ? "''" : projectName) which does not exist"
        }
        // The ignoreProjectDestinations fault skips the project's sourceRepos and destinations checks.
        let enforce = !faults.ignoreProjectDestinations
        let repoURL = source["repoURL"]?.stringValue ?? ""
        if repoURL.isEmpty { return "spec.source.repoURL and spec.source.path either both need to have a value or neither" }
        if enforce, !policy.permitsSource(repoURL) {
            return "application repo \(repoURL) is not permitted in project '\(policy.name)'"
        }
        let server = destination["server"]?.stringValue
        let clusterName = destination["name"]?.stringValue
        if let server, server != ArgoCDNames.inClusterServer {
            return "application destination server '\(server)' and namespace '\(destination["namespace"]?.stringValue ?? "")' do not match any of the allowed destinations in project '\(policy.name)': cluster '\(server)' has not been configured"
        }
        if server == nil, let clusterName, clusterName != ArgoCDNames.inClusterName {
            return "unable to find destination server: there are no clusters with this name: \(clusterName)"
        }
        if server == nil && clusterName == nil { return "Destination server missing from app spec" }
        let namespace = destination["namespace"]?.stringValue ?? ""
        if enforce, !policy.permitsDestination(server: server, name: clusterName, namespace: namespace) {
            return "application destination server '\(server ?? clusterName ?? "")' and namespace '\(namespace)' do not match any of the allowed destinations in project '\(policy.name)'"
        }
        return nil
    }

    /// The condition list with one `type` condition set to `message` (its transition time kept when unchanged).
    func upsert(_ conditions: [JSON], type: String, message: String) -> [JSON] {
        var result = conditions.filter { $0["type"]?.stringValue != type }
        let previous = conditions.first { $0["type"]?.stringValue == type && $0["message"]?.stringValue == message }
        result.append(["type": .string(type), "message": .string(message),
            "lastTransitionTime": previous?["lastTransitionTime"] ?? .string(now)])
        return result
    }

    /// The aggregated `status.health`: the worst health of the resources (`Healthy` with none), or
    /// `Degraded` for Application `app` under the `unhealthyApps` fault, or `Progressing` forever under the
    /// `neverHealthy` fault.
    func aggregateHealth(_ compared: [ComparedResource], unknown: Bool, app: String) -> JSON {
        let switches = faults.current
        if ArgoCDFaults.Settings.matches(switches.unhealthyApps, app) {
            return ["status": "Degraded", "message": .string("unhealthyApps fault: \(app) reports Degraded whatever the health of its resources")]
        }
        if switches.neverHealthy {
            return ["status": "Progressing", "message": "waiting for resources to become healthy"]
        }
        if unknown { return ["status": "Unknown"] }
        var worst = HealthStatus.healthy
        var message: String?
        for resource in compared {
            guard let health = resource.health else { continue }
            if health.status > worst {
                worst = health.status
                message = health.message.map { "\(resource.ref.kind) \(resource.ref.name): \($0)" }
            }
        }
        var value: JSON = ["status": .string(worst.rawValue)]
        if let message, worst != .healthy { value["message"] = .string(message) }
        return value
    }

    /// The images of the workloads among `compared` (pod templates and pods), sorted and unique.
    func images(_ compared: [ComparedResource]) -> [String] {
        var images: Set<String> = []
        for resource in compared {
            guard let live = resource.live else { continue }
            let podSpec = resource.ref.kind == "Pod" ? live["spec"] : live[path: ["spec", "template", "spec"]]
            for key in ["initContainers", "containers"] {
                for container in podSpec?[key]?.arrayValue ?? [] {
                    if let image = container["image"]?.stringValue { images.insert(image) }
                }
            }
        }
        return images.sorted()
    }

    /// Fails an operation that asks to run on an Application that cannot run one.
    func failPendingOperation(_ app: JSON, status: inout JSON, outcome: inout Outcome, message: String) {
        guard let operation = app["operation"], !operation.isNull,
            status[path: ["operationState", "phase"]]?.stringValue != "Running"
        else { return }
        let time = now
        status["operationState"] = ["operation": operation, "phase": "Failed", "message": .string(message),
            "startedAt": .string(time), "finishedAt": .string(time)]
        outcome.clearOperation = operation
    }

    /// Writes the outcome atomically against the latest stored Application: a client's merge patch that
    /// arrived meanwhile (a new `operation`, a label) is kept.
    mutating func write(_ app: JSON, name: String, oldStatus: JSON, outcome: Outcome) {
        var status = outcome.status
        var withoutTime = status
        withoutTime["reconciledAt"] = nil
        var oldWithoutTime = oldStatus
        oldWithoutTime["reconciledAt"] = nil
        let due = reconciled[name].map { clock.now - $0 >= options.reconciliationInterval } ?? true
        if withoutTime != oldWithoutTime || due || outcome.clearRefresh || oldStatus["reconciledAt"] == nil {
            status["reconciledAt"] = .string(now)
            reconciled[name] = clock.now
        } else {
            status["reconciledAt"] = oldStatus["reconciledAt"]
        }
        _ = try? state.modify(applications, namespace: options.namespace, name: name) { (object: inout JSON) throws(SimError) in
            guard object[path: ["metadata", "uid"]] == app[path: ["metadata", "uid"]] else {
                throw SimError(code: 409, reason: "Conflict", message: "Application \(name) was replaced")
            }
            object["status"] = status
            if let clear = outcome.clearOperation, object["operation"] == clear { object["operation"] = nil }
            if let restore = outcome.restoreOperation { object["operation"] = restore }
            if outcome.dropOperation { object["operation"] = nil }
            if let start = outcome.startOperation, object["operation"] == nil || object["operation"]?.isNull == true {
                object["operation"] = start
            }
            if outcome.clearRefresh {
                object.set(nil, at: ["metadata", "annotations", ArgoCDNames.refresh])
                if object[path: ["metadata", "annotations"]]?.objectValue?.isEmpty == true {
                    object.set(nil, at: ["metadata", "annotations"])
                }
            }
        }
    }
}
