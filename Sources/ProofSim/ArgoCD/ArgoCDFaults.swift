import ProofCore
import Synchronization

/// The Argo CD controller's fault switches: each makes it misbehave in one specific way, so the harness's
/// invariants can be shown to fail. Settable at any time from Swift or through `/_sim/argocd/faults`; a
/// change takes effect on the controller's next reconciliation pass.
///
/// Lock rule: one `Mutex` over the settings, held only to read or change them (`update`'s body must not call
/// back into this object); never across an await, a yield or I/O.
@dynamicMemberLookup
public final class ArgoCDFaults: Sendable {
    /// The switches, as a value.
    public struct Settings: Sendable, Equatable {
        /// Prune and cascade deletion ignore `Prune=false` and `Delete=false` (kept resources get deleted).
        public var pruneKeptResources = false
        /// Application health is stuck at `Progressing` however healthy the resources are.
        public var neverHealthy = false
        /// Every sync operation stays `Running` this long before it applies anything.
        public var slowSync: Duration?
        /// Globs over Application names: matching Applications report `health.status: Degraded` however
        /// healthy their resources are (this wins over `neverHealthy`).
        public var unhealthyApps: [String] = []
        /// Nothing is ever deleted by the controller: resources that left Git are not pruned (the app stays
        /// OutOfSync with them `requiresPruning`) and deleting an Application orphans its resources (child
        /// Applications of an app-of-apps included) instead of cascading.
        public var noPrune = false
        /// AppProject `sourceRepos` and `destinations` are not enforced (validation and sync), so a dev-project
        /// Application can deploy into a prod namespace. Kind allow/deny lists still are.
        public var ignoreProjectDestinations = false
        /// Globs over Application names: their sync operations report `Succeeded` at the requested revision
        /// (with a history entry) but apply, create and prune nothing.
        public var skipApply: [String] = []
        /// A rollback (a sync to an older `history[]` revision than the deployed one) re-applies the
        /// deployed revision instead.
        public var rollbackToCurrent = false
        /// Globs over Application names: their sync operations fail (`Failed`, message naming the fault)
        /// without applying anything.
        public var failSync: [String] = []

        /// All switches off, or the ones given.
        public init(pruneKeptResources: Bool = false, neverHealthy: Bool = false, slowSync: Duration? = nil,
            unhealthyApps: [String] = [], noPrune: Bool = false, ignoreProjectDestinations: Bool = false,
            skipApply: [String] = [], rollbackToCurrent: Bool = false, failSync: [String] = [])
        {
            self.pruneKeptResources = pruneKeptResources
            self.neverHealthy = neverHealthy
            self.slowSync = slowSync
            self.unhealthyApps = unhealthyApps
            self.noPrune = noPrune
            self.ignoreProjectDestinations = ignoreProjectDestinations
            self.skipApply = skipApply
            self.rollbackToCurrent = rollbackToCurrent
            self.failSync = failSync
        }

        /// Whether Application `name` matches one of `patterns` (globs such as `feast-*`).
        static func matches(_ patterns: [String], _ name: String) -> Bool {
            patterns.contains { Glob($0).matches(name) }
        }
    }

    /// How a sync failed by the `failSync` fault starts its message (so the failure can be told apart).
    static let failSyncMessagePrefix = "failSync fault:"

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

    /// Each switch as a property: `faults.noPrune = true`, `faults.unhealthyApps = ["logging-dev"]`.
    public subscript<Value>(dynamicMember keyPath: WritableKeyPath<Settings, Value>) -> Value {
        get { current[keyPath: keyPath] }
        set { update { $0[keyPath: keyPath] = newValue } }
    }

    /// The switches as JSON: `{"pruneKeptResources":…,"neverHealthy":…,"slowSyncMilliseconds":…|null,
    /// "unhealthyApps":[…],"noPrune":…,"ignoreProjectDestinations":…,"skipApply":[…],"rollbackToCurrent":…,
    /// "failSync":[…]}`.
    public var json: JSON {
        let value = current
        var milliseconds: JSON = .null
        if let slow = value.slowSync {
            let (seconds, attoseconds) = slow.components
            milliseconds = .int(seconds * 1000 + attoseconds / 1_000_000_000_000_000)
        }
        func globs(_ list: [String]) -> JSON { .array(list.map(JSON.string)) }
        return ["pruneKeptResources": .bool(value.pruneKeptResources), "neverHealthy": .bool(value.neverHealthy),
                "slowSyncMilliseconds": milliseconds, "unhealthyApps": globs(value.unhealthyApps),
                "noPrune": .bool(value.noPrune), "ignoreProjectDestinations": .bool(value.ignoreProjectDestinations),
                "skipApply": globs(value.skipApply), "rollbackToCurrent": .bool(value.rollbackToCurrent),
                "failSync": globs(value.failSync)]
    }

    /// Applies the members present in `body` (same shape as `json`; `slowSyncMilliseconds: null` or 0 turns it
    /// off; a glob list may be `null` or `[]` for none, or a single string); throws 400 for a wrong type or an
    /// unknown member, changing nothing.
    public func apply(_ body: JSON) throws(SimError) {
        guard let members = body.objectValue else { throw .badRequest("Argo CD faults must be a JSON object such as {\"neverHealthy\":true}") }
        var value = current
        func flag(_ key: String, _ member: JSON) throws(SimError) -> Bool {
            guard let flag = member.boolValue else { throw .badRequest("\(key) must be true or false") }
            return flag
        }
        func globs(_ key: String, _ member: JSON) throws(SimError) -> [String] {
            if member.isNull { return [] }
            if let single = member.stringValue { return [single] }
            guard let items = member.arrayValue else {
                throw .badRequest("\(key) must be a list of Application name globs such as [\"feast-*\"], or null")
            }
            var result: [String] = []
            for item in items {
                guard let text = item.stringValue, !text.isEmpty else {
                    throw .badRequest("\(key) must hold non-empty strings (Application name globs such as \"feast-*\")")
                }
                result.append(text)
            }
            return result
        }
        for (key, member) in members {
            switch key {
            case "pruneKeptResources": value.pruneKeptResources = try flag(key, member)
            case "neverHealthy": value.neverHealthy = try flag(key, member)
            case "slowSyncMilliseconds":
                if member.isNull { value.slowSync = nil; continue }
                guard let number = member.intValue, number >= 0 else { throw .badRequest("slowSyncMilliseconds must be a non-negative integer or null") }
                value.slowSync = number == 0 ? nil : .milliseconds(number)
            case "unhealthyApps": value.unhealthyApps = try globs(key, member)
            case "noPrune": value.noPrune = try flag(key, member)
            case "ignoreProjectDestinations": value.ignoreProjectDestinations = try flag(key, member)
            case "skipApply": value.skipApply = try globs(key, member)
            case "rollbackToCurrent": value.rollbackToCurrent = try flag(key, member)
            case "failSync": value.failSync = try globs(key, member)
            default:
                throw .badRequest("unknown Argo CD fault \"\(key)\": use pruneKeptResources, neverHealthy, slowSyncMilliseconds, unhealthyApps, noPrune, ignoreProjectDestinations, skipApply, rollbackToCurrent or failSync")
            }
        }
        set(value)
    }
}
