import Foundation
import ProofCluster
import ProofCore
import ProofStore

/// Collects diagnostics after a failure: the unready pods of the scenario's namespaces, their events and
/// the tail of their logs, written to the store as `diagnostics`.
enum Diagnostics {
    /// At most this many pods are described.
    static let maxPods = 10

    /// Collects and records; never throws (diagnostics must not hide the failure they explain).
    static func collect(client: KubernetesClient, store: EvidenceStore, run: RunID, step: Int?, namespaces: [String]) async -> Int {
        var records: [Diagnostic] = []
        do {
            let pods = try await client.resource(apiVersion: "v1", kind: "Pod")
            let events = try await client.resource(apiVersion: "v1", kind: "Event")
            var unready: [JSON] = []
            for namespace in namespaces.isEmpty ? [nil] : namespaces.map(Optional.some) {
                let list = try await client.list(pods, namespace: namespace)
                unready += list.items.filter { pod in
                    let ready = (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
                        $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
                    }
                    return !ready || pod[path: ["metadata", "deletionTimestamp"]] != nil
                }
            }
            for pod in unready.prefix(maxPods) {
                let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
                let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
                let subject = "Pod \(namespace)/\(name)"
                records.append(Diagnostic(at: Date(), step: step, kind: "pod", subject: subject, content: ObjectWaiter.summary(pod).prettyString()))
                if let list = try? await client.list(events, namespace: namespace, fieldSelector: "involvedObject.name=\(name)") {
                    let lines = list.items.map { event in
                        "\(event["lastTimestamp"]?.stringValue ?? event["eventTime"]?.stringValue ?? "") \(event["type"]?.stringValue ?? "") \(event["reason"]?.stringValue ?? ""): \(event["message"]?.stringValue ?? "")"
                    }
                    records.append(Diagnostic(at: Date(), step: step, kind: "events", subject: subject, content: lines.joined(separator: "\n")))
                }
                if let logs = try? await client.logs(pod: name, namespace: namespace, options: LogOptions(tailLines: 50)) {
                    records.append(Diagnostic(at: Date(), step: step, kind: "logs", subject: subject, content: logs))
                }
            }
            if unready.isEmpty {
                records.append(Diagnostic(at: Date(), step: step, kind: "pods", subject: namespaces.joined(separator: ",").isEmpty ? "all namespaces" : namespaces.joined(separator: ","), content: "every pod is Ready"))
            }
        } catch {
            records.append(Diagnostic(at: Date(), step: step, kind: "error", subject: "diagnostics", content: "could not collect diagnostics: \(error)"))
        }
        _ = try? await store.recordDiagnostics(records, run: run)
        return records.count
    }
}
