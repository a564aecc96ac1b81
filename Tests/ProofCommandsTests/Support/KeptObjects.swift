import ProofCore
import Synchronization

/// Objects a fault test copies before the run and uses later in it (resurrecting what a step removed).
final class KeptObjects: Sendable {
    private let objects = Mutex<[String: JSON]>([:])

    /// Nothing kept yet.
    init() {}

    /// Keeps `object` under `key`.
    func keep(_ object: JSON, as key: String) { objects.withLock { $0[key] = object } }

    /// The object kept under `key`; throws when there is none.
    func object(_ key: String) throws -> JSON {
        guard let object = objects.withLock({ $0[key] }) else { throw FaultRunError(description: "nothing kept as \(key)") }
        return object
    }
}
