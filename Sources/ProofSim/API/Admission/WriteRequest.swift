import Hummingbird
import HTTPTypes
import ProofCore
import Synchronization

/// The part of a server-side apply the field manager needs: the fields the configuration sets and `force`.
struct ApplyWrite: Sendable {
    /// The fields of the applied configuration (the manager's `Apply` entry becomes exactly these).
    var fields: FieldSet
    /// `?force=true`: fields owned by other managers are taken over.
    var force: Bool
}

/// How a write treats fields the schema does not declare (`?fieldValidation=`, what kubectl's `--validate` sends).
enum FieldValidation: String, Sendable {
    /// 400 BadRequest naming every unknown or duplicate field (kubectl's default `--validate=strict`).
    case strict = "Strict"
    /// Store without the unknown fields and say so in a `Warning` header (the server's default).
    case warn = "Warn"
    /// Drop unknown fields silently (`--validate=false`).
    case ignore = "Ignore"
}

/// Warnings gathered while one request is served, sent back as `Warning: 299 - "…"` headers.
///
/// Shared between the request's handler and the store's admission chain (which runs under the store's lock):
/// one `Mutex` around an array, held only to append or read, never across I/O or a suspension.
final class WarningSink: Sendable {
    private let messages = Mutex<[String]>([])
    /// Adds one warning (duplicates are kept once).
    func add(_ message: String) { messages.withLock { if !$0.contains(message) { $0.append(message) } } }
    /// The warnings so far, in order.
    var all: [String] { messages.withLock { $0 } }
}

/// What the HTTP layer knows about one write that the store's admission chain needs: who writes (the field
/// manager recorded in `managedFields`), whether the write comes from a client (validation and immutability
/// apply) or from an in-sim controller, how unknown fields are handled, and where warnings go.
///
/// The API server binds it for the whole request with `WriteRequest.$current.withValue(…)`; the store reads it
/// synchronously on the same task. In-sim controllers write with the default (`WriteRequest.internal`).
struct WriteRequest: Sendable {
    /// The field manager, or nil for in-sim controllers (then the store names a control-plane component).
    var fieldManager: String?
    /// Whether a client sent this write (validation, immutability and `fieldValidation` apply).
    var external: Bool
    /// Unknown-field handling.
    var fieldValidation: FieldValidation
    /// Where warnings go (nil: dropped).
    var warnings: WarningSink?
    /// Set for a server-side apply: the applied fields and whether conflicts were forced.
    var apply: ApplyWrite? = nil

    /// Writes by in-sim controllers: defaulted and tracked in `managedFields`, not validated.
    static let `internal` = WriteRequest(fieldManager: nil, external: false, fieldValidation: .ignore, warnings: nil)

    /// The request being served on this task.
    @TaskLocal static var current: WriteRequest = .internal

    /// The manager name a real server derives: `?fieldManager=`, else the User-Agent's product token
    /// (`kubectl/v1.32.0 (linux/amd64) …` → `kubectl`).
    static func manager(query: String?, userAgent: String?) -> String? {
        if let query, !query.isEmpty { return query }
        guard let userAgent, !userAgent.isEmpty else { return nil }
        return userAgent.split(separator: "/").first.map(String.init) ?? userAgent
    }
}

extension WriteRequest {
    /// The write context of one HTTP call: field manager from `?fieldManager=` or the User-Agent, and
    /// `?fieldValidation=` (default `Warn`, as a real server).
    static func forCall(_ call: APIServer.Call) -> WriteRequest {
        WriteRequest(fieldManager: manager(query: call.query["fieldManager"], userAgent: call.headers.first { $0.key.lowercased() == "user-agent" }?.value),
            external: true, fieldValidation: call.query["fieldValidation"].flatMap(FieldValidation.init(rawValue:)) ?? .warn,
            warnings: WarningSink())
    }

    /// Adds one `Warning: 299 - "…"` header per gathered warning.
    static func addWarnings(_ request: WriteRequest, to response: inout Response) {
        for message in request.warnings?.all ?? [] {
            let escaped = message.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            response.headers.append(HTTPField(name: HTTPField.Name("Warning")!, value: "299 - \"\(escaped)\""))
        }
    }
}
