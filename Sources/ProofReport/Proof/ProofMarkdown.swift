import Foundation
import ProofCore
import ProofStore

/// The markdown proof of one run (`docs/proof/<scenario>/<UTC time>-<short run id>.md`): verdict and a
/// one-line summary first, then the invariant table, the findings, the steps with a Mermaid timeline, and —
/// folded in `<details>` — each capture (Argo CD app tree, namespaces, workloads, PVCs, Loki volumes), the
/// changes between consecutive captures, the evidence digests and the command that re-checks it all.
///
/// A pure function of ``ProofInput``: no clock, no environment, stable ordering — re-rendering from the store
/// gives the same bytes (what `proof verify` relies on). The text is scrubbed by ``Redactor/standard`` on its
/// way out.
public enum ProofMarkdown {
    /// Kinds left out of the change list between captures: they change at every capture by nature.
    public static let diffIgnoredKinds: Set<String> = ["Event", "Lease", "EndpointSlice", "Endpoints"]
    /// At most this many changed objects are listed per pair of captures.
    public static let diffLimit = 200

    /// Renders the proof in `format` (the current one unless `proof verify` re-renders an older proof).
    public static func render(_ input: ProofInput, format: ProofFormat = .current) -> String {
        let writer = Writer(format: format)
        var out: [String] = []
        let run = input.run
        let verdict = input.verdict
        switch format {
        case .v1:
            out.append("<!-- proof: scenario=\(run.info.scenario) run=\(run.id) started=\(Timestamp.format(run.startedAt)) verdict=\(verdict.rawValue) -->")
            out.append("# Proof: \(run.info.scenario) — \(verdict.badge)")
            out += ["", "**\(summary(input))**", ""]
        case .v2, .v3:
            out.append("<!-- proof: scenario=\(ProofFormat.headerValue(run.info.scenario)) run=\(run.id) started=\(Timestamp.format(run.startedAt)) verdict=\(verdict.rawValue) format=\(format.rawValue) -->")
            out.append("# Proof: \(writer.text(run.info.scenario)) — \(verdict.badge)")
            out += ["", verdictLine(input), ""]
        }
        out.append("| run | environment | cluster | started (UTC) | duration | status |")
        out.append("| --- | --- | --- | --- | --- | --- |")
        let took = run.finishedAt.map { duration($0.timeIntervalSince(run.startedAt)) } ?? "—"
        out.append(
            "| \(writer.code(run.id.rawValue)) | \(writer.text(run.info.environment ?? "—")) | \(writer.text(run.info.cluster ?? "—")) | \(Timestamp.format(run.startedAt)) | \(took) | \(run.status.rawValue)\(run.exitCode.map { " (exit \($0))" } ?? "") |")
        if let message = run.message, !message.isEmpty { out += ["", "> \(writer.text(message))"] }
        out.append("")
        switch format {
        case .v1:
            out += invariantTable(input, writer)
            out += legacyFindingsSection(input)
        case .v2, .v3:
            out += findingsSection(input)
            out += invariantTable(input, writer)
        }
        out += stepsSection(input, writer)
        for capture in input.captures {
            out += captureSection(capture, writer)
        }
        out += changesSection(input, writer, noise: DiffNoise(rules: format.diffRules))
        out += digestsSection(input, writer)
        out += recheckSection(input, writer)
        // The markdown's choke point: what the store holds is redacted already; this also covers stores written
        // before a rule existed. Re-rendering (`proof verify`) goes through the same call.
        return Redactor.standard.scrub(out.joined(separator: "\n") + "\n")
    }

    // MARK: Sections

    static func invariantTable(_ input: ProofInput, _ writer: Writer) -> [String] {
        var out = ["## Invariants", ""]
        let ids = input.invariantIDs
        guard !ids.isEmpty else { return out + ["No invariants were evaluated.", ""] }
        let columns = input.captures.filter { capture in input.findings.contains { $0.snapshot == capture.record.id } }
        out.append("| invariant | kind | " + columns.map { "\($0.record.sequence). \(writer.text($0.record.label))" }.joined(separator: " | ") + " |")
        out.append("| --- | --- | " + columns.map { _ in ":---:" }.joined(separator: " | ") + " |")
        for id in ids {
            let kind = input.findings.first { $0.invariantID == id }?.invariantKind ?? ""
            let cells = columns.map { capture -> String in
                let results = input.results(id, at: capture)
                if results.isEmpty { return "–" }
                let failed = results.filter { $0.status == .failed }.count
                if failed > 0 { return "❌ \(failed)" }
                if results.contains(where: { $0.status == .error }) { return "⚠️" }
                return "✅"
            }
            out.append("| \(writer.code(id)) | \(writer.plain(kind)) | " + cells.joined(separator: " | ") + " |")
        }
        let runLevel = input.findings.filter { $0.snapshot == nil }
        if !runLevel.isEmpty { out += ["", "Run-level results: \(runLevel.count) (listed under Findings)."] }
        out += ["", "✅ held · ❌ n failed (n findings) · ⚠️ could not be evaluated · – not evaluated at that capture", ""]
        return out
    }

