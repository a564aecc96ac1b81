import Foundation
import ProofCore
import ProofReport
import ProofScenario
import Testing

/// The noise rules for what a real server rewrites on its own (`ServerChurn`, `DiffNoise` revision
/// `serverChurn`, `UnchangedInvariant.specDigest`), on real objects where the corpus has them (an Argo CD
/// Application with its managedFields, an EKS Pod) and on the API's shapes otherwise (Event, Lease, Node): the
/// churn is no change to `proof diff` nor to `unchanged`, and a real change still is. The same rules against
/// the live embedded cluster: `ProofScenarioTests/Capture/ServerChurnCaptureTests`.
@Suite struct ServerChurnTests {
    /// The store's normalisation (drops managedFields, redacts), as every capture path applies it.
    static let redaction = Redaction(salt: Array(repeating: 7, count: 32))

    static func corpus(_ path: String) throws -> JSON {
        let file = path.hasPrefix("argocd/")
            ? RunTests.path("Tests/ProofSimTests/Fixtures/corpus/" + path) : RunTests.path("Tests/Fixtures/corpus/" + path)
        let text = try String(contentsOfFile: file, encoding: .utf8)
        return file.hasSuffix(".json") ? try JSON(parsing: Array(text.utf8)) : try YAML.decode(text, file: file)
    }

    /// Whether two versions of one object are the same to `proof diff` (latest rules) and to `unchanged`.
    /// `[the diff is empty, the spec digests are equal]`.
    static func same(_ before: JSON, _ after: JSON) -> [Bool] {
        [EvidenceDiff.compare([before], [after]).isEmpty, UnchangedInvariant.specDigest(before) == UnchangedInvariant.specDigest(after)]
    }

    @Test func aRealApplicationReReconciledIsNoChangeButANewTargetRevisionIs() throws {
        let raw = try Self.corpus("argocd/app-of-apps-parent-synced-healthy-managedfields-artui.json")
        try #require(raw[path: ["metadata", "managedFields"]]?.arrayValue?.count == 3 && raw[path: ["status", "reconciledAt"]] != nil)
        // What the controller writes on its own three minutes later: a new reconciledAt, a new resourceVersion,
        // its managedFields entry re-stamped.
        var later = raw
        later.set("2022-02-14T18:20:04Z", at: ["status", "reconciledAt"])
        later.set("1394999", at: ["metadata", "resourceVersion"])
        var managers = try #require(raw[path: ["metadata", "managedFields"]]?.arrayValue)
        managers[1].set("2022-02-14T18:20:04Z", at: ["time"])
        later.set(.array(managers), at: ["metadata", "managedFields"])
        let before = Self.redaction.normalize(raw), after = Self.redaction.normalize(later)
        #expect(before[path: ["metadata", "managedFields"]] == nil && after[path: ["metadata", "managedFields"]] == nil, "dropped before hashing")
        #expect(before.digest != after.digest, "the stored bodies do differ")
        #expect(Self.same(before, after) == [true, true])
        let original = EvidenceDiff.compare([before], [after], noise: DiffNoise(rules: .original))
        #expect(original.changed.first?.fields.map(\.path) == ["status.reconciledAt"], "the original rules showed it")

        var moved = after
        moved.set("v2.0.0", at: ["spec", "source", "targetRevision"])
        let diff = EvidenceDiff.compare([before], [moved])
        #expect(diff.changed.first?.fields.map(\.path) == ["spec.source.targetRevision"], "\(diff.renderText(before: "a", after: "b"))")
        #expect(Self.same(before, moved)[1] == false)
    }

    @Test func aPodWithoutGenerateNameReplacedByItsReplicaSetIsTheSameLogicalPod() throws {
        // The EKS pod as the embedded cluster writes pods (named after their ReplicaSet, no generateName).
        var pod = try Self.corpus("kube/pod-running-eks-kubectl-get-yaml.yaml")
        pod.set(nil, at: ["metadata", "generateName"])
        var replaced = pod
        replaced.set("robusta-runner-6958c5bdd8-x7q2m", at: ["metadata", "name"])
        replaced.set("0c4d8a0e-50ad-4a49-9a55-5b0d3f6f0d11", at: ["metadata", "uid"])
        replaced.set("172.31.25.9", at: ["status", "podIP"])
        let diff = EvidenceDiff.compare([pod], [replaced])
        #expect(diff.added.isEmpty && diff.removed.isEmpty, "\(diff.renderText(before: "a", after: "b"))")
        #expect(diff.changed.first?.identity.name == "robusta-runner-*-*")
        #expect(diff.changed.first?.fields.map(\.path) == ["metadata.uid", "status.podIP"])
        // The original rules kept the random suffix when the owner's name holds the pod-template hash.
        let original = EvidenceDiff.compare([pod], [replaced], noise: DiffNoise(rules: .original))
        #expect(original.added.count == 1 && original.removed.count == 1)
        // A container restart is a change.
        var statuses = try #require(pod[path: ["status", "containerStatuses"]]?.arrayValue)
        statuses[0].set(1, at: ["restartCount"])
        var restarted = pod
        restarted.set(.array(statuses), at: ["status", "containerStatuses"])
        #expect(EvidenceDiff.compare([pod], [restarted]).changed.first?.fields.map(\.path) == ["status.containerStatuses[name=runner].restartCount"])
    }

