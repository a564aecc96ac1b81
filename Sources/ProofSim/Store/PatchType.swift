import Foundation
import ProofCore

/// The PATCH flavours the simulated API server accepts, by `Content-Type`.
public enum PatchType: String, Sendable, CaseIterable {
    /// `application/merge-patch+json` (RFC 7386).
    case merge = "application/merge-patch+json"
    /// `application/json-patch+json` (RFC 6902).
    case json = "application/json-patch+json"
    /// `application/strategic-merge-patch+json` (built-in kinds; list merge keys as kubectl needs them).
    case strategicMerge = "application/strategic-merge-patch+json"

    /// The patch type for a `Content-Type` header value (parameters ignored), if supported.
    public init?(contentType: String) {
        let base = contentType.split(separator: ";").first.map { String($0).trimmingCharacters(in: .whitespaces) } ?? ""
        self.init(rawValue: base)
    }

    /// Applies `patch` to `object`; throws 422/400 when the patch cannot apply.
    public func apply(_ patch: JSON, to object: JSON, kind: String) throws(SimError) -> JSON {
        switch self {
        case .merge:
            guard case .object = patch else { throw .badRequest("a merge patch must be a JSON object") }
            return PatchFallback.mergePatch(object, patch)
        case .strategicMerge:
            guard case .object = patch else { throw .badRequest("a strategic merge patch must be a JSON object") }
            return PatchFallback.strategicMerge(object, patch, path: [])
        case .json:
            do {
                return try PatchFallback.jsonPatch(object, patch)
            } catch {
                throw SimError(code: 422, reason: "Invalid", message: "the JSON patch could not be applied: \(error.message)")
            }
        }
    }
}
