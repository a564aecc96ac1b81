import Foundation
import ProofCore

/// The published JSON schemas of Kubernetes v1.32 (`Resources/kubernetes-json-schema/…/_definitions.json`,
/// from PyPI's `kubernetes-validate`; see the SOURCE note next to it), loaded once, indexed by
/// group/version/kind.
///
/// Immutable after loading (a `static let`), so safe to share.
struct BuiltInSchemas: Sendable {
    /// Every definition by its full name (`io.k8s.api.apps.v1.Deployment`).
    let definitions: [String: JSON]
    /// `group/version/kind` → definition name.
    let byKind: [String: String]
    /// A validator over `definitions`.
    var validator: SchemaValidator { SchemaValidator(definitions: definitions) }

    /// The Kubernetes version the schemas are from.
    static let kubernetesVersion = "v1.32.0"

    /// The schemas shipped with the simulated cluster (an empty set — no validation, no OpenAPI schemas — when the
    /// resource cannot be found).
    static let shared: BuiltInSchemas = load()

    /// The schema file, from the bundled resources (``SimResources``).
    static func fileURL() -> URL? {
        SimResources.url("kubernetes-json-schema/v1.32.0-local-strict/_definitions.json")
    }

    static func load() -> BuiltInSchemas {
        guard let url = fileURL(), let data = try? Data(contentsOf: url), let document = try? JSON(parsing: Array(data))
        else { return BuiltInSchemas(definitions: [:], byKind: [:]) }
        let definitions = (document["$defs"] ?? document["definitions"])?.objectValue ?? [:]
        var byKind: [String: String] = [:]
        for (name, schema) in definitions {
            for gvk in schema["x-kubernetes-group-version-kind"]?.arrayValue ?? [] {
                let key = "\(gvk["group"]?.stringValue ?? "")/\(gvk["version"]?.stringValue ?? "")/\(gvk["kind"]?.stringValue ?? "")"
                // A kind listed by several definitions (e.g. DeleteOptions) keeps its own-group one.
                if byKind[key] == nil || name.hasSuffix(".\(gvk["kind"]?.stringValue ?? "")") && !(byKind[key]!.contains(".api.")) {
                    byKind[key] = name
                }
            }
        }
        return BuiltInSchemas(definitions: definitions, byKind: byKind)
    }

    /// The definition name of `type`'s objects, if the schemas describe it.
    func definitionName(_ type: ResourceType) -> String? { byKind["\(type.group)/\(type.version)/\(type.kind)"] }

    /// The schema of `type`'s objects (a `$ref` to its definition), if described.
    func schema(for type: ResourceType) -> JSON? {
        definitionName(type).map { ["$ref": .string("#/$defs/\($0)")] }
    }
}
