import Foundation
import ProofCore
import Synchronization
import Testing

@testable import ProofCluster

/// Builds a one-context kubeconfig.
func kubeconfig(
    cluster: String, user: String = "{}", context: String = "kind-test", namespace: String? = nil,
    extra: String = ""
) -> String {
    """
    apiVersion: v1
    kind: Config
    current-context: \(context)
    clusters:
    - name: \(context)
      cluster: \(cluster)
    users:
    - name: \(context)
      user: \(user)
    contexts:
    - name: \(context)
      context: {cluster: \(context), user: \(context)\(namespace.map { ", namespace: \($0)" } ?? "")}
    \(extra)
    """
}

/// Sends GET `path` with the client of `config` and parses the JSON answer.
func fetch(_ config: ClusterConfig, _ path: String = "/echo") async throws -> JSON {
    let client = KubernetesClient(config: config, options: HTTPClientOptions(retry: .none))
    return try await client.json(path: path)
}

@Suite("kubeconfig shapes against a loopback TLS server")
struct KubeconfigTests {
    let pki: TestPKI
    let tlsServer: FixtureServer
    let plainServer: FixtureServer
    let temp: TempDirectory

    init() throws {
        pki = try TestPKI.shared.get()
        tlsServer = try FixtureServer(tls: pki)
        plainServer = try FixtureServer()
        temp = try TempDirectory()
    }

    func load(_ text: String, context: String? = nil, name: String = "config") throws -> ClusterConfig {
        let path = try temp.write(name, text)
        return try Kubeconfig.load(path: path, context: context, environment: ["HOME": temp.path])
    }

    var localhostServer: String { "https://localhost:\(tlsServer.port)" }

    @Test func clientCertificateAndKeyDataLikeKind() async throws {
        let config = try load(kubeconfig(
            cluster: "{server: \(localhostServer), certificate-authority-data: \(pki.base64(pki.caCert))}",
            user: "{client-certificate-data: \(pki.base64(pki.clientCert)), client-key-data: \(pki.base64(pki.clientKey))}"))
        #expect(config.tls.clientIdentity != nil)
        #expect(config.namespace == "default")
        let answer = try await fetch(config, "/needs-cert")
        #expect(answer["clientCN"] == "proof-user")
    }

    @Test func certificateFilesRelativeToTheKubeconfig() async throws {
        for (name, source) in [("ca.crt", pki.caCert), ("client.crt", pki.clientCert), ("client.key", pki.clientKey)] {
            try FileManager.default.copyItem(atPath: source, toPath: temp.path + "/certs-" + name)
        }
        let config = try load(kubeconfig(
            cluster: "{server: \(localhostServer), certificate-authority: certs-ca.crt}",
            user: "{client-certificate: certs-client.crt, client-key: certs-client.key}", namespace: "team-a"))
        #expect(config.namespace == "team-a")
        #expect(try await fetch(config, "/needs-cert")["clientCN"] == "proof-user")
    }

    @Test func verificationFailsWithoutTheRightCA() async throws {
        let config = try load(kubeconfig(
            cluster: "{server: \(localhostServer), certificate-authority-data: \(pki.base64(pki.otherCACert))}"))
        let error = await #expect(throws: ClusterError.self) { try await fetch(config) }
        #expect(error?.kind == .transport)
        #expect(error?.hint?.contains("certificate-authority") == true)
    }

    @Test func insecureSkipTLSVerify() async throws {
        let config = try load(kubeconfig(cluster: "{server: \(tlsServer.https), insecure-skip-tls-verify: true}"))
        #expect(config.tls.insecureSkipVerify)
        #expect(try await fetch(config)["method"] == "GET")
    }

    @Test func tlsServerNameVerifiesAgainstThatName() async throws {
        // The server certificate names kubernetes.test and localhost, not 127.0.0.1.
        let ca = pki.base64(pki.caCert)
        let plain = try load(kubeconfig(cluster: "{server: \(tlsServer.https), certificate-authority-data: \(ca)}"))
        await #expect(throws: ClusterError.self) { try await fetch(plain) }
        let named = try load(
            kubeconfig(
                cluster: "{server: \(tlsServer.https), certificate-authority-data: \(ca), tls-server-name: kubernetes.test}"),
            name: "named")
        #expect(named.tls.serverName == "kubernetes.test")
        let answer = try await fetch(named)
        #expect(answer[path: ["headers", "host"]] == .string("127.0.0.1:\(tlsServer.port)"))
    }

