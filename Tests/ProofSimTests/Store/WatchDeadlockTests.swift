import Foundation
import ProofCore
import ProofSim
import Synchronization
import Testing

/// Issue 10 §4: watches opened and cancelled during a stream of writes must never hang the store. The short
/// in-suite version of `scripts/soak.sh` (which runs 60 s against `proof sim serve` as a real process).
@Suite("Store never deadlocks")
struct WatchDeadlockTests {
    @Test("8 workers opening and cancelling watches while patching for 4 s; then every API call still answers", .tags(.slow))
    func watchesCancelledDuringPatches() async throws {
        try await SimFixture.withCluster { cluster, client in
            let state = cluster.state
            let configMaps = try #require(state.registry.type(group: "", version: "v1", resource: "configmaps"))
            for worker in 0..<8 {
                try state.create(["apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": ["name": .string("soak-\(worker)"), "namespace": "default", "labels": ["soak": .string("w\(worker)")]]])
            }
            let progress = Progress()
            // Before the fix a write yielded to watch streams with the store's lock held while a cancelled
            // watch's cleanup took the same lock: every worker stopped within about a second and the process
            // hung. A hung cooperative pool cannot report a failure, so a watchdog thread ends the process with
            // a message when no worker makes progress for 10 s (a healthy run makes thousands of rounds a second).
            let watchdog = Thread {
                var last = -1
                var quietSince = Date()
                while !progress.finished.load(ordering: .relaxed) {
                    Thread.sleep(forTimeInterval: 0.25)
                    let now = progress.rounds.load(ordering: .relaxed)
                    if now != last { last = now; quietSince = Date() }
                    if Date().timeIntervalSince(quietSince) > 10 {
                        FileHandle.standardError.write(Data("WatchDeadlockTests: the simulated cluster's store deadlocked after \(now) rounds (no worker progressed for 10 s)\n".utf8))
                        exit(70)
                    }
                }
            }
            watchdog.start()
            let end = ContinuousClock.now + .seconds(4)
            await withTaskGroup(of: Void.self) { group in
                for worker in 0..<8 {
                    group.addTask {
                        var round = 0
                        while ContinuousClock.now < end {
                            round += 1
                            // A watch that has started streaming (synthetic ADDED events) and is then dropped,
                            // as when a client disconnects; every third one has a label selector.
                            let opened = Progress()
                            let selector = round % 3 == 0 ? try? ObjectFilter(labelSelector: "soak=w\(worker)") : nil
                            let watcher = Task {
                                guard let stream = try? state.watch(configMaps, filter: selector, from: nil) else { return }
                                for await _ in stream { opened.finished.store(true, ordering: .relaxed) }
                            }
                            while !opened.finished.load(ordering: .relaxed) { await Task.yield() }
                            _ = try? state.patch(configMaps, namespace: "default", name: "soak-\(worker)", type: .merge,
                                patch: ["data": ["round": .string(String(round))]])
                            watcher.cancel()
                            progress.rounds.add(1, ordering: .relaxed)
                        }
                    }
                }
            }
            progress.finished.store(true, ordering: .relaxed)
            #expect(progress.rounds.load(ordering: .relaxed) > 8)

            // Every API call still answers (curl gives up after 1 s).
            let calls: [(String, String, JSON?, String)] = [
                ("GET", "/version", nil, "application/json"),
                ("GET", "/api/v1/namespaces/default/configmaps", nil, "application/json"),
                ("GET", "/api/v1/namespaces/default/configmaps/soak-0", nil, "application/json"),
                ("PATCH", "/api/v1/namespaces/default/configmaps/soak-0", ["data": ["after": "soak"]], "application/merge-patch+json"),
                ("GET", "/api/v1/namespaces/default/configmaps?watch=1&timeoutSeconds=0", nil, "application/json"),
                ("DELETE", "/api/v1/namespaces/default/configmaps/soak-1", nil, "application/json"),
            ]
            for (method, path, body, contentType) in calls {
                let answer = try await client.request(method, path, body: body, contentType: contentType, timeout: 1)
                #expect(answer.status == 200, "\(method) \(path) answered \(answer.status)")
            }
        }
    }
}

/// Counters shared between the workers and the watchdog thread.
private final class Progress: Sendable {
    let rounds = Atomic<Int>(0)
    let finished = Atomic<Bool>(false)
}
