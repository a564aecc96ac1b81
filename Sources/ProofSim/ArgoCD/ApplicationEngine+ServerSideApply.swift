import ProofCore

extension ApplicationEngine {
    /// Applies one resource as Argo CD does under `ServerSideApply=true`: a server-side apply as field manager
    /// `argocd-controller` with conflicts forced (Argo CD's choice), and no `last-applied-configuration`
    /// annotation.
    func applyServerSide(_ item: DesiredResource) -> Result<String, SimError> {
        let namespace = item.type.namespaced ? item.ref.namespace : nil
        do throws(SimError) {
            if let live = try? state.get(item.type, namespace: namespace, name: item.ref.name),
                live[path: ["metadata", "deletionTimestamp"]] != nil
            {
                return .failure(SimError(code: 409, reason: "Conflict",
                    message: "\(item.ref) is being deleted; it is re-created by the next sync"))
            }
            let before = try? state.get(item.type, namespace: namespace, name: item.ref.name)
            let (object, created) = try ServerSideApply.apply(item.object, as: item.type, namespace: namespace,
                name: item.ref.name, manager: "argocd-controller", force: true, state: state)
            let verb = created ? "created" : (before?[path: ["metadata", "resourceVersion"]] == object[path: ["metadata", "resourceVersion"]] ? "unchanged" : "serverside-applied")
            return .success("\(item.ref.kind.lowercased())/\(item.ref.name) \(verb)")
        } catch {
            return .failure(error)
        }
    }
}
