import Foundation
import ProofCluster
import ProofReport
import ProofScenario
import ProofSim
import ProofStore
import Testing

@testable import ProofCommands

#if canImport(Glibc)
    import Glibc
#endif

/// The evidence commands against stores as reviewers and CI get them: read-only files in read-only folders
/// opened by another user, stores moved elsewhere, and stores edited to hide how a run ended.
@Suite(.serialized) struct ReadOnlyEvidenceTests {
    /// A store with two recorded runs and the markdown proof of the first, the store handle released.
    static func recorded() async throws -> (directory: URL, db: String, proof: String, runs: [RunID]) {
        let directory = try EvidenceFixture.directory()
        let db = directory.appendingPathComponent("e.sqlite").path
        let scenario = directory.appendingPathComponent("fixture.yaml").path
        var runs: [RunID] = []
        let proof: String
        do {
            let store = try EvidenceStore.open(path: db)
            runs.append(try await EvidenceFixture.record(into: store, scenarioFile: scenario))
            runs.append(try await EvidenceFixture.record(into: store, scenarioFile: scenario))
            proof = try ProofMarkdown.write(
                try await ProofInput.load(from: store, run: runs[0], databasePath: db), directory: directory.appendingPathComponent("proof").path)
        }
        return (directory, db, proof, runs)
    }

