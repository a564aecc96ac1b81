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

    @Test("an item that is not JSON: the split passes it, reading it throws the whole answer's error, the others read")
    func damagedItem() throws {
        // Item 1's string holds a raw control character (a tab), which the parser refuses and the split does not see.
        let bytes = Array(#"{"kind":"PodList","metadata":{},"items":[{"metadata":{"name":"a","uid":"u-a","resourceVersion":"1"}},{"metadata":{"name":"b\#tc","uid":"u-b","resourceVersion":"2"}}]}"#.utf8)
        let whole: JSONParseError
        do {
            _ = try JSON.scanList(bytes)
            Issue.record("the scan passed a control character")
            return
        } catch { whole = error }
        #expect(whole.message == "control character in string")
        let split = try JSON.splitList(bytes)
        let ranges = try #require(split.items)
        #expect(ranges.count == 2)
        let source = ListPage.Source(method: "GET", url: "https://example.test/api/v1/pods?limit=500", status: 200)
        let page = ListPage(type: Self.pods, body: bytes, ranges: ranges, source: source)
        #expect(try page.item(0)[path: "metadata", "name"] == "a")
        #expect(page.version(0) != nil)
        #expect(page.version(1) == nil)
        #expect(page.canonical(1, redaction: Redaction(salt: Array(repeating: 1, count: 16))) == nil)
        do {
            _ = try page.item(1)
            Issue.record("a damaged item was decoded")
        } catch let error as ClusterError {
            // The position is the answer's, as the client reported when it checked whole pages.
            #expect(error.kind == .protocolViolation)
            #expect(error.message == "the answer is not JSON: \(whole)")
            #expect(error.url == source.url)
            #expect(whole.offset > ranges[1].lowerBound)
        }
        // Without a request behind it (a page made by hand), the parse error itself, at the answer's position.
        let bare = ListPage(type: Self.pods, body: bytes, ranges: ranges)
        #expect(throws: whole) { try bare.item(1) }
    }

    @Test("an answer the split cannot pass is refused with the parser's error for the whole answer")
    func splitFailureReportsTheParsersError() throws {
        let client = KubernetesClient(config: ClusterConfig(server: "https://example.test", tls: TLSOptions(), authentication: .none))
        // An item without its end: the split runs out of input, the parser says where the array went wrong.
        for text in [#"{"items":[{"a":"b"}"#, #"{"items":[{"a":"b\"}]}"#, #"{"metadata":{"x":tru},"items":[]}"#] {
            let bytes = Array(text.utf8)
            let response = HTTPResponse(status: 200, headers: [], body: bytes)
            var expected: JSONParseError?
            do { _ = try JSON.scanList(bytes) } catch { expected = error }
            let whole = try #require(expected, "\(text)")
            let error = #expect(throws: ClusterError.self) { _ = try client.scanList(response, method: "GET", path: "/api/v1/pods", query: []) }
            #expect(error?.kind == .protocolViolation)
            #expect(error?.message == "the answer is not JSON: \(whole)", "\(text)")
        }
    }

    @Test("typing an item sets apiVersion and kind when either is missing, and keeps an item that has both")
    func typing() {
        #expect(KubernetesClient.typed(["metadata": ["name": "a"]], as: Self.pods) == ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "a"]])
        #expect(KubernetesClient.typed(["kind": "X", "metadata": [:]], as: Self.pods) == ["apiVersion": "v1", "kind": "Pod", "metadata": [:]])
        #expect(KubernetesClient.typed(["kind": "X", "apiVersion": "y/v1"], as: Self.pods) == ["kind": "X", "apiVersion": "y/v1"])
        #expect(KubernetesClient.typed("text", as: Self.pods) == "text")
    }
}