    static func stepsSection(_ input: ProofInput, _ writer: Writer) -> [String] {
        var out = ["## Steps", ""]
        guard !input.steps.isEmpty else { return out + ["No steps were recorded.", ""] }
        out += ["| # | step | kind | phase | status | duration | message |", "| ---: | --- | --- | --- | --- | ---: | --- |"]
        for step in input.steps {
            let mark = step.status == .passed ? "✅" : step.status == .skipped ? "⏭️" : "❌"
            out.append(
                "| \(step.sequence) | \(writer.text(step.name)) | \(writer.plain(step.kind)) | \(writer.plain(step.phase)) | \(mark) \(step.status.rawValue) | \(duration(step.duration)) | \(writer.text(step.message ?? "")) |")
        }
        out += ["", "<details><summary>Timeline (Mermaid)</summary>", "", "```mermaid", "gantt", "    title \(mermaid(input.run.info.scenario)) steps", "    dateFormat x", "    axisFormat %M:%S"]
        let origin = input.run.startedAt
        var phase = ""
        for step in input.steps {
            if step.phase != phase {
                phase = step.phase
                out.append("    section \(mermaid(phase))")
            }
            let start = max(0, Int((step.startedAt.timeIntervalSince(origin) * 1000).rounded()))
            let end = max(start + 1, Int((step.finishedAt.timeIntervalSince(origin) * 1000).rounded()))
            let tag = step.status == .passed ? "done, " : step.status == .skipped ? "" : "crit, "
            out.append("    \(mermaid("\(step.sequence) \(step.name)")) :\(tag)s\(step.sequence), \(start), \(end)")
        }
        out += ["```", "", "</details>", ""]
        if input.watchEventCount > 0 { out += ["\(input.watchEventCount) watch event(s) recorded between captures (`proof replay` shows them).", ""] }
        return out
    }

