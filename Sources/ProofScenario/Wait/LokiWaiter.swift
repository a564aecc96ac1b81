import Foundation
import ProofCluster
import ProofCore

/// Waits for a Loki metric query to reach a minimum, **polling** on a stated interval (Loki has no watch).
public struct LokiWaiter: Sendable {
    /// The Loki to ask.
    public let loki: LokiClient

    /// A waiter over `loki`.
    public init(loki: LokiClient) { self.loki = loki }

    /// Polls `query` (an instant metric query) every `interval` until the sum of its values is at least
    /// `minimum`; returns that sum. Times out with the last value (or error) seen.
    public func wait(query: String, minimum: Double, interval: Duration, timeout: Duration,
        progress: @escaping @Sendable (String) async -> Void) async throws -> Double
    {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var last = "no answer yet"
        while true {
            do {
                let result = try await loki.query(query)
                let total = result.series.reduce(0.0) { $0 + ($1.points.last?.value ?? 0) }
                last = "value \(total)"
                if total >= minimum { return total }
            } catch {
                last = "error: \(error)"
            }
            await progress("waiting for Loki \(query) ≥ \(minimum): \(last)")
            if clock.now + interval > deadline {
                throw ScenarioError(
                    code: .timedOut,
                    problems: [DecodingProblem(location: nil, message: "timed out after \(timeout) waiting for Loki \(query) ≥ \(minimum); last: \(last)")],
                    detail: ["query": .string(query), "minimum": .double(minimum), "last": .string(last)])
            }
            try await Task.sleep(for: interval)
        }
    }
}
