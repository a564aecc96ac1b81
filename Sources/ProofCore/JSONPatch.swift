/// A JSON Patch document (RFC 6902, `application/json-patch+json`): an ordered list of operations.
///
/// Operations are `add`, `remove`, `replace`, `move`, `copy` and `test`, addressed by JSON Pointers
/// (RFC 6901). Applying is all-or-nothing: the first failing operation throws and the target is unchanged.
public struct JSONPatch: Sendable, Hashable {
    /// One operation of a patch.
    public enum Operation: Sendable, Hashable {
        /// Adds `value` at `path` (inserting into arrays, `-` appends; replacing an existing member).
        case add(path: JSONPointer, value: JSON)
        /// Removes the value at `path`, which must exist.
        case remove(path: JSONPointer)
        /// Replaces the value at `path`, which must exist.
        case replace(path: JSONPointer, value: JSON)
        /// Removes the value at `from` and adds it at `path`; `from` must not be an ancestor of `path`.
        case move(from: JSONPointer, path: JSONPointer)
        /// Adds a copy of the value at `from` at `path`.
        case copy(from: JSONPointer, path: JSONPointer)
        /// Fails unless the value at `path` equals `value` (numbers compare numerically).
        case test(path: JSONPointer, value: JSON)

        /// The operation's `op` name.
        public var name: String {
            switch self {
            case .add: "add"
            case .remove: "remove"
            case .replace: "replace"
            case .move: "move"
            case .copy: "copy"
            case .test: "test"
            }
        }

        /// The target path.
        public var path: JSONPointer {
            switch self {
            case .add(let path, _), .remove(let path), .replace(let path, _), .move(_, let path),
                .copy(_, let path), .test(let path, _):
                path
            }
        }
    }

    /// The operations, in order.
    public var operations: [Operation]

    /// A patch of the given operations.
    public init(operations: [Operation]) { self.operations = operations }

    /// Reads a patch document: a JSON array of operation objects. Unknown members are ignored (RFC 6902 §4).
    public init(_ json: JSON) throws(JSONPatchError) {
        guard case .array(let items) = json else {
            throw JSONPatchError(kind: .malformed, message: "a JSON patch must be an array of operations, not \(Self.typeName(json))")
        }
        var operations: [Operation] = []
        for (index, item) in items.enumerated() {
            operations.append(try Self.operation(item, index: index))
        }
        self.operations = operations
    }

    /// The patch as a JSON array.
    public var json: JSON {
        .array(operations.map { operation in
            var members: [String: JSON] = ["op": .string(operation.name), "path": .string(operation.path.description)]
            switch operation {
            case .add(_, let value), .replace(_, let value), .test(_, let value): members["value"] = value
            case .move(let from, _), .copy(let from, _): members["from"] = .string(from.description)
            case .remove: break
            }
            return .object(members)
        })
    }

    /// Applies every operation in order to `target` and returns the result.
    public func apply(to target: JSON) throws(JSONPatchError) -> JSON {
        var document = target
        for (index, operation) in operations.enumerated() {
            do throws(Failure) {
                try Self.apply(operation, to: &document)
            } catch {
                throw JSONPatchError(
                    kind: .failed, operationIndex: index, op: operation.name,
                    path: (error.pointer ?? operation.path).description, message: error.message)
            }
        }
        return document
    }

    // MARK: - Reading

    private static func operation(_ item: JSON, index: Int) throws(JSONPatchError) -> Operation {
        guard case .object(let members) = item else {
            throw JSONPatchError(kind: .malformed, operationIndex: index, message: "an operation must be an object, not \(typeName(item))")
        }
        guard let op = members["op"]?.stringValue else {
            throw JSONPatchError(kind: .malformed, operationIndex: index, message: "missing string member \"op\"")
        }
        func pointer(_ key: String) throws(JSONPatchError) -> JSONPointer {
            guard let text = members[key]?.stringValue else {
                throw JSONPatchError(kind: .malformed, operationIndex: index, op: op, message: "missing string member \"\(key)\"")
            }
            do {
                return try JSONPointer(text)
            } catch {
                throw JSONPatchError(kind: .malformed, operationIndex: index, op: op, path: text, message: "\(key): \(error.message)")
            }
        }
        func value(_ path: JSONPointer) throws(JSONPatchError) -> JSON {
            // `"value": null` is a value; only a missing member is an error.
            guard let value = members["value"] else {
                throw JSONPatchError(kind: .malformed, operationIndex: index, op: op, path: path.description, message: "missing member \"value\"")
            }
            return value
        }
        switch op {
        case "add":
            let path = try pointer("path")
            return .add(path: path, value: try value(path))
        case "remove":
            return .remove(path: try pointer("path"))
        case "replace":
            let path = try pointer("path")
            return .replace(path: path, value: try value(path))
        case "move":
            return .move(from: try pointer("from"), path: try pointer("path"))
        case "copy":
            return .copy(from: try pointer("from"), path: try pointer("path"))
        case "test":
            let path = try pointer("path")
            return .test(path: path, value: try value(path))
        default:
            throw JSONPatchError(
                kind: .malformed, operationIndex: index, op: op, path: members["path"]?.stringValue,
                message: "unknown op \"\(op)\" (use add, remove, replace, move, copy or test)")
        }
    }

