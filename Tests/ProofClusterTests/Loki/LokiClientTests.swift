import Foundation
import ProofCore
import ProofSim
import Testing

@testable import ProofCluster

/// The simulated cluster with the real platform manifests and its platform services, plus the harness's
/// clients pointed at it over loopback.
struct LokiPlatform {
    let cluster: SimulatedCluster
    let client: KubernetesClient
    let loki: LokiClient
    let directory: String

    static func start(_ configure: (inout PlatformServicesOptions) -> Void = { _ in }) async throws -> LokiPlatform {
        var options = SimOptions()
        options.platformDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("scenarios/platform").path
        var services = PlatformServicesOptions()
        services.tickInterval = .milliseconds(30)
        services.alloyBatchWait = .milliseconds(30)
        configure(&services)
        options.platformServices = services
        let cluster = try await SimulatedCluster.start(options)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-loki-\(UUID().uuidString)").path
        try cluster.writeKubeconfig(to: directory + "/kubeconfig")
        let client = KubernetesClient(config: try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory]))
        try await cluster.waitUntilSettled(timeout: .seconds(30))
        return LokiPlatform(cluster: cluster, client: client, loki: .platform(client, environment: "dev"), directory: directory)
    }

    func stop() async {
        await cluster.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Runs `body` on a started platform and always stops it.
    static func with(_ configure: (inout PlatformServicesOptions) -> Void = { _ in }, _ body: (LokiPlatform) async throws -> Void)
        async throws
    {
        let platform = try await start(configure)
        do {
            try await body(platform)
        } catch {
            await platform.stop()
            throw error
        }
        await platform.stop()
    }

    func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if (try? await condition()) == true { return }
            try await Task.sleep(for: .milliseconds(25))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    /// Lines Loki holds for `selector` over the last hour (an instant `count_over_time`).
    func lineCount(_ selector: String) async throws -> Int {
        let result = try await loki.query("sum(count_over_time(\(selector)[1h]))")
        return Int(result.series.first?.points.first?.value ?? 0)
    }

    func lokiReadyPod() async throws -> JSON? {
        let pods = try await client.list(try await client.resource(named: "pods"), namespace: "baseline-dev",
            labelSelector: "app.kubernetes.io/name=loki").items
        return pods.first { pod in
            pod[path: ["metadata", "deletionTimestamp"]] == nil && (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
                $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
            }
        }
    }
}

@Suite("LokiClient against the simulated Loki and Alloy", .serialized)
struct LokiClientTests {
    static func failure(_ body: () async throws -> Void) async -> ClusterError? {
        await #expect(throws: ClusterError.self) { try await body() }
    }

