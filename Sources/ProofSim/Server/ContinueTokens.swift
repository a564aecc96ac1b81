import Foundation
import ProofCore
import Synchronization

/// Snapshots behind `limit`/`continue` list pages, so every page of one list shows the same state and shares
/// the first page's resourceVersion. Tokens expire after `ttl` (then 410 `Expired`, as a compacted etcd would).
///
/// Lock rule: one `Mutex` over the snapshots, held only to store, look up or expire one; never across an await, a
/// yield or I/O.
final class ContinueTokens: Sendable {
    private struct Snapshot {
        var items: [JSON]
        var resourceVersion: Int64
        var created: ContinuousClock.Instant
    }

    private let snapshots = Mutex<[String: Snapshot]>([:])
    private let ttl: Duration
    private static let maxSnapshots = 256

    init(ttl: Duration) { self.ttl = ttl }

    /// Stores a full result and returns the token for the page that starts at `offset`.
    func token(items: [JSON], resourceVersion: Int64, offset: Int) -> String {
        let id = UUID().uuidString
        snapshots.withLock { snapshots in
            let now = ContinuousClock.now
            snapshots = snapshots.filter { now - $0.value.created < ttl }
            if snapshots.count >= Self.maxSnapshots, let oldest = snapshots.min(by: { $0.value.created < $1.value.created }) {
                snapshots[oldest.key] = nil
            }
            snapshots[id] = Snapshot(items: items, resourceVersion: resourceVersion, created: now)
        }
        return Self.encode(id: id, offset: offset, resourceVersion: resourceVersion)
    }

    /// The snapshot and offset a token points at; 410 when expired or unknown, 400 when malformed.
    func resolve(_ token: String) throws(SimError) -> (items: [JSON], resourceVersion: Int64, offset: Int, id: String) {
        guard let data = Data(base64Encoded: token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/") + String(repeating: "=", count: (4 - token.count % 4) % 4)),
            let text = String(data: data, encoding: .utf8)
        else { throw .badRequest("continue key is not valid: not a token issued by this server") }
        let parts = text.split(separator: ":")
        guard parts.count == 3, let offset = Int(parts[1]), let rv = Int64(parts[2]) else {
            throw .badRequest("continue key is not valid: not a token issued by this server")
        }
        let id = String(parts[0])
        let snapshot = snapshots.withLock { snapshots -> Snapshot? in
            guard let snapshot = snapshots[id] else { return nil }
            if ContinuousClock.now - snapshot.created >= ttl {
                snapshots[id] = nil
                return nil
            }
            return snapshot
        }
        guard let snapshot else {
            throw .expired("The provided continue parameter is too old to display a consistent list result (resourceVersion \(rv)). You can start a new list without the continue parameter.")
        }
        return (snapshot.items, snapshot.resourceVersion, offset, id)
    }

    /// The token for a later page of an existing snapshot.
    static func encode(id: String, offset: Int, resourceVersion: Int64) -> String {
        Data("\(id):\(offset):\(resourceVersion)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    /// Forgets every snapshot (so every outstanding token gets 410).
    func expireAll() { snapshots.withLock { $0.removeAll() } }
}
