/// A JSON Patch (RFC 6902) or JSON Pointer (RFC 6901) that could not be read or applied.
///
/// The message names the operation (by zero-based index and `op`) and the path that failed. An API server
/// answers `malformed` with 400 Bad Request and `failed` with 422 Unprocessable Entity.
public struct JSONPatchError: Error, Sendable, Hashable, CustomStringConvertible {
    /// Whether the patch document itself is wrong, or it is well-formed but does not apply to this target.
    public enum Kind: Sendable, Hashable {
        /// The patch is not a valid RFC 6902 document (not an array, unknown op, missing member, bad pointer).
        case malformed
        /// The patch is valid but does not apply: a missing path, an index out of range, a failed `test`.
        case failed
    }

    /// Which of the two.
    public var kind: Kind
    /// Zero-based index of the operation in the patch array, when the error belongs to one.
    public var operationIndex: Int?
    /// The operation's `op`, when known.
    public var op: String?
    /// The JSON Pointer that failed, when known.
    public var path: String?
    /// What is wrong, in words.
    public var message: String

    /// Makes an error; see the properties.
    public init(kind: Kind, operationIndex: Int? = nil, op: String? = nil, path: String? = nil, message: String) {
        self.kind = kind
        self.operationIndex = operationIndex
        self.op = op
        self.path = path
        self.message = message
    }

    /// `json patch operation N (op path): message`.
    public var description: String {
        var where_ = "json patch"
        if let operationIndex {
            where_ += " operation \(operationIndex)"
            let detail = [op, path].compactMap { $0 }.joined(separator: " ")
            if !detail.isEmpty { where_ += " (\(detail))" }
        } else if let path {
            where_ += " pointer \"\(path)\""
        }
        return "\(where_): \(message)"
    }
}
