import Foundation
import ProofCore
import Synchronization
import Testing

@testable import ProofCluster

/// A clock tests can move.
final class TestClock: Sendable {
    let now = Mutex(Date(timeIntervalSince1970: 1_900_000_000))  // 2030-03-17
    func advance(_ seconds: TimeInterval) { now.withLock { $0 += seconds } }
    var read: @Sendable () -> Date { { self.now.withLock { $0 } } }
}

@Suite("exec credential plugins")
struct ExecPluginTests {
    let temp: TempDirectory
    let server: FixtureServer
    init() throws {
        temp = try TempDirectory()
        server = try FixtureServer()
    }

    var counter: String { temp.path + "/count" }
    var info: String { temp.path + "/info.json" }
    func runs() -> Int {
        Int((try? String(contentsOfFile: counter, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "0") ?? 0
    }

    func plugin(expiry: String = "2030-03-17T18:00:00Z", mode: String = "token", extra: [HTTPHeader] = []) -> ExecPlugin {
        ExecPlugin(
            command: Fixtures.directory + "/exec-plugin.sh", args: ["--flag"],
            env: [HTTPHeader("COUNTER_FILE", counter), HTTPHeader("INFO_FILE", info), HTTPHeader("EXPIRY", expiry),
                  HTTPHeader("MODE", mode)] + extra,
            provideClusterInfo: true)
    }

    @Test func tokenIsCachedUntilExpiry() async throws {
        let clock = TestClock()
        let provider = ExecCredentialProvider(plugin: plugin(), server: "https://x:6443", now: clock.read)
        let first = try await provider.credential()
        #expect(first.token == "exec-token-1")
        #expect(first.expiration == ExecCredentialProvider.parseTimestamp("2030-03-17T18:00:00Z"))
        _ = try await provider.credential()
        #expect(runs() == 1, "a credential that has not expired is reused")
        clock.advance(3600)
        #expect(try await provider.credential().token == "exec-token-2")
        #expect(runs() == 2)
        let execInfo = try JSON(parsing: try String(contentsOfFile: info, encoding: .utf8))
        #expect(execInfo["kind"] == "ExecCredential")
        #expect(execInfo["apiVersion"] == "client.authentication.k8s.io/v1")
        #expect(execInfo[path: ["spec", "interactive"]] == false)
        #expect(execInfo[path: ["spec", "cluster", "server"]] == "https://x:6443")
    }

    @Test func kubeconfigExecUserSendsTheToken() async throws {
        let kubeconfigPath = try temp.write("config", kubeconfig(
            cluster: "{server: \(server.http)}",
            user: """
                {exec: {apiVersion: client.authentication.k8s.io/v1, command: \(Fixtures.directory)/exec-plugin.sh, \
                env: [{name: COUNTER_FILE, value: \(counter)}, {name: INFO_FILE, value: \(info)}, \
                {name: EXPIRY, value: '2999-01-01T00:00:00Z'}]}}
                """))
        let config = try Kubeconfig.load(path: kubeconfigPath, environment: ["HOME": temp.path])
        #expect(!"\(config)".contains(counter), "env values are not shown")
        let client = KubernetesClient(config: config)
        #expect(try await client.json(path: "/echo")[path: ["headers", "authorization"]] == "Bearer exec-token-1")
        #expect(try await client.json(path: "/echo")[path: ["headers", "authorization"]] == "Bearer exec-token-1")
        #expect(runs() == 1)
    }

    @Test func failingPluginReportsStatusAndStderr() async throws {
        let provider = ExecCredentialProvider(plugin: plugin(mode: "fail"), server: "https://x")
        let error = await #expect(throws: ClusterError.self) { _ = try await provider.credential() }
        #expect(error?.kind == .credentials)
        #expect(error?.description.contains("exited with status 3: plugin refused: no session") == true)
    }

    @Test func missingCommandShowsInstallHint() async throws {
        let missing = ExecPlugin(command: "proof-no-such-plugin", installHint: "install it with brew")
        let error = await #expect(throws: ClusterError.self) {
            _ = try await ExecCredentialProvider(plugin: missing, server: "https://x").credential()
        }
        #expect(error?.description.contains("command not found") == true)
        #expect(error?.hint == "install it with brew")
    }

    @Test func pluginClientCertificateIsPresented() async throws {
        let pki = try TestPKI.shared.get()
        let tlsServer = try FixtureServer(tls: pki)
        let certPlugin = plugin(mode: "cert", extra: [HTTPHeader("CERT_FILE", pki.clientCert), HTTPHeader("KEY_FILE", pki.clientKey)])
        let config = ClusterConfig(
            server: "https://localhost:\(tlsServer.port)", tls: TLSOptions(certificateAuthorityPEM: pki.read(pki.caCert)),
            authentication: .exec(certPlugin))
        let client = KubernetesClient(config: config)
        #expect(try await client.json(path: "/needs-cert")["clientCN"] == "proof-user")
    }
}

/// Fewer logins: one plugin run per process while its credential is valid, whatever the concurrency.
extension ExecPluginTests {
    var log: String { temp.path + "/runs.log" }
    /// How many times the plugin ran: lines of its append-only log (its counter file can lose concurrent runs).
    func loggedRuns() -> Int {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").count
    }

    /// A plugin whose credential is valid for a long time (so only a 401 may force a refresh).
    func longLivedPlugin() -> ExecPlugin {
        ExecPlugin(
            command: Fixtures.directory + "/exec-plugin.sh",
            env: [HTTPHeader("COUNTER_FILE", counter), HTTPHeader("RUNS_LOG", log), HTTPHeader("INFO_FILE", temp.path + "/info.json"),
                  HTTPHeader("EXPIRY", "2999-01-01T00:00:00Z"), HTTPHeader("MODE", "token")])
    }

    @Test func concurrentCallersShareOneRun() async throws {
        let provider = ExecCredentialProvider(plugin: longLivedPlugin(), server: "https://x:6443")
        let tokens = try await withThrowingTaskGroup(of: String?.self) { group in
            for _ in 0..<8 { group.addTask { try await provider.credential().token } }
            return try await group.reduce(into: Set<String?>()) { $0.insert($1) }
        }
        #expect(loggedRuns() == 1, "eight callers at once wait for the one refresh in flight")
        #expect(tokens == ["exec-token-1"])
    }

    @Test func everyClientOfTheProcessSharesTheCredential() async throws {
        let config = ClusterConfig(server: server.http, authentication: .exec(longLivedPlugin()))
        let responses = try await withThrowingTaskGroup(of: JSON.self) { group in
            for _ in 0..<7 { group.addTask { try await KubernetesClient(config: config).json(path: "/echo") } }
            return try await group.reduce(into: [JSON]()) { $0.append($1) }
        }
        #expect(responses.allSatisfy { $0[path: ["headers", "authorization"]] == "Bearer exec-token-1" })
        #expect(loggedRuns() == 1, "seven clients (as a capture makes requests) run the plugin once")
    }

    @Test func a401FromTheServerForcesOneRefresh() async throws {
        let client = KubernetesClient(config: ClusterConfig(server: server.http, authentication: .exec(longLivedPlugin())))
        // The loopback server takes only the second token: the first is refused (401), the client refreshes once.
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<6 { group.addTask { try await client.send(path: "/needs-token/exec-token-2").status } }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 6))
        #expect(loggedRuns() == 2, "a burst of 401s for one credential costs one refresh, not one per request")
        #expect(try await client.send(path: "/needs-token/exec-token-2").status == 200)
        #expect(loggedRuns() == 2, "the refreshed credential is kept")
    }
}
