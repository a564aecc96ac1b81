import Foundation
import ProofCore

/// One watch event of the timeline between captures.
public struct WatchEvent: Sendable, Hashable {
    /// Position in the run, from 1; assigned by the store (ignored when writing).
    public var sequence: Int
    /// When the harness received it.
    public var at: Date
    /// `ADDED`, `MODIFIED`, `DELETED`, `BOOKMARK` or `ERROR`.
    public var type: String
    /// Who it is about (`nil` for a bookmark); derived from `object` when writing.
    public var identity: ObjectIdentity?
    /// `metadata.uid`; derived from `object` when writing.
    public var uid: String?
    /// The resource version it carries (a bookmark carries only this).
    public var resourceVersion: String?
    /// The address of the normalised object in `objects`; assigned by the store.
    public var objectDigest: String?
    /// The object (normalised and redacted by the store before hashing); readers fill it only when asked.
    public var object: JSON?

    /// An event to record: the store derives identity, uid and resource version from `object`.
    public init(at: Date, type: String, object: JSON?, resourceVersion: String? = nil) {
        self.sequence = 0
        self.at = at
        self.type = type
        self.object = object
        self.identity = object.flatMap(ObjectIdentity.init(object:))
        self.uid = object?[path: ["metadata", "uid"]]?.stringValue
        self.resourceVersion = resourceVersion ?? object?[path: ["metadata", "resourceVersion"]]?.stringValue
    }

    /// A stored event.
    public init(
        sequence: Int, at: Date, type: String, identity: ObjectIdentity?, uid: String?, resourceVersion: String?,
        objectDigest: String?, object: JSON?
    ) {
        self.sequence = sequence
        self.at = at
        self.type = type
        self.identity = identity
        self.uid = uid
        self.resourceVersion = resourceVersion
        self.objectDigest = objectDigest
        self.object = object
    }
}
