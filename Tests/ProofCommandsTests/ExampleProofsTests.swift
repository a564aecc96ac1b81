import Foundation
import ProofReport
import ProofStore
import Testing

@testable import ProofCommands

/// The example proofs committed under docs/proof/ still verify against their committed evidence store: every
/// digest, the hash chains, and the markdown re-rendered from the store byte for byte. A change to the
/// rendering or the store that would make them stale fails here (re-record them with
/// `scripts/record-examples.sh`). Proofs in an older format live with the store they were written against in
/// `Tests/Fixtures/stores/` and must keep verifying there.
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

    /// Every shipped scenario has a passing example proof, and every proof there is in the current format:
    /// `scripts/record-examples.sh` re-records them all into a fresh store, and proofs of an older store do not
    /// stay behind.
    @Test func everyShippedScenarioHasAPassingExampleInTheCurrentFormat() throws {
        let root = RunTests.path("docs/proof")
        let scenarios = try FileManager.default.contentsOfDirectory(atPath: RunTests.path("scenarios"))
            .filter { $0.hasSuffix(".yaml") }.map { String($0.dropLast(".yaml".count)) }.sorted()
        try #require(!scenarios.isEmpty)
        let proofs = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".md") && $0.contains("/") }
        for proof in proofs {
            let markdown = try String(contentsOfFile: root + "/" + proof, encoding: .utf8)
            guard case .success(let format) = ProofFormat.of(markdown) else {
                Issue.record("\(proof): unknown proof format")
                continue
            }
            #expect(format == .current, "\(proof) is format \(format.rawValue): re-record with scripts/record-examples.sh")
        }
        // At least one: `scripts/main.sh` adds a proof of its own run next to the example, in the same store.
        for scenario in scenarios {
            let headers = try proofs.filter { $0.hasPrefix(scenario + "/") }
                .map { try String(contentsOfFile: root + "/" + $0, encoding: .utf8).prefix { $0 != "\n" } }
            #expect(headers.contains { $0.contains("scenario=\(scenario) ") && $0.contains("verdict=PASSED") },
                "docs/proof/\(scenario)/ holds no passing proof of \(scenario): \(headers)")
        }
    }

    /// A format-1 proof (written before the layout of format 2) keeps verifying against the schema-1 store it
    /// was recorded into, through the real `proof verify`; the same proof with one rendered line changed does not.
    @Test func aFormatOneProofVerifiesAgainstItsSchemaOneStore() async throws {
        let fixtures = RunTests.path("Tests/Fixtures/stores")
        let name = "env-isolation-20261127T145508Z-kft5kq07.md"
        let markdown = try String(contentsOfFile: fixtures + "/" + name, encoding: .utf8)
        #expect(try ProofFormat.of(markdown).get() == .v1, "the fixture proof is format 1")
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("store/evidence.sqlite")
        try FileManager.default.createDirectory(at: db.deletingLastPathComponent(), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixtures + "/schema1.sqlite", toPath: db.path)
        try markdown.write(to: directory.appendingPathComponent(name), atomically: true, encoding: .utf8)
        let clean = try await ProofProcess.run(["verify", name, "--db", "store/evidence.sqlite"], in: directory)
        #expect(clean.status == 0, "\(clean.output) \(clean.errors)")
        #expect(clean.output.contains("verified \(name)"), "\(clean.output)")

        // Format 1 wrote the step table's duration column as it was: change one step's duration.
        let lines = markdown.components(separatedBy: "\n")
        let step = try #require(lines.firstIndex { $0.hasPrefix("| 1 | ") }, "a step row")
        var edited = lines
        edited[step] = edited[step].replacingOccurrences(of: " ms |", with: "0 ms |")
        try #require(edited[step] != lines[step], "\(lines[step])")
        try edited.joined(separator: "\n").write(to: directory.appendingPathComponent("edited.md"), atomically: true, encoding: .utf8)
        let broken = try await ProofProcess.run(["verify", "edited.md", "--db", "store/evidence.sqlite"], in: directory)
        #expect(broken.status == 1, "\(broken.output) \(broken.errors)")
        #expect(broken.output.contains("edited.md:\(step + 1):"), "\(broken.output)")
    }
}