    static func captureSection(_ capture: ProofInput.Capture, _ writer: Writer) -> [String] {
        let record = capture.record
        var out = [
            "<details><summary><b>Capture \(record.sequence): \(writer.html(record.label))</b> — \(record.objectCount) objects at \(Timestamp.format(record.takenAt))\(record.errorCount > 0 ? ", \(record.errorCount) kind(s) not listed" : "")</summary>",
            "",
        ]
        let apps = capture.objects.filter { $0["kind"]?.stringValue == "Application" }
        let projects = capture.objects.filter { $0["kind"]?.stringValue == "AppProject" }
        out.append(AppTree(applications: apps, projects: projects).markdown(level: 4, legacy: writer.format == .v1))
        // Namespaces.
        let namespaces = objects(capture, "Namespace")
        out += ["#### Namespaces", ""]
        if namespaces.isEmpty { out += ["None captured.", ""] } else {
            out += ["| namespace | phase | uid |", "| --- | --- | --- |"]
            for namespace in namespaces {
                let phase = namespace[path: ["metadata", "deletionTimestamp"]] != nil ? "Terminating" : namespace[path: ["status", "phase"]]?.stringValue ?? "Active"
                out.append("| \(writer.text(name(namespace))) | \(writer.plain(phase)) | \(writer.code(short(namespace[path: ["metadata", "uid"]]?.stringValue))) |")
            }
            out.append("")
        }
        // Workloads.
        let workloads = ["Deployment", "StatefulSet", "DaemonSet"].flatMap { objects(capture, $0) }
        out += ["#### Workloads", ""]
        if workloads.isEmpty { out += ["None captured.", ""] } else {
            out += ["| workload | namespace | ready / desired |", "| --- | --- | ---: |"]
            for workload in workloads.sorted(by: { (namespace($0), kind($0), name($0)) < (namespace($1), kind($1), name($1)) }) {
                let (ready, desired) = readiness(workload)
                out.append("| \(writer.plain(kind(workload)))/\(writer.text(name(workload))) | \(writer.text(namespace(workload))) | \(ready == desired ? "" : "⚠️ ")\(ready) / \(desired) |")
            }
            out.append("")
        }
        // PVCs.
        let claims = objects(capture, "PersistentVolumeClaim")
        out += ["#### PersistentVolumeClaims", ""]
        if claims.isEmpty { out += ["None captured.", ""] } else {
            out += ["| claim | phase | capacity | uid |", "| --- | --- | --- | --- |"]
            for claim in claims {
                let phase = claim[path: ["status", "phase"]]?.stringValue ?? "—"
                let capacity = claim[path: ["status", "capacity", "storage"]]?.stringValue ?? claim[path: ["spec", "resources", "requests", "storage"]]?.stringValue ?? "—"
                out.append(
                    "| \(writer.text(namespace(claim)))/\(writer.text(name(claim))) | \(writer.plain(phase)) | \(writer.plain(capacity)) | \(writer.code(short(claim[path: ["metadata", "uid"]]?.stringValue))) |")
            }
            out.append("")
        }
        // Loki.
        out += ["#### Loki", ""]
        if capture.lokiSamples.isEmpty { out += ["No Loki samples.", ""] } else {
            out += ["| sample | value | query |", "| --- | ---: | --- |"]
            for sample in capture.lokiSamples {
                let value = sample.error.map { "⚠️ \(writer.text($0))" } ?? sample.result.flatMap(lokiValue) ?? "ok"
                out.append("| \(writer.text(sample.name)) | \(value) | \(sample.query.isEmpty ? "—" : writer.code(sample.query)) |")
            }
            out.append("")
        }
        if !capture.listingErrors.isEmpty {
            out += ["#### Not listed", "", "| kind | namespace | error |", "| --- | --- | --- |"]
            for error in capture.listingErrors {
                out.append("| \(writer.text(error.kind)) | \(writer.text(error.namespace.isEmpty ? "all" : error.namespace)) | \(writer.text(error.message)) |")
            }
            out.append("")
        }
        return out + ["</details>", ""]
    }

    static func changesSection(_ input: ProofInput, _ writer: Writer, noise: DiffNoise) -> [String] {
        guard input.captures.count > 1 else { return [] }
        var out = ["## Changes between captures", ""]
        for (before, after) in zip(input.captures, input.captures.dropFirst()) {
            let diff = EvidenceDiff.compare(
                before.objects.filter { !diffIgnoredKinds.contains($0["kind"]?.stringValue ?? "") },
                after.objects.filter { !diffIgnoredKinds.contains($0["kind"]?.stringValue ?? "") }, noise: noise)
            out.append("<details><summary><b>\(writer.html(before.record.label)) → \(writer.html(after.record.label))</b>: \(diff.added.count) added, \(diff.removed.count) removed, \(diff.changed.count) changed</summary>")
            out.append("")
            if diff.isEmpty { out += ["No changes.", "", "</details>", ""]; continue }
            out += ["| change | object | fields |", "| --- | --- | --- |"]
            for entry in diff.entries.prefix(diffLimit) {
                let fields = entry.fields.prefix(8).map { "\(writer.code($0.path.isEmpty ? "(object)" : $0.path)): \(writer.json($0.before, limit: 40)) → \(writer.json($0.after, limit: 40))" }
                let more = entry.fields.count > 8 ? "<br>… \(entry.fields.count - 8) more" : ""
                out.append("| \(entry.change.rawValue) | \(writer.code(entry.identity.description)) | \(fields.joined(separator: "<br>"))\(more) |")
            }
            if diff.entries.count > diffLimit { out.append("| … | \(diff.entries.count - diffLimit) more | `proof diff` shows all |") }
            out += ["", "</details>", ""]
        }
        let heartbeats = noise.rules >= .serverChurn ? ", what the server rewrites on its own (Argo CD `reconciledAt`, Event counts, Lease renewals)" : ""
        out += [
            "Left out as noise: `resourceVersion`, `managedFields`, `generation`, `observedGeneration`, `creationTimestamp`, timestamps, generated name suffixes (pod-template hashes, random pod suffixes)\(heartbeats); kinds \(diffIgnoredKinds.sorted().joined(separator: ", ")).",
            "",
        ]
        return out
    }

