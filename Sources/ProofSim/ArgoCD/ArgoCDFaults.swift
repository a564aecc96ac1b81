import ProofCore
import Synchronization

/// The Argo CD controller's fault switches: each makes it misbehave in one specific way, so the harness's
/// invariants can be shown to fail. Settable at any time from Swift or through `/_sim/argocd/faults`.
public final class ArgoCDFaults: Sendable {
    /// The switches, as a value.
    public struct Settings: Sendable, Equatable {
        /// Prune and cascade deletion ignore `Prune=false` and `Delete=false` (kept resources get deleted).
        public var pruneKeptResources = false
        /// Application health is stuck at `Progressing` however healthy the resources are.
        public var neverHealthy = false
        /// Every sync operation stays `Running` this long before it applies anything.
        public var slowSync: Duration?

        /// All switches off.
        public init(pruneKeptResources: Bool = false, neverHealthy: Bool = false, slowSync: Duration? = nil) {
            self.pruneKeptResources = pruneKeptResources
            self.neverHealthy = neverHealthy
            self.slowSync = slowSync
        }
    }

    private let settings = Mutex(Settings())

    /// All switches off, or `initial`.
    public init(_ initial: Settings = Settings()) { settings.withLock { $0 = initial } }

    /// The current switches.
    public var current: Settings { settings.withLock { $0 } }

    /// Replaces every switch.
    public func set(_ new: Settings) { settings.withLock { $0 = new } }

    /// Changes some switches.
    public func update(_ body: (inout Settings) -> Void) { settings.withLock { body(&$0) } }

    /// Turns every switch off.
    public func clear() { set(Settings()) }

    /// `prune-kept-resources`, `never-healthy` or `slow-sync`: `pruneKeptResources`.
    public var pruneKeptResources: Bool {
        get { current.pruneKeptResources }
        set { update { $0.pruneKeptResources = newValue } }
    }

    /// `neverHealthy`.
    public var neverHealthy: Bool {
        get { current.neverHealthy }
        set { update { $0.neverHealthy = newValue } }
    }

    /// `slowSync`.
    public var slowSync: Duration? {
        get { current.slowSync }
        set { update { $0.slowSync = newValue } }
    }

    /// The switches as JSON: `{"pruneKeptResources":…,"neverHealthy":…,"slowSyncMilliseconds":…|null}`.
    public var json: JSON {
        let value = current
        var milliseconds: JSON = .null
        if let slow = value.slowSync {
            let (seconds, attoseconds) = slow.components
            milliseconds = .int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        }
        return ["pruneKeptResources": .bool(value.pruneKeptResources), "neverHealthy": .bool(value.neverHealthy),
                "slowSyncMilliseconds": milliseconds]
    }

    /// Applies the members present in `body` (same shape as `json`; `slowSyncMilliseconds: null` or 0 turns it
    /// off); throws 400 for a wrong type.
    public func apply(_ body: JSON) throws(SimError) {
        guard let members = body.objectValue else { throw .badRequest("Argo CD faults must be a JSON object such as {\"neverHealthy\":true}") }
        var value = current
        for (key, member) in members {
            switch key {
            case "pruneKeptResources":
                guard let flag = member.boolValue else { throw .badRequest("pruneKeptResources must be true or false") }
                value.pruneKeptResources = flag
            case "neverHealthy":
                guard let flag = member.boolValue else { throw .badRequest("neverHealthy must be true or false") }
                value.neverHealthy = flag
            case "slowSyncMilliseconds":
                if member.isNull { value.slowSync = nil; continue }
                guard let number = member.intValue, number >= 0 else { throw .badRequest("slowSyncMilliseconds must be a non-negative integer or null") }
                value.slowSync = number == 0 ? nil : .milliseconds(number)
            default:
                throw .badRequest("unknown Argo CD fault \"\(key)\": use pruneKeptResources, neverHealthy or slowSyncMilliseconds")
            }
        }
        set(value)
    }
}
