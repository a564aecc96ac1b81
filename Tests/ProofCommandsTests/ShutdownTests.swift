import Foundation
import ProofStore
import Testing

@testable import ProofCommands

#if canImport(Glibc)
    import Glibc
#endif

/// `proof run` as a child process against its embedded simulated cluster, stopped the ways CI stops it:
/// SIGTERM (cancellation, `timeout`), a second signal, a `finally` longer than the grace period, and kill -9.
/// Every check reads the SQLite file and the child's temporary directory, not the child's word.
@Suite(.serialized) struct ShutdownTests {
    /// A scenario file, its store, proof folder and the child's own TMPDIR, in one temporary directory.
    struct Workspace {
        var directory: URL
        var scenario: String
        var db: String
        var out: String
        var tmp: URL

        /// `steps` and `finally` are YAML flow lists.
        static func make(steps: String, finally: String) throws -> Workspace {
            let directory = try RunTests.temporaryDirectory()
            let tmp = directory.appendingPathComponent("tmp")
            try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
            let scenario = directory.appendingPathComponent("signals.yaml").path
            try """
                apiVersion: proof.gitops/v1alpha1
                kind: Scenario
                metadata: {name: signals, description: Stopped from outside.}
                spec:
                  environment: dev
                  capture: {kinds: [Namespace, Deployment], namespaces: [fastapi-dev]}
                  steps: \(steps)
                  finally: \(finally)
                """.write(toFile: scenario, atomically: true, encoding: .utf8)
            return Workspace(
                directory: directory, scenario: scenario, db: directory.appendingPathComponent("e.sqlite").path,
                out: directory.appendingPathComponent("proof").path, tmp: tmp)
        }

        /// Starts `proof run` on the scenario with its temporary files under ``tmp``.
        func start(_ extra: [String] = []) throws -> ProofProcess {
            try ProofProcess(
                ["run", scenario, "--db", db, "--out", out, "--platform", RunTests.path("scenarios/platform")] + extra,
                in: directory, environment: ["TMPDIR": tmp.path])
        }

        /// Starts `proof run` and waits until it is mid-run: the `start` and `before-sleep` captures stored,
        /// the long `sleep` step of ``ShutdownTests/sleepSteps`` running.
        func startMidSleep(_ extra: [String] = []) async throws -> ProofProcess {
            let child = try start(extra)
            try await waitFor("the before-sleep capture", "SELECT count(*) FROM snapshots", atLeast: 2, child)
            // The snapshot is written before its step is recorded: a signal in between interrupts the capture step,
            // not the sleep. Wait until the capture step is recorded as passed, so the run is in the sleep.
            try await waitFor("the before-sleep step", "SELECT count(*) FROM steps WHERE phase = 'main' AND status = 'passed'", atLeast: 1, child)
            return child
        }

        /// Waits until the run has stored `count` rows matching `sql` (a `SELECT count(*)`), while the child runs.
        func waitFor(_ what: String, _ sql: String, atLeast count: Int, _ child: ProofProcess) async throws {
            try await ProofProcess.waitUntil(what) {
                guard child.isRunning else { throw FaultRunError(description: "proof run exited before \(what): \(child.errors)") }
                guard FileManager.default.fileExists(atPath: db) else { return false }
                return (Int(try ProofProcess.query(db, sql)) ?? 0) >= count
            }
        }

        func query(_ sql: String) throws -> String { try ProofProcess.query(db, sql) }

        /// The child's temporary files left behind (the embedded cluster's kubeconfig and GitOps repository).
        var leftovers: [String] { (try? FileManager.default.contentsOfDirectory(atPath: tmp.path)) ?? ["<unreadable>"] }

        func remove() { try? FileManager.default.removeItem(at: directory) }
    }

    static let sleepSteps = "[{capture: {label: before-sleep}}, {sleep: {duration: 600s}}, {capture: {label: never}}]"
    static let cleanup = "[{name: cleanup, scale: {target: {kind: Deployment, namespace: fastapi-dev, name: fastapi}, replicas: 1}}]"

