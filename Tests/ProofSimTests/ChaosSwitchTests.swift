import Foundation
import ProofCluster
import ProofCore
import ProofSim
import Testing

/// The chaos switches (`cluster.chaos`, `/_sim/chaos`) make the simulated platform fail the way the
/// `restarts`, `count` and `lokiVolume` invariants look for — checked over real HTTP with the harness's
/// `KubernetesClient`, `LokiClient` and `/usr/bin/kubectl`.
@Suite("Chaos switches: crash loops, node loss, Loki data loss, Alloy paused", .serialized)
struct ChaosSwitchTests {
    static func isReady(_ pod: JSON) -> Bool {
        (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
    }

    static func restarts(_ pod: JSON) -> Int64 {
        (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) }
    }

    /// The RESTARTS column of `kubectl get pod NAME -n NS`.
    static func restartsColumn(_ kubectl: Client, pod: String, namespace: String) async throws -> Int {
        let result = try await kubectl.runKubectl("get", "pod", pod, "-n", namespace, "--no-headers")
        let columns = result.stdout.split(whereSeparator: \.isWhitespace)
        guard result.status == 0, columns.count >= 4, let value = Int(columns[3]) else {
            throw ClientError(message: "kubectl get pod \(pod): \(result.stdout) \(result.stderr)")
        }
        return value
    }

    @Test(.tags(.kubectl, .slow)) func crashLoopRaisesRestartsAndRecordsBackOffUntilTurnedOff() async throws {
        try await PlatformCluster.with { platform in
            let kubectl = try Client(cluster: platform.cluster)
            defer { kubectl.cleanUp() }
            let pods = try await platform.client.resource(named: "pods")
            let events = try await platform.client.resource(named: "events")
            func loki() async throws -> JSON { try await platform.client.get(pods, name: "loki-0", namespace: "baseline-dev") }
            let firstUID = try await loki()[path: ["metadata", "uid"]]
            #expect(Self.restarts(try await loki()) == 0)

            platform.cluster.chaos.crashLoop(namespace: "baseline-dev", labels: "app.kubernetes.io/name=loki", interval: .milliseconds(450))

            // The brief back-off window: waiting CrashLoopBackOff, not Ready (Ready=False with the reason).
            try await platform.eventually("loki-0 is seen in CrashLoopBackOff") {
                let pod = try await loki()
                let status = pod[path: ["status", "containerStatuses"]]?.arrayValue?.first
                return status?[path: ["state", "waiting", "reason"]]?.stringValue == "CrashLoopBackOff"
                    && status?["ready"]?.boolValue == false && !Self.isReady(pod)
                    && (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
                        $0["type"]?.stringValue == "Ready" && $0["reason"]?.stringValue == "ContainersNotReady"
                    }
            }
            try await platform.eventually("loki-0 has restarted at least 3 times") { Self.restarts(try await loki()) >= 3 }
            let pod = try await loki()
            let terminated = try #require(pod[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["lastState", "terminated"]])
            #expect(terminated["exitCode"]?.intValue == 1 && terminated["reason"]?.stringValue == "Error")
            #expect(terminated["startedAt"]?.stringValue != nil && terminated["finishedAt"]?.stringValue != nil)
            #expect(pod[path: ["metadata", "uid"]] == firstUID, "the containers restart in place; the pod stays")

            // kubectl's RESTARTS column grows.
            let shown = try await Self.restartsColumn(kubectl, pod: "loki-0", namespace: "baseline-dev")
            #expect(shown >= 3)
            try await platform.eventually("kubectl shows more restarts") {
                try await Self.restartsColumn(kubectl, pod: "loki-0", namespace: "baseline-dev") > shown
            }

            // A Warning BackOff event about loki-0, aggregated (count grows) as the kubelet's are.
            let backOff = try await platform.client.list(events, namespace: "baseline-dev", fieldSelector: "involvedObject.name=loki-0").items
                .filter { $0["reason"]?.stringValue == "BackOff" }
            #expect(backOff.count == 1)
            #expect(backOff.first?["type"]?.stringValue == "Warning")
            #expect(backOff.first?["message"]?.stringValue?.hasPrefix("Back-off restarting failed container loki in pod loki-0_baseline-dev") == true)
            #expect((backOff.first?["count"]?.intValue ?? 0) >= 2)

            // A pod that starts later and matches crashes too.
            // --wait=false: with the sim's 30 ms grace the pod can be gone and re-created between kubectl's GET
            // and its watch, and kubectl would then wait for a DELETED event that came before the watch.
            let deleted = try await kubectl.runKubectl("delete", "pod", "loki-0", "-n", "baseline-dev", "--wait=false")
            #expect(deleted.status == 0, "\(deleted.stderr)")
            try await platform.eventually("the new loki-0 crash-loops too") {
                guard let pod = try await platform.client.getIfPresent(pods, name: "loki-0", namespace: "baseline-dev") else { return false }
                return pod[path: ["metadata", "uid"]] != firstUID && Self.restarts(pod) >= 1
            }

            // Turned off: Ready again and the count stops growing.
            platform.cluster.chaos.clear()
            #expect(platform.cluster.chaos.crashLoops.isEmpty)
            try await platform.eventually("loki-0 settles Ready") {
                let pod = try await loki()
                return Self.isReady(pod) && pod[path: ["status", "containerStatuses"]]?.arrayValue?.first?[path: ["state", "running"]] != nil
            }
            try await platform.cluster.waitUntilSettled(timeout: .seconds(10))
            let settled = Self.restarts(try await loki())
            // Longer than two crash intervals: no crash may come.
            try await Task.sleep(for: .milliseconds(1000))
            #expect(Self.restarts(try await loki()) == settled)
            #expect(Self.isReady(try await loki()))
        }
    }

