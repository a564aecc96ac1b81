import Foundation
import ProofCore

/// `attach`: re-creates an app-of-apps layer's root Application from its manifest in the GitOps repository
/// (default `bootstrap/<app>.yaml`).
///
/// ```yaml
/// - attach: {app: root-optional}
/// - attach: {app: root-optional, manifest: bootstrap/root-optional.yaml}
/// ```
public struct AttachStep: StepAction {
    /// The YAML key.
    public static let kind = "attach"
    /// The root Application.
    public var app: String
    /// Its namespace.
    public var namespace: String
    /// The manifest path in the GitOps repository.
    public var manifest: String?

    static let objectSchema = ObjectSchema(
        name: "AttachStep", doc: "Re-create an app-of-apps layer's root Application from the GitOps repository.",
        properties: ArgoApp.properties + [
            Property("manifest", .string("Path of the manifest in the GitOps repository (default: the bootstrap file that defines the app).")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        app = try ArgoApp.singleName(object, "app")
        namespace = try object.string("namespace", default: "argocd") ?? "argocd"
        manifest = try object.string("manifest", default: nil)
    }

    /// What it does.
    public var summary: String { "attach \(app)" }

    /// The Application (and its namespace) it changes, for the prod guard.
    public var changedPlaces: [String] { [namespace, app].filter(ProdGuard.isStatic) }

    /// Finds the Application's manifest and applies it.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        try context.guardProd([namespace, app], what: "attach \(app)")
        guard let repository = context.gitopsRepository else {
            throw ScenarioError(.invalidInput, "attach needs the GitOps repository: pass --gitops-repo DIR")
        }
        let candidates: [String]
        if let manifest {
            candidates = [manifest]
        } else {
            let bootstrap = URL(fileURLWithPath: repository).appendingPathComponent("bootstrap").path
            candidates = ((try? FileManager.default.contentsOfDirectory(atPath: bootstrap)) ?? []).sorted()
                .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.map { "bootstrap/\($0)" }
        }
        for relative in candidates {
            let path = URL(fileURLWithPath: repository).appendingPathComponent(relative).path
            guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { continue }
            for object in try YAML.decodeAll(text, file: path)
            where object["kind"]?.stringValue == "Application" && object[path: ["metadata", "name"]]?.stringValue == app {
                let result = try await ApplyStep.apply(object, namespace: namespace, client: context.client)
                return .passed("\(result) from \(relative)", detail: ["manifest": .string(relative)])
            }
        }
        throw ScenarioError(.cannotExecute, "no manifest of Application '\(app)' in \(candidates.joined(separator: ", ")) under \(repository)")
    }
}
