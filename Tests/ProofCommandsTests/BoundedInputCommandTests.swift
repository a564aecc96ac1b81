import Foundation
import ProofStore
import Testing

@testable import ProofCommands

/// Bad input is exit 2 for every command, and the prod guard looks at every place prod shows, before anything runs.
@Suite struct BoundedInputCommandTests {
    static let devScenario = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: quiet, description: Does nothing much.}
        spec:
          environment: dev
          steps: [{sleep: {duration: 1ms}}]

        """

    /// A kubeconfig for a loopback server nobody listens on (so a run that is not refused fails to connect).
    static func kubeconfig(cluster: String = "ops", server: String = "https://127.0.0.1:9", context: String = "ops") -> String {
        """
        apiVersion: v1
        kind: Config
        clusters: [{name: \(cluster), cluster: {server: "\(server)"}}]
        users: [{name: me, user: {token: t}}]
        contexts: [{name: \(context), context: {cluster: \(cluster), user: me}}]
        current-context: \(context)

        """
    }

    func write(_ text: String, _ name: String, in directory: URL) throws -> String {
        let path = directory.appendingPathComponent(name).path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aProdClusterNameOrServerHostIsRefusedBeforeConnecting() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try write(Self.devScenario, "quiet.yaml", in: directory)
        let db = directory.appendingPathComponent("e.sqlite").path
        for (name, config) in [
            ("cluster", Self.kubeconfig(cluster: "eks-prod")),
            ("host", Self.kubeconfig(server: "https://api.prod.example.invalid:6443")),
        ] {
            let file = try write(config, "\(name).kubeconfig", in: directory)
            #expect(await Proof.runReturningExitCode(["run", scenario, "--kubeconfig", file, "--db", db, "--out", directory.path]) == Proof.Exit.badInput, "\(name)")
        }
        #expect(!FileManager.default.fileExists(atPath: db), "a refused run never opens the store")
    }

    @Test func aDevScenarioThatChangesAProdNamespaceIsRefusedBeforeTheRun() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try write(
            Self.devScenario.replacingOccurrences(
                of: "steps: [{sleep: {duration: 1ms}}]", with: "steps: [{delete: {target: {kind: ConfigMap, namespace: fastapi-prod, name: x}}}]"),
            "sweep.yaml", in: directory)
        let db = directory.appendingPathComponent("e.sqlite").path
        #expect(await Proof.runReturningExitCode(["run", scenario, "--db", db, "--out", directory.path]) == Proof.Exit.badInput)
        #expect(!FileManager.default.fileExists(atPath: db))
    }

    @Test func everyKubeconfigProblemIsBadInputForRun() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try write(Self.devScenario, "quiet.yaml", in: directory)
        let broken = try write("clusters: {not: a list}\n", "broken.kubeconfig", in: directory)
        for kubeconfig in [directory.appendingPathComponent("missing.kubeconfig").path, broken] {
            #expect(await Proof.runReturningExitCode(["run", scenario, "--kubeconfig", kubeconfig, "--db", directory.path + "/e.sqlite", "--out", directory.path]) == Proof.Exit.badInput)
        }
    }

    @Test func aBadDatabaseIsBadInputForRun() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try write(Self.devScenario, "quiet.yaml", in: directory)
        let notADatabase = try write("this is not SQLite\n", "e.sqlite", in: directory)
        #expect(await Proof.runReturningExitCode(["run", scenario, "--db", notADatabase, "--out", directory.path]) == Proof.Exit.badInput)
    }

    @Test func verifyOfAFileThatIsNotAProofIsBadInput() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("e.sqlite").path
        _ = try EvidenceStore.open(path: db)
        let notes = try write("# Notes\n\nNothing to see here.\n", "notes.md", in: directory)
        #expect(await Proof.runReturningExitCode(["verify", notes, "--db", db]) == Proof.Exit.badInput)
    }

    @Test func lintRefusesADirectoryWithoutScenarios() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(await Proof.runReturningExitCode(["lint", directory.path]) == Proof.Exit.badInput)
    }

    @Test func aScenarioOrKubeconfigThatIsNotARegularFileIsRefused() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        // /dev/zero never ends: read whole, it would fill memory.
        #expect(await Proof.runReturningExitCode(["lint", "/dev/zero"]) == Proof.Exit.badInput)
        let scenario = try write(Self.devScenario, "quiet.yaml", in: directory)
        #expect(await Proof.runReturningExitCode(["run", scenario, "--kubeconfig", "/dev/zero", "--db", directory.path + "/e.sqlite", "--out", directory.path]) == Proof.Exit.badInput)
        let caFile = try write(
            Self.kubeconfig().replacingOccurrences(of: "{server: \"https://127.0.0.1:9\"}", with: "{server: \"https://127.0.0.1:9\", certificate-authority: /dev/zero}"),
            "ca.kubeconfig", in: directory)
        #expect(await Proof.runReturningExitCode(["run", scenario, "--kubeconfig", caFile, "--db", directory.path + "/e.sqlite", "--out", directory.path]) == Proof.Exit.badInput)
    }

    @Test func aBillionLaughsKubeconfigIsRefusedWithExitTwo() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let scenario = try write(Self.devScenario, "quiet.yaml", in: directory)
        var bomb = "a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...9 { bomb += "a\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 10).joined(separator: ", ") + "]\n" }
        let file = try write(Self.kubeconfig() + "extensions: *a9\n" + bomb, "bomb.kubeconfig", in: directory)
        #expect(await Proof.runReturningExitCode(["run", scenario, "--kubeconfig", file, "--db", directory.path + "/e.sqlite", "--out", directory.path]) == Proof.Exit.badInput)
    }
}
