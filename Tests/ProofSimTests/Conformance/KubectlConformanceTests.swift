import Foundation
import ProofCore
import ProofSim
import Testing

/// What `kubectl` 1.32 shows of issue 11's behaviours that the other kubectl tests do not already cover:
/// `rollout history`/`undo` of StatefulSets and DaemonSets, Secrets written with `stringData`, the Job defaults
/// behind `kubectl create job`, and the real error text for a changed Service clusterIP.
@Suite("kubectl conformance")
struct KubectlConformanceTests {
    static func json(_ result: Client.ProcessResult) throws -> JSON { try JSON(parsing: result.stdout) }

    @Test("rollout history and undo of a StatefulSet and a DaemonSet go back to the old template through its ControllerRevision",
        .tags(.kubectl, .slow))
    func rolloutUndoStatefulSetAndDaemonSet() async throws {
        try await SimFixture.withCluster { _, client in
            for (workload, container, old, new) in [("statefulset/loki", "loki", "grafana/loki:3.1.1", "grafana/loki:3.2.0"),
                ("daemonset/alloy", "alloy", "grafana/alloy:v1.3.0", "grafana/alloy:v1.4.0")]
            {
                func status() async throws -> Client.ProcessResult {
                    try await client.runKubectl("rollout", "status", workload, "-n", "baseline-dev", "--timeout=20s")
                }
                func podImages() async throws -> Set<String> {
                    let pods = try Self.json(try await client.runKubectl("get", "pods", "-n", "baseline-dev", "-l",
                        "app=\(container)", "-o", "json"))
                    return Set((pods["items"]?.arrayValue ?? []).compactMap { $0[path: ["spec", "containers"]]?[0]?["image"]?.stringValue })
                }
                #expect(try await status().status == 0)
                let set = try await client.runKubectl("set", "image", workload, "\(container)=\(new)", "-n", "baseline-dev")
                #expect(set.status == 0, "\(set.stderr)")
                #expect(try await status().status == 0)
                #expect(try await eventually { try await podImages() == [new] }, "\(workload) pods run \(new)")
                let history = try await client.runKubectl("rollout", "history", workload, "-n", "baseline-dev")
                let revisions = history.stdout.split(separator: "\n").dropFirst(2).compactMap { $0.split(separator: " ").first }
                #expect(revisions == ["1", "2"], "\(history.stdout) \(history.stderr)")
                let undo = try await client.runKubectl("rollout", "undo", workload, "-n", "baseline-dev")
                #expect(undo.status == 0 && undo.stdout.contains("rolled back"), "\(undo.stdout) \(undo.stderr)")
                let after = try await status()
                #expect(after.status == 0, "\(after.stdout) \(after.stderr)")
                #expect(try await eventually { try await podImages() == [old] }, "\(workload) pods run \(old) again")
                // The undo re-used revision 1's ControllerRevision (now revision 3) instead of adding a third.
                let owned = try Self.json(try await client.runKubectl("get", "controllerrevisions", "-n", "baseline-dev", "-o", "json"))
                let name = String(workload.split(separator: "/")[1])
                let numbers = (owned["items"]?.arrayValue ?? []).filter { $0[path: ["metadata", "ownerReferences"]]?[0]?["name"]?.stringValue == name }
                    .compactMap { $0["revision"]?.intValue }.sorted()
                #expect(numbers == [2, 3], "\(workload) ControllerRevision numbers")
            }
        }
    }

    @Test("apply of a stringData Secret stores data only; an immutable Secret refuses stringData; create job shows the Job defaults; a changed clusterIP is refused with the real message; protobuf creates show no empty generateName",
        .tags(.kubectl))
    func secretsJobsAndServices() async throws {
        try await SimFixture.withCluster { _, client in
            let file = client.directory + "/secret.yaml"
            try "apiVersion: v1\nkind: Secret\nmetadata: {name: creds, namespace: airflow-dev}\nimmutable: true\nstringData: {password: hunter2}\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await client.runKubectl("apply", "-f", file).status == 0)
            let secret = try Self.json(try await client.runKubectl("get", "secret", "creds", "-n", "airflow-dev", "-o", "json"))
            #expect(secret[path: ["data", "password"]] == "aHVudGVyMg==")
            #expect(secret["stringData"] == nil)
            let refused = try await client.runKubectl("patch", "secret", "creds", "-n", "airflow-dev", "--type=merge",
                "-p", #"{"stringData":{"password":"changed"}}"#)
            #expect(refused.status != 0 && refused.stderr.contains("data: Forbidden: field is immutable when `immutable` is set"),
                "\(refused.stderr)")

            let job = try Self.json(try await client.runKubectl("create", "job", "once", "--image=busybox:1.36", "-n", "airflow-dev", "-o", "json"))
            #expect(job[path: ["spec", "backoffLimit"]] == 6)
            #expect(job[path: ["spec", "completions"]] == 1 && job[path: ["spec", "parallelism"]] == 1)
            #expect(job[path: ["spec", "completionMode"]] == "NonIndexed" && job[path: ["spec", "suspend"]] == false)
            #expect(job[path: ["spec", "podReplacementPolicy"]] == "TerminatingOrFailed")
            #expect(job[path: ["spec", "template", "spec", "dnsPolicy"]] == "ClusterFirst")

            // kubectl create sends protobuf, whose empty strings must not come back as "generateName": "".
            #expect(try await client.runKubectl("create", "configmap", "plain", "-n", "airflow-dev").status == 0)
            let plain = try Self.json(try await client.runKubectl("get", "configmap", "plain", "-n", "airflow-dev", "-o", "json"))
            #expect(plain[path: ["metadata", "generateName"]] == nil, "\(plain)")

            let service = try await client.runKubectl("patch", "service", "airflow-web", "-n", "airflow-dev", "--type=merge",
                "-p", #"{"spec":{"clusterIP":"10.96.250.250"}}"#)
            #expect(service.stderr.contains(#"The Service "airflow-web" is invalid: spec.clusterIPs[0]: Invalid value: []string{"10.96.250.250"}: may not change once set"#),
                "\(service.stderr)")
        }
    }
}
