import Foundation

/// Where `git` steps push their commits: a remote of the GitOps checkout and a branch on it
/// (`proof run --gitops-remote NAME --gitops-branch BRANCH`).
///
/// With neither set, a checkout that has a remote `origin` pushes to it, on its current branch; a checkout
/// with no `origin` (the embedded cluster's own repository, which its Argo CD reads directly) commits locally
/// only. A remote named explicitly must exist. A value type: no shared state.
public struct GitOpsRemote: Sendable, Equatable {
    /// The remote's name (`origin` when `nil`).
    public var remote: String?
    /// The branch pushed to (the checkout's current branch when `nil`).
    public var branch: String?

    /// A push target; both `nil` = `origin` and the current branch, when the checkout has an `origin`.
    public init(remote: String? = nil, branch: String? = nil) {
        self.remote = remote
        self.branch = branch
    }

    /// What one push did: the remote, the branch and the commit the remote's branch now holds.
    public struct Pushed: Sendable, Equatable {
        /// The remote's name.
        public var remote: String
        /// The remote's URL, as `git remote get-url` prints it.
        public var url: String
        /// The branch on the remote.
        public var branch: String
        /// The commit the remote's branch holds after the push (read back with `git ls-remote`).
        public var commit: String
    }

    /// The remote to push to in `repository`, or `nil` when none is named and the checkout has no `origin`.
    func target(in repository: String, timeout: Duration) async throws -> (name: String, url: String, branch: String)? {
        let name = remote ?? "origin"
        let url = try await ExternalCommand.run(["git", "remote", "get-url", "--", name], in: repository, timeout: timeout)
        guard url.exitCode == 0 else {
            if remote == nil { return nil }
            throw ScenarioError(.invalidInput, "the GitOps checkout \(repository) has no remote '\(name)' (--gitops-remote): add it with `git remote add \(name) URL` or name another")
        }
        let pushBranch: String
        if let branch {
            pushBranch = branch
        } else {
            let current = try await ExternalCommand.run(["git", "symbolic-ref", "--quiet", "--short", "HEAD"], in: repository, timeout: timeout)
            guard current.exitCode == 0 else {
                throw ScenarioError(.invalidInput, "the GitOps checkout \(repository) is on a detached HEAD: check out a branch or pass --gitops-branch")
            }
            pushBranch = current.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return (name, Self.withoutCredentials(url.output.trimmingCharacters(in: .whitespacesAndNewlines)), pushBranch)
    }

    /// `url` with any `user:password@` taken out, so a token in a remote URL never reaches the store or the console
    /// (also applied to each word of Git's error lines, which quote the URL, possibly inside quotes).
    public static func withoutCredentials(_ url: String) -> String {
        guard let scheme = url.range(of: "://") else { return url }
        let rest = url[scheme.upperBound...]
        let hostEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<hostEnd].lastIndex(of: "@") else { return url }
        return String(url[..<scheme.upperBound]) + rest[rest.index(after: at)...]
    }

    /// Pushes `HEAD` of `repository` to the remote's branch and reads the branch back; `nil` when there is no
    /// remote to push to. A push that fails (rejected because the remote moved on or a hook refused it, or the
    /// remote unreachable) throws a step error that quotes Git's own reason, credentials taken out.
    func push(_ repository: String, timeout: Duration) async throws -> Pushed? {
        guard let target = try await target(in: repository, timeout: timeout) else { return nil }
        let head = try await ExternalCommand.run(["git", "rev-parse", "HEAD"], in: repository, timeout: timeout)
        let commit = head.output.trimmingCharacters(in: .whitespacesAndNewlines)
        // No credential prompt: a remote that wants one fails at once instead of waiting out the step's timeout.
        let noPrompt = ["GIT_TERMINAL_PROMPT": "0"]
        let result = try await ExternalCommand.run(
            ["git", "push", "--porcelain", "--", target.name, "HEAD:refs/heads/\(target.branch)"], in: repository,
            environment: noPrompt, timeout: timeout)
        guard result.exitCode == 0 else {
            let reason = (result.output + result.error).split(separator: "\n")
                .filter { $0.hasPrefix("!") || $0.contains("rejected") || $0.hasPrefix("error") || $0.hasPrefix("fatal") || $0.hasPrefix("remote:") }
                .map { line in line.split(separator: " ", omittingEmptySubsequences: false).map { Self.withoutCredentials(String($0)) }.joined(separator: " ") }
                .joined(separator: "; ")
            throw ScenarioError(
                .cannotExecute,
                "git push of \(commit.prefix(12)) to \(target.name) (\(target.url)) branch \(target.branch) failed: \(reason.isEmpty ? "exit \(result.exitCode)" : reason). The commit stays in the checkout \(repository); bring it up to date with the remote (git pull --rebase) and run again")
        }
        let remoteHead = try await ExternalCommand.run(
            ["git", "ls-remote", "--", target.name, "refs/heads/\(target.branch)"], in: repository, environment: noPrompt, timeout: timeout)
        let pushed = remoteHead.output.split(whereSeparator: \.isWhitespace).first.map(String.init) ?? ""
        guard pushed == commit else {
            throw ScenarioError(.cannotExecute, "git push to \(target.name) branch \(target.branch) reported success but the remote's branch holds '\(pushed)', not \(commit)")
        }
        return Pushed(remote: target.name, url: target.url, branch: target.branch, commit: commit)
    }
}
