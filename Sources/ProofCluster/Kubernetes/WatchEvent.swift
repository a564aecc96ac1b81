import ProofCore

/// One change seen by a watch.
public struct WatchEvent: Sendable {
    /// What happened.
    public enum EventType: String, Sendable {
        /// The object appeared (or was there when the watch started or re-listed).
        case added = "ADDED"
        /// The object changed.
        case modified = "MODIFIED"
        /// The object is gone; `object` is its last state.
        case deleted = "DELETED"
    }

    /// What happened.
    public var type: EventType
    /// The object after the change (for `deleted`, its last state).
    public var object: JSON

    /// Creates an event.
    public init(type: EventType, object: JSON) {
        self.type = type
        self.object = object
    }

    /// The object's `metadata.resourceVersion`.
    public var resourceVersion: String? { object[path: ["metadata", "resourceVersion"]]?.stringValue }
}

/// How a watch behaves.
public struct WatchOptions: Sendable {
    /// `labelSelector` of the list and the watch.
    public var labelSelector: String?
    /// `fieldSelector` of the list and the watch.
    public var fieldSelector: String?
    /// The server ends each watch request after about this long (`timeoutSeconds`, with jitter); the
    /// watch then reconnects from the last resourceVersion.
    public var serverTimeout: Duration
    /// Give up after this many failed reconnections in a row.
    public var maxConsecutiveFailures: Int
    /// Ask for BOOKMARK events (they only advance the resourceVersion; they are not emitted).
    public var bookmarks: Bool

    /// Creates options.
    public init(
        labelSelector: String? = nil, fieldSelector: String? = nil, serverTimeout: Duration = .seconds(300),
        maxConsecutiveFailures: Int = 8, bookmarks: Bool = true
    ) {
        self.labelSelector = labelSelector
        self.fieldSelector = fieldSelector
        self.serverTimeout = serverTimeout
        self.maxConsecutiveFailures = maxConsecutiveFailures
        self.bookmarks = bookmarks
    }
}