    @Test func bearerTokenAndBasicAuth() async throws {
        let token = try load(kubeconfig(cluster: "{server: \(plainServer.http)}", user: "{token: tok-123}"))
        #expect(try await fetch(token)[path: ["headers", "authorization"]] == "Bearer tok-123")
        let basic = try load(
            kubeconfig(cluster: "{server: \(plainServer.http)}", user: "{username: alice, password: pw}"), name: "b")
        let expected = "Basic " + Data("alice:pw".utf8).base64EncodedString()
        #expect(try await fetch(basic)[path: ["headers", "authorization"]] == .string(expected))
    }

    @Test func tokenFileIsReReadAndWinsOverToken() async throws {
        let tokenPath = try temp.write("token", "first-token\n")
        let config = try load(kubeconfig(
            cluster: "{server: \(plainServer.http)}", user: "{token: static-token, tokenFile: token}"))
        #expect(try await fetch(config)[path: ["headers", "authorization"]] == "Bearer first-token")
        try "second-token".write(toFile: tokenPath, atomically: true, encoding: .utf8)
        #expect(try await fetch(config)[path: ["headers", "authorization"]] == "Bearer second-token")
    }

    @Test func proxyURL() async throws {
        // The target name does not resolve anywhere: only the proxy (the fixture) can answer.
        let config = try load(kubeconfig(cluster: "{server: 'http://kubernetes.test:8080', proxy-url: '\(plainServer.http)'}"))
        let answer = try await fetch(config, "/api/v1/namespaces")
        #expect(answer["proxied"] == true)
        #expect(answer["target"] == "http://kubernetes.test:8080/api/v1/namespaces")
    }

    @Test func mergedKUBECONFIGFirstWinsPerName() throws {
        let first = try temp.write("a.yaml", kubeconfig(cluster: "{server: 'https://first.example:1'}", context: "shared"))
        let second = try temp.write("b.yaml", """
            current-context: other
            clusters:
            - {name: shared, cluster: {server: 'https://second.example:2'}}
            - {name: other, cluster: {server: 'https://other.example:3'}}
            users:
            - {name: other, user: {token: t}}
            contexts:
            - {name: other, context: {cluster: other, user: other, namespace: ns-other}}
            """)
        let environment = ["HOME": temp.path, "KUBECONFIG": "\(first):\(temp.path)/missing.yaml:\(second)"]
        let current = try Kubeconfig.load(environment: environment)
        #expect(current.contextName == "shared")
        #expect(current.server == "https://first.example:1")
        let other = try Kubeconfig.load(context: "other", environment: environment)
        #expect(other.server == "https://other.example:3")
        #expect(other.namespace == "ns-other")
        // An explicit --kubeconfig wins over KUBECONFIG.
        let explicit = try Kubeconfig.load(path: second, environment: environment)
        #expect(explicit.contextName == "other")
    }

    @Test func homeKubeConfigIsTheDefault() throws {
        _ = try temp.write(".kube/config", kubeconfig(cluster: "{server: 'https://home.example'}"))
        #expect(try Kubeconfig.load(environment: ["HOME": temp.path]).server == "https://home.example")
    }

    @Test func inClusterServiceAccount() async throws {
        let directory = temp.path + "/sa"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: pki.caCert, toPath: directory + "/ca.crt")
        try "sa-token-1".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        try "platform-dev\n".write(toFile: directory + "/namespace", atomically: true, encoding: .utf8)
        let environment = ["HOME": temp.path, "KUBERNETES_SERVICE_HOST": "localhost",
                           "KUBERNETES_SERVICE_PORT": String(tlsServer.port)]
        let config = try Kubeconfig.load(environment: environment, serviceAccountDirectory: directory)
        #expect(config.source == "in-cluster")
        #expect(config.namespace == "platform-dev")
        #expect(try await fetch(config)[path: ["headers", "authorization"]] == "Bearer sa-token-1")
        try "sa-token-2".write(toFile: directory + "/token", atomically: true, encoding: .utf8)
        #expect(try await fetch(config)[path: ["headers", "authorization"]] == "Bearer sa-token-2")
    }

    @Test func descriptionsHideCredentials() throws {
        let config = try load(kubeconfig(
            cluster: "{server: \(localhostServer), certificate-authority-data: \(pki.base64(pki.caCert))}",
            user: "{client-certificate-data: \(pki.base64(pki.clientCert)), client-key-data: \(pki.base64(pki.clientKey)), token: very-secret-token}"))
        let text = "\(config)"
        #expect(!text.contains("very-secret-token"))
        #expect(!text.contains("PRIVATE KEY"))
        #expect(text.contains("<redacted>"))
        let basic = Authentication.basic(username: "alice", password: "hunter2")
        #expect(!"\(basic)".contains("hunter2"))
    }
}

