import ArgumentParser
import Foundation
import ProofCore
import ProofReport
import ProofStore
import Testing

@testable import ProofCommands

/// `proof verify`: a clean store and proof pass; every kind of tampering is found and located.
@Suite struct VerifyTests {
    /// A store with one recorded run and its markdown proof written from the store.
    struct Case {
        var directory: URL
        var db: String
        var proof: String
        var run: RunID
        var store: EvidenceStore
    }

    static func make() async throws -> Case {
        let directory = try EvidenceFixture.directory()
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        let run = try await EvidenceFixture.record(into: store, scenarioFile: directory.appendingPathComponent("fixture.yaml").path)
        let proof = try ProofMarkdown.write(
            try await ProofInput.load(from: store, run: run, databasePath: db), directory: directory.appendingPathComponent("proof").path)
        return Case(directory: directory, db: db, proof: proof, run: run, store: store)
    }

    static func verify(_ targets: [String], db: String) async throws -> [VerifyProblem] {
        try await Proof.Verify.verify(targets: targets, store: try EvidenceStore.open(path: db), databasePath: db).problems
    }

    @Test func aCleanRunAndItsProofVerify() async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        #expect(try await Self.verify([c.proof], db: c.db).isEmpty)
        #expect(try await Self.verify([], db: c.db).isEmpty)
        try await Proof.Verify.parse([c.proof, c.run.rawValue, "--db", c.db, "--quiet"]).run()
    }

    /// A proof is re-rendered in the format its header names: one written in format 1 (before findings were
    /// grouped and text escaped) or format 2 (changes compared by the original noise rules) verifies; a proof
    /// whose `format=` was removed, lowered or is unknown does not.
    @Test func eachProofIsReRenderedInTheFormatItNames() async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        let current = try String(contentsOfFile: c.proof, encoding: .utf8)
        let header = " format=\(ProofFormat.current.rawValue) -->"
        #expect(current.hasPrefix("<!-- proof: ") && current.components(separatedBy: "\n")[0].contains(header))
        let store = try EvidenceStore.open(path: c.db)
        let input = try await ProofInput.load(from: store, run: c.run, databasePath: c.db)
        let old = c.directory.appendingPathComponent("old.md").path
        try ProofMarkdown.render(input, format: .v1).write(toFile: old, atomically: true, encoding: .utf8)
        let two = c.directory.appendingPathComponent("two.md").path
        try ProofMarkdown.render(input, format: .v2).write(toFile: two, atomically: true, encoding: .utf8)
        #expect(try await Self.verify([old, two, c.proof], db: c.db).isEmpty)
        // Claiming format 1 or 2 for a page of the current format is an edit.
        for claimed in [" -->", " format=2 -->"] {
            let stripped = c.directory.appendingPathComponent("stripped.md").path
            try current.replacingOccurrences(of: header, with: claimed).write(toFile: stripped, atomically: true, encoding: .utf8)
            #expect(try await !Self.verify([stripped], db: c.db).isEmpty, "\(claimed)")
        }
        let unknown = c.directory.appendingPathComponent("unknown.md").path
        try current.replacingOccurrences(of: header, with: " format=9 -->").write(toFile: unknown, atomically: true, encoding: .utf8)
        let problems = try await Self.verify([unknown], db: c.db)
        #expect(problems.contains { $0.location == "\(unknown):1" && $0.message.contains("names proof format 9") }, "\(problems)")
    }

    @Test func anEditedProofLineIsReportedWithFileAndLine() async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        var lines = try String(contentsOfFile: c.proof, encoding: .utf8).components(separatedBy: "\n")
        let index = try #require(lines.firstIndex { $0.contains("FAILED") || $0.contains("PASSED") })
        lines[index] = lines[index].replacingOccurrences(of: "PASSED", with: "PASSED (edited)")
        try lines.joined(separator: "\n").write(toFile: c.proof, atomically: true, encoding: .utf8)
        let problems = try await Self.verify([c.proof], db: c.db)
        #expect(problems.contains { $0.location == "\(c.proof):\(index + 1)" && $0.message.contains("(edited)") })
        await #expect(throws: ExitCode(1)) { try await Proof.Verify.parse([c.proof, "--db", c.db, "--quiet"]).run() }
    }

    @Test func anEditedObjectBodyIsReportedByTableAndRow() async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        try EvidenceFixture.sqlite(c.db, """
            DROP TRIGGER objects_append_only_update;
            UPDATE objects SET body = replace(body, '"replicas":1', '"replicas":2') WHERE body LIKE '%"StatefulSet"%';
            """)
        let problems = try await Self.verify([c.run.rawValue], db: c.db)
        #expect(problems.contains { $0.location.hasPrefix("\(c.db): objects digest=") && $0.message.contains("body was edited") })
    }

    @Test func anEditedFindingBreaksTheSeal() async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        try EvidenceFixture.sqlite(c.db, """
            DROP TRIGGER findings_append_only_update;
            UPDATE findings SET status = 'held', message = 'fine' WHERE invariant_id = 'redis-gone';
            """)
        let problems = try await Self.verify([c.run.rawValue], db: c.db)
        #expect(problems.contains { $0.location == "\(c.db): runs id=\(c.run)" && $0.message.contains("seal") })
    }

    @Test func anEditedSnapshotRowAndMembershipAreReported() async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        try EvidenceFixture.sqlite(c.db, """
            DROP TRIGGER snapshots_append_only_update;
            DROP TRIGGER snapshot_pages_append_only_delete;
            UPDATE snapshots SET label = 'renamed' WHERE seq = 1;
            DELETE FROM snapshot_pages WHERE kind = 'Pod' AND snapshot_id = (SELECT id FROM snapshots WHERE seq = 2);
            """)
        let problems = try await Self.verify([c.run.rawValue], db: c.db)
        #expect(problems.contains { $0.location.hasPrefix("\(c.db): snapshots run=\(c.run) seq=1") && $0.message.contains("chain digest") })
        #expect(problems.contains { $0.location.hasPrefix("\(c.db): snapshots run=\(c.run) seq=2") && $0.message.contains("membership was edited") })
    }

    @Test func aMissingCaptureIsReportedInTheStoreAndAtTheProofLineThatQuotesIt() async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        let proofText = try String(contentsOfFile: c.proof, encoding: .utf8)
        let last = try #require(try await c.store.snapshots(run: c.run).last)
        #expect(proofText.contains(last.chainDigest), "the proof quotes each capture's chain digest")
        try EvidenceFixture.sqlite(c.db, """
            DROP TRIGGER snapshots_append_only_delete; DROP TRIGGER snapshot_objects_append_only_delete;
            DROP TRIGGER findings_append_only_delete;
            DELETE FROM findings WHERE snapshot_id = \(last.id);
            DELETE FROM snapshot_objects WHERE snapshot_id = \(last.id);
            DELETE FROM snapshots WHERE id = \(last.id);
            """)
        let problems = try await Self.verify([c.proof], db: c.db)
        let line = proofText.components(separatedBy: "\n").firstIndex { $0.contains(last.chainDigest) }! + 1
        #expect(problems.contains { $0.location == "\(c.proof):\(line)" && $0.message.contains("a capture is missing") })
        #expect(problems.contains { $0.location == "\(c.db): runs id=\(c.run)" && $0.message.contains("seal") })
    }

    /// Schema 4 keeps membership in content-addressed pages: a page edited in place (same members, other
    /// bytes), a reference pointing elsewhere or miscounting, and a missing page are all reported at their
    /// snapshot by `proof verify --db` (none of them changes the members the page decodes to).
    @Test(arguments: ["bytes", "namespace", "count", "missing"])
    func anEditedMembershipPageOrReferenceIsReported(_ edit: String) async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        let page = "(SELECT page_digest FROM snapshot_pages WHERE kind = 'Pod' AND snapshot_id = (SELECT id FROM snapshots WHERE seq = 2))"
        let sql = [
            "bytes": "DROP TRIGGER membership_pages_append_only_update; UPDATE membership_pages SET body = body || ' ' WHERE digest = \(page);",
            "namespace": "DROP TRIGGER snapshot_pages_append_only_update; UPDATE snapshot_pages SET namespace = 'elsewhere' WHERE kind = 'Pod' AND snapshot_id = (SELECT id FROM snapshots WHERE seq = 2);",
            "count": "DROP TRIGGER snapshot_pages_append_only_update; UPDATE snapshot_pages SET member_count = member_count + 1 WHERE kind = 'Pod' AND snapshot_id = (SELECT id FROM snapshots WHERE seq = 2);",
            "missing": "DROP TRIGGER membership_pages_append_only_delete; DELETE FROM membership_pages WHERE digest = \(page);",
        ][edit]!
        try EvidenceFixture.sqlite(c.db, sql)
        let expected = [
            "bytes": "the page was edited", "namespace": "the reference was edited", "count": "the reference was edited",
            "missing": "missing from membership_pages",
        ][edit]!
        let problems = try await Self.verify([], db: c.db)
        #expect(
            problems.contains { $0.location.hasPrefix("\(c.db): snapshots run=\(c.run) seq=2") && $0.message.contains(expected) },
            "\(edit): \(problems)")
        let result = try await ProofProcess.run(["verify", "--db", c.db], in: c.directory)
        #expect(result.status == 1, "\(edit): exit \(String(describing: result.status)) \(result.output) \(result.errors)")
    }

    @Test func badInputExitsTwo() async throws {
        let c = try await Self.make()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        await #expect(throws: ExitCode(2)) { try await Proof.Verify.parse([c.directory.appendingPathComponent("nope.md").path, "--db", c.db]).run() }
        await #expect(throws: ExitCode(2)) { try await Proof.Verify.parse(["NOSUCHRUN", "--db", c.db]).run() }
        await #expect(throws: ExitCode(2)) { try await Proof.Verify.parse(["--db", c.directory.appendingPathComponent("missing.sqlite").path]).run() }
    }
}
