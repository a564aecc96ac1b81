import Foundation
import ProofCore
import ProofSim
import Testing

/// The real kubectl against a simulated cluster on a random port, through the kubeconfig it wrote.
@Suite("kubectl against the simulated cluster", .tags(.kubectl), .serialized)
struct KubectlTests {
    @Test("get ns lists the seeded namespaces as Active, with nothing on stderr")
    func getNamespaces() async throws {
        try await SimFixture.withCluster { _, client in
            let result = try await client.runKubectl("get", "ns")
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stderr.isEmpty, "kubectl warned: \(result.stderr)")
            let line = result.stdout.split(separator: "\n").first { $0.hasPrefix("airflow-dev ") }
            #expect(line?.contains("Active") == true, "\(result.stdout)")
            #expect(result.stdout.contains("kube-system"))
        }
    }

    @Test("get pods -A -o json: every pod of the platform is Running and Ready", .tags(.slow))
    func platformPodsRunning() async throws {
        let platform = Repository.path("scenarios/platform")
        let useReal = FileManager.default.fileExists(atPath: platform)
        try await SimFixture.withCluster({ if useReal { $0.platformDirectory = platform } }) { cluster, client in
            let result = try await client.runKubectl("get", "pods", "-A", "-o", "json")
            #expect(result.status == 0, "\(result.stderr)")
            let pods = try JSON(parsing: result.stdout)["items"]?.arrayValue ?? []
            #expect(pods.count >= 4)
            let notRunning = pods.filter { $0[path: ["status", "phase"]]?.stringValue != "Running" }
            #expect(notRunning.isEmpty, "not running: \(notRunning.map { $0[path: ["metadata", "name"]]?.displayString ?? "" })")
            let namespaces = Set(pods.compactMap { $0[path: ["metadata", "namespace"]]?.stringValue })
            #expect(namespaces.contains(useReal ? "baseline-dev" : "airflow-dev"))
            #expect(cluster.seedReport?.skipped.isEmpty == true, "\(cluster.seedReport?.skipped ?? [])")
        }
    }

    @Test("get deploy -w sees the Deployment change when one of its pods is deleted, and delete pod gets a Ready replacement")
    func watchAndReplace() async throws {
        try await SimFixture.withCluster({ $0.timing.podStartDelay = .milliseconds(300) }) { _, client in
            let watch = try client.kubectlInBackground("get", "deploy", "-n", "airflow-dev", "-w")
            defer { watch.stop() }
            #expect(await watch.waitFor { $0.contains("airflow-web") && $0.contains("2/2") })
            let pods = try JSON(parsing: try await client.runKubectl("get", "pods", "-n", "airflow-dev", "-l", "app=airflow-web", "-o", "json").stdout)
            let victim = try #require(pods["items"]?[0]?[path: ["metadata", "name"]]?.stringValue)
            let deleted = try await client.runKubectl("delete", "pod", victim, "-n", "airflow-dev")
            #expect(deleted.status == 0, "\(deleted.stderr)")
            #expect(deleted.stdout.contains("pod \"\(victim)\" deleted"))
            // The watch shows the Deployment dropping to 1/2 and coming back to 2/2.
            #expect(await watch.waitFor { output in
                let rows = output.split(separator: "\n").filter { $0.hasPrefix("airflow-web") }
                guard let down = rows.firstIndex(where: { $0.contains("1/2") }) else { return false }
                return rows[(down + 1)...].contains { $0.contains("2/2") }
            }, "\(watch.output())")
            let replaced = try await eventually {
                let now = try JSON(parsing: try await client.runKubectl("get", "pods", "-n", "airflow-dev", "-l", "app=airflow-web", "-o", "json").stdout)
                let items = now["items"]?.arrayValue ?? []
                return items.count == 2 && !items.contains { $0[path: ["metadata", "name"]]?.stringValue == victim }
                    && items.allSatisfy { pod in
                        (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
                            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
                        }
                    }
            }
            #expect(replaced)
        }
    }

    @Test("patch --type=merge, apply -f of a new ConfigMap (then a change), scale")
    func writes() async throws {
        try await SimFixture.withCluster { _, client in
            let patch = try await client.runKubectl("patch", "deploy", "airflow-web", "-n", "airflow-dev", "--type=merge",
                "-p", #"{"metadata":{"labels":{"team":"ml"}}}"#)
            #expect(patch.status == 0, "\(patch.stderr)")
            #expect(try await client.runKubectl("get", "deploy", "airflow-web", "-n", "airflow-dev", "-o", "jsonpath={.metadata.labels.team}").stdout == "ml")

            let file = client.directory + "/cm.yaml"
            try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n  namespace: airflow-dev\ndata:\n  greeting: hi\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let created = try await client.runKubectl("apply", "-f", file)
            #expect(created.status == 0, "\(created.stderr)")
            #expect(created.stderr.isEmpty, "\(created.stderr)")
            #expect(created.stdout.contains("configmap/hello created"))
            try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: hello\n  namespace: airflow-dev\ndata:\n  greeting: hello\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let configured = try await client.runKubectl("apply", "-f", file)
            #expect(configured.stdout.contains("configmap/hello configured"), "\(configured.stdout) \(configured.stderr)")
            #expect(try await client.runKubectl("get", "cm", "hello", "-n", "airflow-dev", "-o", "jsonpath={.data.greeting}").stdout == "hello")

            let scale = try await client.runKubectl("scale", "deploy/airflow-web", "-n", "airflow-dev", "--replicas=3")
            #expect(scale.status == 0, "\(scale.stderr)")
            let status = try await client.runKubectl("rollout", "status", "deploy/airflow-web", "-n", "airflow-dev", "--timeout=20s")
            #expect(status.status == 0, "\(status.stderr)")
            let ready = try await client.runKubectl("get", "deploy", "airflow-web", "-n", "airflow-dev", "-o", "jsonpath={.status.readyReplicas}")
            #expect(ready.stdout == "3")
        }
    }

    @Test("rollout restart makes a new ReplicaSet and rolls out")
    func rolloutRestart() async throws {
        try await SimFixture.withCluster { _, client in
            let restart = try await client.runKubectl("rollout", "restart", "deploy/airflow-web", "-n", "airflow-dev")
            #expect(restart.status == 0, "\(restart.stderr)")
            let status = try await client.runKubectl("rollout", "status", "deploy/airflow-web", "-n", "airflow-dev", "--timeout=20s")
            #expect(status.status == 0, "\(status.stderr)")
            #expect(status.stdout.contains("successfully rolled out"))
            let sets = try JSON(parsing: try await client.runKubectl("get", "rs", "-n", "airflow-dev", "-o", "json").stdout)["items"]?.arrayValue ?? []
            #expect(sets.count == 2)
            #expect(sets.contains { $0[path: ["spec", "replicas"]]?.intValue == 0 })
            let history = try await client.runKubectl("rollout", "history", "deploy/airflow-web", "-n", "airflow-dev")
            #expect(history.stdout.contains("2"), "\(history.stdout)")
        }
    }

    @Test("delete ns goes through Terminating, then the namespace and its pods are gone")
    func deleteNamespace() async throws {
        // Terminating must outlast three kubectl calls even on a loaded 2-core machine.
        try await SimFixture.withCluster({ $0.timing.namespaceCleanupDelay = .seconds(3) }) { _, client in
            let delete = try await client.runKubectl("delete", "ns", "airflow-dev", "--wait=false")
            #expect(delete.status == 0, "\(delete.stderr)")
            let phase = try await client.runKubectl("get", "ns", "airflow-dev", "-o", "jsonpath={.status.phase}")
            #expect(phase.stdout == "Terminating")
            let late = client.directory + "/late.yaml"
            try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: late\n  namespace: airflow-dev\n".write(toFile: late, atomically: true, encoding: .utf8)
            let refused = try await client.runKubectl("create", "-f", late)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("being terminated"), "\(refused.stderr)")
            let wait = try await client.runKubectl("wait", "--for=delete", "ns/airflow-dev", "--timeout=20s")
            #expect(wait.status == 0, "\(wait.stderr)")
            let pods = try await client.runKubectl("get", "pods", "-n", "airflow-dev", "-o", "json")
            #expect((try JSON(parsing: pods.stdout))["items"]?.arrayValue?.isEmpty == true)
        }
    }

    @Test("logs, describe, get with -o wide and short names work")
    func everydayReads() async throws {
        try await SimFixture.withCluster { _, client in
            let logs = try await client.runKubectl("logs", "-n", "airflow-dev", "deploy/airflow-web", "--tail=2")
            #expect(logs.status == 0, "\(logs.stderr)")
            #expect(logs.stdout.split(separator: "\n").count == 2)
            let wide = try await client.runKubectl("get", "po", "-n", "baseline-dev", "-o", "wide")
            #expect(wide.stdout.contains("proof-sim-worker"), "\(wide.stdout)")
            let describe = try await client.runKubectl("describe", "deploy", "airflow-web", "-n", "airflow-dev")
            #expect(describe.status == 0, "\(describe.stderr)")
            #expect(describe.stdout.contains("ScalingReplicaSet"), "\(describe.stdout)")
            let projects = try await client.runKubectl("get", "appproj", "-n", "argocd")
            #expect(projects.stdout.contains("dev"), "\(projects.stdout) \(projects.stderr)")
            let pvc = try await client.runKubectl("get", "pvc", "-n", "baseline-dev", "-o", "jsonpath={.items[0].status.phase}")
            #expect(pvc.stdout == "Bound")
        }
    }
}
