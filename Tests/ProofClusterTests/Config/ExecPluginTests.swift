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
