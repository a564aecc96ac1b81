import Foundation
import ProofCore
import Testing

/// Each rule of ``RedactionRules`` with its positive cases and the near misses it must leave alone.
@Suite("Redaction rules")
struct RedactionRulesTests {
    let redaction = Redaction(salt: Array(repeating: 3, count: 32))
    let r = Redactor.standard

    // MARK: Names

    @Test("credential names: strong words anywhere, abbreviations after a word, <qualifier> key, not references")
    func names() {
        for name in [
            "password", "PASSWORD", "DB_PASS", "SMTP_PASS", "GITHUB_PAT", "GL_PAT", "GITHUB_TOKEN", "DB_PWD", "clientSecret",
            "client-secret", "client_secret", "API_KEY", "apiKey", "APIKey", "apikey", "accessKey", "AWS_SECRET_ACCESS_KEY",
            "secret_access_key", "private-key", "SSH_KEY", "db.password", "spring.datasource.password", "oauth2Token",
            "X-Auth-Token", "client-key-data", "clientKeyData", "rootPassword", "SECRET_KEY_BASE", "passphrase", "credentials",
            "webhook.secret", "id_token", "refresh-token", "Token",
        ] {
            #expect(RedactionRules.isCredentialName(name), "\(name) should be a credential name")
        }
        for name in [
            "PWD", "pass", "pat", "path", "PATH", "bypass", "BYPASS_CACHE", "PASS_THROUGH", "max_tokens", "tokens", "tokenizer",
            "secretName", "SECRET_NAME", "secretRef", "passwordSecretRef", "secretKeyRef", "tokenFile", "TOKEN_FILE",
            "PASSWORD_FILE", "token_path", "TOKEN_URL", "PASSWORD_MIN_LENGTH", "existingSecret", "key", "KEY_ID",
            "ACCESS_KEY_ID", "access_key_id", "keyFile", "monkey", "name", "image", "argocd.argoproj.io/secret-type",
            "serviceAccountName", "secretsManagerArn", "patch", "compass", "",
        ] {
            #expect(!RedactionRules.isCredentialName(name), "\(name) should not be a credential name")
        }
    }

    // MARK: String rules

    @Test("name=value and name: value with dotted, prefixed and env-style names")
    func assignments() {
        #expect(r.scrub("db.password=hunter2\nlog.level=debug") == "db.password=[REDACTED credential]\nlog.level=debug")
        #expect(r.scrub("spring.datasource.password: hunter2 two") == "spring.datasource.password: [REDACTED credential]")
        #expect(r.scrub("DB_PASS=hunter2 USER=bob") == "DB_PASS=[REDACTED credential] USER=bob")
        #expect(r.scrub("export GITHUB_PAT=abc123") == "export GITHUB_PAT=[REDACTED credential]")
        #expect(r.scrub("java -Ddb.password=hunter2 -jar app.jar") == "java -Ddb.password=[REDACTED credential] -jar app.jar")
        #expect(r.scrub(#"{"clientSecret":"hunter2","user":"bob"}"#) == #"{"clientSecret":"[REDACTED credential]","user":"bob"}"#)
        #expect(r.scrub("  adminPassword: 'a b c' # set by ops") == "  adminPassword: '[REDACTED credential]' # set by ops")
        #expect(r.scrub("auth:\n  password: correct horse battery  # comment\n  user: bob") == "auth:\n  password: [REDACTED credential]  # comment\n  user: bob")
        #expect(r.scrub("token: Bearer abcdefgh12345678 rest") == "token: [REDACTED credential]")
        #expect(r.scrub("{user: bob, password: hunter2}") == "{user: bob, password: [REDACTED credential]}")
        #expect(r.scrub("sent token=Bearer abcdefgh12345678 rest") == "sent token=[REDACTED credential] rest")
        // A YAML block scalar: the indented lines are the value.
        #expect(r.scrub("db:\n  password: |\n    line one\n    line two\n  user: bob") == "db:\n  password: [REDACTED credential]\n  user: bob")
        // Near misses: comparisons, references, plurals, names that merely contain a credential word.
        for text in [
            "if password == expected", "token_ttl=5m", "max_tokens=512", "secretName: mlflow-db", "PASSWORD_FILE=/run/secrets/db",
            "tokenFile: /var/run/token", "passwords are hashed", "bypass=true", "path=/healthz status=200", "TOKEN_URL=https://x/token",
            "kind: Secret", "std::token", "ghcr.io/example/token-service:1.2.3", "http://token-service:8080/x",
            "timed out waiting for Secret default/db-secret: data.password is \"[REDACTED secret-value]\"", "Secret db-token: not found", "secretKeyRef: {name: db, key: password}", "level=info msg=\"request served\"",
        ] {
            #expect(r.scrubIfNeeded(text) == nil, "\(text) should be left alone")
        }
    }

