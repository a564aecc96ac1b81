import ProofCluster
import ProofStore

/// Moves a ``CassetteRecorder``'s exchanges into the evidence store (`proof run --record-http`).
///
/// The runner sets `HTTPClientOptions.recorder` on the client it runs with, and calls ``save(_:to:run:)``
/// before `finishRun` (the run's seal covers the HTTP exchanges, so they must be written while it is open).
public enum CassetteRecording {
    /// Writes every exchange recorded so far, in request order; returns how many.
    @discardableResult
    public static func save(_ recorder: CassetteRecorder, to store: EvidenceStore, run: RunID) async throws -> Int {
        let exchanges = recorder.exchanges()
        for exchange in exchanges {
            try await store.recordHTTPExchange(exchange, run: run)
        }
        return exchanges.count
    }
}
