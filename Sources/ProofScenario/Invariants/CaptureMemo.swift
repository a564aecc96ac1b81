import ProofCore
import Synchronization

/// Values derived from one capture's objects, computed on first use and kept with the capture: the objects an
/// ``ObjectMatch`` selects, their spec digests (`unchanged`) and the facts `envIsolation` judges.
///
/// A ``CapturedState`` owns one from its initialiser, and its `objects` never change afterwards, so everything
/// here is a pure function of those objects; the label, time, Loki samples and listing errors (which the
/// replayer sets per run on a shared capture) are not used. Copies of a capture share the memo: a `since:`
/// capture is filtered and digested once per run instead of once per later capture, and captures the replayer
/// shares across runs (same members) once in all. Sendable: all state is behind `Mutex`es; values are computed
/// outside the lock (two threads may compute the same value; both results are equal and either is kept).
final class CaptureMemo: Sendable {
    private let selections = Mutex<[ObjectMatch: [JSON]]>([:])
    private let specDigests = Mutex<[ObjectMatch: [String]]>([:])
    private let derived = Mutex<[Key: any Sendable]>([:])

    /// Names a derived value: what it is (`envIsolation.apps`) and the selection it is computed from, if any.
    struct Key: Hashable, Sendable {
        var name: String
        var match: ObjectMatch?
    }

    /// The memo of a new capture.
    init() {}

    /// `compute()`'s selection for `match`, computed once.
    func selection(_ match: ObjectMatch, compute: () -> [JSON]) -> [JSON] {
        if let known = selections.withLock({ $0[match] }) { return known }
        let value = compute()
        selections.withLock { $0[match] = value }
        return value
    }

    /// The spec digests of `selection` (the objects `match` selects, in order), computed once.
    func specDigests(_ match: ObjectMatch, of selection: [JSON], digest: (JSON) -> String) -> [String] {
        if let known = specDigests.withLock({ $0[match] }) { return known }
        let value = selection.map(digest)
        specDigests.withLock { $0[match] = value }
        return value
    }

    /// `compute()`'s value for `key`, computed once (`T` must be the same type at every use of a key).
    func derived<T: Sendable>(_ key: Key, as type: T.Type = T.self, compute: () -> T) -> T {
        if let known = derived.withLock({ $0[key] }) as? T { return known }
        let value = compute()
        derived.withLock { $0[key] = value }
        return value
    }
}
