import Foundation
import ProofCore

/// The batch/v1 Job controller, with the kubelet's part for Job pods: a Job gets pods (`JOB-xxxxx`, labels
/// `batch.kubernetes.io/job-name`, `job-name`, `batch.kubernetes.io/controller-uid`, `controller-uid`, owned
/// by the Job), at most `parallelism` at a time until `completions` (default 1) have succeeded. Each pod's
/// containers exit 0 `Timing.podStartDelay` after they start (phase `Succeeded`, `terminated` reason
/// `Completed`). The Job's status counts `active`, `ready`, `succeeded`, `failed`, `terminating`, and once
/// every completion is in: `completionTime` and the `SuccessCriteriaMet` and `Complete` conditions, as
/// kube-controller-manager 1.32 writes them. A suspended Job gets no pods. CronJobs are stored only.
///
/// Stateless apart from the pods it is already completing (`InFlight`); every decision is read from the store.
struct JobController: SimController {
    let timing: SimOptions.Timing
    let inFlight = WorkloadControllers.InFlight()
    static let events = EventRecorder(component: "job-controller")

    var name: String { "jobs" }

    func run(state: SimState) async {
        let changes = state.changes()
        for job in state.list(BuiltIn.jobs).items { reconcile(job, state) }
        for pod in state.list(BuiltIn.pods).items { podChanged(pod, state) }
        for await event in changes {
            if Task.isCancelled { break }
            switch (event.resource.group, event.resource.resource) {
            case ("batch", "jobs") where event.type != .deleted:
                reconcile(event.object, state)
            case ("", "pods"):
                if event.type != .deleted { podChanged(event.object, state) }
                if let owner = Self.jobOwner(event.object),
                    let job = try? state.get(BuiltIn.jobs, namespace: event.namespace, name: owner)
                {
                    reconcile(job, state)
                }
            default:
                break
            }
            await Task.yield()
        }
    }

    static func jobOwner(_ pod: JSON) -> String? {
        (pod[path: ["metadata", "ownerReferences"]]?.arrayValue ?? []).first {
            $0["kind"]?.stringValue == "Job" && $0["apiVersion"]?.stringValue == "batch/v1"
        }?["name"]?.stringValue
    }

    /// A Job pod that is running gets its containers to exit 0 a moment later.
    func podChanged(_ pod: JSON, _ state: SimState) {
        guard Self.jobOwner(pod) != nil, pod[path: ["status", "phase"]]?.stringValue == "Running",
            pod[path: ["metadata", "deletionTimestamp"]] == nil
        else { return }
        let uid = WorkloadControllers.meta(pod, "uid")
        guard inFlight.claim("complete/" + uid) else { return }
        let namespace = WorkloadControllers.meta(pod, "namespace")
        let name = WorkloadControllers.meta(pod, "name")
        WorkloadControllers.after(timing.podStartDelay) { [inFlight] in
            defer { inFlight.release("complete/" + uid) }
            let now = SimState.timestamp(state.now())
            _ = try? state.modify(BuiltIn.pods, namespace: namespace, name: name, subresource: "status") { object throws(SimError) in
                guard WorkloadControllers.meta(object, "uid") == uid, object[path: ["status", "phase"]]?.stringValue == "Running"
                else { throw .conflict(BuiltIn.pods, name) }
                var status = object["status"] ?? [:]
                status["phase"] = "Succeeded"
                let statuses = (status["containerStatuses"]?.arrayValue ?? []).map { container -> JSON in
                    var finished = container
                    let started = container[path: ["state", "running", "startedAt"]] ?? .string(now)
                    finished["state"] = ["terminated": ["exitCode": 0, "reason": "Completed", "startedAt": started,
                        "finishedAt": .string(now), "containerID": container["containerID"] ?? ""]]
                    finished["ready"] = false
                    finished["started"] = false
                    return finished
                }
                status["containerStatuses"] = .array(statuses)
                status["conditions"] = .array((status["conditions"]?.arrayValue ?? []).map { condition in
                    var changed = condition
                    switch condition["type"]?.stringValue {
                    case "Ready", "ContainersReady":
                        changed["status"] = "False"
                        changed["reason"] = "PodCompleted"
                        changed["lastTransitionTime"] = .string(now)
                    case "PodReadyToStartContainers":
                        changed["status"] = "False"
                        changed["lastTransitionTime"] = .string(now)
                    default: break
                    }
                    return changed
                })
                object["status"] = status
            }
        }
    }

