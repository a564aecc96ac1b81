import ProofCluster
import Testing

@testable import ProofScenario

/// The order a capture starts its list calls in: the usually longest lists first, the rest as configured.
@Suite("Capture call order")
struct CaptureOrderTests {
    static func call(_ group: String, _ kind: String, namespace: String? = nil) -> Capturer.ListCall {
        Capturer.ListCall(
            type: ResourceType(group: group, version: "v1", name: kind.lowercased() + "s", kind: kind, namespaced: true), namespace: namespace)
    }

    @Test("Events, Pods and ReplicaSets start first, in that order; every other call keeps its place relative to the others")
    func longestFirst() {
        let calls = [
            Self.call("", "Namespace"), Self.call("apps", "Deployment"), Self.call("apps", "ReplicaSet"), Self.call("", "Pod", namespace: "a"),
            Self.call("", "Service"), Self.call("", "Pod", namespace: "b"), Self.call("", "Event"), Self.call("example.com", "Event"),
            Self.call("events.k8s.io", "Event"), Self.call("argoproj.io", "Application"),
        ]
        let ordered = Capturer.longestFirst(calls).map { "\($0.type.group)/\($0.type.kind)\($0.namespace.map { ":" + $0 } ?? "")" }
        #expect(
            ordered == [
                "/Event", "events.k8s.io/Event", "/Pod:a", "/Pod:b", "apps/ReplicaSet", "/Namespace", "apps/Deployment", "/Service",
                "example.com/Event", "argoproj.io/Application",
            ])
        #expect(Capturer.longestFirst([]).isEmpty)
    }
}
