import Foundation
import ProofCore
import ProofStore

/// JUnit XML for CI: one `<testsuite>` per scenario, one `<testcase>` per invariant × capture (named
/// `invariant @ N. label`), whose `<failure>`/`<error>` text is the finding. Follows the common (Ant/Jenkins)
/// JUnit schema: counts on every suite, ISO 8601 timestamps without zone, every text and attribute escaped,
/// characters XML 1.0 forbids removed. A step that failed or timed out adds a `step N: name` testcase with a
/// `<failure>`; a run that could not execute adds a `run` testcase with an `<error>`.
public enum JUnitReport {
    /// Renders the runs, grouped by scenario in the order first seen.
    public static func render(_ inputs: [ProofInput]) -> String {
        var order: [String] = []
        var groups: [String: [ProofInput]] = [:]
        for input in inputs {
            let scenario = input.run.info.scenario
            if groups[scenario] == nil { order.append(scenario) }
            groups[scenario, default: []].append(input)
        }
        var suites: [String] = []
        var totals = (tests: 0, failures: 0, errors: 0)
        var totalTime = 0.0
        for scenario in order {
            let runs = groups[scenario] ?? []
            var cases: [String] = []
            var counts = (tests: 0, failures: 0, errors: 0)
            var time = 0.0
            for input in runs {
                let prefix = runs.count > 1 ? "[\(input.run.id.short)] " : ""
                time += input.run.finishedAt.map { $0.timeIntervalSince(input.run.startedAt) } ?? 0
                for id in input.invariantIDs {
                    for capture in input.captures {
                        let results = input.results(id, at: capture)
                        guard !results.isEmpty else { continue }
                        counts.tests += 1
                        let name = "\(prefix)\(id) @ \(capture.record.sequence). \(capture.record.label)"
                        let failed = results.filter { $0.status == .failed }
                        let errors = results.filter { $0.status == .error }
                        var body = ""
                        if !failed.isEmpty {
                            counts.failures += 1
                            body = "      <failure message=\"\(attribute(failed[0].message))\" type=\"\(attribute(failed[0].invariantKind))\">\(text(failed.map(describe).joined(separator: "\n\n")))</failure>\n"
                        } else if !errors.isEmpty {
                            counts.errors += 1
                            body = "      <error message=\"\(attribute(errors[0].message))\" type=\"\(attribute(errors[0].invariantKind))\">\(text(errors.map(describe).joined(separator: "\n\n")))</error>\n"
                        }
                        let open = "    <testcase name=\"\(attribute(name))\" classname=\"\(attribute("\(scenario).\(id)"))\" time=\"0\""
                        cases.append(body.isEmpty ? open + "/>" : open + ">\n" + body + "    </testcase>")
                    }
                }
                for finding in input.findings where finding.snapshot == nil {
                    counts.tests += 1
                    let tag = finding.status == .error ? "error" : "failure"
                    if finding.status == .failed { counts.failures += 1 } else if finding.status == .error { counts.errors += 1 }
                    let body = finding.status == .held ? "" : "      <\(tag) message=\"\(attribute(finding.message))\" type=\"\(attribute(finding.invariantKind))\">\(text(describe(finding)))</\(tag)>\n"
                    let open = "    <testcase name=\"\(attribute("\(prefix)\(finding.invariantID) @ run"))\" classname=\"\(attribute("\(scenario).\(finding.invariantID)"))\" time=\"0\""
                    cases.append(body.isEmpty ? open + "/>" : open + ">\n" + body + "    </testcase>")
                }
                // A step that failed or timed out fails the run (exit 1) even when every invariant held at the
                // captures: CI must see it too.
                for step in input.steps where step.status == .failed || step.status == .timeout {
                    counts.tests += 1
                    counts.failures += 1
                    let name = "\(prefix)step \(step.sequence): \(step.name)"
                    let message = step.message ?? "the step \(step.status.rawValue)"
                    cases.append(
                        "    <testcase name=\"\(attribute(name))\" classname=\"\(attribute(scenario)).steps\" time=\"\(seconds(step.finishedAt.timeIntervalSince(step.startedAt)))\">\n      <failure message=\"\(attribute(message))\" type=\"\(attribute("\(step.kind) \(step.status.rawValue)"))\">\(text("\(step.phase) step \(step.sequence) (\(step.kind)) \(step.status.rawValue): \(message)"))</failure>\n    </testcase>")
                }
                if [.error, .aborted].contains(input.run.status) {
                    counts.tests += 1
                    counts.errors += 1
                    let message = input.run.message ?? "the run ended \(input.run.status.rawValue)"
                    cases.append(
                        "    <testcase name=\"\(attribute("\(prefix)run"))\" classname=\"\(attribute(scenario)).run\" time=\"0\">\n      <error message=\"\(attribute(message))\" type=\"\(input.run.status.rawValue)\">\(text("run \(input.run.id): \(message)"))</error>\n    </testcase>")
                }
            }
            let first = runs.map(\.run.startedAt).min() ?? Date(timeIntervalSince1970: 0)
            let properties = runs.map { "      <property name=\"run\" value=\"\(attribute($0.run.id.rawValue))\"/>" }
            suites.append(
                "  <testsuite name=\"\(attribute(scenario))\" tests=\"\(counts.tests)\" failures=\"\(counts.failures)\" errors=\"\(counts.errors)\" skipped=\"0\" time=\"\(seconds(time))\" timestamp=\"\(Timestamp.format(first).prefix(19))\" hostname=\"\(attribute(runs.first?.run.info.cluster ?? "unknown"))\">\n"
                    + "    <properties>\n" + properties.joined(separator: "\n") + "\n    </properties>\n"
                    + cases.map { $0 + "\n" }.joined() + "  </testsuite>")
            totals.tests += counts.tests
            totals.failures += counts.failures
            totals.errors += counts.errors
            totalTime += time
        }
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<testsuites name=\"proof\" tests=\"\(totals.tests)\" failures=\"\(totals.failures)\" errors=\"\(totals.errors)\" time=\"\(seconds(totalTime))\">\n"
            + suites.map { $0 + "\n" }.joined() + "</testsuites>\n"
    }

    /// The failure text of a finding: message, object, expected, actual.
    static func describe(_ finding: FindingRecord) -> String {
        var lines = ["[\(finding.invariantID)] \(finding.status.rawValue): \(finding.message)"]
        if let object = finding.object { lines.append("object: \(object.apiVersion) \(object)") }
        if let expected = finding.expected { lines.append("expected: \(expected.canonicalString)") }
        if let actual = ProofMarkdown.actual(finding) { lines.append("actual: \(actual.canonicalString)") }
        return lines.joined(separator: "\n")
    }

    static func seconds(_ value: Double) -> String { String(format: "%.3f", value) }

    /// Escapes text content and drops characters XML 1.0 does not allow.
    static func text(_ value: String) -> String {
        var out = ""
        for scalar in legal(value).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Escapes an attribute value (quotes, and newlines/tabs as character references so they survive).
    static func attribute(_ value: String) -> String {
        var out = ""
        for scalar in legal(value).unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&apos;"
            case "\n": out += "&#10;"
            case "\r": out += "&#13;"
            case "\t": out += "&#9;"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func legal(_ value: String) -> String {
        String(String.UnicodeScalarView(value.unicodeScalars.filter { scalar in
            let v = scalar.value
            return v == 0x9 || v == 0xA || v == 0xD || (0x20...0xD7FF).contains(v) || (0xE000...0xFFFD).contains(v) || (0x10000...0x10FFFF).contains(v)
        }))
    }
}
