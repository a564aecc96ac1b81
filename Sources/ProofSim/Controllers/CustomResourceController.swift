import ProofCore

/// The apiextensions part of the API server: a CustomResourceDefinition created, changed or deleted over
/// the API is served, re-served or withdrawn.
///
/// - A live CRD: its served versions are registered (discovery and routing see them at once) and its status
///   gets `NamesAccepted`/`Established` plus the `customresourcecleanup` finalizer. An invalid CRD is
///   left unestablished with an `Established: False` condition saying why.
/// - A CRD being deleted: every instance is deleted; once none is left the types are withdrawn and the
///   finalizer removed, so the CRD goes (as the real `customresourcecleanup` controller does).
///
/// Stateless: every decision is made from the store, so a missed event is repaired by the next one.
struct CustomResourceController: SimController {
    var name: String { "customresourcedefinitions" }

    func run(state: SimState) async {
        let changes = state.changes()
        for crd in state.list(BuiltIn.customResourceDefinitions).items { reconcile(crd, state) }
        for await event in changes {
            if Task.isCancelled { break }
            if event.resource.qualifiedResource == BuiltIn.customResourceDefinitions.qualifiedResource {
                if event.type == .deleted {
                    withdraw(event.object, state)
                } else {
                    reconcile(event.object, state)
                }
            } else if event.type == .deleted, let definition = event.resource.customResource?.definition,
                let crd = try? state.get(BuiltIn.customResourceDefinitions, namespace: nil, name: definition),
                crd[path: ["metadata", "deletionTimestamp"]] != nil
            {
                reconcile(crd, state)
            }
        }
    }

    func reconcile(_ crd: JSON, _ state: SimState) {
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
        if crd[path: ["metadata", "deletionTimestamp"]] != nil {
            cleanUp(crd, state)
            return
        }
        do throws(SimError) {
            try CustomResourceDefinitions.establish(crd, in: state)
        } catch {
            _ = try? state.modify(BuiltIn.customResourceDefinitions, namespace: nil, name: name, subresource: "status") {
                current in
                current["status"] = ["conditions": [["type": "Established", "status": "False", "reason": "Invalid",
                    "message": .string(error.message)]]]
            }
        }
    }

    /// Deletes every instance; when none is left, withdraws the types and lets the CRD go.
    func cleanUp(_ crd: JSON, _ state: SimState) {
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
        guard let group = crd[path: ["spec", "group"]]?.stringValue,
            let plural = crd[path: ["spec", "names", "plural"]]?.stringValue,
            let type = state.registry.all.first(where: { $0.group == group && $0.resource == plural })
        else {
            _ = try? state.removeFinalizer(CustomResourceDefinitions.cleanupFinalizer, from: BuiltIn.customResourceDefinitions,
                namespace: nil, name: name)
            return
        }
        let instances = state.list(type).items
        for instance in instances where instance[path: ["metadata", "deletionTimestamp"]] == nil {
            _ = try? state.delete(type, namespace: instance[path: ["metadata", "namespace"]]?.stringValue,
                name: instance[path: ["metadata", "name"]]?.stringValue ?? "")
        }
        guard state.list(type).items.isEmpty else { return }  // finalizers on instances hold the CRD
        withdraw(crd, state)
        _ = try? state.modify(BuiltIn.customResourceDefinitions, namespace: nil, name: name, subresource: "status") {
            current in
            var conditions = (current[path: ["status", "conditions"]]?.arrayValue ?? []).filter {
                $0["type"]?.stringValue != "Terminating"
            }
            conditions.append(["type": "Terminating", "status": "True", "reason": "InstanceDeletionCompleted",
                "message": "removed all instances"])
            current.set(.array(conditions), at: ["status", "conditions"])
        }
        _ = try? state.removeFinalizer(CustomResourceDefinitions.cleanupFinalizer, from: BuiltIn.customResourceDefinitions,
            namespace: nil, name: name)
    }

    func withdraw(_ crd: JSON, _ state: SimState) {
        guard let group = crd[path: ["spec", "group"]]?.stringValue,
            let plural = crd[path: ["spec", "names", "plural"]]?.stringValue
        else { return }
        state.registry.unregister(group: group, resource: plural)
    }
}
