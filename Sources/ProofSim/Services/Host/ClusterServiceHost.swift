import Foundation
import ProofCore

/// The ML services' host inside the embedded simulated cluster: instances are the Ready pods behind each
/// Service (the scheduler's by label), peers are called through `ServiceNetwork` (only while a Ready pod backs
/// them), and a URL setting such as `http://mlflow.mlflow-dev.svc.cluster.local:5000` resolves to its Service.
///
/// A value over the cluster's `SimState` and `ServiceNetwork`, which are safe to share; it holds no state of its own.
struct ClusterServiceHost: ServiceHost {
    /// The cluster's objects (pods, Services) and clock.
    let state: SimState
    /// How calls reach the program behind a Service.
    let network: ServiceNetwork

    /// Now, from the cluster's clock.
    var now: Date { state.now() }

    func instances(of service: MLService, environment: String) async -> [ServiceInstance] {
        let pods: [JSON]
        if service == .airflowScheduler {
            guard let filter = try? ObjectFilter(namespace: service.namespace(environment),
                labelSelector: "app.kubernetes.io/name=airflow,app.kubernetes.io/component=scheduler")
            else { return [] }
            pods = state.list(BuiltIn.pods, filter: filter).items.filter(APIServer.isReady)
        } else {
            pods = network.readyPods(namespace: service.namespace(environment), service: service.serviceName)
        }
        return pods.map(Self.instance)
    }

    /// A pod as an instance: uid, name, and the environment of its containers (the first that sets a name wins).
    static func instance(_ pod: JSON) -> ServiceInstance {
        var environment: [String: String] = [:]
        for container in pod[path: ["spec", "containers"]]?.arrayValue ?? [] {
            for variable in container["env"]?.arrayValue ?? [] {
                guard let name = variable["name"]?.stringValue, environment[name] == nil, let value = variable["value"]?.stringValue else { continue }
                environment[name] = value
            }
        }
        return ServiceInstance(uid: ServiceNetwork.meta(pod, "uid"), name: ServiceNetwork.meta(pod, "name"), environment: environment)
    }

    func call(_ service: MLService, environment: String, url: String?, method: String, path: String, query: String?,
        headers: [String: String], body: [UInt8]) async throws(SimError) -> ServiceResponse
    {
        let target = url.flatMap(ServiceNetwork.resolve) ?? (service.namespace(environment), service.serviceName, "/")
        return try await network.call(namespace: target.namespace, service: target.service, method: method, path: path,
            query: query, headers: headers, body: body)
    }
}
