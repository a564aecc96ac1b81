import ProofCore
import Synchronization

/// The digests of object versions this store handle has already normalised and stored, keyed by uid,
/// resourceVersion, apiVersion and kind: a version a Kubernetes API server gave once has the same content
/// whenever it is listed again (every write gives a new resourceVersion), so a later capture skips redacting,
/// encoding and hashing it, and writes no body. Used only for objects as a server listed them
/// (``EvidenceStore/storeBodies(_:label:fromServer:)``), never for objects a caller built.
///
/// Concurrency: one `Mutex` around the dictionary, held only for a lookup or an insertion (no I/O, no
/// suspension, no callback under it). Bounded: past ``capacity`` entries it starts over.
final class KnownVersions: Sendable {
    /// One version of one object as a server serves it.
    struct Key: Hashable, Sendable {
        var uid: String
        var resourceVersion: String
        var apiVersion: String
        var kind: String
    }

    /// How many versions are remembered before the table starts over (about 150 bytes each).
    static let capacity = 250_000

    /// The digests, and the kinds they are of.
    private struct Table {
        var digests: [Key: String] = [:]
        var kinds: Set<String> = []
    }

    private let table = Mutex(Table())

    /// The key of a version read from an object's bytes.
    static func key(_ version: ObjectVersion) -> Key {
        Key(uid: version.uid, resourceVersion: version.resourceVersion, apiVersion: version.identity.apiVersion, kind: version.identity.kind)
    }

    /// The key of `object`, or `nil` when it has no uid or resourceVersion (nothing proves two copies equal).
    static func key(of object: JSON, identity: ObjectIdentity) -> Key? {
        guard let uid = object[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty,
            let resourceVersion = object[path: ["metadata", "resourceVersion"]]?.stringValue, !resourceVersion.isEmpty
        else { return nil }
        return Key(uid: uid, resourceVersion: resourceVersion, apiVersion: identity.apiVersion, kind: identity.kind)
    }

    /// The stored body's digest for `key`, if this handle stored it.
    func digest(for key: Key) -> String? {
        table.withLock { $0.digests[key] }
    }

    /// Whether any version of `kind` is remembered (when none is, looking a version of it up is wasted work).
    func holds(kind: String) -> Bool {
        table.withLock { $0.kinds.contains(kind) }
    }

    /// Remembers digests whose bodies are now in the file (call after their transaction committed).
    func remember(_ entries: [(Key, String)]) {
        guard !entries.isEmpty else { return }
        table.withLock { table in
            if table.digests.count + entries.count > Self.capacity {
                table.digests.removeAll(keepingCapacity: true)
                table.kinds.removeAll()
            }
            for (key, digest) in entries {
                table.digests[key] = digest
                table.kinds.insert(key.kind)
            }
        }
    }
}