    @Test func linesArriveForEveryAlloyNamespaceAndNoOther() async throws {
        try await LokiPlatform.with { platform in
            let expected = LokiCaptureQuery.alloyNamespaces(environment: "dev")
            #expect(try await platform.loki.ready() == LokiReadiness(ready: true, status: 200, message: "ready"))
            try await platform.eventually("every Alloy namespace has lines") {
                Set(try await platform.loki.labelValues("namespace")) == Set(expected)
            }
            #expect(Set(try await platform.loki.labelValues("namespace")) == Set(expected))
            let perNamespace = try await platform.loki.query(#"sum by (namespace) (count_over_time({env="dev"}[1h]))"#)
            #expect(perNamespace.resultType == "vector")
            #expect(Set(perNamespace.series.map { $0.labels["namespace"] ?? "" }) == Set(expected))
            #expect(perNamespace.series.allSatisfy { ($0.points.first?.value ?? 0) >= 20 })
            #expect(try await platform.lineCount(#"{namespace="baseline-dev"}"#) == 0)
            #expect(try await platform.lineCount(#"{namespace=~"monitoring-dev|argocd|kube-system"}"#) == 0)
            #expect(Set(try await platform.loki.labels()).isSuperset(of: ["namespace", "pod", "container", "app", "env"]))

            // prod's Loki gets prod's namespaces only.
            let prod = LokiClient.platform(platform.client, environment: "prod")
            try await platform.eventually("prod has lines") { !(try await prod.labelValues("namespace")).isEmpty }
            #expect(Set(try await prod.labelValues("namespace")).isSubset(of: LokiCaptureQuery.alloyNamespaces(environment: "prod")))

            // Loki's lines are the pod's own log lines (one generator).
            let pods = try await platform.client.list(try await platform.client.resource(named: "pods"), namespace: "mlflow-dev").items
            let pod = try #require(pods.first?[path: ["metadata", "name"]]?.stringValue)
            let streams = try await platform.loki.queryRange("{pod=\"\(pod)\"}", start: Date().addingTimeInterval(-3600), end: Date(),
                limit: 20, direction: "forward")
            let fromLoki = streams.streams.flatMap(\.entries).map(\.line)
            let fromKubelet = try await platform.client.logs(pod: pod, namespace: "mlflow-dev").split(separator: "\n").map(String.init)
            #expect(fromLoki.count == 20)
            #expect(Array(fromKubelet.prefix(20)) == fromLoki)
            let series = try await platform.loki.series(["{namespace=\"mlflow-dev\"}"])
            #expect(series.count == 1 && series.first?["pod"] == pod && series.first?["app"] == "mlflow")
        }
    }

    @Test func stoppingAlloyStopsNewLines() async throws {
        try await LokiPlatform.with { platform in
            let selector = #"{namespace="airflow-dev"}"#
            try await platform.eventually("airflow-dev lines arrive") { try await platform.lineCount(selector) > 0 }
            let daemonSets = try await platform.client.resource(named: "daemonsets")
            try await platform.client.delete(daemonSets, name: "alloy", namespace: "baseline-dev")
            let pods = try await platform.client.resource(named: "pods")
            try await platform.eventually("Alloy's pods are gone") {
                try await platform.client.list(pods, namespace: "baseline-dev", labelSelector: "app.kubernetes.io/name=alloy").items.isEmpty
            }
            try await Task.sleep(for: .milliseconds(200))
            let stopped = try await platform.lineCount(selector)
            let airflowPod = try #require(try await platform.client.list(pods, namespace: "airflow-dev").items.first?[path: ["metadata", "name"]]?.stringValue)
            let logged = try await platform.client.logs(pod: airflowPod, namespace: "airflow-dev").split(separator: "\n").count
            try await Task.sleep(for: .milliseconds(2300))
            #expect(try await platform.lineCount(selector) == stopped, "no new lines without Alloy")
            let loggedLater = try await platform.client.logs(pod: airflowPod, namespace: "airflow-dev").split(separator: "\n").count
            #expect(loggedLater > logged, "the pod kept logging meanwhile")
        }
    }

    @Test func dataLivesWithThePersistentVolumeClaim() async throws {
        try await LokiPlatform.with { platform in
            let marker = "proof-marker \(UUID().uuidString)"
            try await platform.loki.push([LokiLogStream(labels: ["job": "proof-test"], entries: [.init(date: Date(), line: marker)])])
            func markerCount() async throws -> Int {
                try await platform.loki.queryRange(#"{job="proof-test"} |= "proof-marker""#, start: Date().addingTimeInterval(-600),
                    end: Date().addingTimeInterval(1)).entryCount
            }
            #expect(try await markerCount() == 1)

            // A Loki pod restart keeps the data.
            let pods = try await platform.client.resource(named: "pods")
            let firstUID = try #require(try await platform.lokiReadyPod()?[path: ["metadata", "uid"]])
            try await platform.client.delete(pods, name: "loki-0", namespace: "baseline-dev")
            try await platform.eventually("a new Loki pod is Ready") {
                let pod = try await platform.lokiReadyPod()
                return pod != nil && pod?[path: ["metadata", "uid"]] != firstUID
            }
            #expect(try await markerCount() == 1)

            // Deleting the StatefulSet (the claim is retained) and re-creating it keeps the data.
            let statefulSets = try await platform.client.resource(named: "statefulsets")
            var manifest = try await platform.client.get(statefulSets, name: "loki", namespace: "baseline-dev")
            try await platform.client.delete(statefulSets, name: "loki", namespace: "baseline-dev")
            try await platform.eventually("Loki is down") { !(try await platform.loki.ready().ready) }
            let down = try await platform.loki.ready()
            #expect(down.status == 503 && down.message.contains("no endpoints available"))
            let error = await #expect(throws: ClusterError.self) { _ = try await markerCount() }
            #expect(error?.status == 503)
            manifest["status"] = nil
            manifest["metadata"] = ["name": "loki", "namespace": "baseline-dev", "labels": manifest[path: ["metadata", "labels"]] ?? [:]]
            _ = try await platform.client.create(statefulSets, manifest, namespace: "baseline-dev")
            try await platform.eventually("Loki is back") { try await platform.loki.ready().ready }
            #expect(try await markerCount() == 1)

            // Deleting the claim loses the data.
            let claims = try await platform.client.resource(named: "persistentvolumeclaims")
            try await platform.client.delete(claims, name: "storage-loki-0", namespace: "baseline-dev")
            try await platform.client.delete(pods, name: "loki-0", namespace: "baseline-dev")
            try await platform.eventually("Loki is back on a new claim") {
                let claim = try await platform.client.getIfPresent(claims, name: "storage-loki-0", namespace: "baseline-dev")
                guard claim != nil else { return false }
                return try await platform.loki.ready().ready
            }
            #expect(try await markerCount() == 0)
        }
    }

    @Test func malformedQueriesAndLimitsGet400WithLokisMessage() async throws {
        try await LokiPlatform.with { platform in
            let now = Date()
            let parse = await Self.failure { _ = try await platform.loki.queryRange(#"{app="foo""#, start: now.addingTimeInterval(-60), end: now) }
            #expect(parse?.status == 400 && parse?.message == "parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,")
            let filter = await Self.failure { _ = try await platform.loki.query(#"count_over_time({app="foo"} |= test [5m])"#) }
            #expect(filter?.status == 400 && filter?.message.hasPrefix("parse error at line 1, col 32:") == true)
            let limit = await Self.failure { _ = try await platform.loki.queryRange(#"{env="dev"}"#, start: now.addingTimeInterval(-60), end: now, limit: 5001) }
            #expect(limit?.status == 400 && limit?.message == "max entries limit per query exceeded, limit > max_entries_limit_per_query (5001 > 5000)")
            let range = await Self.failure {
                _ = try await platform.loki.queryRange(#"{env="dev"}"#, start: now.addingTimeInterval(-31 * 86400), end: now)
            }
            #expect(range?.status == 400 && range?.message == "the query time range exceeds the limit (query length: 744h0m0s, limit: 721h0m0s)")
            let instantLog = await Self.failure { _ = try await platform.loki.query(#"{env="dev"}"#) }
            #expect(instantLog?.message == "log queries are not supported as an instant query type, please change your query to a range query type")
            let empty = await Self.failure { _ = try await platform.loki.series([#"{env=~".*"}"#]) }
            #expect(empty?.status == 400 && empty?.message.contains("empty-compatible value") == true)
            // Still serving after all that.
            let stillReady = try await platform.loki.ready()
            #expect(stillReady.ready)
            let lines = try await platform.loki.queryRange(#"{env="dev"}"#, start: now.addingTimeInterval(-60), end: Date(), limit: 5000)
            #expect(lines.resultType == "streams")
        }
    }

    @Test func tenancyWithAuthEnabled() async throws {
        try await LokiPlatform.with({ options in
            var settings = LokiSettings()
            settings.authEnabled = true
            options.lokiOverrides["baseline-dev/loki-dev"] = settings
        }) { platform in
            let anonymous = await #expect(throws: ClusterError.self) { _ = try await platform.loki.labels() }
            #expect(anonymous?.status == 401 && anonymous?.message == "no org id")
            let teamA = LokiClient(kubernetes: platform.client, tenant: "team-a")
            let teamB = LokiClient(kubernetes: platform.client, tenant: "team-b")
            try await teamA.push([LokiLogStream(labels: ["job": "tenancy"], entries: [.init(date: Date(), line: "only for a")])])
            let start = Date().addingTimeInterval(-60)
            #expect(try await teamA.queryRange(#"{job="tenancy"}"#, start: start, end: Date().addingTimeInterval(1)).entryCount == 1)
            #expect(try await teamB.queryRange(#"{job="tenancy"}"#, start: start, end: Date().addingTimeInterval(1)).entryCount == 0)
            let readiness = try await teamA.ready()
            #expect(readiness.ready)
        }
    }

    @Test func defaultCaptureQueriesCoverTheAlloyNamespaces() async throws {
        try await LokiPlatform.with { platform in
            let configMaps = try await platform.client.resource(named: "configmaps")
            let config = try await platform.client.get(configMaps, name: "alloy-config", namespace: "baseline-dev")
            let namespaces = LokiCaptureQuery.namespaces(inAlloyConfig: config[path: ["data", "config.alloy"]]?.stringValue ?? "")
            #expect(namespaces == LokiCaptureQuery.alloyNamespaces(environment: "dev"))
            let queries = LokiCaptureQuery.defaults(namespaces: namespaces)
            #expect(queries.first?.kind == .readiness && queries.count == 6)
            try await platform.eventually("every namespace has lines") {
                for query in queries.dropFirst() where try await platform.loki.query(query.resolved(windowSeconds: 600)).series.isEmpty {
                    return false
                }
                return true
            }
            for query in queries.dropFirst() {
                let result = try await platform.loki.query(query.resolved(windowSeconds: 600))
                #expect((result.series.first?.points.first?.value ?? 0) > 0, "\(query.name)")
            }
        }
    }
}
