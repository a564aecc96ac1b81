import Foundation
import ProofStore
import Testing

@testable import ProofCommands

/// `proof capture`'s ends: the run it begins (while the lists run) is closed with the capture's outcome.
@Suite struct CaptureCommandTests {
    @Test func anUnreachableClusterIsExit3AndTheRunIsClosedAsAnError() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("kubeconfig").path
        try BoundedInputCommandTests.kubeconfig().write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("e.sqlite").path
        let code = await Proof.runReturningExitCode(["capture", "--kubeconfig", kubeconfig, "--db", db, "--out", directory.path])
        #expect(code == Proof.Exit.cannotExecute)
        let store = try EvidenceStore.open(path: db, access: .readOnly)
        let runs = try await store.runs()
        #expect(runs.count == 1)
        #expect(runs.first?.status == .error && runs.first?.exitCode == 3, "\(runs)")
        #expect(try await store.snapshots(run: try #require(runs.first?.id)).isEmpty)
    }

    @Test func aKubeconfigThatCannotBeUsedIsExit2AndLeavesNoNewStore() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let kubeconfig = directory.appendingPathComponent("kubeconfig").path
        try "clusters: [unclosed\n".write(toFile: kubeconfig, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("new.sqlite").path
        let code = await Proof.runReturningExitCode(["capture", "--kubeconfig", kubeconfig, "--db", db, "--out", directory.path])
        #expect(code == Proof.Exit.badInput)
        // (Time for an opening the command did not wait for to make the file anyway.)
        try await Task.sleep(for: .milliseconds(300))
        #expect(!FileManager.default.fileExists(atPath: db), "the store opened while the kubeconfig was read is removed again")
        // A store that was there before stays, with what it holds.
        let kept = directory.appendingPathComponent("kept.sqlite").path
        let store = try EvidenceStore.open(path: kept)
        let run = try await store.beginRun(RunInfo(scenario: "earlier"))
        try await store.finishRun(run, status: .passed, exitCode: 0)
        #expect(await Proof.runReturningExitCode(["capture", "--kubeconfig", kubeconfig, "--db", kept, "--out", directory.path]) == Proof.Exit.badInput)
        #expect(try await EvidenceStore.open(path: kept, access: .readOnly).runs().count == 1)
    }
}