    /// The `setpriv` prefix that runs a command as `nobody` (root ignores file modes), or none when this
    /// process is not root and the modes already apply to it.
    static func asNobody() throws -> [String] {
        guard getuid() == 0 else { return [] }
        try #require(FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv"), "setpriv is needed to drop root for the read-only test")
        return ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]
    }

    /// show, replay, diff and verify on `db`, each with the exit code it must give.
    static func readEverything(db: String, proof: String, runs: [RunID], in directory: URL, asUser prefix: [String] = []) async throws {
        let commands: [[String]] = [
            ["show", "--db", db], ["show", runs[0].rawValue, "--db", db], ["replay", "--all", "--db", db],
            ["diff", runs[0].rawValue, runs[1].rawValue, "--db", db], ["verify", "--db", db], ["verify", proof, "--db", db],
        ]
        for command in commands {
            let result = try await ProofProcess.run(command, in: directory, asUser: prefix)
            #expect(result.status == 0, "proof \(command.joined(separator: " ")): exit \(String(describing: result.status)) \(result.errors) \(result.output)")
        }
    }

    /// `emptyWAL`: the artifact also holds an empty `-wal` file (copied along with the store).
    @Test(arguments: [false, true])
    func aReadOnlyStoreInAReadOnlyFolderWorksForAnotherUserAndIsNeverChanged(emptyWAL: Bool) async throws {
        let c = try await Self.recorded()
        defer {
            chmod(c.directory.appendingPathComponent("ro").path, 0o755)
            try? FileManager.default.removeItem(at: c.directory)
        }
        let folder = c.directory.appendingPathComponent("ro")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let db = folder.appendingPathComponent("evidence.sqlite").path
        try FileManager.default.copyItem(atPath: c.db, toPath: db)
        if emptyWAL { _ = FileManager.default.createFile(atPath: db + "-wal", contents: Data()) }
        chmod(db, 0o444)
        chmod(folder.path, 0o555)
        let before = try FileState(db)
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path)
        try await Self.readEverything(db: db, proof: c.proof, runs: c.runs, in: c.directory, asUser: try Self.asNobody())
        #expect(try FileState(db) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == files)
    }

    @Test func readingAWritableStoreNeverChangesTheFile() async throws {
        let c = try await Self.recorded()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        let before = try FileState(c.db)
        try await Self.readEverything(db: c.db, proof: c.proof, runs: c.runs, in: c.directory)
        #expect(try FileState(c.db) == before)
    }

    @Test func aMovedStoreVerifiesClean() async throws {
        let c = try await Self.recorded()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        let elsewhere = c.directory.appendingPathComponent("downloads/artifact")
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        let moved = elsewhere.appendingPathComponent("evidence.sqlite").path
        try FileManager.default.moveItem(atPath: c.db, toPath: moved)
        let result = try await ProofProcess.run(["verify", c.proof, "--db", moved], in: c.directory)
        #expect(result.status == 0, "\(result.output)")
        // Spelled relative to the working directory, too.
        let relative = try await ProofProcess.run(["verify", c.proof, "--db", "downloads/./artifact/evidence.sqlite"], in: c.directory)
        #expect(relative.status == 0, "\(relative.output)")
    }

    /// A store written before `run_closings` (the schema-1 fixture, `Tests/Fixtures/stores/schema1.sqlite`) is
    /// read as it is, and gets a closing record for each closed run when a writer migrates it.
    @Test func aSchemaOneStoreIsReadAsItIsAndBackfilledByAWriter() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("evidence.sqlite").path
        try FileManager.default.copyItem(atPath: RunTests.path("Tests/Fixtures/stores/schema1.sqlite"), toPath: db)
        let reader = try EvidenceStore.open(path: db, access: .readOnly)
        try #require(try await reader.schemaVersion() == 1, "the fixture predates run_closings")
        let runs = try await reader.runs()
        for run in runs { #expect(try await reader.verifyIntegrity(run: run.id).isEmpty) }
        let writer = try EvidenceStore.open(path: db)
        #expect(try await writer.schemaVersion() == 5)
        let closings = try ProofProcess.query(db, "SELECT count(*) FROM run_closings")
        #expect(Int(closings) == runs.filter(\.recordedStatus.isFinal).count && !runs.isEmpty)
        for run in runs { #expect(try await writer.verifyIntegrity(run: run.id).isEmpty) }
    }

    /// A finished run edited to look like one that crashed: status back to running (and its closing columns
    /// cleared), its last capture deleted, or both.
    @Test(arguments: ["reopened", "lastCaptureDeleted", "both"])
    func aFinishedRunEditedBackToUnfinishedFailsVerify(_ edit: String) async throws {
        let c = try await Self.recorded()
        defer { try? FileManager.default.removeItem(at: c.directory) }
        let run = c.runs[1]
        let reopen = """
            DROP TRIGGER runs_close_once;
            UPDATE runs SET status = 'running', finished_at = NULL, exit_code = NULL, message = NULL, seal_digest = NULL WHERE id = '\(run)';
            """
        let deleteLast = """
            DROP TRIGGER snapshots_append_only_delete; DROP TRIGGER snapshot_objects_append_only_delete;
            DROP TRIGGER findings_append_only_delete;
            CREATE TEMP TABLE last AS SELECT id FROM snapshots WHERE run_id = '\(run)' ORDER BY seq DESC LIMIT 1;
            DELETE FROM findings WHERE snapshot_id IN (SELECT id FROM last);
            DELETE FROM snapshot_objects WHERE snapshot_id IN (SELECT id FROM last);
            DELETE FROM snapshots WHERE id IN (SELECT id FROM last);
            """
        let sql = edit == "reopened" ? reopen : edit == "lastCaptureDeleted" ? deleteLast : reopen + deleteLast
        try EvidenceFixture.sqlite(c.db, sql)
        let result = try await ProofProcess.run(["verify", "--db", c.db], in: c.directory)
        #expect(result.status == 1, "\(edit): exit \(String(describing: result.status)) \(result.output) \(result.errors)")
        #expect(result.output.contains("runs id=\(run)"), "\(edit): \(result.output)")
    }

    /// `git`/`attach` need the GitOps checkout; against a real cluster (a kubeconfig) without `--gitops-repo`
    /// the run must refuse before its first step, not after the `detach` before them has changed the cluster.
    @Test func gitStepsAgainstARealClusterWithoutACheckoutFailBeforeTheFirstStep() async throws {
        let directory = try RunTests.temporaryDirectory()
        let connection = try await ClusterConnection.open(try ClusterOptions.parse([]), platformDirectory: RunTests.path("scenarios/platform"))
        do {
            let simulated = try #require(connection.simulated)
            let kubeconfig = directory.appendingPathComponent("kubeconfig").path
            try simulated.writeKubeconfig(to: kubeconfig)
            let rootOptional = { try simulated.state.get(BuiltIn.applications, namespace: "argocd", name: "root-optional") }
            let before = try rootOptional()
            let scenario = directory.appendingPathComponent("toggle.yaml").path
            try """
                apiVersion: proof.gitops/v1alpha1
                kind: Scenario
                metadata: {name: toggle-without-checkout, description: Detach then attach.}
                spec:
                  environment: dev
                  capture: {kinds: [Application], namespaces: [argocd]}
                  steps:
                    - detach: {app: root-optional}
                    - attach: {app: root-optional}
                """.write(toFile: scenario, atomically: true, encoding: .utf8)
            let db = directory.appendingPathComponent("e.sqlite").path
            let code = try await Proof.Run.parse([scenario, "--kubeconfig", kubeconfig, "--db", db, "--out", directory.appendingPathComponent("proof").path])
                .execute(reporter: ProgressReporter(mode: .silent))
            #expect(code == 2)
            // Not detached: the same object (not one re-created since), not being deleted.
            let after = try rootOptional()
            #expect(after[path: ["metadata", "uid"]] == before[path: ["metadata", "uid"]])
            #expect(after[path: ["metadata", "deletionTimestamp"]] == nil)
            let runs = FileManager.default.fileExists(atPath: db) ? try await EvidenceStore.open(path: db).runs() : []
            #expect(runs.isEmpty, "no run was begun")
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
        try? FileManager.default.removeItem(at: directory)
    }
}