    @Test(.tags(.kubectl, .slow)) func deletingANodeDropsItsDaemonSetPodAndReschedulesTheRest() async throws {
        try await PlatformCluster.with { platform in
            let kubectl = try Client(cluster: platform.cluster)
            defer { kubectl.cleanUp() }
            let pods = try await platform.client.resource(named: "pods")
            let daemonSets = try await platform.client.resource(named: "daemonsets")
            func alloyPods() async throws -> [JSON] {
                try await platform.client.list(pods, namespace: "baseline-dev", labelSelector: "app.kubernetes.io/name=alloy").items
            }
            #expect(try await alloyPods().count == 3)
            let onWorker2 = try await platform.client.list(pods, fieldSelector: "spec.nodeName=proof-sim-worker2").items
            #expect(onWorker2.count > 3, "worker2 runs workload pods besides the DaemonSets'")

            let deleted = try await kubectl.runKubectl("delete", "node", "proof-sim-worker2", "--timeout=10s")
            #expect(deleted.status == 0, "\(deleted.stderr)")
            try await platform.eventually("Alloy has 2 Ready pods") {
                let alloy = try await alloyPods()
                return alloy.count == 2 && alloy.allSatisfy(Self.isReady)
            }
            let alloy = try await alloyPods()
            #expect(Set(alloy.compactMap { $0[path: ["spec", "nodeName"]]?.stringValue }) == ["proof-sim-control-plane", "proof-sim-worker"])
            let daemonSet = try await platform.client.get(daemonSets, name: "alloy", namespace: "baseline-dev")
            #expect(daemonSet[path: ["status", "desiredNumberScheduled"]]?.intValue == 2)
            try await platform.eventually("nothing is bound to the deleted node") {
                try await platform.client.list(pods, fieldSelector: "spec.nodeName=proof-sim-worker2").items.isEmpty
            }
            // Deployments and StatefulSets re-create their pods on the remaining worker.
            try await platform.cluster.waitUntilSettled(timeout: .seconds(15))
            let everyPod = try await platform.client.list(pods).items
            #expect(everyPod.allSatisfy { $0[path: ["spec", "nodeName"]]?.stringValue != "proof-sim-worker2" })
            let loki = try await platform.client.get(pods, name: "loki-0", namespace: "baseline-dev")
            #expect(Self.isReady(loki))

            // The Swift convenience does the same.
            try platform.cluster.chaos.removeNode("proof-sim-worker")
            try await platform.eventually("Alloy has 1 pod") { try await alloyPods().count == 1 }
            #expect(throws: SimError.self) { try platform.cluster.chaos.removeNode("no-such-node") }
        }
    }

