import Foundation
import ProofCore
import Synchronization
import Testing

@testable import ProofScenario

/// What a run tells people while it goes: the progress lines and a failed wait's message carry markers, never
/// the credentials the run saw.
@Suite("Redacted progress and wait messages")
struct RedactedReportsTests {
    @Test("every progress line and status is scrubbed on its way out")
    func progressLines() {
        let written = Mutex<[String]>([])
        for mode in [ProgressReporter.Mode.plain, .terminal] {
            let reporter = ProgressReporter(mode: mode) { text in written.withLock { $0.append(text) } }
            reporter.line("[1] exec sh -c 'DB_PASS=hunter2 run --token t0k3n'")
            reporter.status("waiting: Authorization: Bearer abcdefgh12345678")
        }
        let all = written.withLock { $0.joined() }
        #expect(!all.contains("hunter2") && !all.contains("t0k3n") && !all.contains("abcdefgh12345678"))
        #expect(all.contains("DB_PASS=[REDACTED credential]") && all.contains("--token [REDACTED credential]"))
    }

    @Test("a failed field wait judges the real value but shows the store's marker for it")
    func waitMessages() throws {
        let redaction = Redaction(salt: Array(repeating: 5, count: 32))
        let secret: JSON = [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "db", "namespace": "default"],
            "data": ["password": JSON.string(Data("hunter2".utf8).base64EncodedString())],
        ]
        let encoded = Data("hunter2".utf8).base64EncodedString()
        let wrong = WaitCondition.fieldEquals(path: "data.password", value: "bm9wZQ==").judge([secret], redaction: redaction)
        #expect(!wrong.holds && !wrong.difference.contains(encoded) && !wrong.difference.contains("hunter2"))
        let marker = try #require(redaction.normalize(secret)["data"]?["password"]?.stringValue)
        #expect(wrong.difference.contains(marker), "the same marker the evidence holds: \(wrong.difference)")
        #expect(WaitCondition.fieldEquals(path: "data.password", value: .string(encoded)).judge([secret], redaction: redaction).holds)
        let unmatched = WaitCondition.fieldMatches(path: "data.password", pattern: "^x").judge([secret], redaction: redaction)
        #expect(!unmatched.holds && !unmatched.difference.contains(encoded))
        // Values that are no credential are shown as they are.
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "status": ["phase": "Pending"]]
        #expect(WaitCondition.fieldEquals(path: "status.phase", value: "Running").judge([pod], redaction: redaction).difference
            == "p: status.phase is \"Pending\", expected \"Running\"")
    }
}
