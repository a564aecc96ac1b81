import Foundation
import ProofCore

/// The deterministic log lines the simulated kubelet reports for a container: the same pod and container
/// always give the same lines, so evidence that includes logs is reproducible.
public enum PodLogs {
    /// How many lines each running container has logged.
    public static let linesPerContainer = 20

    /// The log lines of `container` in `pod` (oldest first); empty before the pod started.
    public static func lines(pod: JSON, container: String) -> [(timestamp: String, line: String)] {
        guard let started = pod[path: ["status", "startTime"]]?.stringValue else { return [] }
        let name = pod[path: ["metadata", "name"]]?.stringValue ?? ""
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue ?? ""
        let app = pod[path: ["metadata", "labels", "app.kubernetes.io/name"]]?.stringValue
            ?? pod[path: ["metadata", "labels", "app"]]?.stringValue ?? container
        let seed = Digest.sha256Hex("\(namespace)/\(name)/\(container)").prefix(8)
        let messages = ["starting \(app)", "configuration loaded", "listening", "health check ok", "request served"]
        return (0..<linesPerContainer).map { index in
            let timestamp = started.replacingOccurrences(of: "Z", with: String(format: ".%06dZ", index * 1000))
            let level = index % 7 == 6 ? "warn" : "info"
            let message = index < 3 ? messages[index] : messages[3 + index % 2]
            return (timestamp, "level=\(level) component=\(app) pod=\(name) seq=\(index) trace=\(seed) msg=\"\(message)\"")
        }
    }
}
