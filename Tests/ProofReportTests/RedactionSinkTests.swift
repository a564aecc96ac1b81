import Foundation
import ProofCore
import ProofReport
import ProofStore
import Testing

/// The markdown proof, the capture page and JUnit scrub what they render, whatever the store handed them (a store
/// written before a rule existed holds such text); `proof verify` does not mistake a marker's HMAC for a digest.
@Suite("Redaction at the report sinks")
struct RedactionSinkTests {
    static let planted = ["hunter2-db", "pat-0f9e8d", "ghp_PLANTEDplanted0123456789abcdefgh", "AKIAPLANTEDPLANT2345"]

    /// The fixture run with a failed step and a finding whose texts carry planted credentials in plain text.
    static func leakyInput() async throws -> ProofInput {
        var input = try await ProofFixtureRun.make().input()
        input.steps.append(StepRecord(
            sequence: input.steps.count + 1, name: "exec deploy --db-password=\(planted[0])", kind: "exec", startedAt: ProofFixtureRun.time(50),
            finishedAt: ProofFixtureRun.time(51), status: .failed, message: "exit code 1, expected 0: GITHUB_PAT=\(planted[1]) push \(planted[2]) as \(planted[3])"))
        input.findings.append(FindingRecord(
            sequence: input.findings.count + 1, snapshot: nil, invariantID: "leaky", invariantKind: "field", status: .failed,
            expected: ["token": .string(planted[1])], message: "password=\"\(planted[0])\" did not match"))
        return input
    }

    @Test("the markdown proof shows markers, never the planted values, also in the Mermaid timeline")
    func markdown() async throws {
        let markdown = ProofMarkdown.render(try await Self.leakyInput())
        for value in Self.planted { #expect(!markdown.contains(value), "\(value) is in the markdown") }
        // What a reader sees: the markdown's escapes (`\[`, `\-`, `\_`) taken out.
        let shown = markdown.replacingOccurrences(of: "\\", with: "")
        #expect(shown.contains("--db-password=[REDACTED credential]") && shown.contains("[REDACTED github-token]"))
        #expect(markdown.contains("6 exec deploy --db-password REDACTED credential :crit"), "the timeline names the marker once")
        // Re-rendering gives the same bytes (what `proof verify` compares).
        #expect(ProofMarkdown.render(try await Self.leakyInput()) == markdown)
    }

    @Test("JUnit scrubs texts and attributes before escaping them")
    func junit() async throws {
        let xml = JUnitReport.render([try await Self.leakyInput()])
        for value in Self.planted { #expect(!xml.contains(value), "\(value) is in the JUnit file") }
        #expect(xml.contains("password=&quot;[REDACTED credential]&quot;"), "the quoted value was found before escaping")
    }

    @Test("the capture page scrubs listing errors and Loki errors")
    func capturePage() {
        let summary = CaptureSummary(
            run: "01ABC", sequence: 1, label: "x", cluster: "kind-mlp", takenAt: ProofFixtureRun.start, digest: "d", chainDigest: "c",
            database: "e.sqlite", newBodies: 0, counts: [:],
            listingErrors: [ListingError(apiVersion: "v1", kind: "Secret", message: "401 (sent Authorization: Bearer \(Self.planted[2]))")],
            lokiSamples: [LokiSample(name: "q", query: "{a=\"b\"}", error: "GET https://u:\(Self.planted[0])@loki/ready: HTTP 503")], argoCD: [])
        let markdown = summary.markdown()
        for value in Self.planted { #expect(!markdown.contains(value), "\(value) is on the capture page") }
    }

    @Test("a marker's HMAC is not taken for a digest; real digests still are")
    func markerHMACsAreNoDigests() {
        let hmac = String(repeating: "ab", count: 32), digest = String(repeating: "cd", count: 32)
        let text = """
            | 1 | exec DB_PASS=[REDACTED credential hmac-sha256:0123456789abcdef:\(hmac)] | ✅ |
                1 exec DB_PASS REDACTED credential hmac-sha256 0123456789abcdef \(hmac) :done, s1, 0, 1
            | start | `\(digest)` |
            """
        #expect(VerifyMarkdown.digests(in: text).map(\.digest) == [digest])
    }
}
