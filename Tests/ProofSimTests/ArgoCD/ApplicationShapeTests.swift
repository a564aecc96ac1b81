import Foundation
import ProofCore
import ProofSim
import Testing

/// Issue 11 §7: the Applications the simulated Argo CD writes once synced have the JSON types of the keys real
/// Argo CD wrote (`Fixtures/corpus/argocd/`, sources in `Fixtures/corpus/SOURCES.md`) — a shape comparison over
/// the keys both have, not equal values; the real samples carry more (managedFields, summary, hook phases).
@Suite("Applications have the shape of real ones", .tags(.argocd))
struct ApplicationShapeTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/corpus/argocd").path

    static func sample(_ file: String) throws -> JSON {
        let path = corpus + "/" + file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return file.hasSuffix(".json") ? try JSON(parsing: Array(text.utf8)) : try YAML.decode(text, file: path)
    }

    static let samples = [
        "app-synced-healthy-plugin-ssa-argo-cd-diff-cache.yaml", "app-of-apps-parent-synced-healthy-managedfields-artui.json",
        "app-progressing-automated-helm-argo-cd-pr28276.yaml", "app-comparisonerror-appofapps-parent-codefresh.yaml",
    ]

    @Test("a synced Application's keys have the real samples' types")
    func syncedApplicationShape() async throws {
        try await ArgoFixture.withArgoCD { _, _, client in
            let apps = try await ArgoFixture.applications(client)
            // The one with the most status keys (automated syncs write operationState and history too).
            let synced = try #require(apps.values.filter(ArgoFixture.isSyncedAndHealthy)
                .max { ($0["status"]?.objectValue?.count ?? 0) < ($1["status"]?.objectValue?.count ?? 0) })
            for file in Self.samples {
                let differences = JSON.shapeDifferences(try Self.sample(file), synced, sharedKeysOnly: true)
                #expect(differences.isEmpty, "\(file): \(differences)")
            }
            // The keys the harness and the proofs read are in both (so the comparison above is not vacuous).
            let real = try Self.sample("app-synced-healthy-plugin-ssa-argo-cd-diff-cache.yaml")
            for path in [["status", "sync", "status"], ["status", "sync", "revision"], ["status", "health", "status"],
                ["status", "operationState", "phase"], ["status", "operationState", "finishedAt"],
                ["status", "operationState", "syncResult", "revision"], ["status", "resources"], ["status", "history"],
                ["status", "reconciledAt"], ["spec", "destination", "namespace"], ["spec", "source", "repoURL"]]
            {
                #expect(real[path: path] != nil, "\(path.joined(separator: "."))")
                #expect(synced[path: path] != nil, "\(path.joined(separator: ".")): \(synced["status"] ?? .null)")
            }
        }
    }
}