    @Test("credential flags, with = or with a space")
    func flags() {
        #expect(r.scrub("server --db-password=hunter2 --verbose") == "server --db-password=[REDACTED credential] --verbose")
        #expect(r.scrub("server --token abc123 --api-key k3y --port 80") == "server --token [REDACTED credential] --api-key [REDACTED credential] --port 80")
        #expect(r.scrubIfNeeded("server --token-file /run/token --verbose --password-min-length 8") == nil)
        #expect(r.scrubIfNeeded("server --token --verbose") == nil, "a flag followed by a flag has no value")
    }

    @Test("provider tokens by shape, standing alone as words")
    func providerTokens() {
        let github = "ghp_" + String(repeating: "a1B2", count: 9)
        #expect(r.scrub("token \(github) end") == "token [REDACTED github-token] end")
        #expect(r.scrub("github_pat_11ABCDEFG0123456789_abcdefghijklmnop") == "[REDACTED github-token]")
        #expect(r.scrub("x glpat-abcdefghij0123456789 y") == "x [REDACTED gitlab-token] y")
        #expect(r.scrub("slack xoxb-123456789012-abcdefABCDEF and xoxp-1234-5678-abcdef") == "slack [REDACTED slack-token] and [REDACTED slack-token]")
        #expect(r.scrub("key AKIAIOSFODNN7EXAMPLE,") == "key [REDACTED aws-access-key],")
        #expect(r.scrub("ASIAIOSFODNN7EXAMPLE") == "[REDACTED aws-access-key]")
        for text in [
            "ghp_short", "xghp_\(String(repeating: "a", count: 36))", "glpat-short", "xoxb-", "xoxo-12345678901234",
            "AKIAIOSFODNN7EXAMPL", "AKIAIOSFODNN7EXAMPLE1", "AKIAiosfodnn7example", "MYAKIAIOSFODNN7EXAMPLE",
            "ghcr.io/example/mlp-fastapi:1.1.0", "glpat_0123456789abcdefghij",
        ] {
            #expect(r.scrubIfNeeded(text) == nil, "\(text) should be left alone")
        }
    }

    @Test("PEM private keys of every label; certificates and public keys stay")
    func pemBlocks() {
        #expect(r.scrub("-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn\n-----END OPENSSH PRIVATE KEY-----\n") == "[REDACTED private-key]\n")
        #expect(r.scrub("a\n-----BEGIN PGP PRIVATE KEY BLOCK-----\n\nlQOY\n-----END PGP PRIVATE KEY BLOCK-----") == "a\n[REDACTED private-key]")
        #expect(r.scrub("-----BEGIN ENCRYPTED PRIVATE KEY-----\nMIIF\n-----END ENCRYPTED PRIVATE KEY-----") == "[REDACTED private-key]")
        let wrapped = Data("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n".utf8).base64EncodedString()
        #expect(r.scrub(wrapped) == "[REDACTED private-key]")
        for text in [
            "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----", "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
            "-----BEGIN PGP PUBLIC KEY BLOCK-----\nmQEN\n-----END PGP PUBLIC KEY BLOCK-----", "-----BEGIN CERTIFICATE REQUEST-----\nMIIB",
        ] {
            #expect(r.scrubIfNeeded(text) == nil, "\(text.prefix(30)) should be kept")
        }
    }

    @Test("string rules are idempotent, also salted")
    func idempotent() {
        let text = "db.password=a --token b ghp_\(String(repeating: "x", count: 36)) AKIAIOSFODNN7EXAMPLE xoxb-1234567890-abc\npassword: |\n  c\n"
        for redactor in [r, redaction.redactor] {
            let once = redactor.scrub(text)
            #expect(redactor.scrub(once) == once)
            #expect(!once.contains("xxxxxxxx") && !once.contains("AKIA"))
        }
    }

    // MARK: Object rules

