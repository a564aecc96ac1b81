import Foundation
import ProofCore
import ProofScenario
import ProofSim
import ProofStore
import Synchronization
import Testing

@testable import ProofCommands

/// `metadata.managedFields` (written by the API server on every write, the embedded one included) never reach
/// the evidence store, on every path a body takes into it: capture members, watch events of the timeline and
/// waits, and the HTTP cassette (`--record-http`: responses, list pages, watch stream lines, request bodies).
/// `Redaction` drops them before hashing, so they are no noise to diff, `unchanged` or replay either.
@Suite struct ManagedFieldsEvidenceTests {
    static let scenario = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: managed-fields, description: Write a Deployment and a ConfigMap twice and watch them roll out.}
        spec:
          environment: dev
          capture:
            kinds: [configmaps, deployments, replicasets, pods]
            namespaces: [default]
            loki: [{environment: dev, defaults: false, queries: {}}]
          invariants:
            - id: web-present
              description: The Deployment exists after the writes.
              at: [after]
              present: {match: {kind: Deployment, namespace: default, name: written}}
          steps:
            - capture: {label: before}
            - apply:
                manifests:
                  - {apiVersion: v1, kind: ConfigMap, metadata: {name: written, namespace: default}, data: {k: v1}}
                  - apiVersion: apps/v1
                    kind: Deployment
                    metadata: {name: written, namespace: default}
                    spec:
                      replicas: 1
                      selector: {matchLabels: {app: written}}
                      template:
                        metadata: {labels: {app: written}}
                        spec: {containers: [{name: web, image: "nginx:1.27"}]}
            - wait: {rollout: {kind: Deployment, namespace: default, name: written}}
            - patch:
                target: {kind: ConfigMap, namespace: default, name: written}
                patch: {data: {k: v2}}
            - patch:
                target: {kind: Deployment, namespace: default, name: written}
                patch: {spec: {template: {spec: {containers: [{name: web, image: "nginx:1.28"}]}}}}
            - wait:
                field: {kind: Deployment, namespace: default, name: written, path: spec.template.spec.containers.0.image, equals: "nginx:1.28"}
            - wait: {rollout: {kind: Deployment, namespace: default, name: written}}
            - capture: {label: after}
        """

    static func mentionsManagedFields(_ bytes: [UInt8]?) -> Bool {
        guard let bytes else { return false }
        return String(decoding: bytes, as: UTF8.self).contains("managedFields")
    }

    @Test func noBodyInTheStoreKeepsManagedFieldsOnAnyPath() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("managed-fields.yaml").path
        try Self.scenario.write(toFile: file, atomically: true, encoding: .utf8)
        let db = directory.appendingPathComponent("e.sqlite").path
        let written = Mutex<Int>(0)
        let run = try Proof.Run.parse([
            file, "--record-http", "--db", db, "--out", directory.appendingPathComponent("proof").path,
            "--platform", RunTests.path("scenarios/platform"),
        ])
        let code = try await run.execute(reporter: ProgressReporter(mode: .silent)) { connection in
            // What the cluster serves carries managedFields (the Deployments Argo CD synced).
            let deployments = connection.simulated?.state.list(BuiltIn.deployments).items ?? []
            let managed = deployments.filter { $0[path: ["metadata", "managedFields"]]?.arrayValue?.isEmpty == false }.count
            written.withLock { $0 = managed }
        }
        #expect(code == 0)
        #expect(written.withLock { $0 } > 0, "the cluster writes managedFields")

        let store = try EvidenceStore.open(path: db)
        let id = try #require(try await store.runs().first?.id)
        var members = 0
        for snapshot in try await store.snapshots(run: id) {
            for object in try await store.objects(snapshot: snapshot.id) {
                members += 1
                #expect(object.body?[path: ["metadata", "managedFields"]] == nil, "capture member \(object.identity)")
            }
        }
        #expect(members > 2)
        let events = try await store.watchEvents(run: id, bodies: true).filter { $0.object != nil }
        #expect(!events.isEmpty, "the timeline recorded watch events")
        for event in events { #expect(event.object?[path: ["metadata", "managedFields"]] == nil, "watch event \(event.sequence)") }

        let exchanges = try await store.httpExchanges(run: id)
        #expect(exchanges.contains { $0.method == "PATCH" } && exchanges.contains { !$0.streamEvents.isEmpty })
        var bodies = 0
        for exchange in exchanges {
            for body in [exchange.requestBody, exchange.responseBody] + exchange.streamEvents.map(\.body) where body?.isEmpty == false {
                bodies += 1
                #expect(!Self.mentionsManagedFields(body), "\(exchange.method) \(exchange.url)")
            }
        }
        #expect(bodies > 10)
    }
}
