import ProofCore
import ProofStore

extension ProofMarkdown {
    /// One problem of a run: the results of one invariant about one object with the same status and sentence,
    /// at every capture where it happened.
    public struct Problem: Sendable {
        /// The results, in the order they were recorded (one per capture where the problem held).
        public var results: [FindingRecord]
        /// Where each result was evaluated: a capture label, or `step N` / `the run` for run-level results.
        public var places: [String]
        /// Capture labels where the same invariant was evaluated and held.
        public var heldAt: [String]

        /// The first result (its sentence, status, invariant and object stand for all).
        public var first: FindingRecord { results[0] }
    }

    /// The results of `input` that did not hold, grouped by invariant, object, status and sentence, in order
    /// of first appearance: four unhealthy Applications seen at three captures are four problems, not twelve.
    public static func problems(_ input: ProofInput) -> [Problem] {
        struct Key: Hashable {
            var invariant: String
            var object: String?
            var status: FindingRecord.Status
            var message: String
        }
        var order: [Key] = []
        var grouped: [Key: [FindingRecord]] = [:]
        for finding in input.findings where finding.status != .held {
            let key = Key(invariant: finding.invariantID, object: finding.object?.description, status: finding.status, message: finding.message)
            if grouped[key] == nil { order.append(key) }
            grouped[key, default: []].append(finding)
        }
        return order.map { key in
            let results = grouped[key] ?? []
            let snapshots = Set(results.compactMap(\.snapshot))
            let heldAt = input.captures.filter { capture in
                let results = input.results(key.invariant, at: capture)
                return !snapshots.contains(capture.record.id) && !results.isEmpty && results.allSatisfy { $0.status == .held }
            }.map(\.record.label)
            return Problem(results: results, places: results.map { place(of: $0, in: input) }, heldAt: heldAt)
        }
    }

    /// Where a result was evaluated, in words: the capture label, `step N`, or `the run`.
    static func place(of finding: FindingRecord, in input: ProofInput) -> String {
        if let capture = input.capture(of: finding) { return capture.record.label }
        return finding.step.map { "step \($0)" } ?? "the run"
    }

    /// The line under the title: the verdict and, when the run did not pass, the first failing invariant (or
    /// step) and why, in words; then the counts.
    static func verdictLine(_ input: ProofInput) -> String {
        let writer = Writer(format: .v2)
        let held = input.findings.filter { $0.status == .held }.count
        let problems = problems(input)
        var counts = "\(input.invariantIDs.count) invariant(s) × \(input.captures.count) capture(s): \(held) held"
        let failedResults = input.findings.filter { $0.status == .failed }.count
        let errorResults = input.findings.filter { $0.status == .error }.count
        if failedResults > 0 { counts += ", \(failedResults) failed" }
        if errorResults > 0 { counts += ", \(errorResults) could not be evaluated" }
        let stepFailures = input.steps.filter { $0.status != .passed && $0.status != .skipped }.count
        counts += ". \(input.steps.count) step(s)\(stepFailures > 0 ? ", \(stepFailures) not passed" : "")"
        if let finished = input.run.finishedAt { counts += ", \(duration(finished.timeIntervalSince(input.run.startedAt)))" }
        counts += "."
        let headline: String
        if let first = problems.first(where: { $0.first.status == .failed }) ?? problems.first {
            let verb = first.first.status == .failed ? "did not hold" : "could not be evaluated"
            let where_ = first.places.first.map { " (at \(writer.text($0)))" } ?? ""
            let more = problems.count > 1 ? " \(problems.count) problems, listed below." : ""
            headline = "**\(input.verdict.badge): \(writer.code(first.first.invariantID)) \(verb) — \(writer.text(first.first.message))\(where_).**\(more)"
        } else if let step = input.steps.first(where: { $0.status != .passed && $0.status != .skipped }) {
            headline = "**\(input.verdict.badge): step \(step.sequence) “\(writer.text(step.name))” \(step.status.rawValue)\(step.message.map { " — \(writer.text($0))" } ?? "").**"
        } else if input.verdict != .passed {
            headline = "**\(input.verdict.badge): the run is \(input.run.status.rawValue)\(input.run.message.map { " — \(writer.text($0))" } ?? "").**"
        } else {
            headline = "**\(input.verdict.badge): every invariant held at every capture.**"
        }
        return headline + " " + counts
    }

    /// Format 2's findings: one line per problem (its sentence first, then where it happened, the invariant,
    /// the object and what differs from what was expected), the full JSON folded underneath.
    static func findingsSection(_ input: ProofInput) -> [String] {
        let problems = problems(input)
        guard !problems.isEmpty else { return [] }
        let writer = Writer(format: .v2)
        var out = ["## Findings", ""]
        for (index, problem) in problems.enumerated() {
            let finding = problem.first
            let mark = finding.status == .failed ? "❌" : "⚠️"
            let verb = finding.status == .failed ? "failed" : "could not be evaluated"
            var line = "\(index + 1). \(mark) **\(writer.text(finding.message))** — \(verb) at \(problem.places.map(writer.text).joined(separator: ", "))"
            if !problem.heldAt.isEmpty { line += "; held at \(problem.heldAt.map(writer.text).joined(separator: ", "))" }
            line += " · \(writer.code(finding.invariantID)) (\(writer.text(finding.invariantKind)))"
            if let object = finding.object { line += " on \(writer.code(object.description))" }
            let difference = difference(expected: finding.expected, actual: actual(finding))
            if !difference.isEmpty { line += " · \(writer.text(difference))" }
            out.append(line)
        }
        out += ["", "<details><summary>Expected and actual values of each finding, in full (JSON)</summary>", ""]
        for (index, problem) in problems.enumerated() {
            let finding = problem.first
            out.append("**\(index + 1).** \(writer.code(finding.invariantID))\(finding.object.map { " on \(writer.code($0.description))" } ?? "")")
            out.append("")
            var lines = ["expected: \(finding.expected?.canonicalString ?? "—")"]
            for (result, place) in zip(problem.results, problem.places) {
                lines.append("actual at \(Markdown.flatten(place)): \(actual(result)?.canonicalString ?? "—")")
            }
            lines = lines.map(Markdown.homeRelative)
            let fence = fence(for: lines)
            out += [fence + "text"] + lines + [fence, ""]
        }
        out += ["</details>", ""]
        return out
    }

