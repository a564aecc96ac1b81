import ProofCore
import Testing

@testable import ProofStore

/// A capture's pages of members joined once into the snapshot's membership (`SnapshotMembers(joining:)`).
@Suite("Joining pages of members")
struct SnapshotMembersTests {
    static func member(_ name: String, namespace: String = "ml") -> SnapshotMember {
        let identity = ObjectIdentity(apiVersion: "v1", kind: "Pod", namespace: namespace, name: name)
        return SnapshotMember(
            key: EvidenceDigest.memberKey(identity), identity: identity, uid: "uid-" + name, resourceVersion: "7",
            digest: String(repeating: "a", count: 64))
    }

    static func page(_ names: [String], newBodies: Int, newBytes: Int) -> SnapshotMembers {
        var page = SnapshotMembers()
        page.members = names.map { member($0) }
        page.newBodies = newBodies
        page.newBytes = newBytes
        return page
    }

    @Test("every page's members in page order, then their order within the page; the counts summed; an empty page adds nothing")
    func joinsInOrder() {
        let joined = SnapshotMembers(joining: [
            Self.page(["a", "b"], newBodies: 2, newBytes: 100), Self.page([], newBodies: 0, newBytes: 0),
            Self.page(["c"], newBodies: 1, newBytes: 40), Self.page(["d", "e"], newBodies: 0, newBytes: 0),
        ])
        #expect(joined.members.map(\.identity.name) == ["a", "b", "c", "d", "e"])
        #expect(joined.members == ["a", "b", "c", "d", "e"].map { Self.member($0) })
        #expect(joined.newBodies == 3 && joined.newBytes == 140)
    }

    @Test("pages the caller still holds keep their members (they are copied before they are moved)")
    func sharedPagesKeepTheirMembers() {
        let pages = [Self.page(["a", "b"], newBodies: 2, newBytes: 100), Self.page(["c"], newBodies: 1, newBytes: 40)]
        let joined = SnapshotMembers(joining: pages)
        #expect(joined.members == ["a", "b", "c"].map { Self.member($0) })
        #expect(pages[0].members == ["a", "b"].map { Self.member($0) } && pages[1].members == [Self.member("c")])
        // A part marked shared is copied, and the same comes out.
        var marked = pages
        marked[1].shared = true
        #expect(SnapshotMembers(joining: marked).members == joined.members)
        // And many members, across many pages, in order.
        let many = (0..<50).map { page in Self.page((0..<(page % 7)).map { "m\(page)-\($0)" }, newBodies: page, newBytes: 1) }
        let all = SnapshotMembers(joining: many)
        #expect(all.members.map(\.identity.name) == many.flatMap { $0.members.map(\.identity.name) })
        #expect(all.newBodies == (0..<50).reduce(0, +) && all.newBytes == 50)
    }

    @Test("one page is the membership as it is; no pages, none")
    func oneOrNone() {
        let one = SnapshotMembers(joining: [Self.page(["x", "y"], newBodies: 1, newBytes: 9)])
        #expect(one.members.map(\.identity.name) == ["x", "y"] && one.newBodies == 1 && one.newBytes == 9)
        let none = SnapshotMembers(joining: [])
        #expect(none.members.isEmpty && none.newBodies == 0 && none.newBytes == 0)
    }
}
