import ArgumentParser
import Foundation
import ProofCluster
import ProofCore
import ProofScenario
import ProofSim
import ProofStore
import Testing

@testable import ProofCommands

/// Cassette mode: the HTTP client records every exchange (a watch event by event) into the store, and the
/// cassette server answers the same requests identically, in order, with no cluster; an unexpected request
/// gets a Status 500 naming the expected one.
@Suite struct CassetteTests {
    /// What a client did: the namespaces it listed, one watched event, one object read.
    struct Session: Equatable {
        var names: [String]
        var watched: String
        var read: String
    }

    static func session(_ client: KubernetesClient, create: (@Sendable () async throws -> Void)?) async throws -> Session {
        let namespaces = try await client.resource(named: "namespaces")
        let list = try await client.list(namespaces)
        let stream = try await client.openWatch(namespaces, namespace: nil, resourceVersion: list.resourceVersion)
        if let create { try await create() }
        var watched = ""
        for try await line in stream {
            let event = try JSON(parsing: line)
            if event["type"]?.stringValue == "ADDED" {
                watched = event[path: ["object", "metadata", "name"]]?.stringValue ?? ""
                break
            }
        }
        let read = try await client.get(namespaces, name: "cassette-demo")
        return Session(names: list.items.compactMap { $0[path: ["metadata", "name"]]?.stringValue }, watched: watched,
            read: read[path: ["metadata", "uid"]]?.stringValue ?? "")
    }

    /// A session recorded against a fresh simulated cluster (stopped afterwards) that creates the namespace
    /// `cassette-demo` while it watches: the recorder, what the session saw, and the cluster's token.
    static func recordedSession(in directory: URL) async throws -> (recorder: CassetteRecorder, session: Session, token: String) {
        let sim = try await SimulatedCluster.start(SimOptions())
        let simConfig = directory.appendingPathComponent("sim.kubeconfig").path
        let recorder = CassetteRecorder()
        let session: Session
        do {
            try sim.writeKubeconfig(to: simConfig)
            var options = HTTPClientOptions()
            options.recorder = recorder
            let client = KubernetesClient(config: try Kubeconfig.load(path: simConfig), options: options)
            let writer = KubernetesClient(config: try Kubeconfig.load(path: simConfig))
            session = try await Self.session(client) {
                _ = try await writer.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "cassette-demo"]])
            }
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
        return (recorder, session, sim.token)
    }

    @Test func aRecordedSessionIsServedBackIdenticallyAndAnUnexpectedRequestIsNamed() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (recorder, original, token) = try await Self.recordedSession(in: directory)
        #expect(original.watched == "cassette-demo" && original.names.contains("default"))

        // Into the store: credentials stripped, the watch kept event by event.
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        let run = try await store.beginRun(RunInfo(scenario: "cassette", environment: "dev"))
        let saved = try await CassetteRecording.save(recorder, to: store, run: run)
        try await store.finishRun(run, status: .passed, exitCode: 0)
        let exchanges = try await store.httpExchanges(run: run)
        #expect(exchanges.count == saved && saved >= 4)
        let watch = try #require(exchanges.first { $0.url.contains("watch=1") })
        #expect(watch.streamEvents.contains { String(decoding: $0.body, as: UTF8.self).contains("cassette-demo") })
        #expect(!exchanges.contains { $0.requestHeaders.contains { $0.last?.contains(token) == true } }, "the token is never stored")
        #expect(try await store.verifyIntegrity(run: run).isEmpty)

        // Served back: the same session gives the same answers, with no cluster.
        let (_, entries) = try await HTTPExchange.cassette(run: run.rawValue, store: store)
        let server = try await CassetteServer.start(entries: entries, pace: 0)
        let replayConfig = directory.appendingPathComponent("replay.kubeconfig").path
        try server.writeKubeconfig(to: replayConfig)
        let replayClient = KubernetesClient(config: try Kubeconfig.load(path: replayConfig))
        let replayed = try await Self.session(replayClient, create: nil)
        #expect(replayed == original)
        #expect(server.served == entries.count && server.unexpected.isEmpty)

        // A request the recording never made: a Status 500 naming what was expected.
        let namespaces = try await replayClient.resource(named: "namespaces")
        do {
            _ = try await replayClient.get(namespaces, name: "never-recorded")
            Issue.record("an unexpected request must fail")
        } catch let error as ClusterError {
            #expect(error.status == 500)
            #expect(error.message.contains("unexpected request GET /api/v1/namespaces/never-recorded"))
        }
        await server.stop()
    }

    /// Whether `stream` gives no further line and no end within `wait` (it is still open).
    static func staysOpen(_ stream: HTTPLineStream, for wait: Duration) async throws -> Bool {
        try await withThrowingTaskGroup(of: Bool.self) { group in
            group.addTask {
                for try await _ in stream { return false }
                return false
            }
            group.addTask {
                try await Task.sleep(for: wait)
                return true
            }
            let first = try await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// A watch the client stopped reading was never ended by the server: the replay keeps it open (a slower
    /// replay would otherwise see it end and reconnect, a request the recording never made); a stream the
    /// server ended ends at its recorded time.
    @Test func aStreamTheServerNeverEndedStaysOpenOnReplay() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let (recorder, _, _) = try await Self.recordedSession(in: directory)
        var entries = recorder.exchanges()
        let index = try #require(entries.firstIndex { $0.url.contains("watch=1") })
        #expect(entries[index].error == HTTPExchange.streamLeftOpen, "the session stopped reading; the server never ended the watch")
        // Recorded as lasting only until just after its last line: what keeps it open is the mark alone.
        entries[index].durationMilliseconds = (entries[index].streamEvents.last?.offsetMilliseconds ?? 0) + 5

        func replay(_ entries: [HTTPExchange]) async throws -> Bool {
            let server = try await CassetteServer.start(entries: entries, pace: 1)
            defer { Task { await server.stop() } }
            let replayConfig = directory.appendingPathComponent("replay-\(UUID().uuidString).kubeconfig").path
            try server.writeKubeconfig(to: replayConfig)
            let replayClient = KubernetesClient(config: try Kubeconfig.load(path: replayConfig))
            let namespaces = try await replayClient.resource(named: "namespaces")
            let list = try await replayClient.list(namespaces)
            let stream = try await replayClient.openWatch(namespaces, namespace: nil, resourceVersion: list.resourceVersion)
            var lines = 0
            for try await _ in stream {
                lines += 1
                if lines == entries[index].streamEvents.count { break }
            }
            return try await Self.staysOpen(stream, for: .milliseconds(800))
        }
        #expect(try await replay(entries), "left open: still open after its recorded lines")
        // The same stream as if the server had ended it right after its last line: it ends.
        entries[index].error = nil
        #expect(try await !replay(entries), "ended by the server: it ends at its recorded time")
    }

    @Test func aRunWithoutExchangesIsBadInput() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        let run = try await EvidenceFixture.record(into: store, scenarioFile: directory.appendingPathComponent("fixture.yaml").path)
        let serve = try Proof.Sim.Serve.parse(["--replay", run.rawValue, "--db", db, "--kubeconfig-out", directory.appendingPathComponent("k").path])
        await #expect(throws: ExitCode(2)) { try await serve.run() }
    }
}
