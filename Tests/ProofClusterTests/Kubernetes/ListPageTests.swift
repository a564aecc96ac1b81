import ProofCore
import Testing

@testable import ProofCluster

/// ``ListPage``: items decoded on demand, and versions read without decoding, against the whole-page parse.
@Suite("List pages")
struct ListPageTests {
    static let pods = ResourceType(group: "", version: "v1", name: "pods", kind: "Pod", namespaced: true)

    static let answer = """
        {"kind":"PodList","apiVersion":"v1","metadata":{"resourceVersion":"40","continue":"next"},"items":[
          {"metadata":{"name":"a","namespace":"n1","uid":"u-a","resourceVersion":"11","managedFields":[{"manager":"x"}]},"spec":{}},
          {"kind":"Pod","metadata":{"name":"b","namespace":"n1","uid":"u-b","resourceVersion":"12"}},
          {"kind":"Other","apiVersion":"x/v2","metadata":{"name":"c","uid":"u-c","resourceVersion":"13"}},
          {"kind":7,"apiVersion":"v1","metadata":{"name":"d","uid":"u-d","resourceVersion":"14"}},
          {"metadata":{"name":"e","uid":"","resourceVersion":"15"}},
          {"metadata":{"name":"f","uid":"u-f"}},
          {"metadata":{"uid":"u-g","resourceVersion":"16"}},
          {"metadata":{"name":"h","uid":"u-h","resourceVersion":"17"},"metadata":{"name":"i","uid":"u-i","resourceVersion":"18","namespace":"n\\u0032"}},
          "not an object"
        ]}
        """

    /// The slow path: the item decoded and typed, then its identity, uid and resourceVersion read.
    static func expectedVersion(_ item: JSON) -> ObjectVersion? {
        guard let identity = ObjectIdentity(object: item), let uid = item[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty,
            let resourceVersion = item[path: ["metadata", "resourceVersion"]]?.stringValue, !resourceVersion.isEmpty
        else { return nil }
        return ObjectVersion(identity: identity, uid: uid, resourceVersion: resourceVersion)
    }

    @Test("items decode as the whole answer's items, typed; versions read from bytes match the decoded items")
    func itemsAndVersions() throws {
        let bytes = Array(Self.answer.utf8)
        let scan = try JSON.scanList(bytes)
        #expect(scan.metadata?["continue"]?.stringValue == "next")
        let page = ListPage(type: Self.pods, body: bytes, ranges: try #require(scan.items))
        guard case .array(let whole)? = try JSON(parsing: bytes)["items"] else { Issue.record("no items"); return }
        #expect(page.count == whole.count)
        #expect(try page.items() == whole.map { KubernetesClient.typed($0, as: Self.pods) })
        var versions = 0
        for index in 0..<page.count {
            let expected = Self.expectedVersion(try page.item(index))
            #expect(page.version(index) == expected, "item \(index)")
            if expected != nil { versions += 1 }
        }
        // a, b (typed), c (its own kind), h/i (the last metadata); d has a kind that is not a string: no identity.
        #expect(versions == 4)
        #expect(page.version(7)?.identity == ObjectIdentity(apiVersion: "v1", kind: "Pod", namespace: "n2", name: "i"))
    }

    @Test("typing an item sets apiVersion and kind when either is missing, and keeps an item that has both")
    func typing() {
        #expect(KubernetesClient.typed(["metadata": ["name": "a"]], as: Self.pods) == ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "a"]])
        #expect(KubernetesClient.typed(["kind": "X", "metadata": [:]], as: Self.pods) == ["apiVersion": "v1", "kind": "Pod", "metadata": [:]])
        #expect(KubernetesClient.typed(["kind": "X", "apiVersion": "y/v1"], as: Self.pods) == ["kind": "X", "apiVersion": "y/v1"])
        #expect(KubernetesClient.typed("text", as: Self.pods) == "text")
    }
}