    @Test("last-applied-configuration of any object is parsed and redacted like the object; unchanged ones stay verbatim")
    func lastAppliedAnyObject() throws {
        let applied = #"{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"api"},"spec":{"template":{"spec":{"containers":[{"name":"api","image":"ghcr.io/x/api:1.0","args":["--token","t0k3n","--db-password=pw1"],"command":["sh","-c","run --api-key k3y"],"env":[{"name":"DB_PASS","value":"hunter2"},{"name":"LOG_LEVEL","value":"debug"}]}]}}}}"#
        let deployment: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "api", "annotations": JSON.object([Redaction.lastAppliedAnnotation: .string(applied + "\n")])]]
        let normalized = redaction.normalize(deployment)
        let text = try #require(normalized[path: ["metadata", "annotations", Redaction.lastAppliedAnnotation]]?.stringValue)
        for planted in ["t0k3n", "pw1", "k3y", "hunter2"] { #expect(!text.contains(planted), "\(planted) in \(text)") }
        let parsed = try JSON(parsing: text)
        let container = try #require(parsed[path: ["spec", "template", "spec", "containers"]]?[0])
        #expect(container["image"] == "ghcr.io/x/api:1.0" && container["env"]?[1]?["value"] == "debug" && container["env"]?[0]?["name"] == "DB_PASS")
        #expect(container["args"]?[2]?.stringValue?.hasPrefix("--db-password=[REDACTED credential hmac-sha256:\(redaction.saltID):") == true)
        // The same value digests alike in the body and in the annotation.
        let body: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": ["containers": [["name": "a", "env": [["name": "DB_PASS", "value": "hunter2"]]]]]]
        #expect(redaction.normalize(body)[path: ["spec", "containers"]]?[0]?["env"]?[0]?["value"] == container["env"]?[0]?["value"])
        #expect(redaction.normalize(normalized) == normalized)
        // Nothing to redact: the annotation is kept byte for byte (old digests stay).
        let plain = #"{"kind":"ConfigMap", "metadata":{"name":"c"},"data":{"a":"b"}}"# + "\n"
        let configMap: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c", "annotations": JSON.object([Redaction.lastAppliedAnnotation: .string(plain)])], "data": ["a": "b"]]
        #expect(redaction.normalize(configMap) == configMap)
    }

    @Test("a Secret manifest kept in a ConfigMap annotation or value, as JSON or YAML, loses its values")
    func embeddedSecrets() throws {
        let json = #"{"apiVersion":"v1","kind":"Secret","metadata":{"name":"inner"},"data":{"k":"aHVudGVyMg=="}}"#
        let yaml = "apiVersion: v1\nkind: Secret\nmetadata:\n  name: inner\ndata:\n  k: aHVudGVyMg==\n"
        let configMap: JSON = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "c", "annotations": JSON.object(["example.com/manifest": .string(json)])],
            "data": ["bundle.yaml": .string(yaml), "deployment.yaml": "kind: Deployment\nmetadata:\n  name: x\n", "template.yaml": "kind: Secret\ndata: {{ .Values.x }\n"],
        ]
        let normalized = redaction.normalize(configMap)
        let annotation = try #require(normalized[path: ["metadata", "annotations", "example.com/manifest"]]?.stringValue)
        #expect(try JSON(parsing: annotation)["data"]?["k"]?.stringValue?.hasPrefix("[REDACTED secret-value hmac-sha256:") == true)
        #expect(normalized["data"]?["bundle.yaml"]?.stringValue?.hasPrefix("[REDACTED embedded-secret hmac-sha256:") == true)
        #expect(normalized["data"]?["template.yaml"]?.stringValue?.hasPrefix("[REDACTED embedded-secret") == true, "unreadable: replaced whole")
        #expect(normalized["data"]?["deployment.yaml"] == configMap["data"]?["deployment.yaml"])
        // A YAML Secret without values, and JSON that is no document, are left alone.
        let harmless: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "data": [
            "a": "kind: Secret\nmetadata:\n  name: empty\n", "b": "[default]\nregion = eu-west-1", "c": "[1, 2, 3]", "d": "{not json",
        ]]
        #expect(redaction.normalize(harmless) == harmless)
    }

    @Test("ConfigMap data: credential-named keys, key=value lines and token shapes; other keys and label values stay")
    func configMapData() {
        let configMap: JSON = [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "app", "labels": ["app.kubernetes.io/name": "token-service", "secret": "kept"]],
            "data": [
                "GITHUB_TOKEN": "abc", "DB_PASS_FILE": "/run/secrets/db", "app.properties": "db.password=hunter2\nlog.level=debug\n",
                "aws": "[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG\n",
                "LOG_LEVEL": "debug",
            ],
        ]
        let data = redaction.normalize(configMap)["data"]
        #expect(data?["GITHUB_TOKEN"]?.stringValue?.hasPrefix("[REDACTED credential hmac-sha256:") == true)
        #expect(data?["DB_PASS_FILE"] == "/run/secrets/db" && data?["LOG_LEVEL"] == "debug")
        #expect(data?["app.properties"]?.stringValue?.hasPrefix("db.password=[REDACTED credential hmac-sha256:") == true)
        #expect(data?["app.properties"]?.stringValue?.hasSuffix("\nlog.level=debug\n") == true)
        let aws = data?["aws"]?.stringValue ?? ""
        #expect(!aws.contains("AKIAIOSFODNN7EXAMPLE") && !aws.contains("wJalrXUtnFEMI") && aws.hasPrefix("[default]\naws_access_key_id = [REDACTED aws-access-key"))
        #expect(redaction.normalize(configMap)["metadata"]?["labels"] == configMap["metadata"]?["labels"])
    }

    @Test("container args: the value after a credential flag; env: every credential-named variable; names and images stay")
    func containers() {
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "p"], "spec": ["containers": [[
            "name": "app", "image": "ghcr.io/example/token-service:1.2.3",
            "command": ["server", "--token", "t0k3n", "--password", "--verbose", "-password", "pw"],
            "args": ["--token-file", "/run/token", "--port", "8080", "--db-password=pw2", "--api-token=t1", "serve"],
            "env": [
                ["name": "DB_PASS", "value": "hunter2"], ["name": "GITHUB_PAT", "value": "pat"], ["name": "PWD", "value": "/app"],
                ["name": "SECRET_NAME", "value": "mlflow-db"], ["name": "TOKEN_FILE", "value": "/run/token"],
            ],
        ]]]]
        let container = redaction.normalize(pod)[path: ["spec", "containers"]]?[0]
        let command = container?["command"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(command[0] == "server" && command[1] == "--token" && command[2].hasPrefix("[REDACTED credential"))
        #expect(command[3] == "--password" && command[4] == "--verbose", "a flag after a flag is no value")
        #expect(command[5] == "-password" && command[6].hasPrefix("[REDACTED credential"))
        #expect(container?["args"]?.arrayValue?.prefix(4).compactMap(\.stringValue) == ["--token-file", "/run/token", "--port", "8080"])
        #expect(container?["args"]?[4]?.stringValue?.hasPrefix("--db-password=[REDACTED credential") == true)
        #expect(container?["args"]?[6] == "serve", "a flag with its value after `=` is no flag waiting for one")
        #expect(container?["image"] == "ghcr.io/example/token-service:1.2.3" && container?["name"] == "app")
        let env = container?["env"]?.arrayValue ?? []
        #expect(env.map { $0["name"]?.stringValue ?? "" } == ["DB_PASS", "GITHUB_PAT", "PWD", "SECRET_NAME", "TOKEN_FILE"])
        #expect(env[0]["value"]?.stringValue?.hasPrefix("[REDACTED credential") == true && env[1]["value"]?.stringValue?.hasPrefix("[REDACTED credential") == true)
        #expect(env[2]["value"] == "/app" && env[3]["value"] == "mlflow-db" && env[4]["value"] == "/run/token")
    }

    @Test("every rule of the documented catalog redacts its example, and docs/evidence-schema.md lists it")
    func catalog() throws {
        let docs = try String(contentsOfFile: Self.root + "/docs/evidence-schema.md", encoding: .utf8)
        for rule in RedactionRules.catalog {
            let output: String
            if rule.objectRule {
                var object = try JSON(parsing: rule.example)
                object["apiVersion"] = .string("v1")
                if object["metadata"] == nil { object["metadata"] = ["name": "x"] }
                output = redaction.normalize(object).canonicalString
            } else {
                output = Redactor.standard.scrub(rule.example)
            }
            for planted in ["s3cr3t", "czNjcjN0", "0123456789abcdefghij", "AKIAIOSFODNN7EXAMPLE"] {
                #expect(!output.contains(planted), "\(rule.shape): \(planted) survived in \(output)")
            }
            #expect(output.contains("[REDACTED \(rule.kind)"), "\(rule.shape): no \(rule.kind) marker in \(output)")
            let listed = docs.contains("| \(rule.shape) |"), marked = docs.contains("`[REDACTED \(rule.kind)")
            #expect(listed, "docs/evidence-schema.md does not list \(rule.shape)")
            #expect(marked, "docs/evidence-schema.md does not show the \(rule.kind) marker")
        }
    }

    /// The repository root.
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
}

@Suite("Label map names")
struct LabelMapNameTests {
    @Test("isLabelMap is exactly membership in labelMaps")
    func isLabelMapMatchesTheSet() {
        for key in RedactionRules.labelMaps { #expect(RedactionRules.isLabelMap(key)) }
        for key in ["label", "Labels", "labelz", "selectors", "matchlabels", "nodeselector", "", "metadata", "annotations", "spec"] {
            #expect(RedactionRules.isLabelMap(key) == RedactionRules.labelMaps.contains(key), "\(key)")
        }
    }
}
