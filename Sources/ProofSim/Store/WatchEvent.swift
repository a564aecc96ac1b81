import ProofCore

/// One change to a stored object, as watches and in-sim controllers see it.
public struct WatchEvent: Sendable {
    /// What happened.
    public enum Kind: String, Sendable {
        /// The object was created (or, for a watch without a resourceVersion, already existed).
        case added = "ADDED"
        /// The object changed (including gaining a `deletionTimestamp`).
        case modified = "MODIFIED"
        /// The object is gone; `object` is its last state with the deletion's resourceVersion.
        case deleted = "DELETED"
    }

    /// What happened.
    public var type: Kind
    /// Which resource the object belongs to.
    public var resource: ResourceType
    /// The object after the change (its last state for `.deleted`).
    public var object: JSON
    /// The resourceVersion of the change.
    public var resourceVersion: Int64
    /// The stored object before the change (`nil` for `.added`): how a selector watch tells an object that
    /// left or entered its selection, and how a list at an older resourceVersion is rebuilt.
    public var previous: JSON?
    /// A progress notification (as etcd sends on request), not a change: every change up to
    /// `resourceVersion` was delivered to this stream before it. Carries no object; only a watch that asked
    /// for it (``SimState/watchWithProgress(_:filter:from:)``) ever gets one.
    public var isProgressNotify = false

    /// Creates an event.
    public init(type: Kind, resource: ResourceType, object: JSON, resourceVersion: Int64) {
        self.type = type
        self.resource = resource
        self.object = object
        self.resourceVersion = resourceVersion
    }

    /// `metadata.namespace` of the object, `""` when cluster-scoped.
    public var namespace: String { object[path: ["metadata", "namespace"]]?.stringValue ?? "" }
    /// `metadata.name` of the object.
    public var name: String { object[path: ["metadata", "name"]]?.stringValue ?? "" }
}

/// How dependents are treated when their owner is deleted (`propagationPolicy`).
public enum PropagationPolicy: String, Sendable {
    /// Delete the owner now, its dependents right after.
    case background = "Background"
    /// Delete the dependents first; the owner keeps a `foregroundDeletion` finalizer until they are gone.
    case foreground = "Foreground"
    /// Delete the owner and leave the dependents, with the owner reference removed.
    case orphan = "Orphan"
}

/// The result of a delete request.
public enum DeleteOutcome: Sendable {
    /// The object is gone; this was its last state.
    case deleted(JSON)
    /// The object is marked for deletion (deletionTimestamp set) and waits for finalizers or a controller.
    case pending(JSON)

    /// The object as returned to the client.
    public var object: JSON {
        switch self {
        case .deleted(let object), .pending(let object): return object
        }
    }
}
