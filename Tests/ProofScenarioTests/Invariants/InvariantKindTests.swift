import ProofCore
import ProofScenario
import ProofStore
import Testing

@Suite("Invariant kinds: each holds and each can fail")
struct InvariantKindTests {
    typealias F = Fixture

    @Test("present")
    func present() throws {
        let yaml = "{id: redis, description: d, present: {match: {kind: StatefulSet, namespace: 'feature-store-*', name: 'redis*'}}}"
        let there = [F.capture("c", 1, [F.object("StatefulSet", "feature-store-dev", "redis", apiVersion: "apps/v1")])]
        #expect(try F.evaluate(yaml, there).held)
        let gone = try F.evaluate(yaml, [F.capture("c", 1, [F.object("StatefulSet", "other-dev", "redis", apiVersion: "apps/v1")])])
        #expect(gone.statuses == [.failed])
        #expect(gone[0].actual?["count"] == 0)
        #expect(gone[0].expected?["min"] == 1)
    }

    @Test("absent names every object that is there")
    func absent() throws {
        let yaml = "{id: no-feast, description: d, absent: {match: {kind: Application, name: 'feast-*'}}}"
        #expect(try F.evaluate(yaml, [F.capture("c", 1, [F.app("core-dev")])]).held)
        let found = try F.evaluate(yaml, [F.capture("c", 1, [F.app("feast-dev"), F.app("feast-prod"), F.app("core-dev")])])
        #expect(found.failures.map { $0.object?.name } == ["feast-dev", "feast-prod"])
        #expect(found[0].object?.kind == "Application")
    }

    @Test("count with min/max/equal and label selector")
    func count() throws {
        let yaml = "{id: pods, description: d, count: {match: {kind: Pod, labels: 'app=web'}, equal: 2}}"
        let one = F.pod("web-dev", "web-1", uid: "p1", replicaSet: "web-abc", hash: "abc", restarts: 0)
        let two = F.pod("web-dev", "web-2", uid: "p2", replicaSet: "web-abc", hash: "abc", restarts: 0)
        #expect(try F.evaluate(yaml, [F.capture("c", 1, [one, two, F.object("Pod", "web-dev", "other")])]).held)
        let result = try F.evaluate(yaml, [F.capture("c", 1, [one])])
        #expect(result.statuses == [.failed])
        #expect(result[0].actual?["count"] == 1)
    }

    @Test("field equals (numbers by value) and matches")
    func field() throws {
        let equals = "{id: img, description: d, field: {match: {kind: Deployment, namespace: web-dev}, path: spec.template.spec.containers.0.image, equals: 'web:1'}}"
        #expect(try F.evaluate(equals, [F.capture("c", 1, [F.deployment("web-dev", "web")])]).held)
        let wrong = try F.evaluate(equals, [F.capture("c", 1, [F.deployment("web-dev", "web", image: "web:2")])])
        #expect(wrong.statuses == [.failed])
        #expect(wrong[0].actual?["value"] == "web:2")
        #expect(wrong[0].object?.name == "web")
        let replicas = "{id: r, description: d, field: {match: {kind: Deployment}, path: spec.replicas, equals: 1.0}}"
        #expect(try F.evaluate(replicas, [F.capture("c", 1, [F.deployment("web-dev", "web")])]).held)
        let regex = "{id: m, description: d, field: {match: {kind: Deployment}, path: spec.template.spec.containers.0.image, matches: '^web:[0-9]+$'}}"
        #expect(try F.evaluate(regex, [F.capture("c", 1, [F.deployment("web-dev", "web")])]).held)
        #expect(try F.evaluate(regex, [F.capture("c", 1, [F.deployment("web-dev", "web", image: "evil:latest")])]).statuses == [.failed])
        // Nothing to check is a finding unless allowed.
        #expect(try F.evaluate(regex, [F.capture("c", 1, [])]).statuses == [.failed])
    }

