import Foundation
import ProofCore
import ProofStore
import Testing

@testable import ProofScenario

/// End to end, the way a hostile reviewer checks it: credentials of every shape are planted in a simulated
/// cluster (`proof sim serve`, real `kubectl apply`, so every object carries its last-applied annotation), then
/// the real `proof` executable captures it, runs a scenario with `--record-http` whose steps fail on purpose (an
/// `exec` printing credentials, an `http` step reading a Loki line that carries some, a `wait` on a Secret's
/// `data.password` that times out), and shows, replays and verifies the result. No planted value, in plain
/// text or base64, may be in the SQLite file or its WAL, in any markdown, in the JUnit file, or in anything a
/// command printed — while names, images and the evidence of what happened are all still there.
@Suite(.serialized) struct PlantedSecretsTests {
    /// Every planted credential, by shape. Each is unique, so a hit names the shape that leaked.
    static let planted: [String: String] = [
        "env PASSWORD (last-applied)": "PLANTenvPasswordA1", "env DB_PASS": "PLANTenvDbPassB2", "env GITHUB_PAT": "PLANTenvPatC3",
        "env GITHUB_TOKEN": "PLANTenvGhTokenD4", "arg --db-password=": "PLANTargEqE5", "arg --token X": "PLANTargSpaceF6",
        "command --api-key": "PLANTcmdShellG7", "properties db.password=": "PLANTpropsDotH8",
        "properties spring.datasource.password:": "PLANTpropsColonI9", "properties DB_PASS=": "PLANTpropsEnvJ10",
        "ghp_": "ghp_PLANTghp0123456789abcdefghijklmnopq", "glpat-": "glpat-PLANTglpat1234567890",
        "xoxb-": "xoxb-1234567890-PLANTxoxb0987654", "xoxp-": "xoxp-1234567890-PLANTxoxp0987654", "AKIA": "AKIAPLANTEDPLANT2345",
        "aws_secret_access_key": "PLANTawsSecretKeyK11abcdefghijklmnopqrstu", "OPENSSH PRIVATE KEY": "PLANTopensshKeyL12",
        "PGP PRIVATE KEY BLOCK": "PLANTpgpKeyM13", "Secret in a ConfigMap annotation": "PLANTembeddedSecretN14",
        "Secret data.password (failed wait)": "PLANTsecretPasswordO15", "ConfigMap key GITHUB_TOKEN": "PLANTcmGithubTokenP16",
        "exec stdout": "PLANTexecStdoutQ17", "Loki line": "PLANTlokiLineR18", "Event message (diagnostics)": "PLANTeventTokenS19",
        "pod env API_TOKEN": "PLANTpodApiTokenT20", "YAML Secret in ConfigMap data": "PLANTyamlSecretU21",
    ]

