import ProofCore
import Yams

/// A YAML node with its source location and the place it holds in the document, ready for typed decoding.
///
/// Built from Yams' composed `Node` tree (which keeps line/column marks) and converted into a `Sendable`
/// value so decoded scenarios can keep their nodes (for example invariants handed to another decoder).
/// Every child carries a *context*: the human-readable description used in errors ("step 3 (wait)"),
/// and a dotted *path* (`spec.steps[2].wait`).
///
/// ```swift
/// let root = try YAMLNode.parse(text, file: "scenarios/deploy.yaml")
/// let object = try root.object(Scenario.schema)          // rejects unknown keys, checks required ones
/// let name = try object.required("metadata").object(Metadata.schema).string("name")
/// let timeout = try object.optional("timeout")?.duration() ?? .seconds(600)
/// ```
public struct YAMLNode: Sendable {
    /// A scalar as written: its text, and the YAML tag the core schema resolves for it.
    public struct Scalar: Sendable, Hashable {
        /// The text of the scalar.
        public var string: String
        /// `true` when the scalar was written without quotes (so `true`, `3`, `null` carry their YAML meaning).
        public var isPlain: Bool
        /// The resolved tag: `null`, `bool`, `int`, `float` or `str`.
        public var tag: String
    }

    /// One key of a mapping with its value.
    public struct Entry: Sendable {
        /// The key text.
        public var key: String
        /// Where the key is written (unknown-key errors point here).
        public var keyLocation: SourceLocation
        /// The value node.
        public var value: YAMLNode
    }

    /// The shape of the node.
    public indirect enum Content: Sendable {
        /// A scalar (string, number, boolean, null).
        case scalar(Scalar)
        /// A sequence of nodes.
        case sequence([YAMLNode])
        /// A mapping, in document order.
        case mapping([Entry])
    }

    /// The node's content.
    public var content: Content
    /// Where the node starts.
    public var location: SourceLocation
    /// The human-readable place of the node, e.g. `step 3 (wait)` or `'spec.capture'`.
    public var context: String
    /// The dotted path from the document root, e.g. `spec.steps[2].wait`.
    public var path: String

    /// Creates a node (mostly for tests and synthetic documents).
    public init(content: Content, location: SourceLocation, context: String, path: String) {
        self.content = content
        self.location = location
        self.context = context
        self.path = path
    }

    /// Parses one YAML document. An empty document is a `null` scalar at line 1.
    public static func parse(_ text: String, file: String) throws(ScenarioError) -> YAMLNode {
        let composed: Node?
        do {
            composed = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            let located = located(error)
            throw ScenarioError.invalid(
                at: SourceLocation(file: file, line: located.line, column: located.column), located.message)
        } catch {
            throw ScenarioError.invalid(at: SourceLocation(file: file, line: 0, column: 0), "\(error)")
        }
        if let composed {
            do { try YAML.checkLimits(composed, limits: .configuration, file: file) } catch {
                throw ScenarioError.invalid(at: SourceLocation(file: file, line: error.line, column: error.column), error.message)
            }
        }
        let root = SourceLocation(file: file, line: 1, column: 1)
        guard let composed else {
            return YAMLNode(
                content: .scalar(Scalar(string: "", isPlain: true, tag: "null")), location: root,
                context: "the document", path: "")
        }
        return try convert(composed, file: file, context: "the document", path: "")
    }

    private static func convert(_ node: Node, file: String, context: String, path: String) throws(ScenarioError)
        -> YAMLNode
    {
        let location = SourceLocation(file: file, line: node.mark?.line ?? 0, column: node.mark?.column ?? 0)
        switch node {
        case .scalar(let scalar):
            let plain = scalar.style == .plain || scalar.style == .any
            let tag = plain ? Tag.Name(rawValue: node.tag.rawValue).shortName : "str"
            return YAMLNode(
                content: .scalar(Scalar(string: scalar.string, isPlain: plain, tag: tag)), location: location,
                context: context, path: path)
        case .sequence(let sequence):
            var items: [YAMLNode] = []
            for (index, item) in sequence.enumerated() {
                items.append(
                    try convert(
                        item, file: file, context: "item \(index + 1) of \(quoted(path, or: context))",
                        path: "\(path)[\(index)]"))
            }
            return YAMLNode(content: .sequence(items), location: location, context: context, path: path)
        case .mapping(let mapping):
            var entries: [Entry] = []
            var seen: Set<String> = []
            for (key, value) in mapping {
                let keyLocation = SourceLocation(
                    file: file, line: key.mark?.line ?? 0, column: key.mark?.column ?? 0)
                guard case .scalar(let keyScalar) = key else {
                    throw ScenarioError.invalid(at: keyLocation, "mapping keys must be plain strings in \(context)")
                }
                let name = keyScalar.string
                guard seen.insert(name).inserted else {
                    throw ScenarioError.invalid(at: keyLocation, "duplicate key '\(name)' in \(context)")
                }
                let childPath = path.isEmpty ? name : "\(path).\(name)"
                entries.append(
                    Entry(
                        key: name, keyLocation: keyLocation,
                        value: try convert(value, file: file, context: "'\(childPath)'", path: childPath)))
            }
            return YAMLNode(content: .mapping(entries), location: location, context: context, path: path)
        case .alias:
            throw ScenarioError.invalid(at: location, "YAML aliases are not supported in \(context)")
        }
    }

    private static func quoted(_ path: String, or context: String) -> String {
        path.isEmpty ? context : "'\(path)'"
    }

    /// A copy with a different human-readable context (e.g. `step 3 (wait)`); children derive theirs from it.
    public func described(as context: String) -> YAMLNode {
        var copy = self
        copy.context = context
        return copy
    }

    /// `true` for a plain `null`/`~`/empty scalar (a key written with no value).
    public var isNull: Bool {
        if case .scalar(let scalar) = content { return scalar.isPlain && scalar.tag == "null" }
        return false
    }

    /// What the node is, for "expected X, found Y" messages.
    public var kindDescription: String {
        switch content {
        case .scalar(let scalar):
            if !scalar.isPlain { return "a string" }
            switch scalar.tag {
            case "null": return "nothing (null)"
            case "bool": return "a boolean"
            case "int": return "an integer"
            case "float": return "a number"
            default: return "a string"
            }
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        }
    }

    /// The error for a node of the wrong shape: `expected a duration like '30s' for 'spec.timeout', found a list`.
    public func typeMismatch(expected: String) -> ScenarioError {
        .invalid(at: location, "expected \(expected) for \(context), found \(kindDescription)")
    }
}

extension Tag.Name {
    fileprivate var shortName: String {
        switch self {
        case .null: "null"
        case .bool: "bool"
        case .int: "int"
        case .float: "float"
        default: "str"
        }
    }
}

extension YAMLNode {
    /// Converts a Yams parse error into a line, a column and a message.
    fileprivate static func located(_ error: YamlError) -> (line: Int, column: Int, message: String) {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return (mark.line, mark.column, prefix + problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return (context.mark.line, context.mark.column, "duplicate key \(keys) in the mapping that starts here")
        default:
            return (0, 0, "\(error)")
        }
    }
}
