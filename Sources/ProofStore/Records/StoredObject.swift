import ProofCore

/// A member of a snapshot: who the object is, and (when asked for) its normalised body.
public struct StoredObject: Sendable, Hashable {
    /// apiVersion/kind/namespace/name.
    public var identity: ObjectIdentity
    /// `metadata.uid`.
    public var uid: String?
    /// `metadata.resourceVersion`.
    public var resourceVersion: String?
    /// SHA-256 of the normalised body's canonical JSON: its address in `objects`.
    public var digest: String
    /// The normalised, redacted body; `nil` from readers asked for membership only.
    public var body: JSON?
}
