import ProofCore
@testable import ProofStore
import Testing

@testable import ProofScenario

/// What one list call stored (`Capturer.CallResult`): members counted per namespace, pages kept as they came.
@Suite("A list call's result")
struct CallResultTests {
    static func page(_ namespaces: [String]) -> Capturer.StoredPage {
        var members = SnapshotMembers()
        members.members = namespaces.enumerated().map { index, namespace in
            let identity = ObjectIdentity(apiVersion: "v1", kind: "Pod", namespace: namespace, name: "pod-\(index)")
            return SnapshotMember(
                key: EvidenceDigest.memberKey(identity), identity: identity, uid: nil, resourceVersion: nil,
                digest: String(repeating: "b", count: 64))
        }
        return Capturer.StoredPage(members: members)
    }

    @Test("members are counted in their namespaces, runs and namespaces that come back later alike (cluster-scoped: the empty namespace)")
    func countsPerNamespace() {
        #expect(Capturer.CallResult.counts(of: Self.page(["a", "a", "b", "a", "", "", "c", "c", "c"]).members.members) == ["a": 3, "b": 1, "": 2, "c": 3])
        #expect(Capturer.CallResult.counts(of: Self.page(["x"]).members.members) == ["x": 1])
        #expect(Capturer.CallResult.counts(of: []).isEmpty)
    }

    @Test("pages are kept as they came, their counts added up")
    func pagesKept() {
        var result = Capturer.CallResult()
        result.add(Self.page(["a", "b"]))
        result.add(Self.page(["b", "b"]))
        #expect(result.pages.map(\.members.count) == [2, 2])
        #expect(result.counts == ["a": 1, "b": 3])
        #expect(SnapshotMembers(joining: result.pages).members.map(\.identity.namespace) == ["a", "b", "b", "b"])
    }
}
