import Foundation
import ProofCore
import ProofStore
import Testing

extension FaultRun.Outcome {
    /// The results that did not hold, one per line (for failure messages).
    var notHeld: String {
        let lines = results.filter { $0.record.status != .held }.map { result in
            "\(result.record.status.rawValue) [\(result.record.invariantID)] @\(result.label ?? "step") \(result.record.object.map { "\($0)" } ?? "-"): \(result.record.message)"
        }
        return lines.isEmpty ? "(every result held)" : lines.joined(separator: "\n")
    }

    /// The run as a whole failed with findings: exit 1, status failed, and every action ran without error.
    func expectFailedRun(sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actionErrors.isEmpty, "fault actions failed: \(actionErrors)", sourceLocation: sourceLocation)
        #expect(missedMoments.isEmpty, "fault moments never came: \(missedMoments)\n\(log.joined(separator: "\n"))", sourceLocation: sourceLocation)
        #expect(
            code == 1,
            "exit code \(code) (\(run.message ?? "")); results:\n\(notHeld)\n\(log.joined(separator: "\n"))\ndiagnostics:\n\(diagnostics.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
        #expect(run.status == .failed, "run status \(run.status.rawValue)", sourceLocation: sourceLocation)
    }

    /// The steps that timed out, each as its `[N] name` line and its `✗ timeout: …` line (for messages).
    var timedOutSteps: [String] {
        log.indices.filter { log[$0].hasPrefix("    ✗ timeout") }.map { index in
            (log[..<index].last { $0.hasPrefix("[") } ?? "[?]") + "\n" + log[index]
        }
    }

    /// A wait timed out (a failed step, not the run's own timeout) before the capture `label` was taken, and the
    /// runner took the `failed-step` capture instead (and no capture `label`).
    func expectTimedOutWait(before label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            timedOutSteps.contains { $0.contains("] wait") }, "no wait step timed out; progress:\n\(log.joined(separator: "\n"))",
            sourceLocation: sourceLocation)
        #expect(labels.contains("failed-step"), "captures \(labels): no failed-step capture", sourceLocation: sourceLocation)
        #expect(!labels.contains(label), "captures \(labels): \(label) was taken though a wait before it timed out", sourceLocation: sourceLocation)
    }

    /// A finding (status failed, not error) for invariant `id` — at capture `label` when given — with a
    /// message, an expected and an actual value, about an object named `object` when given (its identity or
    /// its message names it).
    @discardableResult
    func expectFinding(
        _ id: String, at label: String? = nil, about object: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) -> FindingRecord? {
        let failed = results.filter { $0.record.invariantID == id && $0.record.status == .failed && (label == nil || $0.label == label) }
        guard !failed.isEmpty else {
            Issue.record(
                "no finding for \(id)\(label.map { " at \($0)" } ?? "") in \(scenario); its results: \(results.filter { $0.record.invariantID == id }.map { "\($0.record.status.rawValue)@\($0.label ?? "step")" }); not held:\n\(notHeld)",
                sourceLocation: sourceLocation)
            return nil
        }
        let complete = failed.first { result in
            let finding = result.record
            guard !finding.message.isEmpty, finding.expected != nil, finding.actual != nil else { return false }
            guard let object else { return finding.object != nil || !finding.message.isEmpty }
            return finding.object?.name == object || finding.object.map { "\($0)" }?.contains(object) == true
                || finding.message.contains(object)
        }
        #expect(
            complete != nil,
            "the findings for \(id) lack a message, expected, actual or the object \(object ?? "-"): \(failed.map { "\($0.record.object.map { "\($0)" } ?? "-") expected=\($0.record.expected?.canonicalString ?? "nil") actual=\($0.record.actual?.canonicalString ?? "nil") \($0.record.message)" })",
            sourceLocation: sourceLocation)
        return complete?.record
    }

    /// The markdown proof's invariant table marks `id` failed (❌), and the JUnit XML has a `<failure>` in a
    /// testcase of `id`.
    func expectReportsShowFailed(_ id: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let row = markdown.split(separator: "\n").first { $0.hasPrefix("| `\(id)` |") }
        #expect(row?.contains("❌") == true, "proof row for \(id): \(row.map(String.init) ?? "missing")", sourceLocation: sourceLocation)
        #expect(markdown.contains("FAILED"), "the proof's verdict says FAILED", sourceLocation: sourceLocation)
        let cases = junit.components(separatedBy: "<testcase ").dropFirst().filter { $0.hasPrefix("name=\"\(id) @") }
        #expect(cases.contains { $0.contains("<failure") }, "JUnit has a <failure> for \(id) (\(cases.count) testcases)", sourceLocation: sourceLocation)
    }
}
