import Foundation
import ProofCore

/// `apiextensions.k8s.io/v1` CustomResourceDefinitions: what a CRD serves, its `Established` status, and the
/// platform's real CRD manifests (Argo CD's Application/AppProject, Prometheus Operator's ServiceMonitor,
/// PodMonitor, PrometheusRule), bundled as resources under `Resources/crds/` (their sources in `SOURCES.md`).
///
/// Creating a CRD through the API is picked up by `CustomResourceController`, which registers the served
/// versions and sets the status; the platform's CRDs are installed synchronously at start, before any
/// controller or seeded object needs them.
public enum CustomResourceDefinitions {
    /// The finalizer a real API server puts on every CRD so that its instances are deleted before it goes.
    public static let cleanupFinalizer = "customresourcecleanup.apiextensions.k8s.io"

    /// The resource types a CRD serves: one per version with `served: true`, each carrying that version's
    /// `openAPIV3Schema`. Throws 422 `Invalid` (with the field) for a CRD a real server would refuse.
    public static func servedTypes(of crd: JSON) throws(SimError) -> [ResourceType] {
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
        func invalid(_ field: String, _ message: String) -> SimError {
            SimError(code: 422, reason: "Invalid",
                message: "CustomResourceDefinition.apiextensions.k8s.io \"\(name)\" is invalid: \(field): \(message)",
                details: ["name": .string(name), "group": "apiextensions.k8s.io", "kind": "CustomResourceDefinition",
                    "causes": [["reason": "FieldValueInvalid", "message": .string(message), "field": .string(field)]]])
        }
        guard let group = crd[path: ["spec", "group"]]?.stringValue, !group.isEmpty else {
            throw invalid("spec.group", "Required value")
        }
        guard let plural = crd[path: ["spec", "names", "plural"]]?.stringValue, !plural.isEmpty else {
            throw invalid("spec.names.plural", "Required value")
        }
        guard let kind = crd[path: ["spec", "names", "kind"]]?.stringValue, !kind.isEmpty else {
            throw invalid("spec.names.kind", "Required value")
        }
        guard name == "\(plural).\(group)" else {
            throw invalid("metadata.name", "Invalid value: \"\(name)\": must be spec.names.plural+\".\"+spec.group")
        }
        let scope = crd[path: ["spec", "scope"]]?.stringValue ?? ""
        guard scope == "Namespaced" || scope == "Cluster" else {
            throw invalid("spec.scope", "Unsupported value: \"\(scope)\": supported values: \"Cluster\", \"Namespaced\"")
        }
        let versions = crd[path: ["spec", "versions"]]?.arrayValue ?? []
        guard !versions.isEmpty else { throw invalid("spec.versions", "Invalid value: null: must have exactly one version marked as storage version") }
        guard versions.filter({ $0["storage"]?.boolValue == true }).count == 1 else {
            throw invalid("spec.versions", "Invalid value: must have exactly one version marked as storage version")
        }
        let strings: (String) -> [String] = { key in
            crd[path: ["spec", "names", key]]?.arrayValue?.compactMap(\.stringValue) ?? []
        }
        return versions.compactMap { version -> ResourceType? in
            guard version["served"]?.boolValue == true, let versionName = version["name"]?.stringValue else { return nil }
            var subresources: [String] = []
            if version[path: ["subresources", "status"]] != nil { subresources.append("status") }
            if version[path: ["subresources", "scale"]] != nil { subresources.append("scale") }
            return ResourceType(group: group, version: versionName, resource: plural, kind: kind,
                namespaced: scope == "Namespaced", shortNames: strings("shortNames"),
                singular: crd[path: ["spec", "names", "singular"]]?.stringValue, categories: strings("categories"),
                subresources: subresources,
                customResource: CustomResourceSchema(definition: name,
                    openAPIV3Schema: version[path: ["schema", "openAPIV3Schema"]]))
        }
    }

