import Foundation
import ProofCore
import Testing
@testable import ProofStore

@Suite("Timeline, diagnostics and cassette records")
struct RecordsTests {
    @Test("HTTP exchanges round-trip for the cassette: order, stream chunks, credentials replaced")
    func httpExchanges() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(Fixtures.info)
        let pod = Fixtures.pod(1)
        let events = [
            HTTPExchange.StreamEvent(offsetMilliseconds: 5, body: JSON.object(["type": "ADDED", "object": pod]).canonicalData),
            HTTPExchange.StreamEvent(offsetMilliseconds: 900, body: Array(#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12"}}}"#.utf8)),
        ]
        try await store.recordHTTPExchange(
            HTTPExchange(startedAt: Fixtures.t0, durationMilliseconds: 1000, method: "GET", url: "https://127.0.0.1:6443/api/v1/pods?watch=1&resourceVersion=10",
                         requestHeaders: [["Authorization", "Bearer abcdefgh12345678"], ["Accept", "application/json"]], status: 200,
                         responseHeaders: [["Content-Type", "application/json"]], streamEvents: events),
            run: run)
        try await store.recordHTTPExchange(
            HTTPExchange(startedAt: Fixtures.t0, durationMilliseconds: 2, method: "PATCH", url: "https://127.0.0.1:6443/apis/argoproj.io/v1alpha1/namespaces/argocd/applications/root",
                         requestBody: Array(#"{"operation":{"sync":{"prune":true}}}"#.utf8), status: nil, error: "connection refused"),
            run: run)
        let stored = try await store.httpExchanges(run: run)
        #expect(stored.map(\.sequence) == [1, 2] && stored.map(\.method) == ["GET", "PATCH"])
        #expect(stored[0].requestHeaders[0][1].hasPrefix("[REDACTED header hmac-sha256:"))
        #expect(stored[0].requestHeaders[1] == ["Accept", "application/json"])
        #expect(stored[0].streamEvents.map(\.offsetMilliseconds) == [5, 900])
        var expected = pod
        expected.set(nil, at: ["metadata", "managedFields"])
        #expect(try JSON(parsing: stored[0].streamEvents[0].body)["object"] == expected)
        #expect(stored[1].status == nil && stored[1].error == "connection refused")
        #expect(stored[1].requestDigest == Digest.sha256Hex(stored[1].requestBody ?? []))
        #expect(try JSON(parsing: stored[1].requestBody ?? [])[path: ["operation", "sync", "prune"]] == true)
    }

    @Test("watch events and diagnostics keep their order; a bookmark has no body")
    func watchEventsAndDiagnostics() async throws {
        let directory = try TemporaryDirectory()
        let store = try EvidenceStore.open(path: directory.database)
        let run = try await store.beginRun(Fixtures.info)
        let first = try await store.recordWatchEvents(
            [WatchEvent(at: Fixtures.t0, type: "ADDED", object: Fixtures.pod(1)), WatchEvent(at: Fixtures.t0, type: "BOOKMARK", object: nil, resourceVersion: "44")],
            run: run)
        let second = try await store.recordWatchEvents([WatchEvent(at: Fixtures.t0.addingTimeInterval(1), type: "DELETED", object: Fixtures.pod(1, resourceVersion: "45"))], run: run)
        #expect(first == [1, 2] && second == [3])
        let events = try await store.watchEvents(run: run, bodies: true)
        #expect(events.map(\.type) == ["ADDED", "BOOKMARK", "DELETED"])
        #expect(events[1].objectDigest == nil && events[1].resourceVersion == "44" && events[1].identity == nil)
        #expect(events[2].identity?.description == "Pod/airflow-dev/worker-1" && events[2].resourceVersion == "45")
        #expect(events[2].object?[path: ["metadata", "resourceVersion"]] == "45")
        try await store.recordDiagnostics([Diagnostic(at: Fixtures.t0, step: 2, kind: "pod-log", subject: "Pod/airflow-dev/worker-1", content: "line one\nline two")], run: run)
        let diagnostics = try await store.diagnostics(run: run)
        #expect(diagnostics.count == 1 && diagnostics[0].content == "line one\nline two" && diagnostics[0].step == 2)
    }

    @Test("two store handles on one file write concurrently without losing or interleaving a snapshot")
    func concurrentWriters() async throws {
        let directory = try TemporaryDirectory()
        let one = try EvidenceStore.open(path: directory.database)
        let two = try EvidenceStore.open(path: directory.database)
        let runOne = try await one.beginRun(Fixtures.info)
        let runTwo = try await two.beginRun(Fixtures.info)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (store, run) in [(one, runOne), (two, runTwo)] {
                group.addTask {
                    for index in 0..<10 {
                        _ = try await store.writeSnapshot(run: run, label: "s\(index)", objects: (0..<50).map { Fixtures.pod($0, resourceVersion: "\(index)") })
                    }
                }
            }
            try await group.waitForAll()
        }
        for run in [runOne, runTwo] {
            #expect(try await one.snapshots(run: run).map(\.sequence) == Array(1...10))
            #expect(try await one.verifyIntegrity(run: run).isEmpty)
        }
    }
}
