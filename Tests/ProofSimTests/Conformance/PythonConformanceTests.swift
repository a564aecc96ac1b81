import Foundation
import ProofCore
import ProofSim
import Testing

/// The official Python `kubernetes` client (PyPI; `scripts/setup.sh` installs it) drives the simulated cluster,
/// started in-process over HTTPS, through every behaviour of issue 11 §1–§6: `python/conformance.py` holds one
/// check per behaviour, each asserting what a real kube-apiserver answers, and prints one JSON line per check.
/// Each check is one `#expect` here, so a failure names the check and says what differed.
@Suite("Python client conformance")
struct PythonConformanceTests {
    /// `python/conformance.py`, next to this file.
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("python/conformance.py").path

    /// Whether `import kubernetes` works; the suite is skipped (saying why) only when it does not.
    static let hasPythonClient: Bool = {
        guard let probe = try? Client.runBlocking("/usr/bin/env", ["python3", "-c", "import kubernetes"], environment: [:])
        else { return false }
        return probe.status == 0
    }()

    @Test("every check of conformance.py passes against the simulated cluster",
        .enabled(if: hasPythonClient, "the Python kubernetes client is missing (import kubernetes failed): run scripts/setup.sh"),
        .tags(.slow))
    func pythonClientConformance() async throws {
        let listing = try await Client.run("/usr/bin/env", ["python3", Self.script, "--list"])
        try #require(listing.status == 0, "conformance.py --list failed: \(listing.stderr)")
        let names = listing.stdout.split(separator: "\n").map(String.init)
        #expect(names.count >= 40, "conformance.py lists \(names.count) checks")
        try await SimFixture.withCluster { _, client in
            let result = try await Client.run("/usr/bin/env", ["python3", Self.script, client.kubeconfig],
                environment: ["HOME": client.directory])
            var reported: [String: (ok: Bool, detail: String)] = [:]
            for line in result.stdout.split(separator: "\n") {
                let check = try JSON(parsing: String(line))
                guard let name = check["name"]?.stringValue else { continue }
                reported[name] = (check["ok"] == true, check["detail"]?.stringValue ?? "")
            }
            for name in names {
                guard let outcome = reported[name] else {
                    Issue.record("\(name): not reported (the script stopped early? stderr: \(result.stderr.suffix(800)))")
                    continue
                }
                #expect(outcome.ok, "\(name): \(outcome.detail)")
            }
            #expect(result.status == (reported.values.allSatisfy(\.ok) ? 0 : 1), "exit status \(result.status): \(result.stderr.suffix(800))")
        }
    }
}
