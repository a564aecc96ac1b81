import Foundation
import ProofCore
import ProofReport
import ProofScenario
import ProofStore
import Testing

/// Issue 11 §7, real samples as the contract: Applications real Argo CD wrote (`Fixtures/corpus/argocd/`,
/// sources in `Fixtures/corpus/SOURCES.md` of ProofSimTests) decode, summarise in the capture markdown and
/// evaluate under `appStatus` as their status says.
@Suite("Real Argo CD Applications as the contract")
struct ArgoCDCorpusTests {
    /// One copy of the samples, beside the simulated side's shape test (`ProofSimTests/ArgoCD/ApplicationShapeTests`).
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("ProofSimTests/Fixtures/corpus/argocd").path

    /// The Application in `file`, read as the harness reads YAML (`YAML.decode`) or JSON.
    static func application(_ file: String) throws -> JSON {
        let path = corpus + "/" + file
        let text = try String(contentsOfFile: path, encoding: .utf8)
        return file.hasSuffix(".json") ? try JSON(parsing: Array(text.utf8)) : try YAML.decode(text, file: path)
    }

    static let cases: [(file: String, sync: String, health: String, held: Bool, why: [String])] = [
        ("app-synced-healthy-plugin-ssa-argo-cd-diff-cache.yaml", "Synced", "Healthy", true, []),
        ("app-of-apps-parent-synced-healthy-managedfields-artui.json", "Synced", "Healthy", true, []),
        ("app-progressing-automated-helm-argo-cd-pr28276.yaml", "Synced", "Progressing", false, ["health Progressing"]),
        ("app-comparisonerror-appofapps-parent-codefresh.yaml", "Unknown", "Healthy", false,
            ["sync Unknown", "ComparisonError: Failed to load target state: failed to generate manifest for source 1 of 1"]),
    ]

    @Test("each real Application decodes, summarises and evaluates under appStatus as its status says")
    func realApplications() throws {
        for item in Self.cases {
            let app = try Self.application(item.file)
            let name = try #require(app[path: ["metadata", "name"]]?.stringValue, "\(item.file)")
            let namespace = try #require(app[path: ["metadata", "namespace"]]?.stringValue, "\(item.file)")
            #expect(app["kind"] == "Application", "\(item.file)")

            let tree = AppTree(applications: [app])
            let node = try #require(tree.nodes[name], "\(item.file)")
            #expect(node.sync == item.sync && node.health == item.health, "\(item.file): \(node)")
            #expect(node.lastOperation?.phase == "Succeeded", "\(item.file): \(String(describing: node.lastOperation))")
            let markdown = tree.markdown()
            #expect(markdown.contains(name) && markdown.contains(item.sync) && markdown.contains(item.health), "\(item.file): \(markdown)")
            if item.file.contains("comparisonerror") {
                #expect(node.conditions.first?.hasPrefix("ComparisonError: Failed to load target state") == true, "\(node.conditions)")
                #expect(markdown.contains("ComparisonError"), "\(markdown)")
            }

            let invariant = try InvariantSpec.decode(YAMLNode.parse(
                "{id: apps, description: d, appStatus: {name: '\(name)', namespace: '\(namespace)'}}", file: "test.yaml"))
            let state = CapturedState(label: "corpus", sequence: 1, objects: [app], lokiSamples: [], listingErrors: [])
            let findings = InvariantEvaluator.evaluate([invariant], in: EvaluationContext(current: state, earlier: []))
            #expect(findings.count == 1, "\(item.file)")
            #expect(findings.first?.status == (item.held ? .held : .failed), "\(item.file): \(findings)")
            for words in item.why {
                #expect(findings.first?.message.contains(words) == true, "\(item.file): \(findings.first?.message ?? "") lacks \(words)")
            }
        }
    }
}