@Suite("kubeconfig errors name the file and the field")
struct KubeconfigErrorTests {
    let temp: TempDirectory
    init() throws { temp = try TempDirectory() }

    func loadError(_ text: String, context: String? = nil) throws -> String {
        _ = try temp.write(".kube/config", text)
        do {
            _ = try Kubeconfig.load(context: context, environment: ["HOME": temp.path])
        } catch let error as ClusterError {
            return error.description
        }
        Issue.record("expected an error")
        return ""
    }

    @Test func invalidBase64() throws {
        let message = try loadError(kubeconfig(
            cluster: "{server: 'https://x:6443'}", user: "{client-certificate-data: \(Data("-----BEGIN CERTIFICATE-----\n".utf8).base64EncodedString()), client-key-data: '%%%'}"))
        #expect(message.hasPrefix("~/.kube/config: users[0].user.client-key-data: not valid base64"))
    }

    @Test func notPEM() throws {
        let notPEM = Data("hello".utf8).base64EncodedString()
        let message = try loadError(kubeconfig(cluster: "{server: 'https://x:6443', certificate-authority-data: \(notPEM)}"))
        #expect(message.hasPrefix("~/.kube/config: clusters[0].cluster.certificate-authority-data: decodes to something that is not PEM"))
    }

    @Test func unknownField() throws {
        let message = try loadError(kubeconfig(cluster: "{sever: 'https://x:6443'}"))
        #expect(message.hasPrefix("~/.kube/config: clusters[0].cluster.sever: unknown field"))
    }

    @Test func missingServerAndBadURL() throws {
        #expect(try loadError(kubeconfig(cluster: "{insecure-skip-tls-verify: true}"))
            .hasPrefix("~/.kube/config: clusters[0].cluster.server: missing"))
        #expect(try loadError(kubeconfig(cluster: "{server: 'localhost:6443'}"))
            .hasPrefix("~/.kube/config: clusters[0].cluster.server: not an http(s) URL"))
    }

    @Test func wrongTypes() throws {
        #expect(try loadError(kubeconfig(cluster: "{server: 'https://x', insecure-skip-tls-verify: maybe}"))
            .hasPrefix("~/.kube/config: clusters[0].cluster.insecure-skip-tls-verify: must be true or false"))
    }

    @Test func unknownContextListsTheKnownOnes() throws {
        let message = try loadError(kubeconfig(cluster: "{server: 'https://x'}"), context: "prod")
        #expect(message.contains("context \"prod\" not found"))
        #expect(message.contains("kind-test"))
    }

    @Test func missingKeyFile() throws {
        let message = try loadError(kubeconfig(
            cluster: "{server: 'https://x'}", user: "{client-certificate: missing.crt, client-key: missing.key}"))
        #expect(message.hasPrefix("~/.kube/config: users[0].user.client-certificate: cannot read \(temp.path)/.kube/missing.crt"))
    }

    @Test func yamlSyntaxErrorHasLineAndColumn() throws {
        let message = try loadError("clusters:\n  - name: a\n   bad: [\n")
        #expect(message.hasPrefix("~/.kube/config:"))
        #expect(message.range(of: #"^~/\.kube/config:\d+:\d+: "#, options: .regularExpression) != nil)
    }

    @Test func execWrongAPIVersion() throws {
        let message = try loadError(kubeconfig(
            cluster: "{server: 'https://x'}",
            user: "{exec: {command: aws, apiVersion: client.authentication.k8s.io/v1alpha1}}"))
        #expect(message.hasPrefix("~/.kube/config: users[0].user.exec.apiVersion: must be client.authentication.k8s.io/v1"))
    }

    @Test func authProviderIsExplained() throws {
        let message = try loadError(kubeconfig(cluster: "{server: 'https://x'}", user: "{auth-provider: {name: gcp}}"))
        #expect(message.contains("users[0].user.auth-provider: auth-provider plugins were removed"))
    }

    @Test func noKubeconfigAtAll() throws {
        do {
            _ = try Kubeconfig.load(environment: ["HOME": temp.path])
            Issue.record("expected an error")
        } catch let error as ClusterError {
            #expect(error.description.contains("no kubeconfig found"))
            #expect(error.hint?.contains("--kubeconfig") == true)
        }
    }
}