    @Test("unchanged: same uid and spec digest as at a named capture")
    func unchanged() throws {
        let yaml = "{id: base, description: d, unchanged: {match: {kind: Deployment, namespace: baseline-dev}, since: before}}"
        let before = F.capture("before", 1, [F.deployment("baseline-dev", "grafana", uid: "g1")])
        var touched = F.deployment("baseline-dev", "grafana", uid: "g1")
        touched.set(["x": "y"], at: ["metadata", "annotations"])  // metadata is not the spec
        #expect(try F.evaluate(yaml, [before, F.capture("after", 2, [touched])]).held)
        let recreated = try F.evaluate(yaml, [before, F.capture("after", 2, [F.deployment("baseline-dev", "grafana", uid: "g2")])])
        #expect(recreated.statuses == [.failed])
        #expect(recreated[0].expected?["uid"] == "g1")
        #expect(recreated[0].actual?["uid"] == "g2")
        let edited = try F.evaluate(yaml, [before, F.capture("after", 2, [F.deployment("baseline-dev", "grafana", uid: "g1", image: "grafana:2")])])
        #expect(edited[0].message.contains("spec changed"))
        let gone = try F.evaluate(yaml, [before, F.capture("after", 2, [])])
        #expect(gone[0].actual?["exists"] == false)
        // Before the named capture exists, nothing is recorded.
        #expect(try F.evaluate(yaml, [F.capture("first", 1, [])]).isEmpty)
    }

    @Test("appStatus: sync, health, revision")
    func appStatus() throws {
        let yaml = "{id: apps, description: d, appStatus: {name: 'core-*', revision: abc1234}}"
        #expect(try F.evaluate(yaml, [F.capture("c", 1, [F.app("core-dev"), F.app("core-prod", project: "prod", destination: "core-prod")])]).held)
        let bad = try F.evaluate(yaml, [F.capture("c", 1, [F.app("core-dev", health: "Progressing"), F.app("core-prod", revision: "fff0000")])])
        #expect(bad.failures.count == 2)
        #expect(bad[0].actual?["health"] == "Progressing")
        #expect(bad[1].message.contains("revision fff0000"))
        #expect(try F.evaluate(yaml, [F.capture("c", 1, [])]).statuses == [.failed])
    }

    @Test("namespaceKept: exists, not Terminating, same uid")
    func namespaceKept() throws {
        let yaml = "{id: ns, description: d, namespaceKept: {names: [feature-store-dev, feature-store-prod], since: before}}"
        let before = F.capture("before", 1, [F.namespace("feature-store-dev", uid: "a"), F.namespace("feature-store-prod", uid: "b")])
        #expect(try F.evaluate(yaml, [before, F.capture("after", 2, [F.namespace("feature-store-dev", uid: "a"), F.namespace("feature-store-prod", uid: "b")])]).held)
        let bad = try F.evaluate(yaml, [before, F.capture("after", 2, [F.namespace("feature-store-dev", uid: "a", phase: "Terminating"), F.namespace("feature-store-prod", uid: "c")])])
        #expect(bad.failures.map { $0.object?.name } == ["feature-store-dev", "feature-store-prod"])
        #expect(bad[0].actual?["phase"] == "Terminating")
        #expect(bad[1].message.contains("re-created"))
        let gone = try F.evaluate(yaml, [before, F.capture("after", 2, [F.namespace("feature-store-dev", uid: "a")])])
        #expect(gone.failures.first?.actual?["exists"] == false)
    }

    @Test("pvcKept: same uid and Bound")
    func pvcKept() throws {
        let yaml = "{id: pvc, description: d, pvcKept: {match: {namespace: baseline-dev, name: 'storage-loki-*'}, since: before}}"
        let before = F.capture("before", 1, [F.pvc("baseline-dev", "storage-loki-0", uid: "v1")])
        #expect(try F.evaluate(yaml, [before, F.capture("after", 2, [F.pvc("baseline-dev", "storage-loki-0", uid: "v1")])]).held)
        let recreated = try F.evaluate(yaml, [before, F.capture("after", 2, [F.pvc("baseline-dev", "storage-loki-0", uid: "v2", phase: "Pending")])])
        #expect(recreated.failures.count == 2)
        #expect(recreated[0].expected?["uid"] == "v1")
        #expect(recreated[1].actual?["phase"] == "Pending")
    }

