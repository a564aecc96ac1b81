import Foundation
import ProofCore
import Yams

/// `git`: commits a change to the GitOps repository — sets values at YAML paths in a file — and records the
/// new commit id as the variable `commit` (use it as `{{commit}}`, e.g. in a `wait` for an app revision).
///
/// ```yaml
/// - git:
///     file: core/envs/dev/fastapi/fastapi.yaml
///     document: {kind: Deployment, name: fastapi}     # which document of a multi-document file
///     set: {spec.template.spec.containers.0.image: ghcr.io/example/mlp-fastapi:1.1.0}
///     message: "fastapi 1.1.0"
/// - git: {restore: true, message: "put the platform back"}   # in `finally`: the tree the run started from
/// ```
///
/// When the checkout has a remote (`origin`, or `proof run --gitops-remote`), every commit is pushed to it
/// (`--gitops-branch`, default the current branch) and read back, so a real Argo CD that pulls from that remote
/// sees it; the pushed commit is in the step's detail. A rejected push is a step error. `restore` commits the
/// tree the run's first `git` step started from (a new commit, never a force-push) and pushes it.
public struct GitStep: StepAction {
    /// The YAML key.
    public static let kind = "git"
    /// The file, relative to the repository root.
    public var file: String
    /// Which document to edit: by kind and name; the first when omitted.
    public var documentKind: String?
    /// Which document to edit: by name.
    public var documentName: String?
    /// Dotted path → new value (`null` removes the field).
    public var set: [(path: String, value: JSON)]
    /// The commit message.
    public var message: String
    /// `restore: true`: commit the tree the run's first `git` step started from, instead of editing a file.
    public var restore: Bool

    static let documentSchema = ObjectSchema(
        name: "GitDocument", doc: "Selects one document of a multi-document YAML file.",
        properties: [
            Property("kind", .string("The document's kind.")),
            Property("name", .string("The document's metadata.name.")),
        ])
    static let objectSchema = ObjectSchema(
        name: "GitStep", doc: "Commit a change to the GitOps repository.",
        properties: [
            Property("file", .string("File in the GitOps repository, relative to its root (required unless `restore`)."), required: false),
            Property("document", .object(documentSchema, "Which document to edit (default: the first).")),
            Property("set", .map(.any(), "Dotted YAML path (list items by index: `spec.containers.0.image`) → new value; `null` removes the field (required unless `restore`)."), required: false),
            Property("message", .string("The commit message."), required: true),
            Property("restore", .boolean("Commit the tree the run's first git step started from (for `finally`); no `file`/`set`.")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        message = try object.string("message")
        restore = try object.bool("restore", default: false)
        if restore {
            if let extra = ["file", "document", "set"].first(where: { object.optional($0) != nil }) {
                throw ScenarioError.invalid(at: object.optional(extra)?.location, "'\(extra)' cannot be used with 'restore: true' in \(node.context)")
            }
            file = ""
            set = []
            return
        }
        file = try object.string("file")
        if let document = object.optional("document") {
            let reader = try document.object(Self.documentSchema)
            documentKind = try reader.string("kind", default: nil)
            documentName = try reader.string("name", default: nil)
        }
        let setNode = try object.required("set")
        guard case .mapping(let entries) = setNode.content, !entries.isEmpty else {
            throw setNode.typeMismatch(expected: "a mapping of dotted path → value")
        }
        set = entries.map { ($0.key, $0.value.json()) }
    }

    /// What it does.
    public var summary: String { restore ? "git restore the run's starting tree \"\(message)\"" : "git commit \"\(message)\" (\(file))" }

    /// The GitOps file it commits to (a path such as `core/envs/prod/…` looks like prod), for the prod guard.
    public var changedPlaces: [String] { [file].filter(ProdGuard.isStatic) }

    /// Edits, commits, records the commit id.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        try context.guardProd([file], what: "git commit to \(file)")
        guard let repository = context.gitopsRepository else {
            throw ScenarioError(.invalidInput, "the git step needs the GitOps repository: pass --gitops-repo DIR")
        }
        let timeout = context.timeout
        // The commit the run started from, kept by the first git step for `restore`.
        if await context.session.allVariables[Self.baseVariable] == nil {
            let base = try await ExternalCommand.run(["git", "rev-parse", "HEAD"], in: repository, timeout: timeout)
            if base.exitCode == 0 {
                await context.session.setVariable(Self.baseVariable, base.output.trimmingCharacters(in: .whitespacesAndNewlines))
            }
        }
        if restore { return try await restoreBase(repository, context: context) }
        let path = URL(fileURLWithPath: repository).appendingPathComponent(file).path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw ScenarioError(.cannotExecute, "cannot read \(file) in the GitOps repository \(repository)")
        }
        var documents = try YAML.decodeAll(text, file: path)
        guard let index = documents.firstIndex(where: { document in
            (documentKind == nil || document["kind"]?.stringValue == documentKind)
                && (documentName == nil || document[path: ["metadata", "name"]]?.stringValue == documentName)
        }) else {
            throw ScenarioError(.cannotExecute, "\(file) has no document with kind \(documentKind ?? "any") and name \(documentName ?? "any")")
        }
        try context.guardProd([StepContext.place(of: documents[index])], what: "git commit to \(file)")
        var changes: [String: JSON] = [:]
        // In place when every change replaces a one-line scalar (comments and layout kept, as a person would
        // edit); otherwise the file is rewritten from its values, which loses its comments (said in the outcome).
        var inPlace: String? = text
        for (dotted, value) in set {
            let components = dotted.split(separator: ".").map(String.init)
            changes[dotted] = ["from": documents[index][path: components] ?? .null, "to": value]
            guard let updated = documents[index].setting(value.isNull ? nil : value, at: components[...]) else {
                throw ScenarioError(.invalidInput, "cannot set \(dotted) in \(file): a list index is out of range or a value on the way is not a mapping/list")
            }
            documents[index] = updated
            inPlace = inPlace.flatMap { YAML.replacingScalar(in: $0, document: index, path: components, with: value) }
        }
        let yaml = try inPlace ?? documents.map { try Yams.dump(object: $0.foundationValue, sortKeys: true) }.joined(separator: "---\n")
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        try await Self.git(["add", "--", file], in: repository, timeout: timeout)
        let (commit, pushed) = try await commitAndPush(repository, context: context)
        let how = inPlace == nil ? " (\(file) was rewritten from its values: its comments and layout were not kept)" : ""
        return .passed(
            "committed \(commit.prefix(12)): \(message)\(how)\(Self.pushedText(pushed))",
            detail: ["commit": .string(commit), "file": .string(file), "changes": .object(changes), "inPlace": .bool(inPlace != nil),
                     "pushed": Self.pushedDetail(pushed)])
    }