    @Test(.tags(.slow)) func lokiLosesDataDropsTheLineCount() async throws {
        try await PlatformCluster.with { platform in
            let kubectl = try Client(cluster: platform.cluster)
            defer { kubectl.cleanUp() }
            let loki = LokiClient.platform(platform.client, environment: "dev")
            func count() async throws -> Int {
                let result = try await loki.query(#"sum(count_over_time({namespace=~"mlflow-dev|airflow-dev"}[1h]))"#)
                return Int(result.series.first?.points.first?.value ?? 0)
            }
            try await platform.eventually("lines arrive in Loki") { try await count() >= 40 }
            let before = try await count()

            let answer = try await kubectl.request("POST", "/_sim/chaos", body: ["lokiLosesData": true])
            #expect(answer.status == 200)
            #expect(answer.json["lokiDataLosses"]?.intValue == 1)
            let after = try await count()
            #expect(after < before, "Loki forgot its entries: \(after) lines after, \(before) before")
            #expect(after < 40, "only lines shipped after the loss remain (\(after))")
            // Alloy does not re-send what it shipped: the count grows again from new lines only.
            try await platform.eventually("new lines arrive again", timeout: .seconds(5)) { try await count() > after }
            #expect(try await count() < before)
            #expect(try await loki.ready().ready, "Loki itself stays up")
        }
    }

    @Test(.tags(.kubectl, .slow)) func alloyPausedShipsNoNewLinesUntilResumed() async throws {
        try await PlatformCluster.with { platform in
            let kubectl = try Client(cluster: platform.cluster)
            defer { kubectl.cleanUp() }
            let loki = LokiClient.platform(platform.client, environment: "dev")
            let pods = try await platform.client.resource(named: "pods")
            let pod = try #require(try await platform.client.list(pods, namespace: "mlflow-dev").items.first?[path: ["metadata", "name"]]?.stringValue)
            let selector = "{namespace=\"mlflow-dev\", pod=\"\(pod)\"}"
            func inLoki() async throws -> Int {
                Int(try await loki.query("sum(count_over_time(\(selector)[1h]))").series.first?.points.first?.value ?? 0)
            }
            func logged() async throws -> Int {
                let result = try await kubectl.runKubectl("logs", pod, "-n", "mlflow-dev")
                guard result.status == 0 else { throw ClientError(message: "kubectl logs \(pod): \(result.stderr)") }
                return result.stdout.split(separator: "\n").count
            }
            try await platform.eventually("the pod's lines are in Loki") { try await inLoki() >= 20 }

            let answer = try await kubectl.request("POST", "/_sim/chaos", body: ["alloyPaused": true])
            #expect(answer.status == 200 && answer.json["alloyPaused"]?.boolValue == true)
            #expect(platform.cluster.chaos.alloyPaused)
            let frozen = try await inLoki()
            let loggedAtPause = try await logged()
            try await platform.eventually("the pod logs 2 more lines", timeout: .seconds(6)) { try await logged() >= loggedAtPause + 2 }
            #expect(try await inLoki() == frozen, "no new lines reach Loki while Alloy is paused")
            let loggedDuringPause = try await logged()
            #expect(loggedDuringPause > frozen)

            platform.cluster.chaos.alloyPaused = false
            try await platform.eventually("the backlog reaches Loki", timeout: .seconds(5)) { try await inLoki() >= loggedDuringPause }
        }
    }

    /// `scripts/ci/wait-logs.sh` (run by e2e.sh and kind/up.sh before the first scenario): with Alloy paused and
    /// Loki's data lost it times out naming the namespaces without logs; once Alloy resumes it passes.
    @Test(.tags(.kubectl, .slow)) func waitLogsScriptWaitsUntilLokiHoldsLogsOfEveryNamespace() async throws {
        try await PlatformCluster.with { platform in
            let kubectl = try Client(cluster: platform.cluster)
            defer { kubectl.cleanUp() }
            let script = Repository.path("scripts/ci/wait-logs.sh")
            func waitLogs(_ seconds: Int) async throws -> Client.ProcessResult {
                try await Client.run("/bin/bash", [script, String(seconds), "baseline-dev/loki-dev:3100",
                    "mlflow-dev,airflow-dev", "--kubeconfig", kubectl.kubeconfig], environment: ["HOME": kubectl.directory])
            }
            platform.cluster.chaos.alloyPaused = true
            #expect(try await kubectl.request("POST", "/_sim/chaos", body: ["lokiLosesData": true]).status == 200)
            let failed = try await waitLogs(2)
            #expect(failed.status == 1, "\(failed.stdout)\(failed.stderr)")
            #expect(failed.stderr.contains("timed out after 2s: Loki holds no logs of: mlflow-dev airflow-dev"), "\(failed.stderr)")

            platform.cluster.chaos.alloyPaused = false
            let passed = try await waitLogs(30)
            #expect(passed.status == 0, "\(passed.stdout)\(passed.stderr)")
            #expect(passed.stdout.contains("wait-logs: Loki holds logs of all 2 namespaces"), "\(passed.stdout)")
        }
    }

    @Test func adminEndpointRoundTripsTheSwitchesAsJSON() async throws {
        let cluster = try await SimulatedCluster.start(SimOptions())
        let client = try Client(cluster: cluster)
        defer { client.cleanUp() }
        do {
            let off: JSON = ["crashLoop": [], "alloyPaused": false, "lokiDataLosses": 0]
            #expect(try await client.request("GET", "/_sim/chaos").json == off)
            #expect(try await client.request("GET", "/_sim/chaos", token: "wrong").status == 401)

            let rule: JSON = ["namespace": "baseline-*", "labels": "app.kubernetes.io/name=loki", "name": "loki-?",
                "intervalMilliseconds": 300]
            let set = try await client.request("POST", "/_sim/chaos", body: ["crashLoop": [rule], "alloyPaused": true])
            #expect(set.status == 200)
            let expected: JSON = ["crashLoop": [rule], "alloyPaused": true, "lokiDataLosses": 0]
            #expect(set.json == expected)
            #expect(try await client.request("GET", "/_sim/chaos").json == expected)
            #expect(cluster.chaos.alloyPaused)
            #expect(cluster.chaos.crashLoops == [try ChaosSwitches.CrashLoop(namespace: "baseline-*",
                labels: "app.kubernetes.io/name=loki", name: "loki-?", interval: .milliseconds(300))])
            // What GET returns can be posted back unchanged.
            #expect(try await client.request("POST", "/_sim/chaos", body: expected).json == expected)

