import Foundation
import ProofCluster
import ProofCore

/// `apply`: creates objects, or merge-patches them when they exist (client-side apply without pruning).
///
/// ```yaml
/// - apply: {file: manifests/extra-configmap.yaml}
/// - apply:
///     manifests:
///       - {apiVersion: v1, kind: ConfigMap, metadata: {name: x, namespace: default}, data: {a: "1"}}
/// ```
public struct ApplyStep: StepAction {
    /// The YAML key.
    public static let kind = "apply"
    /// A manifest file relative to the scenario (multi-document YAML).
    public var file: String?
    /// Inline manifests.
    public var manifests: [JSON]
    /// A namespace for objects that name none.
    public var namespace: String?

    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    static let objectSchema = ObjectSchema(
            name: "ApplyStep", doc: "Create objects, or merge-patch them when they exist (like `kubectl apply` without pruning).",
            properties: [
                Property("file", .string("A YAML manifest file (several documents allowed), relative to the scenario file.")),
                Property("manifests", .array(.any("A Kubernetes object."), "Inline manifests.")),
                Property("namespace", .string("Namespace for objects that name none.")),
            ])

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        file = try object.string("file", default: nil)
        manifests = try object.optional("manifests")?.sequence().map { $0.json() } ?? []
        namespace = try object.string("namespace", default: nil)
        if (file == nil) == manifests.isEmpty {
            throw ScenarioError.invalid(at: node.location, "\(node.context) needs exactly one of 'file' or 'manifests'")
        }
        for (index, manifest) in manifests.enumerated() where manifest["kind"]?.stringValue == nil || manifest["apiVersion"]?.stringValue == nil {
            throw ScenarioError.invalid(at: (try? object.required("manifests").sequence()[index].location) ?? node.location,
                "manifest \(index + 1) of \(node.context) needs apiVersion and kind")
        }
    }

    /// What it does.
    public var summary: String { file.map { "apply \($0)" } ?? "apply \(manifests.count) manifest(s)" }

    /// The namespaces (and Namespaces) its inline manifests and `namespace` name, for the prod guard.
    public var changedPlaces: [String] {
        let places = [namespace] + manifests.map { StepContext.place(of: $0) }
        return places.compactMap { $0 }.filter(ProdGuard.isStatic)
    }

    /// Applies every object in order; refuses (before applying any) when one of them lands in a prod namespace.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        var objects = manifests
        if let file {
            let path = context.path(file)
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                throw ScenarioError(.cannotExecute, "cannot read manifest file \(path)")
            }
            objects = try YAML.decodeAll(text, file: path)
        }
        try await Self.guardProd(objects, namespace: namespace, context: context, what: summary)
        var applied: [JSON] = []
        for object in objects {
            let result = try await Self.apply(object, namespace: namespace, client: context.client)
            applied.append(.string(result))
        }
        return .passed("applied \(objects.count) object(s)", detail: ["applied": .array(applied)])
    }

    /// The prod guard over manifests about to be applied: each object's namespace as ``apply(_:namespace:client:)``
    /// resolves it (or its name, for a Namespace).
    static func guardProd(_ objects: [JSON], namespace: String?, context: StepContext, what: String) async throws {
        guard !context.allowProd else { return }
        var places: [String?] = []
        for object in objects {
            let type = try await context.client.resource(for: object)
            if type.kind == "Namespace" { places.append(object[path: ["metadata", "name"]]?.stringValue) }
            if type.namespaced {
                places.append(object[path: ["metadata", "namespace"]]?.stringValue ?? namespace ?? context.client.defaultNamespace)
            }
        }
        try context.guardProd(places, what: what)
    }

    /// The annotation `kubectl apply` keeps the last applied manifest in.
    static let lastApplied = "kubectl.kubernetes.io/last-applied-configuration"

    /// Creates `object`, or updates it with a three-way patch when it exists, as `kubectl apply` does: fields
    /// in the manifest are set, fields the previous apply set and this manifest no longer has are removed,
    /// fields set by others (controllers, `kubectl edit`) are left alone. The manifest is kept in the
    /// `last-applied-configuration` annotation, so `kubectl apply` and this step can take turns.
    /// Returns `created Kind ns/name` or `configured …`.
    static func apply(_ object: JSON, namespace: String?, client: KubernetesClient) async throws -> String {
        let type = try await client.resource(for: object)
        let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
        let ns = type.namespaced ? (object[path: ["metadata", "namespace"]]?.stringValue ?? namespace ?? client.defaultNamespace) : nil
        let label = "\(object["kind"]?.stringValue ?? "?") \(ns.map { "\($0)/" } ?? "")\(name)"
        var manifest = object
        if var annotations = manifest[path: ["metadata", "annotations"]]?.objectValue {
            annotations[lastApplied] = nil
            manifest = manifest.setting(annotations.isEmpty ? nil : .object(annotations), at: ["metadata", "annotations"][...]) ?? manifest
        }
        let recorded = JSON.string(manifest.canonicalString)
        if let live = try await client.getIfPresent(type, name: name, namespace: ns) {
            let previous = live[path: ["metadata", "annotations", lastApplied]]?.stringValue
                .flatMap { try? JSON(parsing: Array($0.utf8)) }
            var patch = Self.threeWayPatch(original: previous, modified: manifest)
            patch = patch.setting(recorded, at: ["metadata", "annotations", lastApplied][...]) ?? patch
            _ = try await client.patch(type, name: name, namespace: ns, patch: patch, as: .merge)
            return "configured \(label)"
        }
        _ = try await client.create(type, manifest.setting(recorded, at: ["metadata", "annotations", lastApplied][...]) ?? manifest, namespace: ns)
        return "created \(label)"
    }

    /// A JSON merge patch that makes the object what `modified` says and deletes what `original` (the
    /// previously applied manifest) had and `modified` dropped; everything else is left as it is live.
    /// Lists are replaced whole (JSON merge patch semantics).
    static func threeWayPatch(original: JSON?, modified: JSON) -> JSON {
        guard case .object(let wanted) = modified else { return modified }
        let before = original?.objectValue ?? [:]
        var patch: [String: JSON] = [:]
        for (key, value) in wanted {
            if case .object = value, let old = before[key], case .object = old {
                patch[key] = threeWayPatch(original: old, modified: value)
            } else {
                patch[key] = value
            }
        }
        for key in before.keys where wanted[key] == nil { patch[key] = .null }
        return .object(patch)
    }
}
