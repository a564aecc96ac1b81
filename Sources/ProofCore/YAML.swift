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

/// Reads YAML (one or several `---`-separated documents) into `JSON` values, the way kubectl reads manifests.
public enum YAML {
    /// Decodes every non-empty document of `text`; `file` names the source in errors.
    public static func decodeAll(_ text: String, file: String = "<input>") throws(YAMLError) -> [JSON] {
        do {
            var documents: [JSON] = []
            var sequence = try Yams.compose_all(yaml: text)
            while let node = sequence.next() {
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
    public static func decode(_ text: String, file: String = "<input>") throws(YAMLError) -> JSON {
        let documents = try decodeAll(text, file: file)
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
