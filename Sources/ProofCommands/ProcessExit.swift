import Synchronization

/// What the `proof` executable leaves to its exit instead of freeing.
///
/// A capture ends holding a dozen TLS connections (the list calls', discovery's, Loki's); freeing them one by one
/// (a TLS close alert each, libcurl's and OpenSSL's teardown) took about 2 ms at the end of every capture, and the
/// kernel closes the sockets at the exit anyway, as it does for kubectl. Only the executable's own run leaves
/// anything (``Proof/mainExitingWithProofCodes()`` turns ``shared`` on before the command runs); a command run
/// in-process (the tests) frees what it used as usual.
///
/// Concurrency: `enabled` is an `Atomic`; `kept` is behind a `Mutex` held only to append (no freeing, waiting or
/// I/O under it).
final class ProcessExit: Sendable {
    /// The executable's.
    static let shared = ProcessExit()

    private let enabled = Atomic<Bool>(false)
    private let kept = Mutex<[any AnyObject & Sendable]>([])

    /// From now on, ``leave(_:)`` keeps what it is given until the process exits.
    func leaveObjectsToExit() { enabled.store(true, ordering: .releasing) }

    /// Keeps `object` alive until the process exits once ``leaveObjectsToExit()`` was called; otherwise does
    /// nothing (the caller's reference goes as usual).
    func leave(_ object: some AnyObject & Sendable) {
        guard enabled.load(ordering: .acquiring) else { return }
        kept.withLock { $0.append(object) }
    }

    /// How many objects are kept (for tests).
    var keptCount: Int { kept.withLock { $0.count } }
}
