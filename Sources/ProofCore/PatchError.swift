/// A strategic merge patch that could not be applied, located by the field path where it failed.
///
/// An API server answers `unsupportedKind` with 415 Unsupported Media Type and the other cases with
/// 422 Unprocessable Entity (400 when the patch is not an object).
public struct PatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// What kind of failure.
    public enum Kind: Sendable, Hashable {
        /// The kind is not a built-in Kubernetes kind; strategic merge patch needs the built-in schema
        /// (use a merge patch or JSON patch for custom resources).
        case unsupportedKind
        /// The patch is not a JSON object.
        case notAnObject
        /// A directive (`$patch`, `$retainKeys`, `$setElementOrder/…`, `$deleteFromPrimitiveList/…`) is invalid.
        case invalidDirective
        /// An element of a list merged by key lacks the merge key.
        case missingMergeKey
    }

    /// Which failure.
    public var kind: Kind
    /// The dotted field path where it failed (`spec.template.spec.containers`); empty for the whole object.
    public var path: String
    /// What is wrong and what to do.
    public var message: String

    /// Makes an error; see the properties.
    public init(kind: Kind, path: String, message: String) {
        self.kind = kind
        self.path = path
        self.message = message
    }

    /// `strategic merge patch at PATH: message`.
    public var description: String {
        path.isEmpty ? "strategic merge patch: \(message)" : "strategic merge patch at \(path): \(message)"
    }
}
