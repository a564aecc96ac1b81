import ProofCore
import ProofScenario
import ProofStore
import Testing

/// Captures keep what invariants derive from their objects (selections, spec digests, envIsolation's facts) and
/// share it between copies, as the replayer shares one capture across runs: the results must be those of a
/// fresh evaluation, whatever was evaluated on the capture before.
@Suite("Invariant evaluation on shared captures")
struct InvariantMemoTests {
    typealias F = Fixture

    static func evaluate(_ yaml: String, _ current: CapturedState, earlier: [CapturedState] = []) throws -> [Finding] {
        InvariantEvaluator.evaluate([try F.spec(yaml)], in: EvaluationContext(current: current, earlier: earlier))
    }

    static func tracked(_ name: String, by app: String? = nil, instance: String? = nil, owner: String? = nil) -> JSON {
        var object = F.object("ConfigMap", "core-dev", name)
        if let app { object.set(.string("\(app):/ConfigMap:core-dev/\(name)"), at: ["metadata", "annotations", "argocd.argoproj.io/tracking-id"]) }
        if let instance { object.set(.string(instance), at: ["metadata", "labels", "app.kubernetes.io/instance"]) }
        if let owner { object.set([["apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "name": .string(owner)]], at: ["metadata", "ownerReferences"]) }
        return object
    }

    @Test("envIsolation: violations in order, once per object and app, the same on a copy; other environments get their own answer")
    func envIsolation() throws {
        let prodApp = F.app("core-prod", project: "prod", destination: "core-prod", resources: [
            ["group": "", "version": "v1", "kind": "ConfigMap", "namespace": "core-prod", "name": "fine"],
            ["group": "", "version": "v1", "kind": "ConfigMap", "namespace": "core-dev", "name": "listed"],
        ])
        let objects = [
            F.app("core-dev"), prodApp,
            Self.tracked("listed", by: "core-prod"),  // already reported through status.resources
            Self.tracked("a", by: "core-prod", instance: "core-prod"),  // one report (tracking-id first)
            Self.tracked("b", owner: "core-prod"),
            Self.tracked("c", instance: "not-an-app"),
            Self.tracked("d", by: "core-dev", instance: "core-dev"),
        ]
        let capture = F.capture("c", 1, objects)
        let yaml = "{id: iso, description: d, envIsolation: {}}"
        let result = try Self.evaluate(yaml, capture)
        #expect(result.failures.map { $0.object?.name ?? "" } == ["listed", "a", "b"])
        #expect(result.failures.map { $0.actual?["via"]?.stringValue ?? "" } == [
            "listed in status.resources of", "tracked (tracking-id) by", "owned by",
        ])
        #expect(result.allSatisfy { $0.actual?["application"] == "core-prod" })

        var copy = capture
        copy.label = "again"
        let again = try Self.evaluate(yaml, copy)
        #expect(again.map(\.message) == result.map(\.message))
        #expect(again.map(\.object) == result.map(\.object))
        #expect(again.first?.evidence?["capture"] == "again")

        // Other environments on the same capture: prod's namespaces are now "core-*" too (first match is dev).
        let other = "{id: iso2, description: d, envIsolation: {environments: [{project: dev, namespaces: 'core-*'}, {project: prod, namespaces: 'none-*'}]}}"
        let otherResult = try Self.evaluate(other, capture)
        #expect(otherResult.failures.contains { $0.object?.name == "core-prod" && $0.actual?["destination"] == "core-prod" })
        #expect(otherResult.failures.map { $0.object?.name ?? "" } == ["core-prod", "fine", "listed", "a", "b"])
        #expect(try Self.evaluate(yaml, capture).map(\.message) == result.map(\.message))
    }

    @Test("unchanged: one since capture judged at several later ones, each on its own objects")
    func unchanged() throws {
        let yaml = "{id: base, description: d, unchanged: {match: {kind: Deployment, namespace: baseline-dev}, since: before}}"
        let old = F.deployment("baseline-dev", "grafana", uid: "g1")
        let before = F.capture("before", 1, [old, F.deployment("other-dev", "x")])
        let same = F.capture("same", 2, [F.deployment("baseline-dev", "grafana", uid: "g1")])
        let edited = F.deployment("baseline-dev", "grafana", uid: "g1", image: "grafana:2")
        let changed = F.capture("changed", 3, [edited])
        #expect(try Self.evaluate(yaml, same, earlier: [before]).held)
        let failed = try Self.evaluate(yaml, changed, earlier: [before, same])
        #expect(failed.statuses == [.failed])
        #expect(failed[0].expected?["specDigest"]?.stringValue == UnchangedInvariant.specDigest(old))
        #expect(failed[0].actual?["specDigest"]?.stringValue == UnchangedInvariant.specDigest(edited))
        #expect(failed[0].evidence?["sinceDigest"]?.stringValue == old.digest)
        #expect(failed[0].evidence?["digest"]?.stringValue == edited.digest)
        #expect(try Self.evaluate(yaml, same, earlier: [before]).held)
        let gone = try Self.evaluate(yaml, F.capture("gone", 4, []), earlier: [before])
        #expect(gone[0].evidence?["sinceDigest"]?.stringValue == old.digest)
    }

    @Test("objects(matching:) per selection, the same on copies")
    func selections() {
        let capture = F.capture("c", 1, [
            F.object("ConfigMap", "b-dev", "z"), F.object("ConfigMap", "a-dev", "y"), F.object("ConfigMap", "a-prod", "x"),
            F.object("Secret", "a-dev", "s"),
        ])
        let dev = ObjectMatch(kind: "ConfigMap", namespace: "*-dev")
        let all = ObjectMatch(kind: "ConfigMap")
        #expect(capture.objects(matching: dev).map(\.description) == [capture.objects[1], capture.objects[0]].map(\.description))
        #expect(capture.objects(matching: all).count == 3)
        var copy = capture
        copy.label = "other"
        #expect(copy.objects(matching: dev) == capture.objects(matching: dev))
        #expect(copy.objects(matching: ObjectMatch(kind: "ConfigMap", name: "x")).count == 1)
        #expect(capture.objects(matching: ObjectMatch(kind: "Secret")).count == 1)
    }

    @Test("lokiVolume sample templates: none, one, several placeholders, non-ASCII text", arguments: [
        ("lines-{namespace}", "lines-airflow-dev"), ("{namespace}", "airflow-dev"), ("fixed", "fixed"),
        ("{namespace}/{namespace}", "airflow-dev/airflow-dev"), ("x{namespace", "x{namespace"), ("{{namespace}}", "{airflow-dev}"),
        ("zeilen-{namespace}-größe", "zeilen-airflow-dev-größe"), ("é{namespace}", "éairflow-dev"),
    ])
    func lokiSampleNames(template: String, expected: String) throws {
        let sample = LokiSample(name: expected, query: "q", result: ["resultType": "vector", "result": [["metric": [:], "value": [1, "7"]]]])
        let yaml = "{id: logs, description: d, lokiVolume: {namespaces: [airflow-dev], sample: '\(template)'}}"
        let result = try Self.evaluate(yaml, F.capture("c", 1, [], loki: [sample]))
        #expect(result.held, "\(template) → \(result.map(\.message))")
        #expect(result.first?.actual?["airflow-dev"] == 7)
    }

    @Test("present: held evidence digests every matched body, also on a copy of the capture")
    func presentEvidence() throws {
        let objects = (1...3).map { F.object("StatefulSet", "feature-store-dev", "redis-\($0)", apiVersion: "apps/v1") }
        let capture = F.capture("c", 1, objects + [F.object("StatefulSet", "other", "redis")])
        let yaml = "{id: redis, description: d, present: {match: {kind: StatefulSet, namespace: 'feature-store-*'}, min: 2}}"
        let expected: JSON = ["objects": .object(Dictionary(uniqueKeysWithValues: objects.map {
            (ObjectIdentity(object: $0)!.description, JSON.string($0.digest))
        }))]
        let result = try Self.evaluate(yaml, capture)
        #expect(result.held)
        #expect(result[0].evidence?["objects"] == expected["objects"])
        var copy = capture
        copy.label = "again"
        #expect(try Self.evaluate(yaml, copy)[0].evidence?["objects"] == expected["objects"])
    }
}
