import ArgumentParser
import Foundation
import ProofStore
import Testing

@testable import ProofCommands

/// `proof merge`: shards combine into one store, bodies shared, digests still valid, re-merging skips.
@Suite struct MergeTests {
    @Test func shardsMergeWithoutDuplicatingBodiesAndStillVerify() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("fixture.yaml").path
        let a = directory.appendingPathComponent("a.sqlite").path
        let b = directory.appendingPathComponent("b.sqlite").path
        let c = directory.appendingPathComponent("merged/c.sqlite").path
        let runA = try await EvidenceFixture.record(into: try EvidenceStore.open(path: a), scenarioFile: file)
        let runB = try await EvidenceFixture.record(into: try EvidenceStore.open(path: b), scenarioFile: file, redisRemoved: false)
        try await Proof.Merge.parse([a, b, "--into", c]).run()
        let merged = try EvidenceStore.open(path: c)
        #expect(Set(try await merged.runs().map(\.id)) == [runA, runB])
        for run in [runA, runB] { #expect(try await merged.verifyIntegrity(run: run).isEmpty) }
        // Bodies common to both shards (the namespace, the pod) are stored once: the second merge adds only
        // the StatefulSet edited in B.
        let again = try await merged.merge(from: b)
        #expect(again.runsAdded.isEmpty && again.runsSkipped == [runB] && again.newBodies == 0)
        let bodiesA = try await Proof.Merge.referencedBodies(try EvidenceStore.open(path: a))
        let bodiesB = try await Proof.Merge.referencedBodies(try EvidenceStore.open(path: b))
        let bodiesC = try await Proof.Merge.referencedBodies(merged)
        #expect(bodiesC < bodiesA + bodiesB && bodiesC == 4, "A has 3 bodies, B adds the edited StatefulSet")
        #expect(try await Proof.Verify.verify(targets: [], store: merged).problems.isEmpty)
    }

    @Test func badInputExitsTwo() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let target = directory.appendingPathComponent("c.sqlite").path
        #expect(throws: (any Error).self) { try Proof.Merge.parse([directory.appendingPathComponent("nope.sqlite").path, "--into", target]) }
        #expect(throws: (any Error).self) { try Proof.Merge.parse([target, "--into", target]) }
        #expect(throws: (any Error).self) { try Proof.Merge.parse(["--into", target]) }
    }
}