    func reconcile(_ job: JSON, _ state: SimState) {
        guard job[path: ["metadata", "deletionTimestamp"]] == nil else { return }
        let namespace = WorkloadControllers.meta(job, "namespace")
        let jobName = WorkloadControllers.meta(job, "name")
        let uid = WorkloadControllers.meta(job, "uid")
        var status = job["status"]?.objectValue.map(JSON.object) ?? [:]
        let conditions = status["conditions"]?.arrayValue ?? []
        let finished = conditions.contains {
            ["Complete", "Failed"].contains($0["type"]?.stringValue ?? "") && $0["status"]?.stringValue == "True"
        }
        let pods = WorkloadControllers.ownedPods(job, state, includeTerminating: true)
        let phase: (JSON) -> String = { $0[path: ["status", "phase"]]?.stringValue ?? "Pending" }
        let terminating = pods.filter { $0[path: ["metadata", "deletionTimestamp"]] != nil }
        let live = pods.filter { $0[path: ["metadata", "deletionTimestamp"]] == nil }
        let succeeded = live.filter { phase($0) == "Succeeded" }.count
        let failed = live.filter { phase($0) == "Failed" }.count
        let active = live.filter { !["Succeeded", "Failed"].contains(phase($0)) }
        let completions = Int(job[path: ["spec", "completions"]]?.intValue ?? 1)
        let parallelism = Int(job[path: ["spec", "parallelism"]]?.intValue ?? 1)
        let suspended = job[path: ["spec", "suspend"]]?.boolValue == true
        let now = SimState.timestamp(state.now())

        if !finished && !suspended {
            let wanted = min(parallelism, completions - succeeded) - active.count
            if wanted > 0 {
                let labels: [String: JSON] = ["batch.kubernetes.io/job-name": .string(jobName), "job-name": .string(jobName),
                    "batch.kubernetes.io/controller-uid": .string(uid), "controller-uid": .string(uid)]
                for _ in 0..<wanted {
                    var pod = WorkloadControllers.pod(from: job[path: ["spec", "template"]], name: "",
                        namespace: namespace, owner: job, extraLabels: labels)
                    pod.set(nil, at: ["metadata", "name"])
                    pod.set(.string(jobName + "-"), at: ["metadata", "generateName"])
                    if let created = try? state.create(pod, as: BuiltIn.pods) {
                        Self.events.record(state, about: job, reason: "SuccessfulCreate",
                            message: "Created pod: \(WorkloadControllers.meta(created, "name"))")
                    }
                }
            }
        }

        if status["startTime"] == nil && !suspended { status["startTime"] = .string(now) }
        status["active"] = active.isEmpty ? nil : .int(Int64(active.count))
        status["ready"] = .int(Int64(active.filter(WorkloadControllers.isReady).count))
        status["succeeded"] = succeeded > 0 ? .int(Int64(succeeded)) : nil
        status["failed"] = failed > 0 ? .int(Int64(failed)) : nil
        status["terminating"] = .int(Int64(terminating.count))
        status["uncountedTerminatedPods"] = [:]
        var newConditions = conditions
        if !finished && succeeded >= completions {
            status["completionTime"] = .string(now)
            for type in ["SuccessCriteriaMet", "Complete"] {
                newConditions.append(["type": .string(type), "status": "True",
                    "reason": type == "Complete" ? "CompletionsReached" : "CompletionsReached",
                    "message": "Reached expected number of succeeded pods", "lastProbeTime": .string(now),
                    "lastTransitionTime": .string(now)])
            }
            Self.events.record(state, about: job, reason: "Completed", message: "Job completed")
        }
        status["conditions"] = newConditions.isEmpty ? nil : .array(newConditions)
        WorkloadControllers.setStatus(BuiltIn.jobs, job, status, state)
    }
}
