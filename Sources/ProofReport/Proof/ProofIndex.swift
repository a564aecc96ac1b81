import Foundation
import ProofCore

/// The index of the proof directory (`docs/proof/README.md`): one row per proof — scenario, time, verdict,
/// link — newest first, regenerated from the files themselves (their first-line `<!-- proof: … -->` header).
public enum ProofIndex {
    /// One proof file as the index lists it.
    public struct Entry: Sendable, Hashable {
        /// The scenario.
        public var scenario: String
        /// The run id.
        public var run: String
        /// The start time as written (RFC 3339 UTC).
        public var started: String
        /// `PASSED`, `FAILED` or `ERROR`.
        public var verdict: String
        /// The path relative to the proof directory.
        public var path: String

        /// An entry.
        public init(scenario: String, run: String, started: String, verdict: String, path: String) {
            self.scenario = scenario
            self.run = run
            self.started = started
            self.verdict = verdict
            self.path = path
        }
    }

    /// The header line of a proof, parsed; `nil` when the text is not a proof.
    public static func entry(header text: Substring, path: String) -> Entry? {
        guard let line = text.split(separator: "\n", maxSplits: 1).first, line.hasPrefix("<!-- proof: "), line.hasSuffix("-->") else { return nil }
        var fields: [String: String] = [:]
        for part in line.dropFirst("<!-- proof: ".count).dropLast(3).split(separator: " ") {
            guard let equals = part.firstIndex(of: "=") else { continue }
            fields[String(part[..<equals])] = String(part[part.index(after: equals)...])
        }
        guard let scenario = fields["scenario"], let run = fields["run"], let started = fields["started"], let verdict = fields["verdict"] else { return nil }
        return Entry(scenario: scenario, run: run, started: started, verdict: verdict, path: path)
    }

    /// Reads every `*/*.md` proof under `directory`.
    public static func entries(in directory: String) throws -> [Entry] {
        let manager = FileManager.default
        var result: [Entry] = []
        let root = URL(fileURLWithPath: directory)
        let scenarios: [String]
        do { scenarios = try manager.contentsOfDirectory(atPath: directory) } catch {
            throw ReportError("cannot list the proof directory \(directory): \(error.localizedDescription); create it or pass --out")
        }
        for scenario in scenarios.sorted() {
            var isDirectory: ObjCBool = false
            let folder = root.appendingPathComponent(scenario)
            guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else { continue }
            for file in (try? manager.contentsOfDirectory(atPath: folder.path))?.sorted() ?? [] where file.hasSuffix(".md") {
                guard let handle = FileHandle(forReadingAtPath: folder.appendingPathComponent(file).path) else { continue }
                let head = String(decoding: handle.readData(ofLength: 512), as: UTF8.self)
                try? handle.close()
                if let entry = entry(header: Substring(head), path: "\(scenario)/\(file)") { result.append(entry) }
            }
        }
        return result
    }

    /// The index markdown for `entries`, newest first (ties by scenario).
    public static func render(_ entries: [Entry]) -> String {
        var out = [
            "# Proofs", "",
            "Evidence of scenario runs recorded by `proof run` (see `docs/invariants.md` for what the invariants check). Regenerated from the files in this directory; re-check any proof with `proof verify <file>`.",
            "",
        ]
        if entries.isEmpty { out += ["No proofs yet.", ""] } else {
            out += ["| scenario | time (UTC) | verdict | proof |", "| --- | --- | --- | --- |"]
            let sorted = entries.sorted { ($0.started, $0.scenario, $0.path) > ($1.started, $1.scenario, $1.path) }
            for entry in sorted {
                let badge = entry.verdict == "PASSED" ? "✅ PASSED" : entry.verdict == "FAILED" ? "❌ FAILED" : "⚠️ \(Markdown.escape(entry.verdict))"
                out.append("| \(Markdown.escape(entry.scenario)) | \(Markdown.escape(entry.started)) | \(badge) | [\(Markdown.escape(String(entry.run.suffix(8)).lowercased()))](\(link(entry.path))) |")
            }
            out.append("")
        }
        out += formatSection
        return Redactor.standard.scrub(out.joined(separator: "\n") + "\n")
    }

    /// A link destination for a relative path: `<…>` around it when it has spaces or parentheses.
    static func link(_ path: String) -> String {
        let flat = Markdown.flatten(path)
        guard flat.contains(where: { " ()<>".contains($0) }) else { return flat }
        return "<" + flat.replacingOccurrences(of: "<", with: "%3C").replacingOccurrences(of: ">", with: "%3E") + ">"
    }

    /// The "proof format" section: what each proof page holds, in order.
    public static let formatSection: [String] = [
        "## Proof format", "",
        "Each proof is `<scenario>/<UTC start time>-<short run id>.md`, rendered from the evidence store alone (`proof verify` re-renders it and compares):", "",
        "1. **Verdict** (✅ PASSED · ❌ FAILED · ⚠️ ERROR) and, when the run did not pass, the first failing invariant and why, in words; the run's id, environment, cluster, start, duration and exit code.",
        "2. **Findings**: one line per problem (an invariant about one object), its sentence first, the captures where it failed and held, and what differs from what was expected; the full expected and actual JSON folded underneath.",
        "3. **Invariants**: one row per invariant, one column per capture — ✅ held, ❌ n findings, ⚠️ could not be evaluated, – not evaluated there.",
        "4. **Steps** with status and duration, and a Mermaid gantt timeline.",
        "5. **Captures** (folded): the Argo CD app tree with sync/health, namespaces, workloads (ready/desired), PVCs, Loki volumes, kinds not listed.",
        "6. **Changes between captures** (folded): objects added, removed and changed with field-level changes; resourceVersion, managedFields, generation, observedGeneration, timestamps, generated name suffixes, what the server rewrites on its own (Argo CD `reconciledAt`, Event counts, Lease renewals) and Events left out.",
        "7. **Evidence digests** (folded): each capture's snapshot and chain digest, the run's genesis and seal.",
        "8. **Re-check**: the `proof verify` and `proof replay` commands for this run.",
        "",
        "Every text from the cluster or the command line is escaped for markdown, and home directories are written as `~`. Proofs written before this layout (no `format=` in their first line) keep verifying in the layout they were written in.",
        "",
        "Invariant syntax: `docs/invariants.md`. Evidence tables and digests: `docs/evidence-schema.md`. What each section shows, with screenshots: `docs/proof-format.md`.",
    ]

    /// Regenerates `directory/README.md`; returns its path.
    @discardableResult
    public static func write(directory: String) throws -> String {
        let path = URL(fileURLWithPath: directory).appendingPathComponent("README.md").path
        do { try render(try entries(in: directory)).write(toFile: path, atomically: true, encoding: .utf8) } catch let error as ReportError { throw error } catch {
            throw ReportError("cannot write \(path): \(error.localizedDescription)")
        }
        return path
    }
}
