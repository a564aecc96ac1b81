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
            try await store.recordHTTPExchange(HTTPExchange(exchange), run: run)
        }
        return exchanges.count
    }
}

extension HTTPExchange {
    /// The store's form of a recorded exchange.
    public init(_ recorded: RecordedExchange) {
        self.init(
            startedAt: recorded.startedAt, durationMilliseconds: recorded.durationMilliseconds, method: recorded.method,
            url: recorded.url, requestHeaders: recorded.requestHeaders, requestBody: recorded.requestBody,
            status: recorded.status, responseHeaders: recorded.responseHeaders, responseBody: recorded.responseBody,
            streamEvents: recorded.chunks.map { StreamEvent(offsetMilliseconds: $0.offsetMilliseconds, body: $0.body) },
            error: recorded.error)
    }
}