    @Test func eventsCountingUpLeasesRenewingAndNodesHeartbeatingAreNoChange() {
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event",
            "metadata": ["name": "loki-0.17f2a3b4c5d6e7f8", "namespace": "baseline-dev", "resourceVersion": "100"],
            "involvedObject": ["kind": "Pod", "namespace": "baseline-dev", "name": "loki-0", "uid": "u-1"],
            "reason": "BackOff", "message": "Back-off restarting failed container loki", "type": "Warning",
            "source": ["component": "kubelet", "host": "node-1"], "reportingComponent": "kubelet", "reportingInstance": "node-1",
            "firstTimestamp": "2026-12-05T10:00:00Z", "lastTimestamp": "2026-12-05T10:00:00Z", "count": 1, "eventTime": nil,
        ]
        var again = event
        again.set(5, at: ["count"])
        again.set("2026-12-05T10:04:00Z", at: ["lastTimestamp"])
        again.set("180", at: ["metadata", "resourceVersion"])
        #expect(Self.same(event, again) == [true, true])
        var other = event
        other.set("Back-off pulling image loki:3", at: ["message"])
        #expect(Self.same(event, other) == [false, false], "a different event is a change")

        let seriesEvent: JSON = [
            "apiVersion": "events.k8s.io/v1", "kind": "Event", "metadata": ["name": "e", "namespace": "default"],
            "eventTime": "2026-12-05T10:00:00.000000Z", "reason": "Unhealthy", "note": "Readiness probe failed", "type": "Warning",
            "regarding": ["kind": "Pod", "name": "web"], "reportingController": "kubelet", "reportingInstance": "node-1", "action": "Probe",
            "series": ["count": 2, "lastObservedTime": "2026-12-05T10:00:30.000000Z"],
        ]
        var seriesAgain = seriesEvent
        seriesAgain.set(["count": 9, "lastObservedTime": "2026-12-05T10:03:30.000000Z"], at: ["series"])
        #expect(Self.same(seriesEvent, seriesAgain) == [true, true])

        let lease: JSON = [
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": ["name": "node-1", "namespace": "kube-node-lease", "resourceVersion": "50"],
            "spec": ["holderIdentity": "node-1", "leaseDurationSeconds": 40, "renewTime": "2026-12-05T10:00:00.123456Z"],
        ]
        var renewed = lease
        renewed.set("2026-12-05T10:00:10.123999Z", at: ["spec", "renewTime"])
        renewed.set("51", at: ["metadata", "resourceVersion"])
        #expect(Self.same(lease, renewed) == [true, true])
        var taken = renewed
        taken.set("node-2", at: ["spec", "holderIdentity"])
        #expect(Self.same(lease, taken) == [false, false], "a new holder is a change")

        let node: JSON = [
            "apiVersion": "v1", "kind": "Node", "metadata": ["name": "node-1", "resourceVersion": "9"],
            "spec": ["podCIDR": "10.244.0.0/24"],
            "status": ["conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady",
                "lastHeartbeatTime": "2026-12-05T10:00:00Z", "lastTransitionTime": "2026-12-05T09:00:00Z"]]],
        ]
        var beat = node
        beat.set([["type": "Ready", "status": "True", "reason": "KubeletReady",
            "lastHeartbeatTime": "2026-12-05T10:00:40Z", "lastTransitionTime": "2026-12-05T09:00:00Z"]], at: ["status", "conditions"])
        #expect(Self.same(node, beat) == [true, true])
        var notReady = beat
        notReady.set([["type": "Ready", "status": "False", "reason": "KubeletNotReady",
            "lastHeartbeatTime": "2026-12-05T10:00:40Z", "lastTransitionTime": "2026-12-05T10:00:40Z"]], at: ["status", "conditions"])
        #expect(Self.same(node, notReady)[0] == false, "a node going NotReady is a change")

        let endpoints: JSON = [
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": "loki", "namespace": "baseline-dev", "annotations": .object([ServerChurn.endpointsTriggerAnnotation: "2026-12-05T10:00:00Z"])],
            "subsets": [["addresses": [["ip": "10.244.0.7"]], "ports": [["port": 3100, "protocol": "TCP"]]]],
        ]
        var triggered = endpoints
        triggered.set("2026-12-05T10:05:00Z", at: ["metadata", "annotations", ServerChurn.endpointsTriggerAnnotation])
        #expect(Self.same(endpoints, triggered) == [true, true])
    }

    @Test func strippingRemovesOnlyWhatIsThere() {
        let deployment: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "web"], "spec": ["replicas": 1]]
        #expect(ServerChurn.strip(deployment) == deployment)
        let annotated: JSON = ["apiVersion": "v1", "kind": "Endpoints", "metadata": ["name": "a", "annotations": [:]]]
        #expect(ServerChurn.strip(annotated) == annotated, "an empty map the object had stays")
    }
}
