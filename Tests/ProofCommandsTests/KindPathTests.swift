import ArgumentParser
import Foundation
import ProofStore
import Testing

@testable import ProofCommands

/// The kind path (issue 12) as far as it can be checked here, with no Docker and no kind: the offline checks
/// (scripts/ci/offline-checks.sh: actionlint, the workflow JSON schema, shellcheck, hadolint, the manifests
/// against the pinned Kubernetes version's schemas and the real CRDs), the Dockerfile's inputs and entry point,
/// and `scripts/e2e.sh --cluster sim` end to end.
@Suite(.serialized) struct KindPathTests {
    /// Runs `arguments` (bash, a script) in the repository with `environment` added; returns exit code and output.
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.currentDirectoryURL = RunTests.root
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kind-path-\(UUID().uuidString).log")
        FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        let handle = try FileHandle(forWritingTo: output)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
        process.waitUntilExit()
        try handle.close()
        return (process.terminationStatus, try String(contentsOf: output, encoding: .utf8))
    }

    @Test func theOfflineChecksPassOnTheRepository() throws {
        let (code, output) = try Self.run(["bash", RunTests.path("scripts/ci/offline-checks.sh")])
        #expect(code == 0, "\(output)")
        #expect(output.contains("offline-checks: 5 passed, 0 failed"), "\(output)")
    }

    /// One planted error per check, each in its own file of a copy of the tree: every check must fail, and name it.
    @Test func everyOfflineCheckFailsOnAPlantedError() throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let fileManager = FileManager.default
        for item in [".github", ".ci", "scripts", "scenarios", "Dockerfile"] {
            try fileManager.copyItem(atPath: RunTests.path(item), toPath: directory.appendingPathComponent(item).path)
        }
        func plant(_ relative: String, _ edit: (String) -> String) throws {
            let path = directory.appendingPathComponent(relative).path
            let text = try String(contentsOfFile: path, encoding: .utf8)
            let edited = edit(text)
            #expect(edited != text, "the plant in \(relative) changed nothing")
            try edited.write(toFile: path, atomically: true, encoding: .utf8)
        }
        // actionlint: a step output that does not exist. The JSON schema: a job key GitHub does not know.
        try plant(".github/workflows/e2e.yml") {
            $0.replacingOccurrences(of: "    runs-on: ubuntu-24.04\n    container: swift:6.1-noble\n    steps:\n      - uses: actions/checkout@v5\n      - name: system libraries",
                with: "    runs-on: ubuntu-24.04\n    container: swift:6.1-noble\n    timeout-minutes: forever\n    steps:\n      - uses: actions/checkout@v5\n      - name: system libraries")
        }
        // shellcheck: an unquoted variable expansion.
        try plant("scripts/kind/down.sh") { $0.replacingOccurrences(of: "kind delete cluster --name \"$cluster\"", with: "kind delete cluster --name $cluster") }
        // hadolint: an unpinned base image.
        try plant("Dockerfile") { $0.replacingOccurrences(of: "FROM ubuntu:24.04", with: "FROM ubuntu:latest") }
        // Kubernetes schema (strict): a misspelt Deployment field; CRD schema: a misspelt Application field.
        try plant("scenarios/platform/core/envs/dev/fastapi/fastapi.yaml") { $0.replacingOccurrences(of: "  replicas:", with: "  replicass:") }
        try plant("scenarios/platform/core/envs/dev/apps/fastapi-dev.yaml") { $0.replacingOccurrences(of: "  project: dev", with: "  projekt: dev") }

        let (code, output) = try Self.run(["bash", RunTests.path("scripts/ci/offline-checks.sh"), directory.path])
        #expect(code == 1, "\(output)")
        for check in ["actionlint", "check-jsonschema", "shellcheck", "hadolint", "manifests"] {
            #expect(output.contains("offline-checks: FAILED \(check)"), "\(check) did not fail:\n\(output)")
        }
        #expect(output.contains("offline-checks: 0 passed, 5 failed"), "\(output)")
        #expect(output.contains("fastapi.yaml: document 1 (Deployment fastapi-dev/fastapi): spec: Additional properties are not allowed ('replicass' was unexpected)"), "\(output)")
        #expect(output.contains("fastapi-dev.yaml: document 1 (Application argocd/fastapi-dev): spec: Additional properties are not allowed ('projekt' was unexpected)"), "\(output)")
        #expect(output.contains("down.sh") && output.contains("SC2086"), "\(output)")
        #expect(output.contains("DL3007"), "hadolint names the rule: \(output)")
    }

    /// What the Dockerfile copies from the build context (`COPY` without `--from`), and its entry point + command.
    struct DockerfileFacts {
        var copied: [String] = []
        var command: [String] = []

        init(_ text: String) throws {
            var entrypoint: [String] = []
            var cmd: [String] = []
            for raw in text.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                let words = line.split(separator: " ").map(String.init)
                guard let instruction = words.first?.uppercased() else { continue }
                switch instruction {
                case "COPY" where !words.contains(where: { $0.hasPrefix("--from") }):
                    copied += words.dropFirst().dropLast().filter { !$0.hasPrefix("--") }
                case "ENTRYPOINT":
                    entrypoint = try Self.exec(line)
                case "CMD":
                    cmd = try Self.exec(line)
                default: break
                }
            }
            command = entrypoint + cmd
        }

        /// The JSON-array (exec) form of ENTRYPOINT/CMD.
        static func exec(_ line: String) throws -> [String] {
            let json = line.drop { $0 != "[" }
            return try JSONDecoder().decode([String].self, from: Data(json.utf8))
        }

        /// Problems: a copied path missing from the tree (or ignored by Git, so absent from a fresh clone), an
        /// entry point that is not the proof binary, a command the real `proof` parser refuses.
        func problems(root: URL) -> [String] {
            var problems: [String] = []
            for path in copied {
                if !FileManager.default.fileExists(atPath: root.appendingPathComponent(path).path) {
                    problems.append("COPY \(path): no such file in the build context")
                } else if let (code, _) = try? KindPathTests.run(["git", "-C", root.path, "check-ignore", "-q", path]), code == 0 {
                    problems.append("COPY \(path): ignored by Git, so missing from a fresh clone")
                }
            }
            guard let program = command.first, program == "proof" || program.hasSuffix("/proof") else {
                return problems + ["the entry point \(command.first ?? "(none)") is not the proof binary"]
            }
            do {
                _ = try Proof.parseAsRoot(Array(command.dropFirst()))
            } catch {
                problems.append("`\(command.joined(separator: " "))` is not a proof command line: \(Proof.message(for: error))")
            }
            return problems
        }
    }

    @Test func theDockerfileCopiesFilesThatExistAndRunsARealProofCommand() throws {
        let facts = try DockerfileFacts(String(contentsOfFile: RunTests.path("Dockerfile"), encoding: .utf8))
        #expect(facts.copied == ["Package.swift", "Sources", "scenarios", "scripts/kind/git-http-server.py"])
        #expect(facts.command == ["proof", "sim", "service", "fastapi", "--port", "8080"])
        #expect(facts.problems(root: RunTests.root) == [])
        // The same check on planted errors: a copied file that is not there, a subcommand proof does not have.
        let planted = try DockerfileFacts("""
            FROM ubuntu:24.04
            COPY Package.swift Package.resolved ./
            COPY scripts/kind/no-such-server.py /opt/
            ENTRYPOINT ["proof"]
            CMD ["sim", "no-such-command"]
            """)
        let problems = planted.problems(root: RunTests.root)
        #expect(problems.contains("COPY scripts/kind/no-such-server.py: no such file in the build context"), "\(problems)")
        #expect(problems.contains("COPY Package.resolved: ignored by Git, so missing from a fresh clone"), "\(problems)")
        #expect(problems.contains { $0.hasPrefix("`proof sim no-such-command` is not a proof command line") }, "\(problems)")
        #expect(try DockerfileFacts("ENTRYPOINT [\"sh\"]\nCMD [\"-c\", \"true\"]").problems(root: RunTests.root)
            == ["the entry point sh is not the proof binary"])
    }

    /// The proof binary next to this test bundle (the same build).
    static var proofBinary: String {
        let bundle = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("proof").path
        return FileManager.default.isExecutableFile(atPath: bundle) ? bundle : RunTests.path(".build/debug/proof")
    }

    /// `scripts/e2e.sh --cluster sim` with two shards of one scenario each (kept short): the simulated cluster's
    /// Argo CD reads a bare repository, the deploy scenario's git steps push to it, the shards' stores merge and
    /// every proof verifies against the merged store.
    @Test func e2eAgainstTheEmbeddedClusterLeavesAMergedVerifiedStore() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let work = directory.appendingPathComponent("e2e").path
        let (code, output) = try Self.run(
            ["bash", RunTests.path("scripts/e2e.sh"), "--cluster", "sim", "--shards", "2", "--workdir", work,
             RunTests.path("scenarios/baseline-always-on.yaml"), RunTests.path("scenarios/deploy.yaml")],
            environment: ["PROOF": Self.proofBinary])
        #expect(code == 0, "\(output)")
        #expect(output.contains("e2e: shard 1/2 exited 0") && output.contains("e2e: shard 2/2 exited 0"), "\(output)")
        #expect(output.contains("e2e: merged store: \(work)/evidence.sqlite (verified)"), "\(output)")

        let store = try EvidenceStore.open(path: work + "/evidence.sqlite")
        let runs = try await store.runs()
        #expect(Set(runs.map(\.info.scenario)) == ["baseline-always-on", "deploy"], "both shards' runs are in the merged store")
        #expect(runs.allSatisfy { $0.exitCode == 0 })
        // The deploy scenario pushed its commit and its restore to the remote the simulated Argo CD reads.
        let (_, log) = try Self.run(["git", "-C", work + "/gitops.git", "log", "--format=%s", "main"])
        #expect(log.split(separator: "\n").map(String.init)
            == ["deploy: put the platform back as the run found it", "deploy: fastapi 1.1.0", "Initial platform"], "\(log)")
        let proofs = try FileManager.default.subpathsOfDirectory(atPath: work + "/proofs").filter { $0.hasSuffix(".md") && $0.contains("/") }
        #expect(proofs.count == 2, "\(proofs)")
    }
}
