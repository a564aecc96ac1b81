import ProofCSystem
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Starts the kernel writing a store's write-ahead log to disk while the writes go on, without waiting for it
/// (`sync_file_range` with `SYNC_FILE_RANGE_WRITE`, as RocksDB's `bytes_per_sync` and PostgreSQL's
/// `*_flush_after` do). SQLite syncs the WAL when it checkpoints, at the latest when the store closes; left to
/// itself the kernel writes nothing back for 30 s, so that sync waited for every page a capture wrote (15–20 ms
/// for the 16 MB of a first capture at scale 34, at its very end). Started after each write, it waits for the
/// last transaction's pages only. Durability is unchanged: SQLite's own syncs are what make a commit durable.
///
/// Lock rule: one `Mutex` over the descriptor, held only to read or set it; opening, `sync_file_range` and
/// closing run outside it.
final class WALWriteback: Sendable {
    /// The `-wal` file.
    let path: String
    private let descriptor = Mutex<Int32>(-1)

    init(databasePath: String) { path = databasePath + "-wal" }

    deinit {
        let fd = descriptor.withLock { $0 }
        if fd >= 0 { close(fd) }
    }

    /// Starts writing back what the WAL holds that is not on disk yet; does nothing when there is no WAL yet or
    /// the call fails (it is only a head start). Whether the kernel took the request.
    @discardableResult
    func start() -> Bool {
        var fd = descriptor.withLock { $0 }
        if fd < 0 {
            let opened = open(path, O_RDONLY | O_CLOEXEC)
            guard opened >= 0 else { return false }
            fd = descriptor.withLock { current in
                if current < 0 { current = opened }
                return current
            }
            if fd != opened { close(opened) }
        }
        return proof_start_writeback(fd) == 0
    }
}
