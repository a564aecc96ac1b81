import ArgumentParser
import Foundation
import ProofCore
import ProofSim
import ProofStore

extension HTTPExchange {
    /// The recorded exchanges of `run` in `store`: the cassette `proof sim serve --replay` serves.
    static func cassette(run reference: String, store: EvidenceStore) async throws -> (RunID, [HTTPExchange]) {
        let run = try await store.resolveRun(reference).id
        let exchanges = try await store.httpExchanges(run: run)
        guard !exchanges.isEmpty else {
            throw EvidenceInputError("run \(run) kept no HTTP exchanges: record one with `proof run --record-http`")
        }
        return (run, exchanges)
    }
}

extension Proof.Sim.Serve {
    /// `proof sim serve --replay RUN`: serves a recorded run's exchanges until interrupted.
    static func serveReplay(run reference: String, db: String, port: Int, token: String?, kubeconfigOut: String, pace: Double) async throws {
        let (run, entries): (RunID, [HTTPExchange])
        do {
            var option = EvidenceStoreOption()
            option.path = db
            let store = try option.open()
            (run, entries) = try await HTTPExchange.cassette(run: reference, store: store)
        } catch let error as EvidenceInputError {
            printError("proof sim serve --replay: \(error)")
            throw ExitCode(2)
        }
        let server = try await CassetteServer.start(entries: entries, port: port, token: token, pace: pace)
        try server.writeKubeconfig(to: kubeconfigOut)
        Console.out("replaying \(entries.count) HTTP exchanges of run \(run) on \(server.url)")
        Console.out("kubeconfig: \(URL(fileURLWithPath: kubeconfigOut).standardizedFileURL.path)")
        Console.out("an unexpected request is answered with a Status 500 naming the expected one; press Ctrl-C to stop")
        fflush(nil)
        await waitForTermination()
        await server.stop()
        Console.out("served \(server.served) of \(server.total) exchanges; \(server.unexpected.count) unexpected request(s)")
        for line in server.unexpected.prefix(20) { Console.out("  unexpected: \(line)") }
    }
}