    static func typeName(_ json: JSON) -> String {
        switch json {
        case .null: "null"
        case .bool: "a boolean"
        case .int, .double: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }

    // MARK: - Applying

    /// Why one operation failed, before it is located by operation index.
    private struct Failure: Error {
        var message: String
        var pointer: JSONPointer? = nil
    }

    private static func apply(_ operation: Operation, to document: inout JSON) throws(Failure) {
        switch operation {
        case .add(let path, let value):
            try add(value, at: path, in: &document)
        case .remove(let path):
            _ = try remove(at: path, in: &document)
        case .replace(let path, let value):
            guard path.resolve(in: document) != nil else {
                throw Failure(message: "path \(display(path)) does not exist, so it cannot be replaced (use add)")
            }
            if path.tokens.isEmpty {
                document = value
            } else {
                _ = try remove(at: path, in: &document)
                try add(value, at: path, in: &document)
            }
        case .move(let from, let path):
            if from == path { 
                guard from.resolve(in: document) != nil else { throw Failure(message: "from \(display(from)) does not exist", pointer: from) }
                return
            }
            guard !from.isProperPrefix(of: path) else {
                throw Failure(message: "cannot move \(display(from)) into its own child \(display(path))")
            }
            let value = try remove(at: from, in: &document, role: "from")
            try add(value, at: path, in: &document)
        case .copy(let from, let path):
            guard let value = from.resolve(in: document) else {
                throw Failure(message: "from \(display(from)) does not exist", pointer: from)
            }
            try add(value, at: path, in: &document)
        case .test(let path, let value):
            guard let actual = path.resolve(in: document) else {
                throw Failure(message: "test failed: path \(display(path)) does not exist")
            }
            guard actual.isJSONEqual(to: value) else {
                throw Failure(message: "test failed: value at \(display(path)) is \(actual.canonicalString), expected \(value.canonicalString)")
            }
        }
    }

    private static func display(_ pointer: JSONPointer) -> String {
        pointer.tokens.isEmpty ? "\"\" (the whole document)" : pointer.description
    }

    private static func add(_ value: JSON, at path: JSONPointer, in document: inout JSON) throws(Failure) {
        guard let last = path.tokens.last else {
            document = value
            return
        }
        try modifyParent(of: path, in: &document) { (parent: inout JSON) throws(Failure) in
            switch parent {
            case .object(var members):
                parent = .null  // drop the reference so the dictionary is mutated in place
                members[last] = value
                parent = .object(members)
            case .array(var items):
                let index: Int
                if last == "-" {
                    index = items.count
                } else if let parsed = JSONPointer.arrayIndex(last), parsed <= items.count {
                    index = parsed
                } else {
                    throw Failure(message: "array index \"\(last)\" is not valid for an array of \(items.count) (use 0…\(items.count) or \"-\")")
                }
                parent = .null
                items.insert(value, at: index)
                parent = .array(items)
            default:
                throw Failure(message: "the parent of \(path) is \(typeName(parent)), not an object or array")
            }
        }
    }

    private static func remove(at path: JSONPointer, in document: inout JSON, role: String = "path") throws(Failure) -> JSON {
        guard let last = path.tokens.last else {
            throw Failure(message: "cannot remove the whole document", pointer: path)
        }
        var removed: JSON = .null
        try modifyParent(of: path, in: &document, role: role) { (parent: inout JSON) throws(Failure) in
            switch parent {
            case .object(var members):
                guard let value = members[last] else {
                    throw Failure(message: "\(role) \(path) does not exist", pointer: path)
                }
                parent = .null
                members[last] = nil
                removed = value
                parent = .object(members)
            case .array(var items):
                guard let index = JSONPointer.arrayIndex(last), index < items.count else {
                    throw Failure(message: "\(role) \(path): index \"\(last)\" is out of range for an array of \(items.count)", pointer: path)
                }
                parent = .null
                removed = items.remove(at: index)
                parent = .array(items)
            default:
                throw Failure(message: "\(role) \(path) does not exist: its parent is \(typeName(parent))", pointer: path)
            }
        }
        return removed
    }

    /// Runs `body` on the container that holds the last token of `path`; every ancestor must exist.
    private static func modifyParent(
        of path: JSONPointer, in document: inout JSON, role: String = "path",
        _ body: (inout JSON) throws(Failure) -> Void
    ) throws(Failure) {
        try descend(path.tokens.dropLast(), in: &document, path: path, role: role, body)
    }

    private static func descend(
        _ tokens: ArraySlice<String>, in node: inout JSON, path: JSONPointer, role: String,
        _ body: (inout JSON) throws(Failure) -> Void
    ) throws(Failure) {
        guard let token = tokens.first else {
            try body(&node)
            return
        }
        let rest = tokens.dropFirst()
        // Slices keep the indices of `path.tokens`, so this is the pointer up to and including `token`.
        let prefix = JSONPointer(tokens: Array(path.tokens.prefix(tokens.startIndex + 1)))
        switch node {
        case .object(var members):
            guard var child = members[token] else {
                throw Failure(message: "\(role) \(path): \(prefix) does not exist", pointer: path)
            }
            node = .null
            members[token] = nil
            defer {
                members[token] = child
                node = .object(members)
            }
            try descend(rest, in: &child, path: path, role: role, body)
        case .array(var items):
            guard let index = JSONPointer.arrayIndex(token), index < items.count else {
                throw Failure(message: "\(role) \(path): \(prefix) does not exist (index out of range or not a number)", pointer: path)
            }
            node = .null
            var child = items[index]
            items[index] = .null
            defer {
                items[index] = child
                node = .array(items)
            }
            try descend(rest, in: &child, path: path, role: role, body)
        default:
            throw Failure(message: "\(role) \(path): \(prefix) does not exist (its parent is \(typeName(node)))", pointer: path)
        }
    }
}
