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
}
