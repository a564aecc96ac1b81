import ProofCore

/// One declared invariant: id, description, the captures it applies to, and its kind with the kind's fields.
/// Decoded from a scenario's `invariants:` list or a file under `scenarios/invariants/` (`docs/invariants.md`).
public struct InvariantSpec: Sendable {
    /// The id, unique in the scenario.
    public var id: String
    /// One sentence for people.
    public var description: String
    /// Capture label globs it is evaluated at; `nil` = every capture.
    public var at: [Glob]?
    /// The kind and its fields.
    public var invariant: any Invariant
    /// The declaration as JSON (what a replay can re-decode with ``decode(json:)``).
    public var source: JSON

    /// The kind key (`present`…).
    public var kind: String { type(of: invariant).kind }

    /// A spec from values.
    public init(id: String, description: String, at: [Glob]? = nil, invariant: any Invariant, source: JSON = .null) {
        self.id = id
        self.description = description
        self.at = at
        self.invariant = invariant
        self.source = source
    }

    /// Whether it is evaluated at a capture labelled `label`.
    public func applies(to label: String) -> Bool {
        guard let at else { return true }
        return at.contains { $0.matches(label) }
    }

    /// The label of the capture the runner takes when a main step fails, before `finally` runs. It stands in
    /// for the captures the run never got to: an invariant whose `at:` names such a capture is judged there,
    /// so a wait that timed out still shows *what* was wrong (`rolled-back-image`: expected 1.0.0, found 1.1.0).
    public static let failedStepLabel = "failed-step"

    /// Whether it is evaluated at a capture labelled `label`, taken after captures labelled `earlier`: as
    /// ``applies(to:)``, and at the ``failedStepLabel`` capture also when `at:` names a capture (no wildcards,
    /// not `start`/`end`) that was not taken before it.
    public func applies(to label: String, after earlier: [String]) -> Bool {
        if applies(to: label) { return true }
        guard label == Self.failedStepLabel, let at else { return false }
        return at.contains { glob in
            !glob.hasWildcards && glob.pattern != "start" && glob.pattern != "end" && !earlier.contains(glob.pattern)
        }
    }

    /// The capture labels it refers to (`at:` entries without wildcards, and `since:`), for lint to check.
    public var referencedCaptures: [String] {
        (at ?? []).filter { !$0.hasWildcards }.map(\.pattern) + (invariant.since.map { [$0] } ?? [])
    }

    /// Every invariant kind, by YAML key.
    public static let kinds: [String: any Invariant.Type] = Dictionary(
        uniqueKeysWithValues: orderedKinds.map { ($0.kind, $0) })

    /// Every invariant kind, in documentation order (docs/invariants.md).
    static let orderedKinds: [any Invariant.Type] = [
        PresentInvariant.self, AbsentInvariant.self, CountInvariant.self, FieldInvariant.self, UnchangedInvariant.self,
        AppStatusInvariant.self, NamespaceKeptInvariant.self, PVCKeptInvariant.self, LokiVolumeInvariant.self,
        RestartsInvariant.self, EnvIsolationInvariant.self,
    ]

    /// The schema of one invariant: `id`, `description`, optional `at`, and exactly one kind key with the
    /// kind's mapping (printed by `proof schema`, so editors complete and check every kind's fields).
    public static let objectSchema = ObjectSchema(
        name: "Invariant", doc: "One invariant: `id`, `description`, optional `at`, and exactly one kind key (docs/invariants.md).",
        properties: [
            Property("id", .string("Unique in the scenario: lowercase letters, digits and '-'.", pattern: "^[a-z0-9][a-z0-9-]*$"), required: true),
            Property("description", .string("One sentence for people."), required: true),
            Property("at", .oneOf([.string(), .strings()], "Capture label globs it is evaluated at (default every capture).")),
        ] + orderedKinds.map { Property($0.kind, .object($0.schema)) },
        exactlyOneOf: orderedKinds.map { $0.kind })

    /// Decodes one invariant mapping.
    public static func decode(_ node: YAMLNode) throws(ScenarioError) -> InvariantSpec {
        let common = ["id", "description", "at"]
        let kindKeys = kinds.keys.sorted()
        let fields = try InvariantFields(node, allowed: common + kindKeys)
        let id = try fields.string("id")
        guard id.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) != nil else {
            throw fields.invalid("id", "invariant id '\(id)' must be lowercase letters, digits and '-'")
        }
        let present = kindKeys.filter { fields.contains($0) }
        guard present.count == 1, let kindKey = present.first, let type = kinds[kindKey] else {
            throw fields.invalid(
                nil,
                present.isEmpty
                    ? "invariant '\(id)' names no kind; expected exactly one of: \(kindKeys.joined(separator: ", "))"
                    : "invariant '\(id)' names several kinds (\(present.joined(separator: ", "))); expected exactly one")
        }
        let kindNode = fields.optional(kindKey) ?? YAMLNode(
            content: .mapping([]), location: node.location, context: "'\(kindKey)'", path: kindKey)
        let invariant = try type.init(fields: try InvariantFields(kindNode.described(as: "invariant '\(id)' (\(kindKey))"), allowed: type.keys))
        let at = try fields.stringList("at")
        return InvariantSpec(
            id: id, description: try fields.string("description"), at: fields.has("at") ? at.map { Glob($0) } : nil,
            invariant: invariant, source: InvariantFields.json(node))
    }

    /// Decodes a list of invariants (or a mapping with `invariants:`), reporting every broken one and
    /// duplicate ids.
    public static func decodeList(_ node: YAMLNode) throws(ScenarioError) -> [InvariantSpec] {
        var list = node
        if case .mapping = node.content {
            let fields = try InvariantFields(node, allowed: ["invariants"])
            list = try fields.required("invariants")
        }
        guard case .sequence(let items) = list.content else {
            if list.isNull { return [] }
            throw list.typeMismatch(expected: "a list of invariants")
        }
        let specs: [InvariantSpec]
        do {
            specs = try ScenarioError.collecting(items) { index, item in
                try InvariantSpec.decode(item.described(as: "invariant \(index + 1)"))
            }
        } catch let error as ScenarioError {
            throw error
        } catch {
            throw ScenarioError.invalid(at: list.location, "\(error)")
        }
        var seen: Set<String> = []
        for (spec, item) in zip(specs, items) where !seen.insert(spec.id).inserted {
            throw ScenarioError.invalid(at: item.location, "duplicate invariant id '\(spec.id)'")
        }
        return specs
    }

    /// Decodes a YAML file's text (`scenarios/invariants/*.yaml`).
    public static func decodeFile(_ text: String, file: String) throws(ScenarioError) -> [InvariantSpec] {
        try decodeList(try YAMLNode.parse(text, file: file))
    }

    /// Decodes a recorded declaration (``source``).
    public static func decode(json: JSON) throws(ScenarioError) -> InvariantSpec {
        try decode(InvariantFields.node(from: json))
    }
}
