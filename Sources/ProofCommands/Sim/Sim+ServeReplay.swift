import ArgumentParser
import Foundation
import ProofSim
import ProofStore

extension CassetteEntry {
    /// The cassette form of a stored exchange.
    init(_ exchange: HTTPExchange) {
        self.init(
            sequence: exchange.sequence, method: exchange.method, url: exchange.url, status: exchange.status,
            headers: exchange.responseHeaders, body: exchange.responseBody,
            chunks: exchange.streamEvents.map { Chunk(offsetMilliseconds: $0.offsetMilliseconds, body: $0.body) },
            durationMilliseconds: exchange.durationMilliseconds, error: exchange.error)
    }

    /// The recorded exchanges of `run` in `store`, as a cassette.
    static func load(run reference: String, store: EvidenceStore) async throws -> (RunID, [CassetteEntry]) {
        let run = try await store.resolveRun(reference).id
        let entries = try await store.httpExchanges(run: run).map(CassetteEntry.init)
        guard !entries.isEmpty else {
            throw EvidenceInputError("run \(run) kept no HTTP exchanges: record one with `proof run --record-http`")
        }
        return (run, entries)
    }
}

extension Proof.Sim.Serve {
    /// `proof sim serve --replay RUN`: serves a recorded run's exchanges until interrupted.
    static func serveReplay(run reference: String, db: String, port: Int, token: String?, kubeconfigOut: String, pace: Double) async throws {
        let (run, entries): (RunID, [CassetteEntry])
        do {
            var option = EvidenceStoreOption()
            option.path = db
            let store = try option.open()
            (run, entries) = try await CassetteEntry.load(run: reference, store: store)
        } catch let error as EvidenceInputError {
            printError("proof sim serve --replay: \(error)")
            throw ExitCode(2)
        }
        let server = try await CassetteServer.start(entries: entries, port: port, token: token, pace: pace)
        try server.writeKubeconfig(to: kubeconfigOut)
        print("replaying \(entries.count) HTTP exchanges of run \(run) on \(server.url)")
        print("kubeconfig: \(URL(fileURLWithPath: kubeconfigOut).standardizedFileURL.path)")
        print("an unexpected request is answered with a Status 500 naming the expected one; press Ctrl-C to stop")
        fflush(nil)
        await waitForTermination()
        await server.stop()
        print("served \(server.served) of \(server.total) exchanges; \(server.unexpected.count) unexpected request(s)")
        for line in server.unexpected.prefix(20) { print("  unexpected: \(line)") }
    }
}