    static func p(_ shape: String) -> String { planted[shape]! }
    static func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    /// The planted objects, as one `kubectl apply` list.
    static var manifests: JSON {
        let embedded = JSON.object([
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "inner"], "data": ["k": .string(base64(p("Secret in a ConfigMap annotation")))],
        ]).canonicalString
        let deployment: JSON = [
            "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "leaky", "namespace": "default"],
            "spec": ["replicas": 1, "selector": ["matchLabels": ["app": "leaky"]], "template": ["metadata": ["labels": ["app": "leaky"]], "spec": ["containers": [[
                "name": "app", "image": "ghcr.io/example/leaky:1.2.3",
                "command": ["sh", "-c", .string("exec server --api-key \(p("command --api-key"))")],
                "args": [.string("--db-password=\(p("arg --db-password="))"), "--token", .string(p("arg --token X")), "--verbose"],
                "env": [
                    ["name": "PASSWORD", "value": .string(p("env PASSWORD (last-applied)"))], ["name": "DB_PASS", "value": .string(p("env DB_PASS"))],
                    ["name": "GITHUB_PAT", "value": .string(p("env GITHUB_PAT"))], ["name": "GITHUB_TOKEN", "value": .string(p("env GITHUB_TOKEN"))],
                    ["name": "LOG_LEVEL", "value": "debug"],
                ],
            ]]]]],
        ]
        let configMap: JSON = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "leaky-config", "namespace": "default", "annotations": ["example.com/embedded-secret": .string(embedded)]],
            "data": [
                "app.properties": .string("db.password=\(p("properties db.password="))\nspring.datasource.password: \(p("properties spring.datasource.password:"))\nDB_PASS=\(p("properties DB_PASS="))\nlog.level=debug\n"),
                "GITHUB_TOKEN": .string(p("ConfigMap key GITHUB_TOKEN")),
                "tokens.txt": .string("github \(p("ghp_"))\ngitlab \(p("glpat-"))\nslack \(p("xoxb-")) \(p("xoxp-"))\n"),
                "aws": .string("[default]\naws_access_key_id = \(p("AKIA"))\naws_secret_access_key = \(p("aws_secret_access_key"))\n"),
                "ssh": .string("-----BEGIN OPENSSH PRIVATE KEY-----\n\(p("OPENSSH PRIVATE KEY"))\n-----END OPENSSH PRIVATE KEY-----\n"),
                "pgp": .string("-----BEGIN PGP PRIVATE KEY BLOCK-----\n\n\(p("PGP PRIVATE KEY BLOCK"))\n-----END PGP PRIVATE KEY BLOCK-----\n"),
                "bundle.yaml": .string("apiVersion: v1\nkind: Secret\nmetadata:\n  name: bundled\nstringData:\n  k: \(p("YAML Secret in ConfigMap data"))\n"),
            ],
        ]
        let secret: JSON = [
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": ["name": "leaky-secret", "namespace": "default"],
            "data": ["password": .string(base64(p("Secret data.password (failed wait)")))],
        ]
        // A pod held in deletion by a finalizer (deleted once planted), whose event carries a credential: the
        // failure diagnostics describe such a pod and read its events.
        let pod: JSON = [
            "apiVersion": "v1", "kind": "Pod", "metadata": ["name": "stuck", "namespace": "default", "finalizers": ["example.com/hold"]],
            "spec": ["containers": [["name": "c", "image": "busybox:1.36", "env": [["name": "API_TOKEN", "value": .string(p("pod env API_TOKEN"))]]]]],
        ]
        let event: JSON = [
            "apiVersion": "v1", "kind": "Event", "metadata": ["name": "stuck.1", "namespace": "default"],
            "involvedObject": ["kind": "Pod", "name": "stuck", "namespace": "default"], "reason": "Failed", "type": "Warning",
            "message": .string("pull failed with --password \(p("Event message (diagnostics)"))"),
        ]
        return ["apiVersion": "v1", "kind": "List", "items": [deployment, configMap, secret, pod, event]]
    }

    static var scenario: String {
        """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: planted-secrets, description: Planted credentials reach no output.}
        spec:
          environment: dev
          capture:
            kinds: [configmaps, secrets, deployments, pods, events]
            namespaces: [default]
          invariants:
            - id: config-present
              description: The planted ConfigMap is captured.
              at: [start]
              present: {match: {kind: ConfigMap, namespace: default, name: leaky-config}}
          steps:
            - exec:
                command: [sh, -c, 'echo "DB_PASS=$SECRET_A"; echo "token: $SECRET_B" >&2; exit 3']
                env: {SECRET_A: \(p("exec stdout")), SECRET_B: \(p("ghp_"))}
              continueOnError: true
            - http:
                service: {namespace: baseline-dev, name: loki-dev, port: "3100"}
                path: '/loki/api/v1/query_range?query=%7Bnamespace%3D%22default%22%7D&limit=10'
                json: {data.result.0.values.0.1: nothing}
              continueOnError: true
            - wait:
                field: {kind: Secret, namespace: default, name: leaky-secret, path: data.password, equals: "bm9wZQ=="}
              timeout: 3s
              continueOnError: true
        """
    }

    /// The `proof` executable built next to this test bundle.
    static var proof: String {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("proof").path
    }

    /// What one command printed (standard output and standard error) and its exit code.
    struct Printed {
        var command: String
        var code: Int32
        var text: String
    }

    static func run(_ arguments: [String], in directory: String) async throws -> Printed {
        let result = try await ExternalCommand.run(arguments, in: directory, timeout: .seconds(300))
        return Printed(command: arguments.joined(separator: " "), code: result.exitCode, text: result.output + result.error)
    }

    @Test func plantedCredentialsReachNeitherStoreNorMarkdownNorJUnitNorConsole() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let dir = directory.path
        let kubeconfig = dir + "/kubeconfig", db = dir + "/evidence.sqlite", out = dir + "/proof", junit = dir + "/junit.xml"

        // The cluster: the platform seeded directly (Loki included).
        let server = Process()
        server.executableURL = URL(fileURLWithPath: Self.proof)
        server.arguments = [
            "sim", "serve", "--port", "0", "--no-argocd", "--platform", RunTests.path("scenarios/platform"), "--kubeconfig-out", kubeconfig,
        ]
        let serverLog = dir + "/sim.log"
        FileManager.default.createFile(atPath: serverLog, contents: nil)
        server.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: serverLog))
        server.standardError = server.standardOutput
        try server.run()
        defer {
            server.interrupt()
            server.waitUntilExit()
        }
        let started = ContinuousClock.now
        while !((try? String(contentsOfFile: serverLog, encoding: .utf8))?.contains("press Ctrl-C to stop") ?? false) {
            try #require(server.isRunning, "proof sim serve exited: \((try? String(contentsOfFile: serverLog, encoding: .utf8)) ?? "")")
            try #require(ContinuousClock.now - started < .seconds(180), "proof sim serve did not come up")
            try await Task.sleep(for: .milliseconds(200))
        }

        // Plant: real kubectl (it writes the last-applied annotation), and one line pushed to Loki.
        try Self.manifests.canonicalString.write(toFile: dir + "/plants.json", atomically: true, encoding: .utf8)
        let kubectl = ["/usr/bin/kubectl", "--kubeconfig", kubeconfig]
        let applied = try await Self.run(kubectl + ["apply", "--validate=false", "-f", dir + "/plants.json"], in: dir)
        try #require(applied.code == 0, "\(applied.text)")
        let deleted = try await Self.run(kubectl + ["delete", "pod", "stuck", "-n", "default", "--wait=false"], in: dir)
        try #require(deleted.code == 0, "\(deleted.text)")
        let nanoseconds = String(Int64(Date().timeIntervalSince1970 * 1_000_000_000))
        let push: JSON = ["streams": [["stream": ["namespace": "default", "app": "leaky"], "values": [[
            .string(nanoseconds), .string("level=info msg=login DB_PASS=\(Self.p("Loki line")) token \(Self.p("ghp_"))"),
        ]]]]]
        try push.canonicalString.write(toFile: dir + "/push.json", atomically: true, encoding: .utf8)
        let pushed = try await Self.run(
            kubectl + ["create", "--raw", "/api/v1/namespaces/baseline-dev/services/loki-dev:3100/proxy/loki/api/v1/push", "-f", dir + "/push.json"], in: dir)
        try #require(pushed.code == 0, "\(pushed.text)")
        try Self.scenario.write(toFile: dir + "/planted.yaml", atomically: true, encoding: .utf8)

        // The store stays open here while the commands run, so its WAL is still on disk to be read.
        let store = try EvidenceStore.open(path: db)
        var printed: [Printed] = []
        printed.append(try await Self.run([Self.proof, "capture", "--kubeconfig", kubeconfig, "--db", db, "--out", out + "/captures", "--label", "planted", "--namespaces", "default"], in: dir))
        #expect(printed[0].code == 0, "\(printed[0].text)")
        printed.append(try await Self.run([Self.proof, "run", dir + "/planted.yaml", "--kubeconfig", kubeconfig, "--record-http", "--db", db, "--out", out, "--junit", junit], in: dir))
        let run = printed[1]
        #expect(run.code == 1, "the failed steps fail the run: \(run.text)")
        let runs = try await store.runs()
        try #require(runs.count == 2)
        let proofs = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasPrefix("planted-secrets/") && $0.hasSuffix(".md") }
        try #require(proofs.count == 1)
        for arguments in [
            ["show", "--db", db], ["show", runs[0].id.rawValue, "--db", db], ["show", runs[1].id.rawValue, "--db", db],
            ["replay", "--all", "--db", db], ["diff", runs[0].id.rawValue, runs[1].id.rawValue, "--db", db],
            ["verify", out + "/" + proofs[0], "--db", db],
        ] {
            printed.append(try await Self.run([Self.proof] + arguments, in: dir))
        }
        #expect(printed.last?.code == 0, "the proof verifies: \(printed.last?.text ?? "")")

        // No planted value anywhere: the database files (WAL included), every markdown, the JUnit, the console.
        var places: [(String, Data)] = []
        for file in try FileManager.default.contentsOfDirectory(atPath: dir) where file.hasPrefix("evidence.sqlite") {
            places.append((file, try Data(contentsOf: URL(fileURLWithPath: dir + "/" + file))))
        }
        #expect(places.contains { $0.0 == "evidence.sqlite-wal" && !$0.1.isEmpty }, "the WAL is read too")
        let markdown = try FileManager.default.subpathsOfDirectory(atPath: out).filter { $0.hasSuffix(".md") }
        #expect(markdown.count >= 3, "the proof, its index and the capture page: \(markdown)")
        for file in markdown { places.append((file, try Data(contentsOf: URL(fileURLWithPath: out + "/" + file)))) }
        places.append(("junit.xml", try Data(contentsOf: URL(fileURLWithPath: junit))))
        for command in printed { places.append(("output of proof \(command.command.split(separator: " ").dropFirst().prefix(2).joined(separator: " "))", Data(command.text.utf8))) }
        for (shape, value) in Self.planted.sorted(by: { $0.key < $1.key }) {
            for form in [value, Self.base64(value)] {
                let hits = places.filter { $0.1.range(of: Data(form.utf8)) != nil }.map(\.0)
                #expect(hits.isEmpty, "\(shape) (\(form == value ? "plain" : "base64")) leaked into \(hits)")
            }
        }

        // The failures happened, and what they showed is there in redacted form.
        #expect(run.text.contains("timed out after 3.0 seconds") && run.text.contains("data.password is \"[REDACTED secret-value hmac-sha256:\(store.redaction.saltID):"))
        #expect(run.text.contains("exit code 3, expected 0: token: [REDACTED github-token]"))
        #expect(run.text.contains("DB_PASS=[REDACTED credential hmac-sha256:"), "the Loki line was read and shown redacted")
        let exchanges = try await store.httpExchanges(run: runs[1].id)
        let loki = exchanges.filter { $0.url.contains("/loki/api/v1/query_range") }.map { String(decoding: $0.responseBody ?? [], as: UTF8.self) }
        #expect(loki.contains { $0.contains("msg=login DB_PASS=[REDACTED credential") }, "the cassette holds the Loki answer")
        let diagnostics = try await store.diagnostics(run: runs[1].id).map(\.content).joined(separator: "\n")
        #expect(diagnostics.contains("pull failed with --password [REDACTED credential"), "diagnostics read the planted event")

        // Nothing was over-redacted: names, images, env names, label values and what invariants read survive.
        let objects = try await store.objects(snapshot: try #require(try await store.snapshots(run: runs[0].id).first).id, bodies: true).compactMap(\.body)
        let deployment = try #require(objects.first { $0["kind"] == "Deployment" && $0[path: ["metadata", "name"]] == "leaky" })
        let container = try #require(deployment[path: ["spec", "template", "spec", "containers"]]?[0])
        #expect(container["image"] == "ghcr.io/example/leaky:1.2.3" && container["env"]?.arrayValue?.compactMap { $0["name"]?.stringValue } == ["PASSWORD", "DB_PASS", "GITHUB_PAT", "GITHUB_TOKEN", "LOG_LEVEL"])
        #expect(container["env"]?[4]?["value"] == "debug" && deployment[path: ["spec", "selector", "matchLabels", "app"]] == "leaky")
        let lastApplied = deployment[path: ["metadata", "annotations", Redaction.lastAppliedAnnotation]]?.stringValue.flatMap { try? JSON(parsing: $0) }
        #expect(lastApplied?[path: ["spec", "template", "spec", "containers"]]?[0]?["image"] == "ghcr.io/example/leaky:1.2.3", "the annotation is still the object as applied")
        let configMap = try #require(objects.first { $0["kind"] == "ConfigMap" && $0[path: ["metadata", "name"]] == "leaky-config" })
        #expect(configMap["data"]?.objectValue.map { Set($0.keys) } == ["app.properties", "GITHUB_TOKEN", "tokens.txt", "aws", "ssh", "pgp", "bundle.yaml"])
        #expect(configMap["data"]?["app.properties"]?.stringValue?.hasSuffix("log.level=debug\n") == true)

        _ = store
    }
}
