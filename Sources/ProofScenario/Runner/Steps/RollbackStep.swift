import ProofCore

/// `rollback`: syncs an Application back to a `status.history[]` entry — the previous one by default, or a
/// named history id. Argo CD refuses it while automated sync is on; turn that off first (in Git for an
/// app-of-apps child).
///
/// ```yaml
/// - rollback: {app: fastapi-dev}            # the entry before the current one
/// - rollback: {app: fastapi-dev, id: 0}
/// ```
public struct RollbackStep: StepAction {
    /// The YAML key.
    public static let kind = "rollback"
    /// The Application.
    public var app: String
    /// Its namespace.
    public var namespace: String
    /// The history id; the previous entry when omitted.
    public var id: Int?

    static let objectSchema = ObjectSchema(
        name: "RollbackStep", doc: "Sync an Application back to a history entry.",
        properties: ArgoApp.properties + [
            Property("id", .integer("The `status.history[].id` to go back to; the entry before the last when omitted.", minimum: 0)),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        app = try ArgoApp.singleName(object, "app")
        namespace = try object.string("namespace", default: "argocd") ?? "argocd"
        id = try object.int("id")
    }

    /// What it does.
    public var summary: String { "roll back \(app)" + (id.map { " to history \($0)" } ?? " to the previous revision") }

    /// The Application (and its namespace) it changes, for the prod guard.
    public var changedPlaces: [String] { [namespace, app].filter(ProdGuard.isStatic) }

    /// Finds the entry and requests a sync to its revision.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        try context.guardProd([namespace, app], what: "rollback \(app)")
        let type = try await ArgoApp.type(context)
        let application = try await context.client.get(type, name: app, namespace: namespace)
        let history = application[path: ["status", "history"]]?.arrayValue ?? []
        let entry: JSON?
        if let id {
            entry = history.first { $0["id"]?.intValue == Int64(id) }
        } else {
            entry = history.count >= 2 ? history[history.count - 2] : nil
        }
        guard let entry, let revision = entry["revision"]?.stringValue else {
            let ids = history.compactMap { $0["id"]?.intValue }.map(String.init).joined(separator: ", ")
            return .failed("\(app) has no history entry \(id.map(String.init) ?? "before the current one") (history ids: \(ids.isEmpty ? "none" : ids))")
        }
        var sync: [String: JSON] = ["revision": .string(revision), "prune": true]
        if let source = entry["source"], !source.isNull { sync["source"] = source }
        try await ArgoApp.requestOperation(.object(sync), app: app, namespace: namespace, context: context)
        await context.session.setVariable("rollbackRevision", revision)
        return .passed("rollback of \(app) to \(revision.prefix(12)) requested", detail: ["history": entry])
    }
}
