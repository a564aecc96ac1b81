import Foundation
import ProofCluster
import ProofCore
import ProofStore

/// Watches the key kinds of a run in the background and writes their events to the store as the timeline
/// between captures (`watch_events`). Best effort: a kind that cannot be watched is skipped.
final class TimelineRecorder: Sendable {
    /// The kinds watched.
    static let kinds: [(apiVersion: String, kind: String)] = [
        ("argoproj.io/v1alpha1", "Application"), ("v1", "Namespace"), ("apps/v1", "Deployment"),
        ("apps/v1", "StatefulSet"), ("apps/v1", "DaemonSet"), ("v1", "Pod"), ("v1", "PersistentVolumeClaim"),
    ]

    private let task: Task<Void, Never>
    private let buffer: EventBuffer
    /// One element per kind (and namespace) once its initial list is done or has failed.
    private let listed: AsyncStream<Void>
    /// How many kinds (and namespaces) are listed.
    private let kindCount: Int

    /// Starts watching in `namespaces` (all when empty) and recording into `store` for `run`. Each kind is
    /// listed, then watched from its list's resourceVersion, so once ``ready()`` has returned no change is
    /// missed, however late a watch request goes out.
    init(client: KubernetesClient, store: EvidenceStore, run: RunID, namespaces: [String]) {
        let buffer = EventBuffer()
        self.buffer = buffer
        let calls = Self.kinds.flatMap { apiVersion, kind -> [(String, String, String?)] in
            let scopes: [String?] = namespaces.isEmpty || kind == "Namespace" ? [nil] : namespaces
            return scopes.map { (apiVersion, kind, $0) }
        }
        kindCount = calls.count
        let (listed, signal) = AsyncStream.makeStream(of: Void.self)
        self.listed = listed
        task = Task.detached {
            await withTaskGroup(of: Void.self) { group in
                for (apiVersion, kind, namespace) in calls {
                    group.addTask {
                        guard let type = try? await client.resource(apiVersion: apiVersion, kind: kind),
                            let list = try? await client.list(type, namespace: namespace)
                        else {
                            signal.yield()
                            return
                        }
                        signal.yield()
                        do {
                            for try await event in client.watch(type, namespace: namespace, from: list) {
                                await buffer.append(ProofStore.WatchEvent(at: Date(), type: event.type.rawValue, object: event.object))
                            }
                        } catch {}
                    }
                }
                group.addTask {
                    while true {
                        try? await Task.sleep(for: .milliseconds(500))
                        // Once cancelled, the store refuses the write; `stop` writes what is left.
                        if Task.isCancelled { break }
                        await buffer.flush(store: store, run: run)
                    }
                }
            }
            signal.finish()
        }
    }

    /// Returns once every kind has been listed (or found unwatchable), or when the calling task is cancelled:
    /// changes made after this are recorded. The run waits for it before its first step, so a step's changes
    /// never fall into the initial lists. Call it once.
    func ready() async {
        var count = 0
        for await _ in listed {
            count += 1
            if count == kindCount { return }
        }
    }

    /// Stops watching and writes what is buffered.
    func stop(store: EvidenceStore, run: RunID) async {
        task.cancel()
        await task.value
        await buffer.flush(store: store, run: run)
    }
}

/// Events waiting to be written (batched, one transaction per flush); a batch the store refused is kept for the
/// next flush. Actor-isolated: the write awaits the store, and events that arrive meanwhile queue behind the batch.
actor EventBuffer {
    private var events: [ProofStore.WatchEvent] = []

    func append(_ event: ProofStore.WatchEvent) { events.append(event) }

    func flush(store: EvidenceStore, run: RunID) async {
        guard !events.isEmpty else { return }
        let batch = events
        events = []
        do {
            _ = try await store.recordWatchEvents(batch, run: run)
        } catch {
            // Not written (cancelled mid-write, say): kept, in order, for the next flush.
            events = batch + events
        }
    }
}
