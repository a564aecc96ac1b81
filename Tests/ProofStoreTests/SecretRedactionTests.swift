import Foundation
import ProofCore
import Testing
@testable import ProofStore

@Suite("Secrets never reach the evidence file")
struct SecretRedactionTests {
    static let plantedData = "planted-DATA-value-9f3a1c"
    static let plantedString = "planted-STRINGDATA-value-77be02"
    static let plantedToken = "plantedBearerTokenQ2xlYXJseU5vdEFUb2tlbg"
    static let plantedKeyLine = "MIIEplantedPRIVATEkeyMATERIALxyz"

    static func secret(data: String, stringData: String) -> JSON {
        let lastApplied = JSON.object([
            "apiVersion": "v1", "kind": "Secret",
            "metadata": ["name": "minio-creds", "namespace": "baseline-dev"],
            "data": ["rootPassword": JSON.string(Data(data.utf8).base64EncodedString())],
            "stringData": ["accessKey": .string(stringData)],
        ]).canonicalString
        return [
            "apiVersion": "v1", "kind": "Secret", "type": "Opaque",
            "metadata": [
                "name": "minio-creds", "namespace": "baseline-dev", "uid": "secret-uid", "resourceVersion": "3",
                "annotations": JSON.object([Redaction.lastAppliedAnnotation: .string(lastApplied)]),
            ],
            "data": ["rootPassword": JSON.string(Data(data.utf8).base64EncodedString()), "rootUser": JSON.string(Data("admin".utf8).base64EncodedString())],
            "stringData": ["accessKey": .string(stringData)],
        ]
    }

    static var configMap: JSON {
        [
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": ["name": "client", "namespace": "fastapi-dev"],
            "data": [
                "curl.sh": .string("curl -H 'Authorization: Bearer \(plantedToken)' http://fastapi"),
                "key.pem": .string("-----BEGIN RSA PRIVATE KEY-----\n\(plantedKeyLine)\n-----END RSA PRIVATE KEY-----\n"),
            ],
        ]
    }

    @Test("planted Secret values appear nowhere in the database or WAL, and changed/unchanged stays decidable")
    func plantedValuesNeverStored() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(RunInfo(scenario: "secrets", command: "proof run --token \(Self.plantedToken)"))
        let first = try await store.writeSnapshot(run: run, label: "one", objects: [Self.secret(data: Self.plantedData, stringData: Self.plantedString), Self.configMap])
        // Second capture: data changed, stringData unchanged.
        let second = try await store.writeSnapshot(run: run, label: "two", objects: [Self.secret(data: Self.plantedData + "-rotated", stringData: Self.plantedString), Self.configMap])
        // Everything else that can carry a secret.
        try await store.recordWatchEvents([WatchEvent(at: .now, type: "MODIFIED", object: Self.secret(data: Self.plantedData, stringData: Self.plantedString))], run: run)
        try await store.recordFindings(
            [FindingRecord(snapshot: second.snapshot.id, invariantID: "x", invariantKind: "field-equals", status: .failed,
                           expected: ["token": .string(Self.plantedToken)], actual: Self.secret(data: Self.plantedData, stringData: Self.plantedString),
                           message: "saw Bearer \(Self.plantedToken)")],
            run: run)
        try await store.recordDiagnostics([Diagnostic(at: .now, kind: "pod-log", subject: "Pod/fastapi-dev/api", content: "auth header Bearer \(Self.plantedToken)\npassword=\(Self.plantedString)")], run: run)
        let list = JSON.object(["apiVersion": "v1", "kind": "SecretList", "items": [
            ["metadata": ["name": "s"], "data": ["k": JSON.string(Data(Self.plantedData.utf8).base64EncodedString())]],
        ]])
        try await store.recordHTTPExchange(
            HTTPExchange(startedAt: .now, durationMilliseconds: 3, method: "GET", url: "https://user:\(Self.plantedString)@127.0.0.1:6443/api/v1/secrets",
                         requestHeaders: [["Authorization", "Bearer \(Self.plantedToken)"]], status: 200,
                         responseBody: list.canonicalData),
            run: run)
        _ = try await store.writeSnapshot(run: run, label: "three", objects: [], errors: [ListingError(apiVersion: "v1", kind: "Secret", message: "401 Unauthorized (sent Authorization: Bearer \(Self.plantedToken))")])
        try await store.finishRun(run, status: .passed, exitCode: 0)

