import Foundation
import ProofCore
import ProofScenario
import ProofStore
import Testing

@testable import ProofCommands

/// `git` steps push to the GitOps checkout's remote (issue 12): a real bare repository on disk and a real Git
/// server over HTTP on 127.0.0.1 (scripts/kind/git-http-server.py, the one the kind cluster runs), through a whole
/// `proof run --gitops-repo` against the embedded cluster.
@Suite(.serialized) struct GitOpsPushTests {
    /// A scenario that commits one change and restores the starting tree in `finally`.
    static let scenario = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: push-drill, description: "Commit one change, push it, restore the starting tree."}
        spec:
          environment: dev
          steps:
            - git: {file: settings.yaml, set: {data.version: "2"}, message: "version 2"}
          finally:
            - git: {restore: true, message: "put it back"}
        """

    /// Runs `git ARGUMENTS` in `directory`; returns its trimmed output, failing the test on a non-zero exit.
    @discardableResult
    static func git(_ arguments: [String], in directory: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["git", "-c", "user.name=test", "-c", "user.email=test@localhost"] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        guard process.terminationStatus == 0 else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "git \(arguments.joined(separator: " ")): \(text)"])
        }
        return text
    }

    /// A bare remote `remote.git` holding one commit (settings.yaml, version 1) on `main`, and a clone `checkout`.
    static func makeRemote(in directory: URL) throws -> (remote: String, checkout: String) {
        let remote = directory.appendingPathComponent("remote.git").path
        let checkout = directory.appendingPathComponent("checkout").path
        try git(["init", "--quiet", "--bare", "--initial-branch=main", remote], in: directory.path)
        try git(["clone", "--quiet", remote, checkout], in: directory.path)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  version: \"1\"\n"
            .write(toFile: checkout + "/settings.yaml", atomically: true, encoding: .utf8)
        try git(["add", "-A"], in: checkout)
        try git(["commit", "--quiet", "-m", "version 1"], in: checkout)
        try git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], in: checkout)
        return (remote, checkout)
    }

    /// Runs the push drill with `--gitops-repo checkout` against the embedded cluster; returns the exit code and
    /// the recorded steps.
    static func runDrill(checkout: String, in directory: URL, extra: [String] = []) async throws -> (Int32, [StepRecord]) {
        let file = directory.appendingPathComponent("push-drill.yaml").path
        try scenario.write(toFile: file, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("evidence.sqlite").path
        let command = try Proof.Run.parse([
            file, "--db", db, "--out", directory.appendingPathComponent("proof").path, "--gitops-repo", checkout,
            "--platform", RunTests.path("scenarios/platform"),
        ] + extra)
        let code = try await command.execute(reporter: ProgressReporter(mode: .silent))
        let store = try EvidenceStore.open(path: db)
        let run = try #require(try await store.runs().first)
        return (code, try await store.steps(run: run.id))
    }

    @Test func aGitStepPushesToTheBareRemoteAndFinallyRestoresTheBranch() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (remote, checkout) = try Self.makeRemote(in: directory)
        let start = try Self.git(["rev-parse", "main"], in: remote)

        let (code, steps) = try await Self.runDrill(checkout: checkout, in: directory)
        #expect(code == 0, "\(steps.map { "\($0.name): \($0.message ?? "")" })")

        let gitSteps = steps.filter { $0.kind == "git" }
        #expect(gitSteps.count == 2)
        let commit = try #require(gitSteps.first?.detail?[path: ["result", "commit"]]?.stringValue)
        #expect(gitSteps.first?.detail?[path: ["result", "pushed", "commit"]]?.stringValue == commit, "the pushed commit is recorded")
        #expect(gitSteps.first?.detail?[path: ["result", "pushed", "branch"]]?.stringValue == "main")
        // The remote really has both commits: the change, then the restore on top of it (no force-push).
        let history = try Self.git(["log", "--format=%s", "main"], in: remote).split(separator: "\n").map(String.init)
        #expect(history == ["put it back", "version 2", "version 1"])
        #expect(try Self.git(["rev-parse", "main~1"], in: remote) == commit)
        #expect(try Self.git(["rev-parse", "main^{tree}"], in: remote) == Self.git(["rev-parse", "\(start)^{tree}"], in: remote),
            "the restore commit has the tree the run started from")
        #expect(try Self.git(["show", "main~1:settings.yaml"], in: remote).contains("version: \"2\""))
    }

    @Test func aRejectedPushIsAStepErrorNamingTheRemoteAndBranch() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (remote, checkout) = try Self.makeRemote(in: directory)
        // Someone else pushes first: the checkout is now behind, and its push is not a fast-forward.
        let other = directory.appendingPathComponent("other").path
        try Self.git(["clone", "--quiet", remote, other], in: directory.path)
        try "someone else\n".write(toFile: other + "/README", atomically: true, encoding: .utf8)
        try Self.git(["add", "-A"], in: other)
        try Self.git(["commit", "--quiet", "-m", "someone else"], in: other)
        try Self.git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], in: other)
        let theirs = try Self.git(["rev-parse", "main"], in: remote)

        let (code, steps) = try await Self.runDrill(checkout: checkout, in: directory)
        #expect(code == 3, "a push that cannot land means the run could not do what it says")
        let first = try #require(steps.first { $0.kind == "git" })
        #expect(first.status == .error)
        let message = first.message ?? ""
        #expect(message.contains("failed") && message.contains("[rejected]") && message.contains("origin") && message.contains("branch main"), "\(message)")
        #expect(try Self.git(["rev-parse", "main"], in: remote) == theirs, "the remote is untouched")
    }

    @Test func anExplicitRemoteThatDoesNotExistIsBadInput() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (_, checkout) = try Self.makeRemote(in: directory)
        let (code, steps) = try await Self.runDrill(checkout: checkout, in: directory, extra: ["--gitops-remote", "upstream"])
        #expect(code == 2)
        #expect(steps.first { $0.kind == "git" }?.message?.contains("has no remote 'upstream'") == true)
    }

    @Test func aGitStepPushesOverHTTPToTheKindGitServer() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let server = try GitHTTPServer(root: directory.appendingPathComponent("served").path)
        defer { server.stop() }
        let checkout = directory.appendingPathComponent("checkout").path
        try Self.git(["clone", "--quiet", server.url, checkout], in: directory.path)
        try "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  version: \"1\"\n"
            .write(toFile: checkout + "/settings.yaml", atomically: true, encoding: .utf8)
        try Self.git(["add", "-A"], in: checkout)
        try Self.git(["commit", "--quiet", "-m", "version 1"], in: checkout)
        try Self.git(["push", "--quiet", "origin", "HEAD:refs/heads/main"], in: checkout)

        let (code, steps) = try await Self.runDrill(checkout: checkout, in: directory, extra: ["--gitops-branch", "main"])
        #expect(code == 0, "\(steps.map { "\($0.name): \($0.message ?? "")" })")
        let pushed = try #require(steps.first { $0.kind == "git" }?.detail?[path: ["result", "pushed"]])
        #expect(pushed["url"]?.stringValue == server.url)
        // A fresh clone over HTTP sees what the run pushed.
        let fresh = directory.appendingPathComponent("fresh").path
        try Self.git(["clone", "--quiet", server.url, fresh], in: directory.path)
        #expect(try Self.git(["log", "--format=%s"], in: fresh).split(separator: "\n") == ["put it back", "version 2", "version 1"])
    }

    @Test func aTokenInTheRemoteURLNeverReachesTheStore() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (_, checkout) = try Self.makeRemote(in: directory)
        // A remote with a token in its URL that nothing listens on (port 9 on loopback): the push fails.
        try Self.git(["remote", "set-url", "origin", "http://bot:s3cret-token@127.0.0.1:9/platform.git"], in: checkout)
        let (code, steps) = try await Self.runDrill(checkout: checkout, in: directory)
        #expect(code == 3)
        let message = try #require(steps.first { $0.kind == "git" }?.message)
        #expect(message.contains("failed") && message.contains("http://127.0.0.1:9/platform.git"), "\(message)")
        let store = try Data(contentsOf: directory.appendingPathComponent("evidence.sqlite"))
        #expect(store.range(of: Data("s3cret-token".utf8)) == nil, "the token is nowhere in the evidence store")
        #expect(!message.contains("s3cret-token"))
    }

    @Test func credentialsInARemoteURLAreNeverRecorded() {
        #expect(GitOpsRemote.withoutCredentials("https://bot:s3cret@git.example.invalid/mlp.git") == "https://git.example.invalid/mlp.git")
        #expect(GitOpsRemote.withoutCredentials("http://127.0.0.1:8080/platform.git") == "http://127.0.0.1:8080/platform.git")
        #expect(GitOpsRemote.withoutCredentials("/tmp/remote.git") == "/tmp/remote.git")
        #expect(GitOpsRemote.withoutCredentials("'https://bot:s3cret@git.example.invalid/mlp.git/':") == "'https://git.example.invalid/mlp.git/':",
            "as Git quotes it in `fatal: unable to access '…':`")
    }
}

/// scripts/kind/git-http-server.py on a free loopback port, for one test.
final class GitHTTPServer {
    /// The platform repository's URL.
    let url: String
    private let process: Process

    init(root: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", RunTests.path("scripts/kind/git-http-server.py"), "--bind", "127.0.0.1", "--port", "0", "--root", root]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        // The server prints its URL (with the port it bound) once it listens, so the first clone cannot race its start.
        let line = output.fileHandleForReading.availableLine()
        guard let at = line.range(of: " on http://") else {
            process.terminate()
            throw CocoaError(.fileReadUnknown, userInfo: [NSLocalizedDescriptionKey: "git-http-server.py did not start: \(line)"])
        }
        self.process = process
        self.url = String(line[line.index(at.lowerBound, offsetBy: 4)...])
    }

    /// Kills the server. SIGKILL: a child spawned from a Dispatch worker thread inherits its blocked signals, so
    /// SIGTERM (`terminate()`) may never reach it.
    func stop() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }
}

extension FileHandle {
    /// Reads up to the first newline (or the end).
    fileprivate func availableLine() -> String {
        var bytes: [UInt8] = []
        while true {
            let chunk = readData(ofLength: 1)
            guard let byte = chunk.first, byte != 10 else { break }
            bytes.append(byte)
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
