/// One version of one object as a server serves it: its identity (apiVersion, kind, namespace, name) and its
/// `metadata.uid` and `metadata.resourceVersion`, both non-empty. Read without decoding the object
/// (``JSON/scanHead(_:range:)``) so that a version already stored need not be decoded again.
public struct ObjectVersion: Sendable, Hashable {
    /// apiVersion, kind, namespace and name.
    public var identity: ObjectIdentity
    /// `metadata.uid`.
    public var uid: String
    /// `metadata.resourceVersion`.
    public var resourceVersion: String

    /// A version of `identity`.
    public init(identity: ObjectIdentity, uid: String, resourceVersion: String) {
        self.identity = identity
        self.uid = uid
        self.resourceVersion = resourceVersion
    }
}
