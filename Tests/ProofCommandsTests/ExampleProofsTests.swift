import Foundation
import ProofStore
import Testing

@testable import ProofCommands

/// The example proofs committed under docs/proof/ still verify against their committed evidence store: every
/// digest, the hash chains, and the markdown re-rendered from the store byte for byte. A change to the
/// rendering or the store that would make them stale fails here (re-record them with `scripts/main.sh scenarios/`).
@Suite struct ExampleProofsTests {
    @Test func theCommittedExampleProofsVerify() async throws {
        let root = RunTests.path("docs/proof")
        let proofs = try FileManager.default.subpathsOfDirectory(atPath: root)
            .filter { $0.hasSuffix(".md") && $0.contains("/") }.sorted().map { root + "/" + $0 }
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: RunTests.path("scenarios")).filter { $0.hasSuffix(".yaml") }
        #expect(proofs.count >= scenarios.count, "one example proof per shipped scenario")
        // Work on a copy: opening a store may write (WAL files), and the committed one must stay as it is.
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("evidence.sqlite").path
        try FileManager.default.copyItem(atPath: root + "/evidence.sqlite", toPath: copy)
        let report = try await Proof.Verify.verify(
            targets: proofs, store: try EvidenceStore.open(path: copy), databasePath: "docs/proof/evidence.sqlite")
        #expect(report.problems.isEmpty, "\(report.problems)")
    }
}
