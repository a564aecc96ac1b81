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

    /// `proof merge` across the membership change (schema 4): the committed schema-3 store
    /// (`Tests/Fixtures/stores/schema3.sqlite`, per-object rows) into a schema-4 store (pages), and that
    /// store back into another copy of the schema-3 one; every run verifies and reads the same members after
    /// both, and the old run still replays.
    @Test func aSchemaThreeStoreMergesIntoASchemaFourStoreAndBack() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try Self.copy("schema3.sqlite", into: directory, as: "old.sqlite")
        let oldAgain = try Self.copy("schema3.sqlite", into: directory, as: "old-again.sqlite")
        let reader = try EvidenceStore.open(path: old, access: .readOnly)
        try #require(try await reader.schemaVersion() == 3)
        var members: [String: [StoredObject]] = [:]
        for run in try await reader.runs() {
            for snapshot in try await reader.snapshots(run: run.id) {
                members["\(run.id)#\(snapshot.sequence)"] = try await reader.objects(snapshot: snapshot.id)
            }
        }
        let oldRuns = Set(try await reader.runs().map(\.id))
        let new = directory.appendingPathComponent("new.sqlite").path
        let newRun = try await EvidenceFixture.record(into: try EvidenceStore.open(path: new), scenarioFile: directory.appendingPathComponent("fixture.yaml").path)
        let newStore = try EvidenceStore.open(path: new)
        for snapshot in try await newStore.snapshots(run: newRun) {
            members["\(newRun)#\(snapshot.sequence)"] = try await newStore.objects(snapshot: snapshot.id)
        }

        try await Proof.Merge.parse([old, "--into", new]).run()
        try await Proof.Merge.parse([new, "--into", oldAgain]).run()
        for path in [new, oldAgain] {
            let store = try EvidenceStore.open(path: path)
            #expect(try await store.schemaVersion() == 5)
            #expect(Set(try await store.runs().map(\.id)) == oldRuns.union([newRun]))
            #expect(try await Proof.Verify.verify(targets: [], store: store).problems.isEmpty, "\(path) verifies")
            var read: [String: [StoredObject]] = [:]
            for run in try await store.runs() {
                for snapshot in try await store.snapshots(run: run.id) {
                    read["\(run.id)#\(snapshot.sequence)"] = try await store.objects(snapshot: snapshot.id)
                }
            }
            #expect(read == members, "\(path): every snapshot reads the members it was written with")
        }
        // The schema-3 scenario run (the other old run is a bare capture, with nothing to re-judge) and the new run.
        for run in ["01M941WPNJM3DT8TVS8ZRS8DQF", newRun.rawValue] {
            #expect(try await Proof.Replay.parse([run, "--db", new, "--quiet"]).execute() == 0, "run \(run) replays to its recorded verdict")
        }
    }

    /// The committed schema-4 store (`Tests/Fixtures/stores/schema4.sqlite`: zlib blobs, made before LZ4) as a
    /// user's file: its recorded run replays as it is; a run merged into it migrates it to schema 5, and then the
    /// old and the merged runs verify and replay there (LZ4 beside zlib bodies: `BodyCodecTests`).
    @Test func aSchemaFourStoreVerifiesReplaysAndTakesAMergedRun() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let old = try Self.copy("schema4.sqlite", into: directory, as: "old.sqlite")
        try #require(try await EvidenceStore.open(path: old, access: .readOnly).schemaVersion() == 4)
        let podRestart = "01M954MAVJB51ZTQV803YMF8JY"
        #expect(try await Proof.Replay.parse([podRestart, "--db", old, "--quiet"]).execute() == 0, "the schema-4 pod-restart run replays")
        let new = directory.appendingPathComponent("new.sqlite").path
        let newRun = try await EvidenceFixture.record(into: try EvidenceStore.open(path: new), scenarioFile: directory.appendingPathComponent("fixture.yaml").path)
        try await Proof.Merge.parse([new, "--into", old]).run()
        let store = try EvidenceStore.open(path: old)
        #expect(try await store.schemaVersion() == 5)
        #expect(try await Proof.Verify.verify(targets: [], store: store).problems.isEmpty, "old and merged runs verify")
        for run in [podRestart, newRun.rawValue] {
            #expect(try await Proof.Replay.parse([run, "--db", old, "--quiet"]).execute() == 0, "run \(run) replays to its recorded verdict")
        }
    }

    /// The path of a copy of the committed store `Tests/Fixtures/stores/<name>` in `directory`, named `file`.
    static func copy(_ name: String, into directory: URL, as file: String) throws -> String {
        let fixture = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/stores/\(name)").path
        let path = directory.appendingPathComponent(file).path
        try FileManager.default.copyItem(atPath: fixture, toPath: path)
        return path
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
