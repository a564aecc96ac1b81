import ProofCore

/// The namespace defaults a real control plane keeps in every namespace: the `default` ServiceAccount (the
/// service-account controller) and the `kube-root-ca.crt` ConfigMap holding the cluster CA (the root-CA
/// publisher). Both are re-created when deleted, as long as their namespace is not being deleted.
///
/// Stateless: it acts on each namespace, ServiceAccount or ConfigMap event from the store alone.
struct NamespaceDefaults: SimController {
    /// The PEM CA published as `kube-root-ca.crt` → `ca.crt`.
    let caPEM: String

    var name: String { "namespace-defaults" }

    func run(state: SimState) async {
        let changes = state.changes()
        for namespace in state.list(BuiltIn.namespaces).items { ensure(namespace, state) }
        for await event in changes {
            if Task.isCancelled { break }
            switch (event.resource.group, event.resource.resource, event.type) {
            case ("", "namespaces", .added), ("", "namespaces", .modified):
                ensure(event.object, state)
            case ("", "serviceaccounts", .deleted), ("", "configmaps", .deleted):
                if let namespace = try? state.get(BuiltIn.namespaces, namespace: nil, name: event.namespace) {
                    ensure(namespace, state)
                }
            default:
                break
            }
            await Task.yield()
        }
    }

    func ensure(_ namespace: JSON, _ state: SimState) {
        guard namespace[path: ["metadata", "deletionTimestamp"]] == nil,
            let name = namespace[path: ["metadata", "name"]]?.stringValue
        else { return }
        if (try? state.get(BuiltIn.serviceAccounts, namespace: name, name: "default")) == nil {
            _ = try? state.create(["apiVersion": "v1", "kind": "ServiceAccount",
                "metadata": ["name": "default", "namespace": .string(name)]], as: BuiltIn.serviceAccounts)
        }
        if (try? state.get(BuiltIn.configMaps, namespace: name, name: "kube-root-ca.crt")) == nil {
            _ = try? state.create(["apiVersion": "v1", "kind": "ConfigMap",
                "metadata": ["name": "kube-root-ca.crt", "namespace": .string(name),
                    "annotations": ["kubernetes.io/description": "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."]],
                "data": ["ca.crt": .string(caPEM)]], as: BuiltIn.configMaps)
        }
    }
}

/// The namespaces a real API server refuses to delete.
enum SystemNamespaces {
    /// `default`, `kube-system`, `kube-public`.
    static let undeletable: Set<String> = ["default", "kube-system", "kube-public"]

    /// Throws 403 Forbidden, worded as kube-apiserver's NamespaceLifecycle admission does, for deleting one
    /// of `undeletable`.
    static func checkDeletable(_ resource: ResourceType, name: String) throws(SimError) {
        guard resource.group.isEmpty, resource.resource == "namespaces", undeletable.contains(name) else { return }
        throw .forbidden(resource, name, "this namespace may not be deleted")
    }
}