    @Test("lokiVolume: present per namespace and non-decreasing; a missing sample is an error")
    func lokiVolume() throws {
        let yaml = "{id: logs, description: d, lokiVolume: {namespaces: [airflow-dev, mlflow-dev], nonDecreasing: true}}"
        let first = F.capture("a", 1, [], loki: [F.lines("airflow-dev", 10), F.lines("mlflow-dev", 5)])
        let second = F.capture("b", 2, [], loki: [F.lines("airflow-dev", 12), F.lines("mlflow-dev", 5)])
        #expect(try F.evaluate(yaml, [first, second]).held)
        let lost = try F.evaluate(yaml, [first, F.capture("b", 2, [], loki: [F.lines("airflow-dev", 3), F.lines("mlflow-dev", 0)])])
        #expect(lost.failures.count == 3)  // airflow went down; mlflow is empty and went down
        #expect(lost[0].actual?["lines"] == 3)
        let missing = try F.evaluate(yaml, [F.capture("a", 1, [], loki: [F.lines("airflow-dev", 1)])])
        #expect(missing.statuses == [.error])
        var failed = F.lines("airflow-dev", 0)
        failed.result = nil
        failed.error = "503 Service Unavailable"
        #expect(try F.evaluate(yaml, [F.capture("a", 1, [], loki: [failed, F.lines("mlflow-dev", 1)])]).statuses == [.error])
    }

    @Test("restarts: container restarts and pod replacement per workload")
    func restarts() throws {
        let yaml = "{id: r, description: d, restarts: {match: {namespace: web-dev}, max: 1}}"
        let base = F.capture("a", 1, [F.pod("web-dev", "web-abc-1", uid: "p1", replicaSet: "web-abc", hash: "abc", restarts: 2)])
        let oneMore = F.capture("b", 2, [F.pod("web-dev", "web-abc-1", uid: "p1", replicaSet: "web-abc", hash: "abc", restarts: 3)])
        #expect(try F.evaluate(yaml, [base, oneMore]).held)
        // Replaced (1) and the new pod restarted once (1): 2 > 1.
        let replaced = F.capture("b", 2, [F.pod("web-dev", "web-def-9", uid: "p9", replicaSet: "web-def", hash: "def", restarts: 1)])
        let result = try F.evaluate(yaml, [base, replaced])
        #expect(result.statuses == [.failed])
        #expect(result[0].object?.description == "Deployment/web-dev/web")
        #expect(result[0].actual?["replaced"] == 1)
        #expect(result[0].actual?["restarts"] == 1)
    }

    @Test("envIsolation: destinations, tracking, status.resources and owners")
    func envIsolation() throws {
        let yaml = "{id: iso, description: d, envIsolation: {}}"
        var devConfig = F.object("ConfigMap", "core-dev", "settings")
        devConfig.set("core-dev:/ConfigMap:core-dev/settings", at: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"])
        let clean = [F.app("core-dev"), F.app("core-prod", project: "prod", destination: "core-prod"), devConfig]
        #expect(try F.evaluate(yaml, [F.capture("c", 1, clean)]).held)
        var stolen = F.object("ConfigMap", "core-dev", "stolen")
        stolen.set("core-prod:/ConfigMap:core-dev/stolen", at: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"])
        let dirty = [F.app("sneaky-dev", destination: "core-prod"), F.app("core-prod", project: "prod", destination: "core-prod"), stolen]
        let result = try F.evaluate(yaml, [F.capture("c", 1, dirty)])
        #expect(result.failures.count == 2)
        #expect(result.failures.contains { $0.object?.name == "sneaky-dev" && $0.actual?["destination"] == "core-prod" })
        #expect(result.failures.contains { $0.object?.name == "stolen" && $0.actual?["application"] == "core-prod" })
    }

    @Test("a kind the capture could not list is an error, not a pass")
    func listingError() throws {
        let yaml = "{id: a, description: d, absent: {match: {kind: Application}}}"
        let result = try F.evaluate(yaml, [F.capture("c", 1, [], errors: [ListingError(apiVersion: "argoproj.io/v1alpha1", kind: "Application", message: "403")])])
        #expect(result.statuses == [.error])
    }

    @Test("at: limits the captures; results round-trip through the store record")
    func atAndRecord() throws {
        let yaml = "{id: a, description: d, at: ['after-*'], absent: {match: {kind: Application}}}"
        #expect(try F.evaluate(yaml, [F.capture("before", 1, [F.app("x")])]).isEmpty)
        let result = try F.evaluate(yaml, [F.capture("after-detach", 1, [F.app("x")])])
        #expect(result.statuses == [.failed])
        let record = result[0].record(snapshot: SnapshotID(7), step: 2)
        #expect(Finding(record: record) == result[0])
        #expect(record.status == .failed)
    }
}
