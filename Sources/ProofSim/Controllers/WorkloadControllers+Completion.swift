import ProofCore

extension WorkloadControllers {
    /// A pod whose `restartPolicy` is `Never` or `OnFailure` runs to completion, as a job's container does: after
    /// `delay` its containers terminate with exit code 0 (`Completed`) and the pod is `Succeeded`, not Ready
    /// (`PodCompleted`). Pods with `Always` keep running.
    static func completeIfRunToCompletion(_ pod: JSON, after delay: Duration, _ state: SimState) {
        let policy = pod[path: ["spec", "restartPolicy"]]?.stringValue ?? "Always"
        guard policy == "Never" || policy == "OnFailure" else { return }
        let namespace = meta(pod, "namespace")
        let name = meta(pod, "name")
        let uid = meta(pod, "uid")
        after(delay) {
            let now = SimState.timestamp(state.now())
            _ = try? state.modify(BuiltIn.pods, namespace: namespace, name: name, subresource: "status") { object throws(SimError) in
                guard meta(object, "uid") == uid, object[path: ["status", "phase"]]?.stringValue == "Running",
                    object[path: ["metadata", "deletionTimestamp"]] == nil
                else { throw .conflict(BuiltIn.pods, name) }
                var statuses = object[path: ["status", "containerStatuses"]]?.arrayValue ?? []
                for index in statuses.indices {
                    let started = statuses[index][path: ["state", "running", "startedAt"]] ?? .string(now)
                    statuses[index]["ready"] = false
                    statuses[index]["started"] = false
                    statuses[index]["state"] = ["terminated": ["exitCode": 0, "reason": "Completed", "startedAt": started,
                        "finishedAt": .string(now), "containerID": statuses[index]["containerID"] ?? .null]]
                }
                var conditions = object[path: ["status", "conditions"]]?.arrayValue ?? []
                for index in conditions.indices {
                    switch conditions[index]["type"]?.stringValue {
                    case "Ready", "ContainersReady":
                        conditions[index]["status"] = "False"
                        conditions[index]["reason"] = "PodCompleted"
                        conditions[index]["lastTransitionTime"] = .string(now)
                    case "PodReadyToStartContainers":
                        conditions[index]["status"] = "False"
                        conditions[index]["lastTransitionTime"] = .string(now)
                    default:
                        break
                    }
                }
                object.set("Succeeded", at: ["status", "phase"])
                object.set(.array(statuses), at: ["status", "containerStatuses"])
                object.set(.array(conditions), at: ["status", "conditions"])
            }
        }
    }
}
