import ArgumentParser
import Foundation
import ProofCore
import ProofReport
import ProofStore
import Testing

@testable import ProofCommands

/// `proof diff` and the noise rules behind it.
@Suite struct DiffTests {
    @Test func aRecreatedPodUnderANewRandomNameIsTheSameLogicalPod() {
        let before = [EvidenceFixture.pod(hash: "7d9f8", suffix: "abcde")]
        let after = [EvidenceFixture.pod(hash: "6c5b4", suffix: "xyz12", image: "feast:2", resourceVersion: "99")]
        let diff = EvidenceDiff.compare(before, after, noise: DiffNoise(ignoreUID: true))
        #expect(diff.added.isEmpty && diff.removed.isEmpty)
        let change = try! #require(diff.changed.first)
        #expect(change.identity.name == "web-*-*")
        #expect(change.beforeName == "web-7d9f8-abcde" && change.afterName == "web-6c5b4-xyz12")
        #expect(change.fields == [FieldChange(path: "spec.containers[name=web].image", before: "feast:1", after: "feast:2")])
    }

    @Test func noiseAloneIsNoChangeButAUidIsUnlessIgnored() {
        var restarted = EvidenceFixture.pod(hash: "7d9f8", suffix: "qwert", resourceVersion: "42")
        restarted.set("2026-11-27T11:11:11Z", at: ["metadata", "creationTimestamp"])
        let before = [EvidenceFixture.pod(hash: "7d9f8", suffix: "abcde")]
        let strict = EvidenceDiff.compare(before, [restarted])
        #expect(strict.changed.first?.fields.map(\.path) == ["metadata.uid"])
        #expect(EvidenceDiff.compare(before, [restarted], noise: DiffNoise(ignoreUID: true)).isEmpty)
        // Without masking, the two pods are unrelated objects.
        let raw = EvidenceDiff.compare(before, [restarted], noise: DiffNoise(ignoreUID: true, maskGeneratedNames: false))
        #expect(raw.added.count == 1 && raw.removed.count == 1)
    }

    /// Generated names and hashes are masked in every string that holds them, and only there.
    @Test func generatedPartsAreMaskedWhereTheyStandAndNowhereElse() {
        let pod: JSON = [
            "apiVersion": "v1", "kind": "Pod",
            "metadata": ["name": "api-7f9c8d6b5-x2k9q", "generateName": "api-7f9c8d6b5-", "labels": ["pod-template-hash": "7f9c8d6b5"]],
            "spec": ["volumes": [["name": "kube-api-access-abcde"]], "hostname": "api-7f9c8d6b5-x2k9q", "note": "no match here"],
        ]
        let normalized = DiffNoise().normalize(pod)
        #expect(normalized[path: ["spec", "hostname"]]?.stringValue == "api-*-*")
        #expect(normalized[path: ["spec", "volumes"]]?.arrayValue?.first?["name"]?.stringValue == "kube-api-access-*")
        #expect(normalized[path: ["spec", "note"]]?.stringValue == "no match here")
    }

    @Test func thePodTokenVolumeTheAPIServerAddsIsNoChange() {
        func withTokenVolume(_ pod: JSON, _ suffix: String) -> JSON {
            var pod = pod
            pod.set([["name": .string("kube-api-access-\(suffix)"), "projected": ["defaultMode": 420]]], at: ["spec", "volumes"])
            pod.set([["name": "web", "image": "feast:1", "volumeMounts": [["name": .string("kube-api-access-\(suffix)"),
                "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true]]]], at: ["spec", "containers"])
            return pod
        }
        let before = [withTokenVolume(EvidenceFixture.pod(hash: "7d9f8", suffix: "abcde"), "4bfsw")]
        let after = [withTokenVolume(EvidenceFixture.pod(hash: "7d9f8", suffix: "qwert"), "p8x2z")]
        #expect(EvidenceDiff.compare(before, after, noise: DiffNoise(ignoreUID: true)).isEmpty)
        let raw = EvidenceDiff.compare(before, after, noise: DiffNoise(ignoreUID: true, maskGeneratedNames: false))
        #expect(!raw.isEmpty)
    }

    @Test func twoRunsAreComparedCaptureByCaptureInTextAndMarkdown() async throws {
        let directory = try EvidenceFixture.directory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("e.sqlite").path
        let store = try EvidenceStore.open(path: db)
        let file = directory.appendingPathComponent("fixture.yaml").path
        let a = try await EvidenceFixture.record(into: store, scenarioFile: file)
        let b = try await EvidenceFixture.record(into: store, scenarioFile: file, redisRemoved: false, podSuffix: "zzzzz")
        let command = try Proof.Diff.parse([a.rawValue, b.rawValue, "--db", db, "--ignore-uid"])
        let pairs = try await command.resolvePairs(store)
        #expect(pairs.map(\.0.label) == ["before", "after"])
        let after = pairs[1]
        let left = try await store.objects(snapshot: after.0.id).compactMap(\.body)
        let right = try await store.objects(snapshot: after.1.id).compactMap(\.body)
        let diff = EvidenceDiff.compare(left, right, noise: DiffNoise(ignoreUID: true))
        #expect(diff.added.map(\.identity.name) == ["redis"] && diff.changed.isEmpty && diff.unchanged == 2)
        let text = diff.renderText(before: "a", after: "b")
        #expect(text.contains("+ apps/v1 StatefulSet feature-store-dev/redis") && text.contains("1 added, 0 removed, 0 changed, 2 unchanged"))
        let markdown = diff.renderMarkdown(before: "a", after: "b")
        #expect(markdown.contains("| added | apps/v1 StatefulSet feature-store-dev/redis | `redis` |"))
        // Exit 1 when something differs, 0 when the filters leave nothing.
        await #expect(throws: ExitCode(1)) { try await command.run() }
        try await Proof.Diff.parse(["\(a.rawValue):after", "\(b.rawValue):after", "--db", db, "--ignore-uid", "--kinds", "Pod,Namespace"]).run()
        try await Proof.Diff.parse([a.rawValue, b.rawValue, "--db", db, "--namespaces", "other-*", "--markdown"]).run()
        await #expect(throws: ExitCode(2)) { try await Proof.Diff.parse(["\(a.rawValue):nope", "1", "--db", db]).run() }
        await #expect(throws: ExitCode(2)) { try await Proof.Diff.parse([a.rawValue, "1", "--db", db]).run() }
    }
}
