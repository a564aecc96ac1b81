import ProofCore

extension SimError {
    /// 500 for a `git` failure in the GitOps repository at `directory`.
    static func git(_ message: String, directory: String) -> SimError {
        SimError(code: 500, reason: "InternalError", message: "GitOps repository \(directory): \(message)")
    }

    /// 422 for a manifest in the GitOps repository that cannot be used (`file` names it).
    static func manifest(_ message: String, file: String) -> SimError {
        SimError(code: 422, reason: "Invalid", message: "\(file): \(message)")
    }
}
