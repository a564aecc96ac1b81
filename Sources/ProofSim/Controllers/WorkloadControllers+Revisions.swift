import ProofCore

extension WorkloadControllers {
    static let controllerRevisions = ResourceRegistry.builtIn.first { $0.group == "apps" && $0.resource == "controllerrevisions" }!

    /// Keeps a `ControllerRevision` `NAME-HASH` for the current template of a StatefulSet or DaemonSet (what
    /// `kubectl rollout history`/`undo` read), numbered after the highest existing revision, and trims old ones
    /// beyond `revisionHistoryLimit`. Returns the current revision's name.
    @discardableResult
    static func ensureControllerRevision(_ owner: JSON, hash: String, _ state: SimState) -> String {
        let namespace = meta(owner, "namespace")
        let name = "\(meta(owner, "name"))-\(hash)"
        let owned = state.dependents(ofUID: meta(owner, "uid")).filter { $0.resource.resource == "controllerrevisions" }.map(\.object)
        let highest = owned.compactMap { $0["revision"]?.intValue }.max() ?? 0
        if let existing = owned.first(where: { meta($0, "name") == name }) {
            if (existing["revision"]?.intValue ?? 0) < highest {
                _ = try? state.modify(controllerRevisions, namespace: namespace, name: name) { $0["revision"] = .int(highest + 1) }
            }
        } else {
            var template = owner[path: ["spec", "template"]] ?? [:]
            template["$patch"] = "replace"
            var labels = owner[path: ["spec", "selector", "matchLabels"]] ?? [:]
            labels[owner["kind"]?.stringValue == "DaemonSet" ? "controller-revision-hash" : "controller.kubernetes.io/hash"] = .string(hash)
            _ = try? state.create(["apiVersion": "apps/v1", "kind": "ControllerRevision",
                "metadata": ["name": .string(name), "namespace": .string(namespace), "labels": labels,
                    "ownerReferences": [ownerReference(owner)]],
                "data": ["spec": ["template": template]], "revision": .int(highest + 1)], as: controllerRevisions)
        }
        let limit = Int(owner[path: ["spec", "revisionHistoryLimit"]]?.intValue ?? 10)
        let old = owned.filter { meta($0, "name") != name }.sorted { ($0["revision"]?.intValue ?? 0) < ($1["revision"]?.intValue ?? 0) }
        for revision in old.dropLast(limit) {
            _ = try? state.delete(controllerRevisions, namespace: namespace, name: meta(revision, "name"))
        }
        return name
    }

    /// Whether a pod with `spec` may run on `node`: every `NoSchedule`/`NoExecute` taint is tolerated.
    static func tolerates(_ spec: JSON?, node: JSON) -> Bool {
        let tolerations = spec?["tolerations"]?.arrayValue ?? []
        for taint in node[path: ["spec", "taints"]]?.arrayValue ?? [] {
            let effect = taint["effect"]?.stringValue ?? ""
            guard effect == "NoSchedule" || effect == "NoExecute" else { continue }
            let key = taint["key"]?.stringValue ?? ""
            let tolerated = tolerations.contains { toleration in
                let tolerationEffect = toleration["effect"]?.stringValue ?? ""
                guard tolerationEffect.isEmpty || tolerationEffect == effect else { return false }
                let tolerationKey = toleration["key"]?.stringValue ?? ""
                if toleration["operator"]?.stringValue == "Exists" { return tolerationKey.isEmpty || tolerationKey == key }
                return tolerationKey == key && (toleration["value"]?.stringValue ?? "") == (taint["value"]?.stringValue ?? "")
            }
            if !tolerated { return false }
        }
        return true
    }
}