        let planted = [Self.plantedData, Self.plantedString, Self.plantedToken, Self.plantedKeyLine]
        let encoded = [Data(Self.plantedData.utf8).base64EncodedString(), Data((Self.plantedData + "-rotated").utf8).base64EncodedString()]
        for value in planted + encoded {
            #expect(!(try directory.storeBytes()).contains(bytes: Array(value.utf8)), "\(value) leaked into the open store")
        }

        // Changed / unchanged is decidable from the redacted bodies.
        let one = try await store.objects(snapshot: first.snapshot.id).first { $0.identity.kind == "Secret" }!.body!
        let two = try await store.objects(snapshot: second.snapshot.id).first { $0.identity.kind == "Secret" }!.body!
        #expect(one["data"]?["rootPassword"] != two["data"]?["rootPassword"])
        #expect(one["data"]?["rootUser"] == two["data"]?["rootUser"])
        #expect(one["stringData"]?["accessKey"] == two["stringData"]?["accessKey"])
        #expect(one["data"]?["rootPassword"]?.stringValue?.hasPrefix("[REDACTED secret-value hmac-sha256:\(store.redaction.saltID):") == true)
        // The last-applied annotation is redacted the same way, so it digests the same value identically.
        let lastApplied = try JSON(parsing: one[path: ["metadata", "annotations", Redaction.lastAppliedAnnotation]]!.stringValue!)
        #expect(lastApplied["data"]?["rootPassword"] == one["data"]?["rootPassword"])
        #expect(lastApplied["stringData"]?["accessKey"] == one["stringData"]?["accessKey"])

        // And after the WAL is checkpointed into the main file.
        try await store.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        for value in planted + encoded {
            #expect(!(try directory.storeBytes()).contains(bytes: Array(value.utf8)), "\(value) leaked into the checkpointed store")
        }
        #expect(try await store.verifyIntegrity(run: run).isEmpty)
    }

    @Test("Loki lines (a streams result), step names and details keep no credential")
    func lokiLinesAndSteps() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(RunInfo(scenario: "loki-lines"))
        let github = "ghp_plantedLOKI0123456789abcdefghijkl"
        let streams: JSON = ["resultType": "streams", "result": [[
            "stream": ["namespace": "fastapi-dev"],
            "values": [["1796000000000000000", .string("level=info msg=login DB_PASS=plantedLokiPass token \(github)")]],
        ]]]
        _ = try await store.writeSnapshot(run: run, label: "one", objects: [], lokiSamples: [LokiSample(name: "lines", query: "{namespace=\"fastapi-dev\"}", result: streams)])
        try await store.recordStep(StepRecord(
            name: "GET /login?access_token=plantedStepName", kind: "http", startedAt: .now, finishedAt: .now, status: .failed,
            message: "token is \"x\"", detail: ["stdout": "export GITHUB_PAT=plantedStepDetail"]), run: run)
        for planted in ["plantedLokiPass", github, "plantedStepName", "plantedStepDetail"] {
            #expect(!(try directory.storeBytes()).contains(bytes: Array(planted.utf8)), "\(planted) leaked into the store")
        }
        let snapshot = try #require(try await store.snapshots(run: run).first)
        let sample = try #require(try await store.lokiSamples(snapshot: snapshot.id).first)
        #expect(sample.result?[path: ["result"]]?[0]?["stream"] == ["namespace": "fastapi-dev"], "labels are kept")
    }
}
