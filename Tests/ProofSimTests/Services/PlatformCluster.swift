import Foundation
import ProofCluster
import ProofCore
import ProofSim
import Testing

/// A simulated cluster seeded with the real platform manifests (`scenarios/platform`), its platform services
/// running with a fast tick, and the harness's `KubernetesClient` pointed at it over loopback.
struct PlatformCluster {
    let cluster: SimulatedCluster
    let client: KubernetesClient
    let directory: String

    static var platformDirectory: String { Repository.path("scenarios/platform") }

    static func start(_ configure: (inout PlatformServicesOptions) -> Void = { _ in }) async throws -> PlatformCluster {
        var options = SimOptions()
        options.platformDirectory = platformDirectory
        var services = PlatformServicesOptions()
        services.tickInterval = .milliseconds(30)
        services.alloyBatchWait = .milliseconds(30)
        services.dagRunQueuedDelay = .milliseconds(50)
        services.dagRunDuration = .milliseconds(100)
        configure(&services)
        options.platformServices = services
        let cluster = try await SimulatedCluster.start(options)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-services-\(UUID().uuidString)").path
        try cluster.writeKubeconfig(to: directory + "/kubeconfig")
        let config = try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory])
        let client = KubernetesClient(config: config)
        try await cluster.waitUntilSettled(timeout: .seconds(30))
        return PlatformCluster(cluster: cluster, client: client, directory: directory)
    }

    /// Runs `body` on a started platform cluster and always stops it.
    static func with(_ body: (PlatformCluster) async throws -> Void) async throws {
        let platform = try await start()
        do {
            try await body(platform)
        } catch {
            await platform.stop()
            throw error
        }
        await platform.stop()
    }

    func stop() async {
        await cluster.stop()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A proxied request to a service; the JSON body of the answer (`.null` when not JSON) and its status.
    func call(_ method: String = "GET", namespace: String, service: String, port: String, path: String,
        query: [(String, String)] = [], body: JSON? = nil) async throws -> (status: Int, json: JSON, text: String)
    {
        let response = try await client.proxy(method: method, namespace: namespace, service: service, port: port, path: path,
            query: query, body: body?.canonicalData, contentType: body == nil ? nil : "application/json")
        return (response.status, (try? JSON(parsing: response.body)) ?? .null, response.text)
    }

    /// Polls `condition` every 20 ms until it holds or `timeout` passes.
    func eventually(_ what: String, timeout: Duration = .seconds(10), _ condition: () async throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting until \(what)")
        throw CancellationError()
    }

    /// Deletes the pods of `namespace` matching `selector` and waits for replacements (new uids) to be Ready.
    func restartPods(namespace: String, selector: String) async throws {
        let pods = try await client.resource(named: "pods")
        let before = try await client.list(pods, namespace: namespace, labelSelector: selector).items.map { $0[path: ["metadata", "uid"]] }
        for pod in try await client.list(pods, namespace: namespace, labelSelector: selector).items {
            try await client.delete(pods, name: pod[path: ["metadata", "name"]]!.stringValue!, namespace: namespace)
        }
        try await eventually("pods \(selector) in \(namespace) are replaced") {
            let now = try await client.list(pods, namespace: namespace, labelSelector: selector).items
            return !now.isEmpty && now.allSatisfy { pod in
                !before.contains(pod[path: ["metadata", "uid"]])
                    && (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
                        $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
                    }
            }
        }
    }
}
