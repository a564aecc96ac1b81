import ArgumentParser
import Foundation
import ProofCore
import ProofScenario
import ProofStore
import Testing

@testable import ProofCommands

/// End-to-end: `proof run`, `proof lint` and the prod guard, in-process, against the embedded simulated cluster.
@Suite(.serialized) struct RunTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("proof-run-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    @Test func optionalToggleRunsGreenAndWritesItsProof() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("evidence.sqlite").path
        let out = directory.appendingPathComponent("proof").path
        let junit = directory.appendingPathComponent("junit.xml").path
        let command = try Proof.Run.parse([
            Self.path("scenarios/optional-toggle.yaml"), "--db", db, "--out", out, "--junit", junit,
            "--platform", Self.path("scenarios/platform"),
        ])
        let code = try await command.execute(reporter: ProgressReporter(mode: .silent))
        #expect(code == 0)
        let proofs = try FileManager.default.contentsOfDirectory(atPath: out + "/optional-toggle")
        #expect(proofs.count == 1 && proofs[0].hasSuffix(".md"))
        #expect(FileManager.default.fileExists(atPath: out + "/README.md"))
        #expect(try String(contentsOfFile: junit, encoding: .utf8).contains("<testsuite"))
        let store = try EvidenceStore.open(path: db)
        let run = try #require(try await store.runs().first)
        #expect(run.status == .passed && run.exitCode == 0)
        let labels = try await store.snapshots(run: run.id).map(\.label)
        #expect(labels == ["start", "before-detach", "after-detach", "after-attach", "end"])
        let findings = try await store.findings(run: run.id)
        #expect(!findings.isEmpty && findings.allSatisfy { $0.status == .held })
        #expect(try await store.watchEvents(run: run.id).count > 0, "the timeline between captures is recorded")
    }

    @Test func aProdScenarioIsRefusedWithoutAllowProd() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("prod.yaml").path
        try """
            apiVersion: proof.gitops/v1alpha1
            kind: Scenario
            metadata: {name: prod-check, description: Touches prod.}
            spec:
              environment: prod
              steps: [{sleep: {duration: 1ms}}]
            """.write(toFile: file, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("e.sqlite").path
        let command = try Proof.Run.parse([file, "--db", db, "--out", directory.path])
        #expect(try await command.execute(reporter: ProgressReporter(mode: .silent)) == 2)
        #expect(!FileManager.default.fileExists(atPath: db), "a refused run never opens the store")
    }

    @Test func aFileThatDoesNotLintNeverStartsARun() async throws {
        let directory = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.yaml").path
        try "apiVersion: proof.gitops/v1alpha1\nkind: Scenario\nmetadata: {name: b, description: d}\nspec: {environment: dev, steps: [{slep: {}}]}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("e.sqlite").path
        let run = try Proof.Run.parse([Self.path("scenarios/optional-toggle.yaml"), bad, "--db", db])
        #expect(try await run.execute(reporter: ProgressReporter(mode: .silent)) == 2)
        #expect(!FileManager.default.fileExists(atPath: db))

        let lintBad = try Proof.Lint.parse([bad])
        await #expect(throws: ExitCode(2)) { try await lintBad.run() }
        let lintGood = try Proof.Lint.parse([Self.path("scenarios")])
        try await lintGood.run()
    }
}
