import Foundation
import ProofCluster
import ProofCore
import ProofSim
import ProofStore
import Testing

@testable import ProofScenario

/// The capture cache (``CaptureCache``) must record exactly what a listing records: the same cluster state is
/// captured both ways after creates, updates, deletes and forced 410s, and the snapshots' digests compared.
/// Its watches must end with the run.
@Suite("Capture cache", .serialized)
struct CaptureCacheTests {
    /// A bare simulated cluster (no platform services) with bookmarks at most every `bookmarks` (periodic ones and
    /// those that follow the store's progress), a client and a fresh store.
    static func with(
        bookmarks: Duration = .milliseconds(50), _ body: (SimulatedCluster, KubernetesClient, EvidenceStore, String) async throws -> Void
    ) async throws {
        var options = SimOptions()
        options.platformServices = nil
        options.timing.bookmarkInterval = bookmarks
        // A watch also bookmarks as soon as the store moved past it (each `progressInterval`, 100 ms by default):
        // no bookmark of either kind comes more often than `bookmarks`.
        options.timing.progressInterval = bookmarks
        let cluster = try await SimulatedCluster.start(options)
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-cache-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            try cluster.writeKubeconfig(to: directory + "/kubeconfig")
            let config = try Kubeconfig.load(path: directory + "/kubeconfig", environment: ["HOME": directory])
            let store = try EvidenceStore.open(path: directory + "/evidence.sqlite")
            try await body(cluster, KubernetesClient(config: config), store, directory)
        } catch {
            await cluster.stop()
            throw error
        }
        await cluster.stop()
    }

    static func configMap(_ name: String, _ value: String) -> JSON {
        ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": "default"], "data": ["value": .string(value)]]
    }

    static let config = CaptureConfig(kinds: ["Namespace", "ConfigMap", "ServiceAccount"], loki: [], pageSize: 8)

    /// Captures through the cache and by listing, with the cluster unchanged in between (retried while the
    /// cluster's resourceVersion moved), and expects the same snapshot; returns the cached capture.
    @discardableResult
    static func expectSameBothWays(
        _ label: String, capturer: Capturer, cache: CaptureCache, cluster: SimulatedCluster, run: RunID
    ) async throws -> CaptureResult {
        for attempt in 1...5 {
            let before = cluster.state.resourceVersion
            let hits = await cache.statistics.hits
            let cached = try await capturer.capture(run: run, label: "\(label)-cache-\(attempt)", cache: cache)
            let listed = try await capturer.capture(run: run, label: "\(label)-list-\(attempt)")
            guard cluster.state.resourceVersion == before else { continue }
            #expect(await cache.statistics.hits == hits + 3, "every kind came from the cache (\(label))")
            #expect(cached.snapshot.digest == listed.snapshot.digest, "\(label): the cache recorded what a listing records")
            #expect(cached.snapshot.objectCount == listed.snapshot.objectCount)
            #expect(cached.counts == listed.counts)
            #expect(cached.listingErrors.isEmpty && listed.listingErrors.isEmpty)
            return cached
        }
        Issue.record("\(label): the cluster kept changing during five attempts")
        throw CancellationError()
    }

    /// Waits (at most 10 s) until the cluster's resourceVersion has not moved for 300 ms: a bare cluster's own
    /// controllers still write default objects for a moment after it starts, and under load that moment is long.
    static func quiet(_ cluster: SimulatedCluster) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        var last = cluster.state.resourceVersion
        while ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(300))
            let now = cluster.state.resourceVersion
            if now == last { return }
            last = now
        }
        Issue.record("the simulated cluster kept writing for 10 s")
    }

    /// Waits (bounded) until `condition` holds.
    static func eventually(_ what: String, _ condition: () async -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(20)
        while ContinuousClock.now < deadline {
            if await condition() { return }
            try await Task.sleep(for: .milliseconds(20))
        }
        Issue.record("timed out waiting until \(what)")
    }

    @Test("after creates, updates, deletes and forced 410s, a capture from the cache equals a listing of the same state")
    func cachedCaptureEqualsListing() async throws {
        try await Self.with { cluster, client, store, _ in
            let configMaps = try await client.resource(named: "configmaps")
            for index in 0..<20 { _ = try await client.create(configMaps, Self.configMap("cm-\(index)", "v\(index)"), namespace: "default") }
            // Waits up to 10 s for a kind to catch up, and reopens its watch every second.
            let cache = CaptureCache(client: client, store: store, maxWait: .seconds(10), minWait: .seconds(10), watchTimeout: .seconds(1))
            let capturer = Capturer(client: client, store: store, config: Self.config)
            let run = try await store.beginRun(RunInfo(scenario: "cache", cluster: "simulated"))

            let seed = try await capturer.capture(run: run, label: "seed", cache: cache)
            #expect(await cache.statistics == CaptureCache.Statistics(hits: 0, listings: 3, relists: 0, watchesOpened: await cache.statistics.watchesOpened))
            #expect(seed.snapshot.objectCount > 20)
            try await Self.eventually("the three watches are open") { await cache.statistics.watchesOpened >= 3 }

            // Creates, updates (one twice), deletes, a namespace and a service account.
            for index in 20..<25 { _ = try await client.create(configMaps, Self.configMap("cm-\(index)", "new"), namespace: "default") }
            for index in [1, 2, 3, 2] {
                _ = try await client.patch(configMaps, name: "cm-\(index)", namespace: "default", patch: ["data": ["value": .string("patched-\(UUID())")]])
            }
            for index in [4, 5, 6, 21] { try await client.delete(configMaps, name: "cm-\(index)", namespace: "default") }
            _ = try await client.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": "cache-test"]])
            let changed = try await Self.expectSameBothWays("changed", capturer: capturer, cache: cache, cluster: cluster, run: run)
            #expect(changed.newBodies > 0, "the changed bodies were stored at the capture")
            let names = try await store.objects(snapshot: changed.snapshot.id, bodies: false).filter { $0.identity.kind == "ConfigMap" }.map(\.identity.name)
            #expect(names.contains("cm-24") && !names.contains("cm-4") && !names.contains("cm-21"))

            // Unchanged: nothing new stored, same digest as the last listing.
            let quiet = try await Self.expectSameBothWays("unchanged", capturer: capturer, cache: cache, cluster: cluster, run: run)
            #expect(quiet.newBodies == 0)

            // A forced 410 on the next watch requests (HTTP 410): the cache re-lists, changes made meanwhile included.
            let relists = await cache.statistics.relists
            cluster.faults.add(FaultRule(path: "**", action: .gone, count: 3))
            _ = try await client.patch(configMaps, name: "cm-7", namespace: "default", patch: ["data": ["value": "during-410"]])
            try await client.delete(configMaps, name: "cm-8", namespace: "default")
            try await Self.eventually("the watches re-listed after the 410") { await cache.statistics.relists >= relists + 3 }
            try await Self.expectSameBothWays("after-410", capturer: capturer, cache: cache, cluster: cluster, run: run)

            // A compacted history: the ConfigMap watch's next reopening is held back 2 s (its request is then in
            // flight), meanwhile a change is made and the history compacted past it, so the reopened watch gets
            // HTTP 200 and one ERROR event holding 410 Expired, and re-lists.
            let relisted = await cache.statistics.relists
            cluster.faults.add(FaultRule(method: "GET", path: "/api/v1/configmaps", action: .latency(milliseconds: 2000), count: 1))
            try await Self.eventually("the ConfigMap watch is reopening (held back)") { cluster.faults.active.isEmpty }
            _ = try await client.patch(configMaps, name: "cm-9", namespace: "default", patch: ["data": ["value": "before-compaction"]])
            cluster.state.compactEventLog()
            _ = try await client.patch(configMaps, name: "cm-10", namespace: "default", patch: ["data": ["value": "after-compaction"]])
            try await Self.eventually("the watches re-listed after the ERROR event") { await cache.statistics.relists >= relisted + 1 }
            let final = try await Self.expectSameBothWays("after-compaction", capturer: capturer, cache: cache, cluster: cluster, run: run)
            let cm10 = try await store.objects(snapshot: final.snapshot.id).first { $0.identity.name == "cm-10" }
            #expect(cm10?.body?[path: ["data", "value"]] == "after-compaction")
            await cache.stop()
        }
    }

    @Test("kinds that answered one version to two rounds of probes share one probe, Events keep theirs, and a change is still caught")
    func kindsOfOneCounterShareOneProbe() async throws {
        try await Self.with { cluster, client, store, _ in
            let config = CaptureConfig(kinds: ["Namespace", "ConfigMap", "ServiceAccount", "Event"], loki: [], pageSize: 8)
            let cache = CaptureCache(client: client, store: store, maxWait: .seconds(10), minWait: .seconds(10))
            let capturer = Capturer(client: client, store: store, config: config)
            let run = try await store.beginRun(RunInfo(scenario: "cache", cluster: "simulated"))
            try await Self.quiet(cluster)
            _ = try await capturer.capture(run: run, label: "seed", cache: cache)
            try await Self.eventually("the four watches are open") { await cache.statistics.watchesOpened >= 4 }
            // Every kind is probed until the three have answered one version to two rounds in a row: the first
            // two rounds on a quiet cluster, more if it moved between the probes of a round.
            var rounds = 0
            while await !cache.sharesProbes, rounds < 6 {
                let probes = await cache.statistics.probes
                _ = try await capturer.capture(run: run, label: "round-\(rounds)", cache: cache)
                #expect(await cache.statistics.probes == probes + 4, "round \(rounds): every kind probed")
                rounds += 1
            }
            #expect(await cache.sharesProbes && rounds >= CaptureCache.roundsBeforeSharing)
            // From then on the three kinds share one probe; Events keep their own.
            let (probes, hits) = (await cache.statistics.probes, await cache.statistics.hits)
            let before = cluster.state.resourceVersion
            let shared = try await capturer.capture(run: run, label: "shared", cache: cache)
            let listed = try await capturer.capture(run: run, label: "shared-listed")
            #expect(await cache.statistics.probes == probes + 2, "one probe for Namespace, ConfigMap and ServiceAccount, one for Events")
            #expect(await cache.statistics.hits == hits + 4)
            if cluster.state.resourceVersion == before { #expect(shared.snapshot.digest == listed.snapshot.digest) }

            // Another client's change just before a capture: the shared probe's version is past it, so the
            // ConfigMap cache waits until its watch brings it, and the other kinds until a bookmark does.
            let configMaps = try await client.resource(named: "configmaps")
            _ = try await client.create(configMaps, Self.configMap("late", "v"), namespace: "default")
            let late = try await capturer.capture(run: run, label: "late", cache: cache)
            let lateListed = try await capturer.capture(run: run, label: "late-listed")
            #expect(late.snapshot.digest == lateListed.snapshot.digest, "the cache recorded what a listing records")
            let names = try await store.objects(snapshot: late.snapshot.id, bodies: false).filter { $0.identity.kind == "ConfigMap" }.map(\.identity.name)
            #expect(names.contains("late"))
            await cache.stop()
        }
    }

    @Test("a kind whose cache has not caught up is listed, and the cache is re-seeded from that listing; so with a shared probe")
    func behindCacheFallsBackToListing() async throws {
        // No bookmark within the test: a change to a kind that is not captured moves the cluster's version
        // past what the captured kinds' watches can show, so their caches cannot prove they are current.
        try await Self.with(bookmarks: .seconds(3600)) { cluster, client, store, _ in
            let cache = CaptureCache(client: client, store: store, maxWait: .milliseconds(20), minWait: .milliseconds(20))
            let capturer = Capturer(client: client, store: store, config: Self.config)
            let run = try await store.beginRun(RunInfo(scenario: "cache", cluster: "simulated"))
            // Without bookmarks, a write after the seed (a default object) would leave every kind behind for good.
            try await Self.quiet(cluster)
            _ = try await capturer.capture(run: run, label: "seed", cache: cache)
            #expect(await cache.statistics.listings == 3)
            // Nothing changed since the listing: its version is the cluster's, so every kind is current.
            try await Self.expectSameBothWays("unchanged", capturer: capturer, cache: cache, cluster: cluster, run: run)

            let secrets = try await client.resource(named: "secrets")
            /// A change to a kind not captured, then a capture: every kind is listed (and the cache re-seeded);
            /// `probes`, when given, is how many probes that capture sent. Tried again (a new Secret) when the
            /// cluster wrote anything else before the capture ended, or when a watch re-listed meanwhile: a late
            /// write of the bare cluster's own controllers to a captured kind, or a re-list (which reads the
            /// current version), rightly lets that kind prove it is current.
            func expectBehind(_ label: String, probes expected: Int?) async throws {
                for attempt in 1...5 {
                    let secret = try await client.create(
                        secrets, ["apiVersion": "v1", "kind": "Secret", "metadata": ["name": .string("\(label)-\(attempt)"), "namespace": "default"]],
                        namespace: "default")
                    let before = await cache.statistics
                    let behind = try await capturer.capture(run: run, label: "\(label)-\(attempt)", cache: cache)
                    guard cluster.state.resourceVersion == secret[path: ["metadata", "resourceVersion"]]?.stringValue else { continue }
                    let after = await cache.statistics
                    guard after.relists == before.relists else { continue }
                    if let expected { #expect(after.probes == before.probes + expected, "\(label): probes; \(before) → \(after)") }
                    #expect(after.hits == before.hits, "\(label): no kind could prove it was current; \(before) → \(after)")
                    #expect(after.listings == before.listings + 3, "\(label): so every kind was listed; \(before) → \(after)")
                    let listed = try await capturer.capture(run: run, label: "\(label)-\(attempt)-listed")
                    #expect(behind.snapshot.digest == listed.snapshot.digest)
                    return
                }
                Issue.record("\(label): the cluster kept writing during five attempts")
            }
            try await expectBehind("behind", probes: nil)
            // Re-seeded from that listing at the cluster's current version: the next capture uses the cache again.
            try await Self.expectSameBothWays("re-seeded", capturer: capturer, cache: cache, cluster: cluster, run: run)
            // Once the three kinds have answered one version to two rounds of probes (more rounds if the cluster
            // moved during one), they share one probe, and its version binds each of them.
            for attempt in 1...4 where await !cache.sharesProbes {
                try await Self.expectSameBothWays("quiet-\(attempt)", capturer: capturer, cache: cache, cluster: cluster, run: run)
            }
            #expect(await cache.sharesProbes)
            try await expectBehind("behind-shared", probes: 1)
            await cache.stop()
        }
    }

    @Test("the cache's watches end when the run ends (the server's subscribers go back to what they were)")
    func watchesEndWithTheRun() async throws {
        try await Self.with { cluster, client, store, directory in
            let baseline = cluster.state.subscriberCount
            let scenario = """
                apiVersion: proof.gitops/v1alpha1
                kind: Scenario
                metadata: {name: cached, description: Captures twice.}
                spec:
                  environment: dev
                  capture: {kinds: [Namespace, ConfigMap]}
                  steps:
                    - capture: {label: middle}
                """
            let runner = ScenarioRunner(client: client, store: store, options: .init(timeline: false))
            let result = try await runner.run(try Scenario.decode(scenario, file: directory + "/cached.yaml"))
            let statistics = try #require(result.captureCache)
            #expect(statistics.listings >= 2, "the start capture listed both kinds")
            #expect(statistics.watchesOpened >= 1, "the run's cache watched")
            try await Self.eventually("the server has no watch of the run left") { cluster.state.subscriberCount == baseline }
            #expect(cluster.state.subscriberCount == baseline)
        }
    }
}
