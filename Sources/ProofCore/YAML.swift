import Yams

/// YAML that could not be read, located by file, line and column.
public struct YAMLError: Error, Sendable, CustomStringConvertible {
    /// The file (or a description of the source, such as `<inline>`).
    public var file: String
    /// One-based line, 0 when unknown.
    public var line: Int
    /// One-based column, 0 when unknown.
    public var column: Int
    /// What is wrong.
    public var message: String

    public var description: String {
        line > 0 ? "\(file):\(line):\(column): \(message)" : "\(file): \(message)"
    }
}

/// Bounds on one YAML document, counted with aliases expanded: an alias repeats the whole node it points to,
/// so a short file of nested aliases ("billion laughs") would otherwise expand to billions of nodes.
/// A document over a bound is refused, located, before anything is built from it.
public struct YAMLLimits: Sendable, Hashable {
    /// The most nodes (scalars, sequences, mappings, keys included) one document may expand to.
    public var maxNodes: Int
    /// The deepest nesting of sequences and mappings one document may have.
    public var maxDepth: Int

    /// Creates limits.
    public init(maxNodes: Int, maxDepth: Int) {
        self.maxNodes = maxNodes
        self.maxDepth = maxDepth
    }

    /// Kubernetes manifests (platform files, `apply`/`git`/`attach` files): large CRDs fit with room to spare.
    public static let manifests = YAMLLimits(maxNodes: 200_000, maxDepth: 128)
    /// Scenario, invariant and kubeconfig files: small documents written by hand or by a tool.
    public static let configuration = YAMLLimits(maxNodes: 20_000, maxDepth: 64)
}

/// Reads YAML (one or several `---`-separated documents) into `JSON` values, the way kubectl reads manifests.
public enum YAML {
    /// Decodes every non-empty document of `text`; `file` names the source in errors. A document over
    /// `limits` (aliases expanded) is refused with a located ``YAMLError``.
    public static func decodeAll(_ text: String, file: String = "<input>", limits: YAMLLimits = .manifests) throws(YAMLError) -> [JSON] {
        do {
            var documents: [JSON] = []
            var sequence = try Yams.compose_all(yaml: text)
            while let node = sequence.next() {
                try checkLimits(node, limits: limits, file: file)
                let value = try json(from: node, file: file)
                if !value.isNull { documents.append(value) }
            }
            // The sequence ends quietly on a parse error and keeps it aside.
            if let error = sequence.error { throw error }
            return documents
        } catch let error as YAMLError {
            throw error
        } catch let error as YamlError {
            throw located(error, file: file)
        } catch {
            throw YAMLError(file: file, line: 0, column: 0, message: "\(error)")
        }
    }

    /// Decodes a single document; an empty text is `null`.
    public static func decode(_ text: String, file: String = "<input>", limits: YAMLLimits = .manifests) throws(YAMLError) -> JSON {
        let documents = try decodeAll(text, file: file, limits: limits)
        guard documents.count <= 1 else {
            throw YAMLError(file: file, line: 0, column: 0, message: "expected one YAML document, found \(documents.count)")
        }
        return documents.first ?? .null
    }

    /// Converts one composed node; exposed so that typed decoders can keep marks for their own errors.
    public static func json(from node: Node, file: String) throws(YAMLError) -> JSON {
        switch node {
        case .scalar(let scalar):
            return scalarValue(scalar)
        case .sequence(let sequence):
            var items: [JSON] = []
            for item in sequence { items.append(try json(from: item, file: file)) }
            return .array(items)
        case .mapping(let mapping):
            var members: [String: JSON] = [:]
            for (key, value) in mapping {
                guard case .scalar(let keyScalar) = key else {
                    throw error(at: key.mark, file: file, "mapping keys must be plain scalars")
                }
                if members[keyScalar.string] != nil {
                    throw error(at: key.mark, file: file, "duplicate key '\(keyScalar.string)'")
                }
                members[keyScalar.string] = try json(from: value, file: file)
            }
            return .object(members)
        case .alias:
            throw error(at: node.mark, file: file, "YAML aliases are not supported")
        }
    }

    /// Refuses a composed document that expands (aliases repeat the node they name) to more nodes than
    /// `limits.maxNodes` or nests deeper than `limits.maxDepth`. Stops counting at the first excess, so a
    /// "billion laughs" file costs at most `maxNodes` steps.
    public static func checkLimits(_ node: Node, limits: YAMLLimits, file: String) throws(YAMLError) {
        var counter = NodeCounter(limits: limits, file: file)
        try counter.visit(node, depth: 0)
    }

    /// Counts nodes depth-first, failing at the first node over a limit.
    private struct NodeCounter {
        let limits: YAMLLimits
        let file: String
        var count = 0

        init(limits: YAMLLimits, file: String) {
            self.limits = limits
            self.file = file
        }

        mutating func visit(_ node: Node, depth: Int) throws(YAMLError) {
            count += 1
            if count > limits.maxNodes {
                throw YAML.error(
                    at: node.mark, file: file,
                    "the document expands to more than \(limits.maxNodes) YAML nodes (aliases repeat the node they name); refusing it")
            }
            if depth > limits.maxDepth {
                throw YAML.error(at: node.mark, file: file, "the document nests deeper than \(limits.maxDepth) levels; refusing it")
            }
            switch node {
            case .sequence(let sequence):
                for item in sequence { try visit(item, depth: depth + 1) }
            case .mapping(let mapping):
                for (key, value) in mapping {
                    try visit(key, depth: depth + 1)
                    try visit(value, depth: depth + 1)
                }
            case .scalar, .alias:
                break
            }
        }
    }

    static func scalarValue(_ scalar: Node.Scalar) -> JSON {
        if scalar.style != .plain && scalar.style != .any { return .string(scalar.string) }
        switch Tag.Name(rawValue: Node.scalar(scalar).tag.rawValue) {
        case .null: return .null
        case .bool: return Bool.construct(from: scalar).map(JSON.bool) ?? .string(scalar.string)
        case .int:
            if let value = Int.construct(from: scalar) { return .int(Int64(value)) }
            return .string(scalar.string)
        case .float: return Double.construct(from: scalar).map(JSON.double) ?? .string(scalar.string)
        default: return .string(scalar.string)
        }
    }

    static func error(at mark: Mark?, file: String, _ message: String) -> YAMLError {
        YAMLError(file: file, line: mark?.line ?? 0, column: mark?.column ?? 0, message: message)
    }

    static func located(_ error: YamlError, file: String) -> YAMLError {
        switch error {
        case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
            .composer(let context, let problem, let mark, _):
            let prefix = context.map { "\($0.text) " } ?? ""
            return YAMLError(file: file, line: mark.line, column: mark.column, message: prefix + problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return YAMLError(
                file: file, line: context.mark.line, column: context.mark.column,
                message: "duplicate key \(keys) in the mapping that starts here")
        default:
            return YAMLError(file: file, line: 0, column: 0, message: "\(error)")
        }
    }
}