    static func digestsSection(_ input: ProofInput, _ writer: Writer) -> [String] {
        var out = ["<details><summary><b>Evidence digests</b> (SHA-256)</summary>", "", "| # | capture | objects | snapshot digest | chain digest |", "| ---: | --- | ---: | --- | --- |"]
        for capture in input.captures {
            let record = capture.record
            out.append("| \(record.sequence) | \(writer.text(record.label)) | \(record.objectCount) | `\(record.digest)` | `\(record.chainDigest)` |")
        }
        out += ["", "- genesis: `\(input.run.genesisDigest)`", "- seal: \(input.run.sealDigest.map { "`\($0)`" } ?? "not sealed (run not finished)")"]
        if let digest = input.run.info.scenarioDigest { out.append("- scenario: `\(digest)`") }
        return out + ["", "</details>", ""]
    }

    static func recheckSection(_ input: ProofInput, _ writer: Writer) -> [String] {
        let database = writer.format == .v1 ? input.databasePath : Markdown.homeRelative(Markdown.flatten(input.databasePath))
        return [
            "## Re-check", "",
            "```sh",
            "proof verify docs/proof/\(input.relativePath) --db \(database)",
            "proof replay \(input.run.id) --db \(database)",
            "```", "",
        ]
    }

    // MARK: Helpers

    static func objects(_ capture: ProofInput.Capture, _ kind: String) -> [JSON] {
        capture.objects.filter { $0["kind"]?.stringValue == kind }.sorted { (namespace($0), name($0)) < (namespace($1), name($1)) }
    }
    static func name(_ object: JSON) -> String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
    static func namespace(_ object: JSON) -> String { object[path: ["metadata", "namespace"]]?.stringValue ?? "" }
    static func kind(_ object: JSON) -> String { object["kind"]?.stringValue ?? "" }

    static func readiness(_ workload: JSON) -> (Int64, Int64) {
        if kind(workload) == "DaemonSet" {
            return (workload[path: ["status", "numberReady"]]?.intValue ?? 0, workload[path: ["status", "desiredNumberScheduled"]]?.intValue ?? 0)
        }
        return (workload[path: ["status", "readyReplicas"]]?.intValue ?? 0, workload[path: ["spec", "replicas"]]?.intValue ?? 1)
    }

    static func lokiValue(_ result: JSON) -> String? {
        let items = result["result"]
        func number(_ pair: JSON?) -> Double? { pair?[1]?.stringValue.flatMap(Double.init) }
        let value: Double?
        switch result["resultType"]?.stringValue {
        case "vector": value = (items?.arrayValue ?? []).reduce(0) { $0 + (number($1["value"]) ?? 0) }
        case "scalar": value = number(items) ?? 0
        case "matrix": value = (items?.arrayValue ?? []).reduce(0) { $0 + (number($1["values"]?.arrayValue?.last) ?? 0) }
        case "streams": value = Double((items?.arrayValue ?? []).reduce(0) { $0 + ($1["values"]?.arrayValue?.count ?? 0) })
        default: value = nil
        }
        guard let value else { return nil }
        return value == value.rounded() ? String(Int64(value)) : String(value)
    }

    static func duration(_ seconds: TimeInterval) -> String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded())) ms" }
        if seconds < 60 { return String(format: "%.1f s", seconds) }
        return "\(Int(seconds) / 60) min \(Int(seconds) % 60) s"
    }

    /// `actual` without the evidence wrapper the runner stores (`{"value", "evidence"}`).
    static func actual(_ finding: FindingRecord) -> JSON? {
        if case .object(let members)? = finding.actual, members.count == 2, let value = members["value"], members["evidence"] != nil {
            return value == .null ? nil : value
        }
        return finding.actual
    }

    static func short(_ uid: String?) -> String { uid.map { String($0.prefix(8)) } ?? "—" }

    /// A Mermaid task/section name: only characters Mermaid's gantt grammar never misreads.
    static func mermaid(_ text: String) -> String {
        // Scrubbed before the characters a credential rule looks for (`=`, `:`) are blanked out; a marker shows
        // as the word `REDACTED`.
        Markdown.escape(Redactor.standard.scrub(text), as: .mermaid)
    }
}
