import Synchronization

/// Values computed before, by key, for work that is asked for again and again with the same input (a Loki
/// config text, a membership page's content). Bounded: past `capacity` entries the table starts over.
///
/// Concurrency: one `Mutex` around the table, held only for a lookup or an insertion (no I/O, no suspension, no
/// callback under it); ``value(for:orMake:)`` makes a missing value outside the lock, so two threads may both
/// make one, and the later one is kept.
///
/// ```swift
/// let settings = BoundedMemo<String, Settings>(capacity: 64)
/// let parsed = settings.value(for: text) { Settings(parsing: text) }
/// ```
public final class BoundedMemo<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// How many entries are kept before the table starts over.
    public let capacity: Int
    private let table = Mutex<[Key: Value]>([:])

    /// An empty memo of at most `capacity` entries.
    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// The value remembered for `key`, if any.
    public subscript(key: Key) -> Value? {
        table.withLock { $0[key] }
    }

    /// Remembers `value` for `key`.
    public func remember(_ value: Value, for key: Key) {
        table.withLock { table in
            if table.count >= capacity, table[key] == nil { table.removeAll(keepingCapacity: true) }
            table[key] = value
        }
    }

    /// The value for `key`: the one remembered, or `make()`'s, which is then remembered.
    public func value(for key: Key, orMake make: () throws -> Value) rethrows -> Value {
        if let known = self[key] { return known }
        let value = try make()
        remember(value, for: key)
        return value
    }
}
