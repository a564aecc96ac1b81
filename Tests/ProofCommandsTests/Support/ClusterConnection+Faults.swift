import Foundation
import ProofCluster
import ProofCore
import ProofSim

@testable import ProofCommands

extension ClusterConnection {
    /// The embedded cluster (a fault test always runs against it).
    var sim: SimulatedCluster {
        get throws {
            guard let simulated else { throw FaultRunError(description: "the run has no embedded simulated cluster") }
            return simulated
        }
    }

    /// The embedded Argo CD's fault switches.
    var argoCDFaults: ArgoCDFaults {
        get throws {
            guard let argoCD else { throw FaultRunError(description: "the run has no embedded Argo CD") }
            return argoCD.faults
        }
    }

    /// The Applications in `argocd` whose name matches `glob`, read from the embedded cluster's store.
    func applications(_ glob: String) throws -> [JSON] {
        let pattern = Glob(glob)
        return try sim.state.list(BuiltIn.applications).items.filter {
            $0[path: ["metadata", "namespace"]]?.stringValue == "argocd"
                && pattern.matches($0[path: ["metadata", "name"]]?.stringValue ?? "")
        }
    }

    /// Deletes an object through the API (`resource` as kubectl names it: `statefulsets`, `namespaces`…).
    func delete(_ resource: String, namespace: String?, name: String) async throws {
        let type = try await client.resource(named: resource)
        try await client.delete(type, name: name, namespace: namespace)
    }

    /// Patches an object through the API (a merge patch unless `type` says otherwise).
    func patch(_ resource: String, namespace: String?, name: String, _ patch: JSON, as type: ProofCluster.PatchType = .merge) async throws {
        let resourceType = try await client.resource(named: resource)
        _ = try await client.patch(resourceType, name: name, namespace: namespace, patch: patch, as: type)
    }

    /// Sets the image of a Deployment's first container (a JSON patch, the rest of the spec kept), as
    /// `kubectl set image` by hand would.
    func setImage(_ image: String, deployment name: String, namespace: String) async throws {
        try await patch(
            "deployments", namespace: namespace, name: name,
            JSON.array([["op": "replace", "path": "/spec/template/spec/containers/0/image", "value": JSON.string(image)]]), as: ProofCluster.PatchType.json)
    }

    /// A dev Application aimed at a prod namespace, created through the API (project `dev`, destination
    /// fastapi-prod, no automated sync): what the `envIsolation` invariants must report.
    func createMisdirectedApp(_ name: String) async throws {
        try await create([
            "apiVersion": "argoproj.io/v1alpha1", "kind": "Application",
            "metadata": ["name": .string(name), "namespace": "argocd"],
            "spec": [
                "project": "dev",
                "source": ["repoURL": "https://git.example.invalid/mlp/gitops.git", "path": "core/envs/dev/fastapi", "targetRevision": "HEAD"],
                "destination": ["server": "https://kubernetes.default.svc", "namespace": "fastapi-prod"],
            ],
        ])
    }

    /// Waits (polling every 20 ms, at most `timeout`) until `condition` holds; throws when it never does.
    func eventually(_ what: String, timeout: Duration = .seconds(20), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if try condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw FaultRunError(description: "never came within \(timeout): \(what)")
    }
}

extension ClusterConnection {
    /// The object as it is now, made ready to be created again: no uid, resourceVersion, timestamps, owner
    /// references, finalizers, status or pending operation (a copy taken before the run, to resurrect it later).
    func copyForCreate(_ resource: String, namespace: String?, name: String) async throws -> JSON {
        let type = try await client.resource(named: resource)
        var object = try await client.get(type, name: name, namespace: namespace)
        for key in ["uid", "resourceVersion", "creationTimestamp", "generation", "managedFields", "ownerReferences", "finalizers", "deletionTimestamp"] {
            object.set(nil, at: ["metadata", key])
        }
        object.set(nil, at: ["status"])
        object.set(nil, at: ["operation"])
        return object
    }

    /// Creates `object` through the API; one that exists already (Argo CD was faster) is left as it is.
    func create(_ object: JSON) async throws {
        do { _ = try await client.create(object) } catch let error as ClusterError where error.isConflict {}
    }
}