            // Swift and JSON are one state; one rule may be given without the array, interval defaults to 300 ms.
            cluster.chaos.crashLoop(namespace: "airflow-dev")
            #expect(try await client.request("GET", "/_sim/chaos").json["crashLoop"]?.arrayValue?.count == 2)
            let single = try await client.request("POST", "/_sim/chaos", body: ["crashLoop": ["namespace": "mlflow-dev"], "lokiLosesData": true])
            #expect(single.json["crashLoop"] == [["namespace": "mlflow-dev", "intervalMilliseconds": 300]])
            #expect(single.json["lokiDataLosses"] == 1)

            // Errors: 400 with a Status that says what to do; nothing changes.
            let unknown = try await client.request("POST", "/_sim/chaos", body: ["crashloop": []])
            #expect(unknown.status == 400)
            #expect(unknown.json["message"]?.stringValue?.contains("use crashLoop, alloyPaused or lokiLosesData") == true)
            let badSelector = try await client.request("POST", "/_sim/chaos", body: ["crashLoop": [["namespace": "x", "labels": "a in ("]]])
            #expect(badSelector.status == 400 && badSelector.json["kind"]?.stringValue == "Status")
            #expect(try await client.request("POST", "/_sim/chaos", body: ["alloyPaused": "yes"]).status == 400)
            #expect(try await client.request("POST", "/_sim/chaos", body: ["crashLoop": [["labels": "a=b"]]]).status == 400)
            #expect(try await client.request("GET", "/_sim/chaos").json["alloyPaused"] == true)

            let cleared = try await client.request("DELETE", "/_sim/chaos")
            #expect(cleared.status == 200)
            #expect(cleared.json == ["crashLoop": [], "alloyPaused": false, "lokiDataLosses": 1])
            #expect(!cluster.chaos.isActive)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }
}
