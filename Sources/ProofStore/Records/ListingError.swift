/// A kind that could not be listed for a snapshot, with the error (unknown kinds on a cluster are reported,
/// not fatal). The message is scrubbed by the store's redactor before it is written.
public struct ListingError: Sendable, Hashable {
    /// The API version that was asked for (may be empty when discovery failed).
    public var apiVersion: String
    /// The kind.
    public var kind: String
    /// The namespace that was listed, or `""` for all namespaces.
    public var namespace: String
    /// What went wrong.
    public var message: String

    /// A listing error.
    public init(apiVersion: String, kind: String, namespace: String = "", message: String) {
        self.apiVersion = apiVersion
        self.kind = kind
        self.namespace = namespace
        self.message = message
    }
}
