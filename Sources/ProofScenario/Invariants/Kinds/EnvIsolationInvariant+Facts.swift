import ProofCore

extension EnvIsolationInvariant {
    /// What `envIsolation` reads from the Applications one selection picks in a capture: a pure function of the
    /// capture's objects, so it is derived once per capture (``CaptureMemo``) whatever the environments are.
    struct AppFacts: Sendable {
        /// One Application.
        struct App: Sendable {
            /// Its index in the selection.
            var index: Int
            var name: String
            var destination: String
            /// `status.resources`, in order: namespace and identity.
            var resources: [(namespace: String, identity: ObjectIdentity)]
            /// The distinct namespaces of `resources`, first seen first.
            var resourceNamespaces: [String]
        }
        /// The selected Applications, in selection order.
        var apps: [App]
        /// `spec.project` (default `default`) by app name; a later app of the same name wins.
        var projectOfApp: [String: String]

        init(selection: [JSON]) {
            var apps: [App] = []
            var projectOfApp: [String: String] = [:]
            for (index, app) in selection.enumerated() {
                let name = app.nameValue
                projectOfApp[name] = app[path: "spec", "project"]?.stringValue ?? "default"
                var resources: [(namespace: String, identity: ObjectIdentity)] = []
                var namespaces: [String] = []
                var seen: Set<String> = []
                for resource in app[path: "status", "resources"]?.arrayValue ?? [] {
                    let namespace = resource["namespace"]?.stringValue ?? ""
                    let group = resource["group"]?.stringValue ?? ""
                    let identity = ObjectIdentity(
                        apiVersion: (group.isEmpty ? "" : group + "/") + (resource["version"]?.stringValue ?? ""),
                        kind: resource["kind"]?.stringValue ?? "", namespace: namespace, name: resource["name"]?.stringValue ?? "")
                    resources.append((namespace, identity))
                    if seen.insert(namespace).inserted { namespaces.append(namespace) }
                }
                apps.append(
                    App(index: index, name: name, destination: app[path: "spec", "destination", "namespace"]?.stringValue ?? "",
                        resources: resources, resourceNamespaces: namespaces))
            }
            self.apps = apps
            self.projectOfApp = projectOfApp
        }
    }

    /// The claims objects of a capture make on Applications (tracking-id annotation, `app.kubernetes.io/instance`
    /// label, Application owner references), in object order then claim order; only objects with a namespace.
    struct Claims: Sendable {
        /// One claim.
        struct Claim: Sendable {
            /// Index of the object in the capture's `objects`.
            var object: Int
            var namespace: String
            var app: String
            var how: String
        }
        /// A namespace and an app some object in it claims.
        struct Pair: Hashable, Sendable {
            var namespace: String
            var app: String
        }
        var claims: [Claim]
        /// The distinct (namespace, app) pairs of `claims`.
        var pairs: [Pair]

        init(objects: [JSON]) {
            var claims: [Claim] = []
            var pairs: Set<Pair> = []
            for (index, object) in objects.enumerated() {
                guard case .object(let metadata)? = object["metadata"], case .string(let namespace)? = metadata["namespace"], !namespace.isEmpty else {
                    continue
                }
                func claim(_ app: String, _ how: String) {
                    claims.append(Claim(object: index, namespace: namespace, app: app, how: how))
                    pairs.insert(Pair(namespace: namespace, app: app))
                }
                if case .string(let tracking)? = metadata["annotations"]?["argocd.argoproj.io/tracking-id"], let colon = tracking.firstIndex(of: ":") {
                    claim(String(tracking[..<colon]), "tracked (tracking-id) by")
                }
                // Only an instance naming a selected app counts; any other name has no environment and is skipped later.
                if case .string(let instance)? = metadata["labels"]?["app.kubernetes.io/instance"] {
                    claim(instance, "tracked (app.kubernetes.io/instance) by")
                }
                if case .array(let owners)? = metadata["ownerReferences"] {
                    for owner in owners where owner["kind"]?.stringValue == "Application" {
                        if let name = owner["name"]?.stringValue { claim(name, "owned by") }
                    }
                }
            }
            self.claims = claims
            self.pairs = Array(pairs)
        }
    }
}

extension CapturedState {
    /// `envIsolation`'s facts about the Applications `match` selects, derived once per capture.
    func envIsolationApps(_ match: ObjectMatch) -> EnvIsolationInvariant.AppFacts {
        let selection = objects(matching: match)
        return memo.derived(.init(name: "envIsolation.apps", match: match)) { EnvIsolationInvariant.AppFacts(selection: selection) }
    }

    /// `envIsolation`'s claims of every object, derived once per capture.
    var envIsolationClaims: EnvIsolationInvariant.Claims {
        memo.derived(.init(name: "envIsolation.claims")) { EnvIsolationInvariant.Claims(objects: objects) }
    }
}