    /// `crd` with the status a real API server gives an accepted CRD: `NamesAccepted` and `Established`
    /// conditions, `acceptedNames` (with `listKind` defaulted), `storedVersions`; and the cleanup finalizer.
    static func established(_ crd: JSON, now: String) -> JSON {
        var result = crd
        var names = crd[path: ["spec", "names"]] ?? [:]
        if names["listKind"] == nil, let kind = names["kind"]?.stringValue { names["listKind"] = .string(kind + "List") }
        if names["singular"] == nil, let kind = names["kind"]?.stringValue { names["singular"] = .string(kind.lowercased()) }
        result.set(names, at: ["spec", "names"])
        let old = crd[path: ["status", "conditions"]]?.arrayValue ?? []
        func condition(_ type: String, _ reason: String, _ message: String) -> JSON {
            let previous = old.first { $0["type"]?.stringValue == type && $0["status"]?.stringValue == "True" }
            return ["type": .string(type), "status": "True", "reason": .string(reason), "message": .string(message),
                "lastTransitionTime": previous?["lastTransitionTime"] ?? .string(now)]
        }
        let storage = (crd[path: ["spec", "versions"]]?.arrayValue ?? []).first { $0["storage"]?.boolValue == true }?["name"]
        var stored = crd[path: ["status", "storedVersions"]]?.arrayValue ?? []
        if let storage, !stored.contains(storage) { stored.append(storage) }
        result["status"] = [
            "acceptedNames": names,
            "conditions": [
                condition("NamesAccepted", "NoConflicts", "no conflicts found"),
                condition("Established", "InitialNamesAccepted", "the initial names have been accepted"),
            ],
            "storedVersions": .array(stored),
        ]
        var finalizers = crd[path: ["metadata", "finalizers"]]?.arrayValue ?? []
        if crd[path: ["metadata", "deletionTimestamp"]] == nil, !finalizers.contains(.string(cleanupFinalizer)) {
            finalizers.append(.string(cleanupFinalizer))
            result.set(.array(finalizers), at: ["metadata", "finalizers"])
        }
        return result
    }

    /// Registers the types `crd` serves (replacing earlier versions of them) and marks it established.
    /// Returns the stored CRD. Used by the controller for CRDs created over the API and by `install`.
    @discardableResult
    static func establish(_ crd: JSON, in state: SimState) throws(SimError) -> JSON {
        let types = try servedTypes(of: crd)
        if let first = types.first {
            let served = Set(types.map(\.version))
            for stale in state.registry.all where stale.group == first.group && stale.resource == first.resource
                && !served.contains(stale.version)
            {
                state.registry.unregister(group: stale.group, resource: stale.resource)
            }
        }
        for type in types { state.registry.register(type) }
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
        let now = SimState.timestamp(state.now())
        // Names and the finalizer are main-resource fields, conditions live in the status subresource.
        try state.modify(BuiltIn.customResourceDefinitions, namespace: nil, name: name) { current in
            let target = established(current, now: now)
            current["spec"] = target["spec"]
            current["metadata"] = target["metadata"]
        }
        return try state.modify(BuiltIn.customResourceDefinitions, namespace: nil, name: name, subresource: "status") {
            current in
            current = established(current, now: now)
        }
    }

    /// Creates (or, when it exists, replaces the spec of) `crd` and establishes it at once.
    @discardableResult
    public static func install(_ crd: JSON, into state: SimState) throws(SimError) -> JSON {
        _ = try servedTypes(of: crd)
        let name = crd[path: ["metadata", "name"]]?.stringValue ?? ""
        if (try? state.get(BuiltIn.customResourceDefinitions, namespace: nil, name: name)) != nil {
            try state.modify(BuiltIn.customResourceDefinitions, namespace: nil, name: name) { current in
                current["spec"] = crd["spec"]
            }
        } else {
            try state.create(crd, as: BuiltIn.customResourceDefinitions)
        }
        return try establish(try state.get(BuiltIn.customResourceDefinitions, namespace: nil, name: name), in: state)
    }

    /// The bundled CRD manifests, parsed once per process. Each `crds/NAME.yaml` (the real manifest) has a
    /// `crds/NAME.json` beside it holding the same document as JSON, which is what is read here: the YAML
    /// parser needs about 20 times as long for these 470 kB, which would slow every start of the cluster.
    /// `BundledCRDTests` proves each JSON equals its YAML.
    public static let platformManifests: Result<[JSON], SimError> = {
        guard let directory = SimResources.url("crds"),
            let files = try? FileManager.default.contentsOfDirectory(atPath: directory.path)
        else {
            return .failure(SimError(code: 500, reason: "InternalError",
                message: "the bundled CRD manifests (crds/ in \(SimResources.bundleName) beside the binary, or in $PROOF_SIM_RESOURCES) are missing: rebuild with swift build, or copy that folder along with the binary"))
        }
        var result: [JSON] = []
        for file in files.sorted() where file.hasSuffix(".json") {
            let url = directory.appendingPathComponent(file)
            guard let data = try? Data(contentsOf: url), let crd = try? JSON(parsing: Array(data)) else {
                return .failure(SimError(code: 500, reason: "InternalError",
                    message: "the bundled CRD \(url.path) cannot be read as JSON: rebuild with swift build"))
            }
            result.append(crd)
        }
        return .success(result)
    }()

    /// Installs the platform's real CRDs (Argo CD, Prometheus Operator) from the bundled manifests.
    public static func installPlatform(into state: SimState) throws(SimError) {
        for crd in try platformManifests.get() { try install(crd, into: state) }
    }
}