    /// A code fence longer than any backtick run in `lines` (and at least three backticks).
    static func fence(for lines: [String]) -> String {
        var longest = 0
        for line in lines {
            var run = 0
            for character in line {
                run = character == "`" ? run + 1 : 0
                longest = max(longest, run)
            }
        }
        return String(repeating: "`", count: max(3, longest + 1))
    }

    /// What differs between `expected` and `actual`, field by field, in words:
    /// `health: Progressing (expected Healthy)`: the fields both sides name that differ (a value among the expected
    /// alternatives matches); when none differ, what one side alone names. Empty when nothing can be said.
    public static func difference(expected: JSON?, actual: JSON?) -> String {
        var parts: [String] = []
        switch (expected, actual) {
        case (.object(let want)?, .object(let have)?):
            // The fields both sides name and that differ are the difference; only when there are none do the
            // fields one side alone names say what was found and what was wanted.
            for key in have.keys.sorted() {
                if let value = have[key], let wanted = want[key], !matches(value, wanted) {
                    parts.append("\(key): \(describe(value)) (expected \(alternatives(wanted)))")
                }
            }
            if parts.isEmpty {
                for key in have.keys.sorted() where want[key] == nil && have[key] != .null {
                    parts.append("\(key): \(describe(have[key] ?? .null))")
                }
                // Selectors and other nested specs the sentence already names are left to the JSON below.
                let missing = want.keys.sorted().filter { have[$0] == nil && want[$0]?.objectValue == nil }
                if !missing.isEmpty {
                    parts.append("expected " + missing.map { "\($0) \(alternatives(want[$0] ?? .null))" }.joined(separator: ", "))
                }
            }
        case (let want?, let have?):
            if !matches(have, want) { parts.append("\(describe(have)) (expected \(alternatives(want)))") }
        case (nil, let have?):
            parts.append(describe(have))
        case (let want?, nil):
            parts.append("expected \(alternatives(want))")
        case (nil, nil):
            break
        }
        let text = parts.joined(separator: "; ")
        return text.count > 240 ? String(text.prefix(239)) + "…" : text
    }

    static func matches(_ value: JSON, _ wanted: JSON) -> Bool {
        if value == wanted { return true }
        if case .array(let options) = wanted, value.arrayValue == nil { return options.contains(value) }
        return false
    }

    static func describe(_ value: JSON) -> String {
        switch value {
        case .string(let text): return text
        case .null: return "none"
        case .array(let items):
            if items.isEmpty { return "none" }
            let shown = items.prefix(5).map(describe).joined(separator: ", ")
            return items.count > 5 ? shown + ", … \(items.count - 5) more" : shown
        case .object:
            let text = value.canonicalString
            return text.count > 80 ? String(text.prefix(79)) + "…" : text
        default: return value.canonicalString
        }
    }

    static func alternatives(_ value: JSON) -> String {
        if case .array(let items) = value, !items.isEmpty, items.count <= 5 { return items.map(describe).joined(separator: " or ") }
        return describe(value)
    }

    // MARK: Format 1

    /// Format 1's summary line: `3 invariants × 4 captures: 11 held, 1 failed (optional-apps-gone at
    /// after-detach). 9 steps, 42 s.`
    public static func summary(_ input: ProofInput) -> String {
        let held = input.findings.filter { $0.status == .held }.count
        let failed = input.findings.filter { $0.status == .failed }
        let errors = input.findings.filter { $0.status == .error }
        var text = "\(input.invariantIDs.count) invariant(s) × \(input.captures.count) capture(s): \(held) held"
        if !failed.isEmpty {
            let first = failed[0]
            text += ", \(failed.count) failed (first: \(first.invariantID) at \(input.capture(of: first)?.record.label ?? "run"))"
        }
        if !errors.isEmpty { text += ", \(errors.count) could not be evaluated" }
        let stepFailures = input.steps.filter { $0.status != .passed && $0.status != .skipped }.count
        text += ". \(input.steps.count) step(s)\(stepFailures > 0 ? ", \(stepFailures) not passed" : "")"
        if let finished = input.run.finishedAt { text += ", \(duration(finished.timeIntervalSince(input.run.startedAt)))" }
        return text + "."
    }

    /// Format 1's findings table: one row per result that did not hold.
    static func legacyFindingsSection(_ input: ProofInput) -> [String] {
        let problems = input.findings.filter { $0.status != .held }
        guard !problems.isEmpty else { return [] }
        let writer = Writer(format: .v1)
        var out = ["## Findings", "", "| invariant | capture | status | object | expected | actual | message |", "| --- | --- | --- | --- | --- | --- | --- |"]
        for finding in problems {
            out.append(
                "| \(writer.code(finding.invariantID)) | \(writer.text(input.capture(of: finding)?.record.label ?? "run")) | \(finding.status.rawValue) | \(finding.object.map { writer.code($0.description) } ?? "—") | \(writer.json(finding.expected)) | \(writer.json(actual(finding))) | \(writer.text(finding.message)) |")
        }
        return out + [""]
    }
}