    @Test func sigtermClosesTheRunAsAbortedWithItsEvidenceRunsFinallyAndRemovesTemporaryDirectories() async throws {
        let w = try Workspace.make(steps: Self.sleepSteps, finally: Self.cleanup)
        defer { w.remove() }
        let child = try await w.startMidSleep()
        child.send(SIGTERM)
        let status = try await child.exitStatus()
        #expect(status == 3, "exit \(String(describing: status)): \(child.errors)")
        #expect(try w.query("SELECT status || ' ' || exit_code FROM runs") == "aborted 3")
        #expect(try w.query("SELECT group_concat(label, ',') FROM (SELECT label FROM snapshots ORDER BY seq)") == "start,before-sleep,end")
        #expect(try w.query("SELECT name || ' ' || status FROM steps WHERE phase = 'finally'") == "cleanup passed")
        #expect(try w.query("SELECT count(*) FROM steps WHERE phase = 'main' AND status = 'skipped'") == "1", "the capture never reached")
        #expect(w.leftovers.isEmpty, "temporary files left: \(w.leftovers)")
        let proofs = (try? FileManager.default.contentsOfDirectory(atPath: w.out + "/signals")) ?? []
        #expect(proofs.count == 1, "the proof of the aborted run is written")
        // The closed run is sealed and verifies.
        let verify = try await ProofProcess.run(["verify", "--db", w.db], in: w.directory)
        #expect(verify.status == 0, "\(verify.output)")
    }

    @Test func aSecondSignalExitsAtOnceAndTheRunShowsAsAborted() async throws {
        let w = try Workspace.make(steps: Self.sleepSteps, finally: "[{name: slow-cleanup, sleep: {duration: 600s}}]")
        defer { w.remove() }
        let child = try await w.startMidSleep()
        child.send(SIGTERM)
        // The first signal is being handled: the steps not run are on record and the 600 s finally is running.
        try await w.waitFor("the closing phase", "SELECT count(*) FROM steps WHERE status = 'skipped'", atLeast: 1, child)
        child.send(SIGTERM)
        let status = try await child.exitStatus(within: .seconds(120))
        #expect(status == 3, "exit \(String(describing: status)): \(child.errors)")
        #expect(child.errors.contains("second signal"), "\(child.errors)")
        // The run was not closed; any reader shows it as aborted.
        let run = try w.query("SELECT id FROM runs")
        let show = try await ProofProcess.run(["show", "--db", w.db], in: w.directory)
        #expect(show.status == 0)
        #expect(show.output.split(separator: "\n").contains { $0.contains(run) && $0.contains("aborted") }, "\(show.output)")
    }

    @Test func aFinallyLongerThanTheGracePeriodIsCutOffWithExitThree() async throws {
        let w = try Workspace.make(steps: Self.sleepSteps, finally: "[{name: slow-cleanup, sleep: {duration: 600s}}]")
        defer { w.remove() }
        let child = try await w.startMidSleep(["--grace-period", "2s"])
        child.send(SIGTERM)
        let status = try await child.exitStatus(within: .seconds(120))
        #expect(status == 3, "exit \(String(describing: status)): \(child.errors)")
        #expect(child.errors.contains("grace period"), "\(child.errors)")
    }

    @Test func aKilledRunIsShownAbortedReplaysNonZeroAndIsClosedByTheNextWriter() async throws {
        let w = try Workspace.make(steps: Self.sleepSteps, finally: Self.cleanup)
        defer { w.remove() }
        let child = try await w.startMidSleep()
        child.send(SIGKILL)
        #expect(try await child.exitStatus() == nil)
        let run = try w.query("SELECT id FROM runs")
        #expect(try w.query("SELECT status FROM runs") == "running", "kill -9 leaves the stored status as it was")
        let before = try FileState(w.db)
        let show = try await ProofProcess.run(["show", "--db", w.db], in: w.directory)
        #expect(show.status == 0)
        #expect(show.output.split(separator: "\n").contains { $0.contains(run) && $0.contains("aborted") }, "\(show.output)")
        let detail = try await ProofProcess.run(["show", run, "--db", w.db], in: w.directory)
        #expect(detail.output.contains("status    aborted"), "\(detail.output)")
        let replay = try await ProofProcess.run(["replay", run, "--db", w.db], in: w.directory)
        #expect(replay.status != nil && replay.status != 0, "replay of a killed run: exit \(String(describing: replay.status)) \(replay.output)")
        #expect(try FileState(w.db) == before, "readers left the store file as it was")
        // A writer records what the readers derived.
        let store = try EvidenceStore.open(path: w.db)
        let record = try #require(try await store.run(RunID(run)))
        #expect(record.recordedStatus == .aborted && record.message?.contains("process gone") == true)
    }
}

/// The bytes and modification time of a file (and which side files sit next to it).
struct FileState: Equatable {
    var bytes: Data
    var modified: Date?

    init(_ path: String) throws {
        bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
    }
}
