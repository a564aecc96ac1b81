import Foundation
import ProofCore
import Testing

@Suite("Redaction and the Redactor")
struct RedactionTests {
    let redaction = Redaction(salt: Array(repeating: 7, count: 32))

    @Test("managedFields are dropped; other objects are otherwise untouched")
    func managedFields() {
        let object: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "api", "managedFields": [["manager": "kubectl"]]], "spec": ["replicas": 2]]
        let normalized = redaction.normalize(object)
        #expect(normalized[path: ["metadata", "managedFields"]] == nil)
        #expect(normalized["spec"] == ["replicas": 2] && normalized[path: ["metadata", "name"]] == "api")
    }

    @Test("Secret data and stringData keep their keys, lose their values, and one value digests alike in both")
    func secretValues() throws {
        let secret: JSON = [
            "apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"],
            "data": ["a": JSON.string(Data("hunter2".utf8).base64EncodedString())], "stringData": ["b": "hunter2", "c": "other"],
        ]
        let normalized = redaction.normalize(secret)
        let a = try #require(normalized["data"]?["a"]?.stringValue)
        #expect(Redaction.isMarker(a) && !a.contains("hunter2") && a.contains(redaction.saltID))
        #expect(normalized["stringData"]?["b"]?.stringValue == a)
        #expect(normalized["stringData"]?["c"]?.stringValue != a)
        // Idempotent, and salt-dependent.
        #expect(redaction.normalize(normalized) == normalized)
        #expect(Redaction(salt: Array(repeating: 8, count: 32)).normalize(secret)["data"]?["a"] != normalized["data"]?["a"])
        // A ConfigMap's data is not a Secret's.
        let configMap: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "data": ["a": "plain"]]
        #expect(redaction.normalize(configMap) == configMap)
    }

    @Test("an unparsable last-applied annotation of a Secret is replaced whole")
    func lastAppliedUnparsable() {
        let secret: JSON = ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s", "annotations": JSON.object([Redaction.lastAppliedAnnotation: "{not json hunter2"])]]
        let value = redaction.normalize(secret)[path: ["metadata", "annotations", Redaction.lastAppliedAnnotation]]?.stringValue ?? ""
        #expect(value.hasPrefix("[REDACTED last-applied-configuration hmac-sha256:") && !value.contains("hunter2"))
    }

    @Test("lists and watch events: SecretList items are treated as Secrets although they carry no kind")
    func documents() {
        let list: JSON = ["apiVersion": "v1", "kind": "SecretList", "items": [["metadata": ["name": "s"], "data": ["k": "aHVudGVyMg=="]]]]
        #expect(redaction.normalizeDocument(list)["items"]?[0]?["data"]?["k"]?.stringValue?.hasPrefix("[REDACTED secret-value") == true)
        let event: JSON = ["type": "ADDED", "object": ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": "s"], "data": ["k": "aHVudGVyMg=="]]]
        #expect(redaction.normalizeDocument(event)["object"]?["data"]?["k"]?.stringValue?.hasPrefix("[REDACTED secret-value") == true)
    }

    @Test("credential-named members of any object are replaced by salted markers")
    func credentialMembers() {
        let object: JSON = ["apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": ["name": "minio"],
                            "spec": ["source": ["helm": ["valuesObject": ["rootUser": "admin", "password": "minio123", "Token": "t0k3n"]]]]]
        let values = redaction.normalize(object)[path: ["spec", "source", "helm", "valuesObject"]]
        #expect(values?["rootUser"] == "admin")
        #expect(values?["password"]?.stringValue?.hasPrefix("[REDACTED credential hmac-sha256:") == true)
        #expect(values?["Token"]?.stringValue?.hasPrefix("[REDACTED credential") == true)
    }

    @Test("plain-text credential environment variables are replaced; ordinary ones and file paths are kept")
    func credentialEnvironment() {
        let pod: JSON = ["apiVersion": "v1", "kind": "Pod", "metadata": ["name": "minio"], "spec": ["containers": [["name": "minio", "env": [
            ["name": "MINIO_ROOT_PASSWORD", "value": "minio123"], ["name": "MINIO_ROOT_USER", "value": "admin"],
            ["name": "TOKEN_FILE", "value": "/var/run/token"], ["name": "DB_PASSWORD", "valueFrom": ["secretKeyRef": ["name": "db", "key": "password"]]],
        ]]]]]
        let env = redaction.normalize(pod)[path: ["spec", "containers"]]?[0]?["env"]
        #expect(env?[0]?["value"]?.stringValue?.hasPrefix("[REDACTED credential hmac-sha256:") == true)
        #expect(env?[1]?["value"] == "admin" && env?[2]?["value"] == "/var/run/token")
        #expect(env?[3]?[path: ["valueFrom", "secretKeyRef", "key"]] == "password")
    }

    @Test("the Redactor scrubs bearer tokens, private keys, JWTs, credential fields and URL passwords")
    func redactorShapes() {
        let r = Redactor.standard
        #expect(r.scrub("Authorization: Bearer abcdefgh12345678") == "Authorization: Bearer [REDACTED bearer]")
        #expect(r.scrub("a -----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY----- b") == "a [REDACTED private-key] b")
        #expect(r.scrub("-----BEGIN PRIVATE KEY-----\ntruncated") == "[REDACTED private-key]")
        let certificate = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----"
        #expect(r.scrub(certificate) == certificate)
        #expect(r.scrub("client-key-data: LS0tLS1CRUdJTiBSU0EgUFJJVkFURSBLRVktLS0tLQpNSUlF") == "client-key-data: [REDACTED credential]")
        let wrappedKey = Data("-----BEGIN RSA PRIVATE KEY-----\nMIIE\n".utf8).base64EncodedString()
        #expect(r.scrub("key \(wrappedKey) end") == "key [REDACTED private-key] end")
        let wrappedCert = Data("-----BEGIN CERTIFICATE-----\nMIIB\n".utf8).base64EncodedString()
        #expect(r.scrub("cert \(wrappedCert)") == "cert \(wrappedCert)")
        #expect(r.scrub("t=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW0ifQ.c2lnbmF0dXJl;") == "t=[REDACTED jwt];")
        #expect(r.scrub(#"{"password":"hunter2","user":"bob"}"#) == #"{"password":"[REDACTED credential]","user":"bob"}"#)
        #expect(r.scrub("postgres://mlflow:s3cret@db:5432/mlflow") == "postgres://mlflow:[REDACTED url-password]@db:5432/mlflow")
        #expect(r.scrub("token=abc&x=1") == "token=[REDACTED credential]&x=1")
        #expect(r.scrub("proof run --token abc123 --password=xyz --context kind") == "proof run --token [REDACTED credential] --password=[REDACTED credential] --context kind")
        // Whole words only, and ordinary text is left alone (without copying).
        #expect(r.scrubIfNeeded("kubernetes.io/service-account-token") == nil)
        #expect(r.scrubIfNeeded("tokenFile: /var/run/token, passwords are hashed; a Bearer token") == nil)
        #expect(r.scrubIfNeeded("http://loki-dev.baseline-dev.svc.cluster.local:3100/loki/api/v1/push") == nil)
        // Idempotent.
        let once = r.scrub("password=hunter2 Bearer abcdefgh12345678")
        #expect(r.scrub(once) == once)
        let salted = redaction.redactor.scrub("password=hunter2")
        #expect(salted.hasPrefix("password=[REDACTED credential hmac-sha256:\(redaction.saltID):") && redaction.redactor.scrub(salted) == salted)
    }
}