    /// The session variable holding the commit the run's first git step started from.
    static let baseVariable = "gitopsBase"

    /// `restore: true`: the working tree and index set to the base commit's tree, committed (when it differs) and pushed.
    private func restoreBase(_ repository: String, context: StepContext) async throws -> StepOutcome {
        let timeout = context.timeout
        guard let base = await context.session.allVariables[Self.baseVariable] else {
            return .passed("nothing to restore: no git step ran before this one", detail: [:])
        }
        try await Self.git(["read-tree", "--reset", "-u", base], in: repository, timeout: timeout)
        let unchanged = try await ExternalCommand.run(["git", "diff", "--cached", "--quiet"], in: repository, timeout: timeout)
        if unchanged.exitCode == 0 {
            return .passed("the GitOps tree is already the one the run started from (\(base.prefix(12)))", detail: ["base": .string(base)])
        }
        let (commit, pushed) = try await commitAndPush(repository, context: context)
        return .passed(
            "committed \(commit.prefix(12)) restoring the tree of \(base.prefix(12)): \(message)\(Self.pushedText(pushed))",
            detail: ["commit": .string(commit), "base": .string(base), "pushed": Self.pushedDetail(pushed)])
    }

    /// Commits the index with `message`, sets `{{commit}}`, and pushes when the checkout has a remote.
    private func commitAndPush(_ repository: String, context: StepContext) async throws -> (String, GitOpsRemote.Pushed?) {
        let timeout = context.timeout
        try await Self.git(["-c", "user.name=gitops-proof", "-c", "user.email=proof@localhost", "commit", "-q", "-m", message], in: repository, timeout: timeout)
        let head = try await ExternalCommand.run(["git", "rev-parse", "HEAD"], in: repository, timeout: timeout)
        let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
        await context.session.setVariable("commit", commit)
        let pushed = try await context.gitopsRemote.push(repository, timeout: timeout)
        return (commit, pushed)
    }

    /// Runs `git ARGUMENTS`; a non-zero exit is a step error quoting Git.
    private static func git(_ arguments: [String], in repository: String, timeout: Duration) async throws {
        let result = try await ExternalCommand.run(["git"] + arguments, in: repository, timeout: timeout)
        guard result.exitCode == 0 else {
            throw ScenarioError(.cannotExecute, "git \(arguments.joined(separator: " ")) failed (exit \(result.exitCode)): \(result.error)\(result.output)")
        }
    }

    private static func pushedText(_ pushed: GitOpsRemote.Pushed?) -> String {
        pushed.map { ", pushed to \($0.remote) \($0.branch)" } ?? ""
    }

    private static func pushedDetail(_ pushed: GitOpsRemote.Pushed?) -> JSON {
        guard let pushed else { return .null }
        return ["remote": .string(pushed.remote), "url": .string(pushed.url), "branch": .string(pushed.branch), "commit": .string(pushed.commit)]
    }
}

extension JSON {
    /// A copy with `value` at `path` (object keys, or list indexes for lists), creating missing mappings;
    /// `nil` removes the field; `nil` result when an index is out of range or a scalar is in the way.
    func setting(_ value: JSON?, at path: ArraySlice<String>) -> JSON? {
        guard let first = path.first else { return value ?? .null }
        let rest = path.dropFirst()
        switch self {
        case .array(var items):
            guard let index = Int(first), items.indices.contains(index) else { return nil }
            if rest.isEmpty, value == nil { items.remove(at: index); return .array(items) }
            guard let child = items[index].setting(value, at: rest) else { return nil }
            items[index] = child
            return .array(items)
        case .object(var members):
            if rest.isEmpty {
                members[first] = value
            } else {
                guard let child = (members[first] ?? .object([:])).setting(value, at: rest) else { return nil }
                members[first] = child
            }
            return .object(members)
        case .null:
            return JSON.object([:]).setting(value, at: path)
        default:
            return nil
        }
    }

    /// The value as Foundation objects (`[String: Any]`, `[Any]`, numbers, strings, `NSNull`) for Yams' dumper.
    var foundationValue: Any {
        switch self {
        case .null: return NSNull()
        case .bool(let value): return value
        case .int(let value): return Int(value)
        case .double(let value): return value
        case .string(let value): return value
        case .array(let items): return items.map(\.foundationValue)
        case .object(let members): return members.mapValues(\.foundationValue)
        }
    }
}
