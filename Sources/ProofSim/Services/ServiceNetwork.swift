import Foundation
import ProofCore
import Synchronization

/// In-cluster networking for the simulated services: resolving `http://NAME.NS.svc.cluster.local:PORT/…`
/// and calling the program behind a Service only while a Ready pod backs it — the same rule the API
/// server's proxy applies, so a service that is down is down for its peers too.
struct ServiceNetwork: Sendable {
    let state: SimState
    let handlers: ServiceHandlers
    /// ``readyPods(namespace:service:)`` answers, kept until the cluster's next write (every push to Loki and
    /// every Loki request asks, many times a second).
    let readyMemo = ReadyPodsMemo()

    /// Ready pods behind Service `namespace/name` (sorted by name); empty when the Service is missing.
    func readyPods(namespace: String, service name: String) -> [JSON] {
        // Read before the pods: a write meanwhile moves the version, so the answer is never kept for a version
        // it does not belong to.
        let version = state.revision
        return readyMemo.pods("\(namespace)/\(name)", at: version) { readyPodsNow(namespace: namespace, service: name) }
    }

    private func readyPodsNow(namespace: String, service name: String) -> [JSON] {
        guard let service = try? state.get(BuiltIn.services, namespace: namespace, name: name) else { return [] }
        let selector = service[path: ["spec", "selector"]]?.objectValue ?? [:]
        guard !selector.isEmpty else { return [] }
        let text = selector.keys.sorted().map { "\($0)=\(selector[$0]!.displayString)" }.joined(separator: ",")
        guard let filter = try? ObjectFilter(namespace: namespace, labelSelector: text) else { return [] }
        return state.list(BuiltIn.pods, filter: filter).items.filter(APIServer.isReady)
    }

    /// `(namespace, service)` of an in-cluster URL such as `http://loki-dev.baseline-dev.svc.cluster.local:3100/x`.
    static func resolve(_ url: String) -> (namespace: String, service: String, path: String)? {
        guard let schemeEnd = url.range(of: "://") else { return nil }
        let rest = url[schemeEnd.upperBound...]
        let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        let hostPort = rest[..<hostEnd]
        let host = hostPort.split(separator: ":").first.map(String.init) ?? ""
        let parts = host.split(separator: ".").map(String.init)
        guard parts.count >= 2 else { return nil }
        return (parts[1], parts[0], String(rest[hostEnd...]).isEmpty ? "/" : String(rest[hostEnd...]))
    }

    /// Calls the program behind `namespace/service`; throws `SimError` 503 when no Ready pod backs it or no
    /// program is registered (a connection refused, in a real cluster).
    func call(namespace: String, service: String, method: String, path: String, query: String? = nil,
        headers: [String: String] = [:], body: [UInt8] = []) async throws(SimError) -> ServiceResponse
    {
        guard !readyPods(namespace: namespace, service: service).isEmpty else {
            throw SimError(code: 503, reason: "ServiceUnavailable",
                message: "dial tcp \(service).\(namespace).svc.cluster.local: connect: connection refused (no ready endpoints)")
        }
        guard let handler = handlers.handler(namespace: namespace, name: service) else {
            throw SimError(code: 503, reason: "ServiceUnavailable",
                message: "no program answers behind service \(namespace)/\(service) in the simulated cluster")
        }
        let request = ServiceRequest(method: method, path: path, query: query, headers: headers, body: body,
            namespace: namespace, service: service, port: nil)
        do {
            return try await handler.handle(request)
        } catch let error as SimError {
            throw error
        } catch {
            throw SimError(code: 502, reason: "InternalError", message: "\(namespace)/\(service): \(error)")
        }
    }

    /// The uid of a PersistentVolumeClaim mounted by `pod`, if any (the first claim volume).
    func claimUID(of pod: JSON) -> String? {
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue
        for volume in pod[path: ["spec", "volumes"]]?.arrayValue ?? [] {
            guard let claim = volume[path: ["persistentVolumeClaim", "claimName"]]?.stringValue else { continue }
            guard let object = try? state.get(BuiltIn.persistentVolumeClaims, namespace: namespace, name: claim),
                object[path: ["metadata", "deletionTimestamp"]] == nil
            else { return nil }
            return object[path: ["metadata", "uid"]]?.stringValue
        }
        return nil
    }

    /// `data[key]` of the first ConfigMap volume of `pod` that has `key`.
    func configMapValue(of pod: JSON, key: String) -> String? {
        let namespace = pod[path: ["metadata", "namespace"]]?.stringValue
        for volume in pod[path: ["spec", "volumes"]]?.arrayValue ?? [] {
            guard let name = volume[path: ["configMap", "name"]]?.stringValue,
                let map = try? state.get(BuiltIn.configMaps, namespace: namespace, name: name),
                let value = map[path: ["data", key]]?.stringValue
            else { continue }
            return value
        }
        return nil
    }

    /// `metadata.KEY` of an object as a string, `""` when absent.
    static func meta(_ object: JSON, _ key: String) -> String { object[path: ["metadata", key]]?.stringValue ?? "" }
}

/// Ready pods by Service (`namespace/name`), for one resourceVersion of the cluster: any write moves the version
/// and empties the table.
///
/// Concurrency: one `Mutex` around the table, held only for a lookup or an insertion (no I/O, no suspension, no
/// callback under it); a missing answer is made outside the lock, so two threads may both make one.
final class ReadyPodsMemo: Sendable {
    private let table = Mutex<(version: Int64, pods: [String: [JSON]])>((0, [:]))

    /// The pods kept for `key` at `version`, or `make()`'s, then kept.
    func pods(_ key: String, at version: Int64, orMake make: () -> [JSON]) -> [JSON] {
        if let kept = table.withLock({ $0.version == version ? $0.pods[key] : nil }) { return kept }
        let pods = make()
        table.withLock { table in
            if table.version != version { table = (version, [:]) }
            table.pods[key] = pods
        }
        return pods
    }
}
