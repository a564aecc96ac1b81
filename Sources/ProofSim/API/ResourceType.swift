import ProofCore

/// One kind of object the simulated API server serves: what discovery lists and what routing resolves.
public struct ResourceType: Sendable, Hashable, CustomStringConvertible {
    /// API group, `""` for core.
    public var group: String
    /// API version within the group, such as `v1` or `v1alpha1`.
    public var version: String
    /// Plural lowercase resource name used in URLs, such as `deployments`.
    public var resource: String
    /// The kind, such as `Deployment`.
    public var kind: String
    /// Whether objects live in a namespace.
    public var namespaced: Bool
    /// Verbs listed in discovery.
    public var verbs: [String]
    /// Short names (`deploy`, `app`, …).
    public var shortNames: [String]
    /// Singular lowercase name (`deployment`).
    public var singularName: String
    /// Categories (`all`).
    public var categories: [String]
    /// Subresources served (`status`, `scale`, `log`, `proxy`).
    public var subresources: [String]
    /// For a type served from a CustomResourceDefinition: the CRD's name and this version's
    /// `openAPIV3Schema`, which every write of an instance is validated against; `nil` for built-in types.
    public var customResource: CustomResourceSchema?

    /// Creates a resource type; `singular` defaults to the lowercased kind.
    public init(group: String, version: String, resource: String, kind: String, namespaced: Bool,
        verbs: [String] = ResourceType.allVerbs, shortNames: [String] = [], singular: String? = nil,
        categories: [String] = [], subresources: [String] = [], customResource: CustomResourceSchema? = nil)
    {
        self.group = group
        self.version = version
        self.resource = resource
        self.kind = kind
        self.namespaced = namespaced
        self.verbs = verbs
        self.shortNames = shortNames
        self.singularName = singular ?? kind.lowercased()
        self.categories = categories
        self.subresources = subresources
        self.customResource = customResource
    }

    /// The usual full verb list.
    public static let allVerbs = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

    /// `apps/v1` or `v1`.
    public var apiVersion: String { group.isEmpty ? version : "\(group)/\(version)" }

    /// `deployments.apps` or `pods`: how errors name the resource.
    public var qualifiedResource: String { group.isEmpty ? resource : "\(resource).\(group)" }

    /// Whether `status` is a separate subresource (main-resource writes then keep the stored status).
    public var hasStatusSubresource: Bool { subresources.contains("status") }

    /// URL prefix of the group version: `/api/v1` or `/apis/apps/v1`.
    public var groupVersionPath: String { group.isEmpty ? "/api/\(version)" : "/apis/\(group)/\(version)" }

    /// The collection path, in `namespace` or across all namespaces when `nil`.
    public func collectionPath(namespace: String?) -> String {
        if namespaced, let namespace { return "\(groupVersionPath)/namespaces/\(namespace)/\(resource)" }
        return "\(groupVersionPath)/\(resource)"
    }

    /// The path of one object.
    public func objectPath(namespace: String?, name: String) -> String {
        "\(collectionPath(namespace: namespace))/\(name)"
    }

    public var description: String { qualifiedResource }
}

/// The schema of one served version of a CustomResourceDefinition, held by reference so that a
/// `ResourceType` (hashed and compared often, e.g. inside Argo CD's resource refs) stays cheap to hash:
/// two values are equal only when they are the same instance. Immutable, hence `Sendable`.
public final class CustomResourceSchema: Sendable, Hashable {
    /// The CustomResourceDefinition's name, `PLURAL.GROUP`.
    public let definition: String
    /// The version's `schema.openAPIV3Schema` (`nil` when the CRD gives none: then nothing is checked).
    public let openAPIV3Schema: JSON?

    /// A schema for version objects of CRD `definition`.
    public init(definition: String, openAPIV3Schema: JSON?) {
        self.definition = definition
        self.openAPIV3Schema = openAPIV3Schema
    }

    public static func == (lhs: CustomResourceSchema, rhs: CustomResourceSchema) -> Bool { lhs === rhs }
    public func hash(into hasher: inout Hasher) { hasher.combine(ObjectIdentifier(self)) }
}
