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
            return object.applyingMergePatch(patch)
        case .strategicMerge where kind == "Scale":
            guard case .object = patch else { throw .badRequest("a strategic merge patch must be a JSON object") }
            return object.applyingMergePatch(patch)
        case .strategicMerge:
            do {
                return try object.applyingStrategicMergePatch(patch, kind: kind)
            } catch where error.kind == .unsupportedKind {
                // As the API server answers for custom resources.
                throw SimError(code: 415, reason: "UnsupportedMediaType",
                    message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json (strategic merge patch is not supported for \(kind))")
            } catch {
                throw SimError(code: 422, reason: "Invalid", message: "the strategic merge patch could not be applied: \(error)")
            }
        case .json:
            do {
                return try JSONPatch(patch).apply(to: object)
            } catch {
                throw SimError(code: 422, reason: "Invalid", message: "the JSON patch could not be applied: \(error)")
            }
        }
    }
}
