import Foundation
import ProofCluster
import ProofCore
import ProofStore

extension Capturer {
    /// Runs every configured Loki query (all concurrently) and returns one sample each, in configuration
    /// order. A Loki that is down, answers 5xx or cannot be reached gives samples with an `error`: evidence of
    /// the outage, never a failed capture.
    func lokiSamples(at date: Date) async -> [LokiSample] {
        let seconds = Int(config.lokiWindow.components.seconds)
        let start = date.addingTimeInterval(-Double(max(1, seconds)))
        var jobs: [(LokiClient, String, LokiCaptureQuery)] = []
        for target in config.loki {
            let loki = LokiClient(
                kubernetes: client, namespace: target.namespace, service: target.service, port: target.port,
                tenant: target.tenant, timeout: .seconds(15))
            for query in target.queries { jobs.append((loki, target.namePrefix + query.name, query)) }
        }
        return await withTaskGroup(of: (Int, LokiSample).self) { tasks in
            for (index, job) in jobs.enumerated() {
                tasks.addTask {
                    (index, await Self.sample(loki: job.0, name: job.1, query: job.2, start: start, end: date, windowSeconds: seconds))
                }
            }
            var samples = [LokiSample?](repeating: nil, count: jobs.count)
            for await (index, sample) in tasks { samples[index] = sample }
            return samples.compactMap { $0 }
        }
    }

    /// One query's sample.
    static func sample(loki: LokiClient, name: String, query: LokiCaptureQuery, start: Date, end: Date, windowSeconds: Int) async -> LokiSample {
        let text = query.resolved(windowSeconds: windowSeconds)
        do {
            switch query.kind {
            case .readiness:
                let readiness = try await loki.ready()
                let result: JSON = [
                    "ready": .bool(readiness.ready), "status": .int(Int64(readiness.status)), "message": .string(readiness.message),
                ]
                let error = readiness.ready ? nil : "Loki is not ready: HTTP \(readiness.status) \(readiness.message)"
                return LokiSample(name: name, query: "GET /ready", end: end, result: result, error: error)
            case .instant:
                let answer = try await loki.query(text, time: end)
                return LokiSample(name: name, query: text, start: start, end: end, result: answer.data)
            case .range(let limit):
                let answer = try await loki.queryRange(text, start: start, end: end, limit: limit)
                return LokiSample(name: name, query: text, start: start, end: end, result: answer.data)
            }
        } catch let error as ClusterError {
            return LokiSample(name: name, query: query.kind == .readiness ? "GET /ready" : text, start: query.kind == .readiness ? nil : start, end: end, error: error.description)
        } catch {
            return LokiSample(name: name, query: text, end: end, error: "\(error)")
        }
    }
}
