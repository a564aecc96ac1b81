import ArgumentParser
import Foundation
import ProofCluster
import ProofCore
import ProofScenario
import ProofSim
import ProofStore
import Synchronization
import Testing

@testable import ProofCommands

/// `proof run --record-http` against the embedded cluster keeps every HTTP exchange in the store (sealed with
/// the run, credentials and Secret values stripped); re-run offline against the cassette server, the scenario
/// gives the same findings (the harness is tested against exactly what the cluster answered).
@Suite(.serialized) struct CassetteScenarioTests {
    /// Secret values planted by the scenario, which must never reach the store.
    static let plantedData = "planted-data-value-5b1c"
    static let plantedString = "planted-string-value-77ad"
    static let plantedPatch = "planted-patch-value-e3f0"
    static let plantedJSONPatch = "planted-jsonpatch-value-42c9"

    static let scenario = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: cassette-demo, description: Apply a ConfigMap and a Secret and see them.}
        spec:
          environment: dev
          capture:
            kinds: [configmaps, secrets, namespaces]
            namespaces: [default]
            loki: [{environment: dev, defaults: false, queries: {default-lines: 'sum(count_over_time({namespace="default"}[{{window}}]))'}}]
          invariants:
            - id: config-present
              description: The ConfigMap exists after the apply.
              at: [after]
              present: {match: {kind: ConfigMap, namespace: default, name: demo}}
            - id: config-absent-before
              description: Not before.
              at: [before]
              absent: {match: {kind: ConfigMap, namespace: default, name: demo}}
            - id: secret-present
              description: The Secret exists after the apply.
              at: [after]
              present: {match: {kind: Secret, namespace: default, name: demo-credentials}}
          steps:
            - capture: {label: before}
            - apply:
                manifests:
                  - {apiVersion: v1, kind: ConfigMap, metadata: {name: demo, namespace: default}, data: {k: v}}
                  - {apiVersion: v1, kind: Namespace, metadata: {name: cassette-demo}}
                  - apiVersion: v1
                    kind: Secret
                    metadata: {name: demo-credentials, namespace: default}
                    data: {key: \(Data(plantedData.utf8).base64EncodedString())}
                    stringData: {other: \(plantedString)}
            - patch:
                target: {kind: Secret, namespace: default, name: demo-credentials}
                patch: {stringData: {patched: \(plantedPatch)}}
            - patch:
                target: {kind: Secret, namespace: default, name: demo-credentials}
                type: json
                patch: [{op: add, path: /stringData, value: {again: \(plantedJSONPatch)}}]
            - capture: {label: after}
        """

    static func findings(_ store: EvidenceStore, _ run: RunID) async throws -> [String] {
        try await store.findings(run: run).map { "\($0.invariantID) \($0.status.rawValue) \($0.message)" }
    }

    /// Every byte of the store's files (the database, its WAL and shared memory).
    static func storeBytes(_ db: String) throws -> Data {
        let directory = URL(fileURLWithPath: db).deletingLastPathComponent()
        let name = URL(fileURLWithPath: db).lastPathComponent
        var bytes = Data()
        for file in try FileManager.default.contentsOfDirectory(atPath: directory.path) where file.hasPrefix(name) {
            bytes += try Data(contentsOf: directory.appendingPathComponent(file))
        }
        return bytes
    }

    @Test func recordHTTPKeepsTheRunsExchangesAndTheyReplayOfflineToTheSameFindings() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("cassette.yaml").path
        try Self.scenario.write(toFile: file, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("e.sqlite").path

        // Live, recording: `proof run --record-http` against the embedded cluster.
        let token = Mutex<String?>(nil)
        let live = try Proof.Run.parse([
            file, "--record-http", "--db", db, "--out", directory.appendingPathComponent("proof").path,
            "--platform", RunTests.path("scenarios/platform"),
        ])
        let code = try await live.execute(reporter: ProgressReporter(mode: .silent)) { connection in
            token.withLock { $0 = connection.simulated?.token }
        }
        #expect(code == 0)
        let store = try EvidenceStore.open(path: db)
        let first = try #require(try await store.runs().first)
        #expect(first.status == .passed)
        #expect(try await Self.findings(store, first.id).contains { $0.hasPrefix("secret-present held") })

        // The exchanges are in the run, sealed with it: reads, writes, watch streams and Loki.
        let exchanges = try await store.httpExchanges(run: first.id)
        #expect(exchanges.contains { $0.method == "POST" && $0.url.contains("/configmaps") })
        #expect(exchanges.contains { $0.method == "PATCH" && $0.url.contains("/secrets/demo-credentials") })
        #expect(exchanges.contains { !$0.streamEvents.isEmpty }, "watch streams are kept event by event")
        #expect(exchanges.contains { $0.url.contains("/services/loki-dev:") && $0.url.contains("/proxy/") }, "Loki calls (service proxy) are kept")
        #expect(try await store.verifyIntegrity(run: first.id).isEmpty)

        // Credentials: the Authorization header is a marker; no planted Secret value, in plain text or
        // base64, and not the cluster's token, is anywhere in the store's files.
        let authorization = exchanges.compactMap { $0.requestHeaders.first { $0.first?.lowercased() == "authorization" }?.last }
        #expect(!authorization.isEmpty && authorization.allSatisfy { $0.hasPrefix("[REDACTED header") })
        let patches = exchanges.filter { $0.method == "PATCH" && $0.url.contains("/secrets/demo-credentials") }
        #expect(patches.count >= 2 && patches.allSatisfy { String(decoding: $0.requestBody ?? [], as: UTF8.self).contains("[REDACTED secret-value") },
            "a patch of a Secret is redacted as a Secret although it names no kind")
        let bytes = try Self.storeBytes(db)
        let bearer = try #require(token.withLock { $0 })
        for planted in [Self.plantedData, Self.plantedString, Self.plantedPatch, Self.plantedJSONPatch, bearer] {
            for form in [planted, Data(planted.utf8).base64EncodedString()] {
                #expect(bytes.range(of: Data(form.utf8)) == nil, "\(form.prefix(12))… is in the store")
            }
        }

        // Offline: the cassette server serves the run back; `proof run` against it gives the same findings.
        let (_, entries) = try await HTTPExchange.cassette(run: first.id.rawValue, store: store)
        let server = try await CassetteServer.start(entries: entries)
        let replayConfig = directory.appendingPathComponent("replay.kubeconfig").path
        try server.writeKubeconfig(to: replayConfig)
        let offline = try Proof.Run.parse([
            file, "--kubeconfig", replayConfig, "--db", db, "--out", directory.appendingPathComponent("proof").path,
        ])
        let offlineCode = try await offline.execute(reporter: ProgressReporter(mode: .silent))
        await server.stop()
        #expect(server.unexpected.isEmpty, "\(server.unexpected)")
        #expect(offlineCode == code)
        let second = try #require(try await store.runs().last)
        #expect(second.id != first.id)
        #expect(try await Self.findings(store, second.id) == Self.findings(store, first.id))

        // The invariants are recorded with the run: with the scenario file gone, `proof replay` still judges
        // both runs by them.
        try FileManager.default.removeItem(atPath: file)
        #expect(try await Proof.Replay.parse(["--all", "--db", db, "--quiet"]).execute() == 0)
        let replayed = try await Replayer(store: store).replay(first.id, source: .recorded)
        #expect(replayed.matchesRecord, "\(replayed.differences)")
        #expect(replayed.results.map(\.finding.invariantID).contains("secret-present"))

        // The run's seal covers its exchanges: an edited watch event is found by verify.
        try EvidenceFixture.sqlite(db, """
            DROP TRIGGER http_stream_events_append_only_update;
            UPDATE http_stream_events SET body = CAST('{"type":"DELETED"}' AS BLOB)
              WHERE run_id = '\(first.id.rawValue)' AND exchange_seq = (SELECT MIN(exchange_seq) FROM http_stream_events WHERE run_id = '\(first.id.rawValue)') AND seq = 1;
            """)
        #expect(try await !store.verifyIntegrity(run: first.id).isEmpty)
        #expect(try await store.verifyIntegrity(run: second.id).isEmpty)
    }
}
