import GRDB
import Synchronization

/// New bodies of several ``EvidenceStore/storeBodies(count:label:fromServer:kind:batch:version:canonical:object:)``
/// calls (the pages of one capture), written together once ``threshold`` bytes of them wait, and the rest by the
/// snapshot that references them (``EvidenceStore/writeSnapshot(run:label:members:errors:lokiSamples:step:takenAt:batch:)``),
/// in a transaction of their own committed before the snapshot's. One batch serves one snapshot.
///
/// Why: every transaction writes each page of the store it changed to the WAL again, and a page of bodies
/// changes the digest index's pages nearly everywhere (digests are random). One transaction per list page of
/// 500 objects wrote 264 MB to the WAL and the file for a store of 51 MB (scale 150); a transaction per two
/// megabytes of bodies writes half that (docs/capture.md, session 11). Memory: the waiting bodies are
/// compressed, at most ``threshold`` bytes and one page's more.
///
/// A version is remembered as stored (``KnownVersions``) only once its body's transaction has committed. A
/// capture that fails before its snapshot leaves the bodies that waited unwritten: nothing referenced them yet.
///
/// The bodies wait as the pages' arrays they came in (``Pages``): a page's array joins the batch whole, so no body
/// is copied (a body holds a few references, which a copy would retain and the dropped page's array release).
///
/// Concurrency: one `Mutex` around the waiting bodies, the counts and the last write's task, held only to add,
/// take, count or swap that task in (no I/O, no suspension under it: a task is awaited after the lock is let
/// go); the writing happens after the bodies were taken out, on the store's writer, each full batch's after the
/// one before.
public final class BodyBatch: Sendable {
    /// One body to write, and the version to remember once it is written.
    struct Body: Sendable {
        var digest: String
        var stored: DatabaseValue
        var size: Int
        var version: KnownVersions.Key?

        /// The bytes the stored value takes (what the threshold counts).
        var storedBytes: Int {
            switch stored.storage {
            case .blob(let data): data.count
            case .string(let text): text.utf8.count
            default: 0
            }
        }
    }

    /// Bodies as the pages gave them: one array a page.
    typealias Pages = [[Body]]

    private struct State {
        var waiting: Pages = []
        var waitingBytes = 0
        var newBodies = 0
        var newBytes = 0
        /// The last full batch's write, which runs after every earlier one (``writeInBackground(_:)``).
        var writing: Task<Void, any Error>?
    }

    /// The stored (compressed) bytes that wait before they are written.
    public let threshold: Int
    private let state = Mutex(State())

    /// A batch written every `threshold` stored bytes (2 MiB: about 1,700 bodies of a typical cluster, three or
    /// four pages of 500). At scale 150: 264 MB written to the WAL and the file with a transaction per page,
    /// 132 MB with 2 MiB, 120 MB with 4 MiB (whose peak RSS passed 100 MB), for the same CPU time within noise.
    public init(threshold: Int = 2 << 20) {
        self.threshold = threshold
    }

    /// Adds `bodies`; returns the waiting bodies, taken out, once they reach the threshold.
    func add(_ bodies: [Body]) -> Pages? {
        guard !bodies.isEmpty else { return nil }
        let bytes = bodies.reduce(0) { $0 + $1.storedBytes }
        return state.withLock { state in
            state.waiting.append(bodies)
            state.waitingBytes += bytes
            guard state.waitingBytes >= threshold else { return nil }
            return take(&state)
        }
    }

    /// Takes every waiting body out.
    func takeAll() -> Pages {
        state.withLock { take(&$0) }
    }

    private func take(_ state: inout State) -> Pages {
        var taken: Pages = []
        swap(&taken, &state.waiting)
        state.waitingBytes = 0
        return taken
    }

    /// Runs `write` (a full batch's transaction) as a task of its own, after every earlier one, so that the list
    /// call whose page filled the batch goes on listing while it commits. Waits only for the write before it: one
    /// batch is written while the next fills, so memory holds two batches at most. Rethrows that earlier write's
    /// error (the new one then fails with it too, writing nothing).
    ///
    /// Without `waitingForPrevious` it returns at once (the last bodies of a capture, handed over as its lists end:
    /// no batch fills after them).
    func writeInBackground(waitingForPrevious: Bool = true, _ write: @escaping @Sendable () async throws -> Void) async throws {
        let previous = state.withLock { state -> Task<Void, any Error>? in
            let previous = state.writing
            state.writing = Task {
                try await previous?.value
                try await write()
            }
            return previous
        }
        if waitingForPrevious { try await previous?.value }
    }

    /// Waits until every full batch handed to ``writeInBackground(_:)`` is written; rethrows the first error.
    func waitForWrites() async throws {
        let last = state.withLock { $0.writing }
        try await last?.value
    }

    /// Counts bodies a transaction wrote.
    func count(newBodies: Int, newBytes: Int) {
        state.withLock {
            $0.newBodies += newBodies
            $0.newBytes += newBytes
        }
    }

    /// The bodies written so far that the store did not hold, and their canonical bytes.
    var written: (newBodies: Int, newBytes: Int) {
        state.withLock { ($0.newBodies, $0.newBytes) }
    }
}
