import Foundation
import ProofCore
import ProofReport
import ProofScenario
import ProofSim
import ProofStore
import Testing

@testable import ProofCommands

/// Proofs as reviewers read them: rendered as GitHub renders them and opened in headless Chromium with Mermaid
/// (`GFMBrowser`). Every committed example proof, a freshly failing run (four unhealthy Applications at three
/// captures) and a run made of hostile strings (names, messages, labels and a kubeconfig path with `|`,
/// backticks, `<tag>`, `*`, `_`, newlines) must show every Mermaid block without a parse error, tables whose
/// rows have their header's column count, and every string the proof was given as page text. Skipped only
/// where Chromium cannot start; cmark-gfm and artoo-mermaid missing is a failure (scripts/setup.sh installs
/// all three). Screenshots of a passing and a failing proof go to `docs/images/` with `RECORD_SNAPSHOTS=1`.
@Suite(.serialized, .enabled(if: GFMBrowser.chromiumStarts, "headless Chromium cannot start on this machine (scripts/setup.sh installs it)"))
struct BrowserProofTests {
    @Test func everyCommittedExampleProofReadsInABrowser() async throws {
        let root = RunTests.path("docs/proof")
        let proofs = try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".md") && $0.contains("/") }.sorted()
        #expect(!proofs.isEmpty)
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let copy = directory.appendingPathComponent("evidence.sqlite").path
        try FileManager.default.copyItem(atPath: root + "/evidence.sqlite", toPath: copy)
        let store = try EvidenceStore.open(path: copy)
        var passing: String?
        for proof in proofs {
            let markdown = try String(contentsOfFile: root + "/" + proof, encoding: .utf8)
            let run = try #require(VerifyMarkdown.runIDs(in: markdown).first, "\(proof) names its run")
            let input = try await ProofInput.load(from: store, run: RunID(run))
            let page = try GFMBrowser.open(markdown, name: "example-\(proofs.firstIndex(of: proof) ?? 0)", in: directory)
            Self.expectReads(page, given: Self.given(input), proof: proof)
            if case .success(.current) = ProofFormat.of(markdown), input.verdict == .passed, input.run.info.scenario == "optional-toggle" { passing = markdown }
        }
        // The screenshot of a passing proof, for the README and docs/proof-format.md.
        let markdown = try #require(passing, "a committed optional-toggle proof in the current format")
        try Self.screenshot(markdown, named: "proof-passing.png", in: directory)
    }

    @Test func aFreshlyFailingRunReadsInABrowserWithItsProblemsAtTheTop() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("reviewer-trial.yaml").path
        try Self.failingScenario.write(toFile: file, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("evidence.sqlite").path
        let command = try Proof.Run.parse([file, "--db", db, "--out", directory.appendingPathComponent("proof").path, "--platform", RunTests.path("scenarios/platform")])
        let unhealthy = ["airflow-dev", "fastapi-dev", "mlflow-dev", "triton-dev"]
        let code = try await command.execute(reporter: ProgressReporter(mode: .silent)) { connection in
            // Four of the six Applications the invariant names report Degraded for the whole run.
            try? connection.argoCDFaults.unhealthyApps = unhealthy
            try? await connection.eventually("the four Applications report Degraded") {
                try unhealthy.allSatisfy { name in try connection.applications(name).first?[path: ["status", "health", "status"]]?.stringValue == "Degraded" }
            }
        }
        #expect(code == 1)
        let (input, markdown) = try await Self.proof(db: db, out: directory.appendingPathComponent("proof").path)
        // Top of the page: the verdict names the first failing invariant and why; then the four problems, one
        // line each, with the captures where they happened — not twelve rows.
        let lines = markdown.components(separatedBy: "\n")
        #expect(lines[1] == "# Proof: reviewer-trial — ❌ FAILED")
        #expect(lines[3].hasPrefix("**❌ FAILED: `core-and-baseline-apps-healthy` did not hold — Application airflow-dev is health Degraded"))
        let findings = try #require(lines.firstIndex(of: "## Findings"))
        let problems = lines[(findings + 2)...].prefix { !$0.isEmpty }
        #expect(problems.count == 4, "\(problems)")
        for (line, app) in zip(problems, unhealthy) {
            #expect(line.contains("**Application \(app) is health Degraded"), "\(line)")
            #expect(line.contains("— failed at start, mid-run, end ·"), "\(line)")
            #expect(line.hasSuffix("· health: Degraded (expected Healthy)"), "\(line)")
        }
        #expect(findings < (lines.firstIndex(of: "## Invariants") ?? 0), "the findings come before the invariant table")
        let page = try GFMBrowser.open(markdown, name: "failing", in: directory)
        Self.expectReads(page, given: Self.given(input), proof: "reviewer-trial")
        try Self.screenshot(markdown, named: "proof-failing.png", in: directory)
    }

    @Test func aRunMadeOfHostileStringsReadsInABrowser() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // The kubeconfig lives under the working directory (the repository), in a folder whose name breaks
        // markdown: the proof names it relative to the repository, escaped.
        let folder = "proof-hostile-\(UUID().uuidString.prefix(8)) a|b `c` <tag> *d* _e_"
        let configDirectory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(".build").appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: configDirectory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: configDirectory) }
        let cluster = try await SimulatedCluster.start(SimOptions())
        let kubeconfig = configDirectory.appendingPathComponent("kube|config").path
        try cluster.writeKubeconfig(to: kubeconfig)
        let file = directory.appendingPathComponent("hostile.yaml").path
        try Self.hostileScenario.write(toFile: file, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("evidence.sqlite").path
        let command = try Proof.Run.parse([file, "--kubeconfig", kubeconfig, "--db", db, "--out", directory.appendingPathComponent("proof").path])
        let code = try await command.execute(reporter: ProgressReporter(mode: .silent))
        await cluster.stop()
        #expect(code == 1, "the hostile field invariant fails")
        let (input, markdown) = try await Self.proof(db: db, out: directory.appendingPathComponent("proof").path)
        let cwd = FileManager.default.currentDirectoryPath
        #expect(!markdown.contains(cwd + "/"), "no absolute path of the repository")
        #expect(input.run.info.cluster?.contains("from .build/\(folder)/kube|config") == true, "\(input.run.info.cluster ?? "")")
        // Where each problem happened: "held at" only where the invariant held, not where it failed otherwise.
        let lines = markdown.components(separatedBy: "\n")
        #expect(lines.contains { $0.hasPrefix("1. ❌ **no ConfigMap in default named hostile") && $0.contains("— failed at start ·") }, "\(lines.prefix(20))")
        #expect(lines.contains { $0.hasPrefix("2. ❌ **ConfigMap/default/hostile data.note is") && $0.contains("— failed at after-apply, end ·") }, "\(lines.prefix(20))")
        let page = try GFMBrowser.open(markdown, name: "hostile", in: directory)
        Self.expectReads(page, given: Self.given(input) + ["<redacted>", "a|b `c` <tag> *d* _e_", "<b>not bold</b> | `tick` *star* _under_"], proof: "hostile")
    }

    @Test func theCheckFailsOnAnUnescapedTagAndABrokenMermaidLine() async throws {
        let root = RunTests.path("docs/proof")
        let proof = try #require(try FileManager.default.subpathsOfDirectory(atPath: root).filter { $0.hasSuffix(".md") && $0.contains("/") }.sorted().first)
        var markdown = try String(contentsOfFile: root + "/" + proof, encoding: .utf8)
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // As committed, the page is clean.
        let clean = try GFMBrowser.open(markdown, name: "clean", in: directory)
        #expect(clean.mermaidErrors.isEmpty && clean.missing(["bearer token <tag>"]) == ["bearer token <tag>"])
        // Planted: a run message with a raw `<tag>` (what format 1 would have written) and a broken gantt line.
        markdown = markdown.replacingOccurrences(of: "\n## Invariants", with: "\n> auth: bearer token <tag>\n\n## Invariants")
        markdown = markdown.replacingOccurrences(of: "    dateFormat x\n", with: "    dateFormat x\n    :not a task ((\n")
        let planted = try GFMBrowser.open(markdown, name: "planted", in: directory)
        print("planted page: missing \(planted.missing(["bearer token <tag>"])), Mermaid: \(planted.mermaidErrors)")
        #expect(planted.missing(["bearer token <tag>"]) == ["bearer token <tag>"], "the browser drops the unescaped tag")
        #expect(planted.mermaidErrors.count == 1 && planted.mermaidErrors[0].contains("Parse error on line 4"), "\(planted.mermaidErrors)")
        // And a cell with an unescaped pipe is a row with one cell too many.
        let broken = GFMBrowser.tableRowProblems("| a | b |\n| --- | --- |\n| x | y \\| z |\n| x | y | z |\n")
        #expect(broken.count == 1 && broken[0].hasPrefix("line 4: 3 cells, header 2"), "\(broken)")
    }

    // MARK: Helpers

    /// A reviewer's view of a page: Mermaid renders, tables are whole, every given string is visible.
    static func expectReads(_ page: GFMBrowser.Page, given: [String], proof: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
        #expect(page.mermaidBlocks >= 1, "\(proof): the steps timeline is a Mermaid block", sourceLocation: sourceLocation)
        #expect(page.mermaidErrors.isEmpty, "\(proof): \(page.mermaidErrors)", sourceLocation: sourceLocation)
        #expect(page.tableProblems.isEmpty, "\(proof): \(page.tableProblems)", sourceLocation: sourceLocation)
        #expect(page.missing(given).isEmpty, "\(proof): not on the page: \(page.missing(given))", sourceLocation: sourceLocation)
    }

    /// Every string a proof of `input` is given to show: scenario, cluster, run message, step names and
    /// messages, capture labels, invariant ids, and what the findings that did not hold say.
    static func given(_ input: ProofInput) -> [String] {
        var strings = [input.run.info.scenario, input.run.info.cluster ?? "", input.run.message ?? ""]
        strings += input.steps.flatMap { [$0.name, $0.message ?? ""] }
        strings += input.captures.map(\.record.label)
        strings += input.invariantIDs
        strings += input.findings.filter { $0.status != .held }.flatMap { [$0.message, $0.object?.description ?? ""] }
        return strings
    }

    /// The run of the store at `db` and the proof written under `out`.
    static func proof(db: String, out: String) async throws -> (ProofInput, String) {
        let store = try EvidenceStore.open(path: db)
        let run = try #require(try await store.runs().first)
        let input = try await ProofInput.load(from: store, run: run.id)
        let markdown = try String(contentsOfFile: out + "/" + input.relativePath, encoding: .utf8)
        return (input, markdown)
    }

    /// A screenshot of the top of `markdown`'s page: always taken (and checked to be a PNG), copied to
    /// `docs/images/NAME` when `RECORD_SNAPSHOTS=1`.
    static func screenshot(_ markdown: String, named name: String, in directory: URL) throws {
        let png = directory.appendingPathComponent(name)
        _ = try GFMBrowser.open(markdown, name: "shot-\(name)", in: directory, screenshot: png)
        let data = try Data(contentsOf: png)
        #expect(data.starts(with: [0x89, 0x50, 0x4E, 0x47]) && data.count > 20_000, "\(name) is a PNG of a rendered page (\(data.count) bytes)")
        if ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1" {
            let target = URL(fileURLWithPath: RunTests.path("docs/images/\(name)"))
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: png, to: target)
        }
    }

    /// Six Applications under one appStatus invariant, judged at three captures.
    static let failingScenario = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata:
          name: reviewer-trial
          description: Four of six Applications are unhealthy for the whole run.
        spec:
          environment: dev
          timeout: 2m
          capture:
            kinds: [applications, appprojects, namespaces]
            loki: []
          invariants:
            - id: core-and-baseline-apps-healthy
              description: The core apps and the dev baseline apps are Synced and Healthy.
              appStatus: {name: "[afmtl][!e]*-dev", min: 6}
          steps:
            - capture: {label: mid-run}
        """

    /// Names, messages, labels and values with characters that break markdown.
    static let hostileScenario = #"""
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata:
          name: hostile
          description: "Strings that break markdown: <tag> | `tick` *star* _under_"
        spec:
          environment: dev
          timeout: 1m
          capture:
            kinds: [configmaps, namespaces]
            namespaces: [default]
            loki: []
          invariants:
            - id: hostile-note
              description: The note is plain.
              field:
                match: {kind: ConfigMap, namespace: default, name: hostile}
                path: data.note
                equals: plain
          steps:
            - name: "apply <b>not bold</b> | `tick` *star* _under_\nsecond line"
              apply:
                manifests:
                  - apiVersion: v1
                    kind: ConfigMap
                    metadata: {name: hostile, namespace: default}
                    data: {note: "<redacted> | `x` *y* _z_ <tag>\n# not a heading"}
            - name: "capture *after* the <i>apply</i>"
              capture: {label: after-apply}
        """#
}
