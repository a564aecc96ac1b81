import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import ProofCore
import ProofReport
import ProofStore
import Testing

/// Compares `rendered` with `Snapshots/<name>`; writes it instead when `RECORD_SNAPSHOTS=1` (CI never does).
func assertSnapshot(_ rendered: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots").appendingPathComponent(name)
    if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
        try rendered.write(to: url, atomically: true, encoding: .utf8)
    }
    let expected = try String(contentsOf: url, encoding: .utf8)
    #expect(rendered == expected, "snapshot \(name) differs; re-record with RECORD_SNAPSHOTS=1 if the change is intended", sourceLocation: sourceLocation)
}

@Suite("Proof markdown, JUnit and index")
struct ProofReportTests {
    @Test("markdown proof snapshot: verdict first, table, findings, timeline, captures, changes, digests")
    func markdown() async throws {
        let fixture = try await ProofFixtureRun.make()
        let input = try await fixture.input()
        let markdown = ProofMarkdown.render(input)
        try assertSnapshot(markdown, named: "Proof-optional-toggle.md")
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[1] == "# Proof: optional-toggle — ❌ FAILED")
        // The verdict line names the first failing invariant and why, in words, and where.
        #expect(lines[3].hasPrefix("**❌ FAILED: `optional-apps-healthy` did not hold — Application feast-dev is health Progressing"))
        #expect(lines[3].contains("(at after-attach).**"))
        // Findings come before the invariant table: one line per problem, sentence first, then where, then the
        // field-by-field difference; the JSON is folded.
        #expect(lines[9] == "## Findings")
        #expect(lines[11].hasPrefix("1. ❌ **Application feast-dev is health Progressing; expected Synced/Healthy \\<\\&\\> \"quoted\"** — failed at after-attach"))
        #expect(lines[11].hasSuffix("· health: Progressing (expected Healthy)"))
        #expect(markdown.contains("actual at after-attach: {\"health\":\"Progressing\",\"sync\":\"Synced\"}"))
        #expect(markdown.contains("| `optional-apps-healthy` | appStatus | – | – | ❌ 1 |"))
        #expect(markdown.contains("```mermaid\ngantt"))
        #expect(markdown.contains("detach optional layer :done, s2, 1200, 9500"))  // the pipe is not in the task name
        #expect(markdown.contains("proof verify docs/proof/optional-toggle/20261118T110640Z-00abcdef.md --db docs/proof/evidence.sqlite"))
        // Changes: the optional app and Redis went and came back; Redis's image changed, noise is left out.
        #expect(markdown.contains("removed | `Application/argocd/feast-dev`"))
        #expect(markdown.contains("| added | `StatefulSet/feature-store-dev/redis` |"))
        #expect(!markdown.contains("`metadata.resourceVersion`"))
        // Re-rendering from the store gives the same bytes.
        #expect(ProofMarkdown.render(try await fixture.input()) == markdown)
        #expect(input.relativePath == "optional-toggle/20261118T110640Z-00abcdef.md")
    }

    @Test("format 1 still renders byte for byte as proofs written before format 2 (what proof verify needs)")
    func formatOne() async throws {
        let fixture = try await ProofFixtureRun.make()
        let markdown = ProofMarkdown.render(try await fixture.input(), format: .v1)
        // Recorded by the renderer as it was before format 2 existed; never re-recorded.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/Proof-optional-toggle-v1.md")
        #expect(markdown == (try String(contentsOf: url, encoding: .utf8)))
        #expect(!markdown.hasPrefix("<!-- proof: scenario=optional-toggle run=01KB0000000000000000ABCDEF started=2026-11-18T11:06:40.000Z verdict=FAILED format="))
        #expect(try ProofFormat.of(markdown).get() == .v1)
        #expect(try ProofFormat.of(ProofMarkdown.render(try await fixture.input())).get() == .current)
        #expect(throws: ProofFormat.UnknownFormat.self) { try ProofFormat.of("<!-- proof: run=X format=9 -->\n").get() }
    }

    @Test("format 2 still renders byte for byte as proofs written before format 3, changes compared by the original noise rules")
    func formatTwo() async throws {
        let fixture = try await ProofFixtureRun.make()
        let markdown = ProofMarkdown.render(try await fixture.input(), format: .v2)
        // Recorded by the renderer as it was before format 3 existed; never re-recorded.
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Snapshots/Proof-optional-toggle-v2.md")
        #expect(markdown == (try String(contentsOf: url, encoding: .utf8)))
        #expect(try ProofFormat.of(markdown).get() == .v2)
        #expect(ProofFormat.v2.diffRules == .original && ProofFormat.v3.diffRules == .serverChurn)
    }

    @Test("JUnit snapshot; one testcase per invariant × capture; escaping")
    func junit() async throws {
        let fixture = try await ProofFixtureRun.make()
        let xml = JUnitReport.render([try await fixture.input()])
        try assertSnapshot(xml, named: "junit-optional-toggle.xml")
        #expect(xml.contains("<testsuite name=\"optional-toggle\" tests=\"9\" failures=\"2\" errors=\"0\""))
        #expect(xml.contains("&lt;&amp;&gt; &quot;quoted&quot;"))
        #expect(!xml.contains("<&>"))
        // Well-formed XML.
        let document = try XMLDocument(xmlString: xml)
        #expect(try document.nodes(forXPath: "//testcase").count == 9, "8 invariant × capture results and the failed step")
        #expect(try document.nodes(forXPath: "//testcase/failure").count == 2)
    }

    @Test("a passing run; the index lists proofs newest first and ignores other files")
    func index() async throws {
        let failing = try await ProofFixtureRun.make()
        let passing = try await ProofFixtureRun.make(failing: false)
        let passingInput = try await passing.input()
        #expect(passingInput.verdict == .passed)
        #expect(ProofMarkdown.render(passingInput).contains("# Proof: optional-toggle — ✅ PASSED"))
        let out = failing.directory + "/proof"
        try ProofMarkdown.write(try await failing.input(), directory: out)
        try "# not a proof\n".write(toFile: out + "/optional-toggle/notes.md", atomically: true, encoding: .utf8)
        let readme = try String(contentsOfFile: out + "/README.md", encoding: .utf8)
        #expect(readme.contains("| optional-toggle | 2026-11-18T11:06:40.000Z | ❌ FAILED | [00abcdef](optional-toggle/20261118T110640Z-00abcdef.md) |"))
        #expect(try ProofIndex.entries(in: out).count == 1)
        let older = ProofIndex.Entry(scenario: "deploy", run: "01KA0000000000000000000000", started: "2026-01-01T00:00:00.000Z", verdict: "PASSED", path: "deploy/x.md")
        let rendered = ProofIndex.render(try ProofIndex.entries(in: out) + [older])
        try assertSnapshot(rendered, named: "proof-index.md")
        #expect(rendered.range(of: "optional-toggle")!.lowerBound < rendered.range(of: "| deploy")!.lowerBound)
    }
}
