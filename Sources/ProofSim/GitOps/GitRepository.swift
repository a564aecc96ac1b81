import Foundation
import ProofCore
import Synchronization

/// The GitOps source of truth of the simulated Argo CD: a real Git repository on disk, driven by the real
/// `git` executable.
///
/// Every Application's `spec.source.repoURL` maps to this one repository (whatever the URL says); its
/// `path` is a directory in it and its `targetRevision` (`HEAD`, a branch, a tag or a commit) is resolved
/// with `git rev-parse`. A commit is a deploy: its id is the revision Argo CD reports.
///
/// Rendered directories are cached by commit id (a commit never changes), so polling is cheap.
///
/// Lock rule: the manifest cache is a `Mutex` held only to look up or store an entry; `git` runs and files are read
/// with the lock released.
public final class GitRepository: Sendable {
    /// The repository's working tree.
    public let path: String
    /// Whether this repository was made by `create(from:)` in a temporary folder (and so may be removed).
    public let isTemporary: Bool
    let git: GitCommand
    private let cache = Mutex<[String: [ManifestFile]]>([:])

    /// One file of a rendered directory: its path in the repository and its text.
    public struct ManifestFile: Sendable, Equatable {
        /// Path relative to the repository root.
        public var path: String
        /// The file's content at the rendered commit.
        public var text: String
    }

    /// Opens an existing checkout (`proof sim serve --gitops-repo DIR`); throws when `directory` is not a Git
    /// working tree or has no commit yet.
    public init(opening directory: String) throws(SimError) {
        let absolute = URL(fileURLWithPath: directory).standardizedFileURL.path
        self.path = absolute
        self.isTemporary = false
        self.git = GitCommand(directory: absolute)
        let check = try git.runBlocking(["rev-parse", "--verify", "--quiet", "HEAD^{commit}"], allowFailure: true)
        guard check.status == 0 else {
            throw SimError.git("not a Git repository with at least one commit; run `git init && git add -A && git commit` there, or leave --gitops-repo out to get a fresh one", directory: absolute)
        }
    }

    private init(createdAt directory: String) {
        self.path = directory
        self.isTemporary = true
        self.git = GitCommand(directory: directory)
    }

    /// Makes a fresh repository in `directory` (a new temporary folder when `nil`) holding a copy of every file
    /// under `platformDirectory`, committed once on branch `main` as "Initial platform".
    public static func create(from platformDirectory: String, in directory: String? = nil) throws(SimError) -> GitRepository {
        let fileManager = FileManager.default
        let target = directory ?? (NSTemporaryDirectory() as NSString).appendingPathComponent("proof-gitops-\(UUID().uuidString.prefix(8).lowercased())")
        let source = URL(fileURLWithPath: platformDirectory).standardizedFileURL
        var isDirectory: ObjCBool = false
        guard fileManager.fileExists(atPath: source.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw SimError.git("platform directory \(source.path) does not exist; pass the folder holding the platform manifests (scenarios/platform)", directory: target)
        }
        do {
            try fileManager.createDirectory(atPath: target, withIntermediateDirectories: true)
            let items = try fileManager.contentsOfDirectory(atPath: source.path)
            for item in items where item != ".git" {
                try fileManager.copyItem(atPath: source.appendingPathComponent(item).path,
                    toPath: (target as NSString).appendingPathComponent(item))
            }
        } catch {
            throw SimError.git("could not copy \(source.path) into a new repository: \(error.localizedDescription)", directory: target)
        }
        let repository = GitRepository(createdAt: URL(fileURLWithPath: target).standardizedFileURL.path)
        let git = repository.git
        try git.runBlocking(["init", "--quiet", "--initial-branch=main"])
        try git.runBlocking(["config", "user.name", "proof-sim"])
        try git.runBlocking(["config", "user.email", "proof-sim@example.invalid"])
        try git.runBlocking(["config", "commit.gpgsign", "false"])
        try git.runBlocking(["add", "-A"])
        try git.runBlocking(["commit", "--quiet", "--allow-empty", "-m", "Initial platform"])
        return repository
    }

    // MARK: Revisions

    /// The commit id `revision` names (`HEAD`, empty = `HEAD`, a branch, a tag, a full or short commit id).
    public func resolve(_ revision: String) async throws(SimError) -> String {
        let name = Self.revisionName(revision)
        guard !name.hasPrefix("-") else { throw SimError.git("invalid revision \"\(revision)\"", directory: path) }
        let output = try await git.run(["rev-parse", "--verify", "--quiet", "\(name)^{commit}"], allowFailure: true)
        guard output.status == 0, let sha = String(data: output.stdout, encoding: .utf8)?
            .trimmingCharacters(in: .whitespacesAndNewlines), !sha.isEmpty
        else {
            throw SimError.git("Unable to resolve '\(revision)' to a commit SHA: no such branch, tag or commit", directory: path)
        }
        return sha
    }

    /// The commit id of `HEAD`, blocking (for set-up code and tests).
    public func head() throws(SimError) -> String {
        let output = try git.runBlocking(["rev-parse", "HEAD"])
        return String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func revisionName(_ revision: String) -> String {
        let trimmed = revision.trimmingCharacters(in: .whitespaces)
        return trimmed.isEmpty ? "HEAD" : trimmed
    }

    // MARK: Reading

    /// The `.yaml`, `.yml` and `.json` files of directory `directoryPath` at commit `sha`, sorted by path;
    /// with `recurse` also those of its subdirectories. Throws when the directory does not exist there.
    public func manifestFiles(at sha: String, directory directoryPath: String, recurse: Bool) async throws(SimError) -> [ManifestFile] {
        let directory = Self.normalise(directoryPath)
        let key = "\(sha):\(directory):\(recurse)"
        if let cached = cache.withLock({ $0[key] }) { return cached }
        var arguments = ["ls-tree", "-r", "-z", "--full-tree", sha]
        if !directory.isEmpty { arguments += ["--", directory + "/"] }
        let listing = try await git.run(arguments)
        var blobs: [(path: String, id: String)] = []
        for entry in listing.stdout.split(separator: 0) {
            // "<mode> <type> <id>\t<path>"
            let text = String(decoding: entry, as: UTF8.self)
            guard let tab = text.firstIndex(of: "\t") else { continue }
            let header = text[..<tab].split(separator: " ")
            let file = String(text[text.index(after: tab)...])
            guard header.count == 3, header[1] == "blob" else { continue }
            let relative = directory.isEmpty ? file : String(file.dropFirst(directory.count + 1))
            if !recurse && relative.contains("/") { continue }
            let lower = file.lowercased()
            guard lower.hasSuffix(".yaml") || lower.hasSuffix(".yml") || lower.hasSuffix(".json") else { continue }
            blobs.append((file, String(header[2])))
        }
        if blobs.isEmpty {
            let exists = try await git.run(["cat-file", "-e", "\(sha):\(directory.isEmpty ? "" : directory)"], allowFailure: true)
            if exists.status != 0 {
                throw SimError.git("\(directory.isEmpty ? "." : directory): app path does not exist at \(sha.prefix(7))", directory: path)
            }
        }
        let texts = try await readBlobs(blobs.map(\.id))
        let files = zip(blobs, texts).map { ManifestFile(path: $0.0.path, text: $0.1) }.sorted { $0.path < $1.path }
        cache.withLock { $0[key] = files }
        return files
    }

    /// Reads blobs with one `git cat-file --batch`.
    private func readBlobs(_ ids: [String]) async throws(SimError) -> [String] {
        guard !ids.isEmpty else { return [] }
        let input = Data((ids.joined(separator: "\n") + "\n").utf8)
        let output = try await git.run(["cat-file", "--batch"], stdin: input)
        let bytes = [UInt8](output.stdout)
        var texts: [String] = []
        var index = 0
        for id in ids {
            // "<id> blob <size>\n<content>\n"
            guard let newline = bytes[index...].firstIndex(of: 10) else { break }
            let header = String(decoding: bytes[index..<newline], as: UTF8.self).split(separator: " ")
            guard header.count == 3, let size = Int(header[2]) else {
                throw SimError.git("unexpected cat-file output for \(id): \(header.joined(separator: " "))", directory: path)
            }
            let start = newline + 1
            texts.append(String(decoding: bytes[start..<min(start + size, bytes.count)], as: UTF8.self))
            index = start + size + 1
        }
        return texts
    }

    /// `a/b/` → `a/b`, `./a` → `a`, `.` and `/` → `` (the root).
    static func normalise(_ directory: String) -> String {
        var parts = directory.split(separator: "/").map(String.init).filter { $0 != "." && !$0.isEmpty }
        if parts.isEmpty { parts = [] }
        return parts.joined(separator: "/")
    }

    // MARK: Writing

    /// Writes `files` (path relative to the repository root → new text, `nil` = delete) into the working
    /// tree, commits them with `message` and returns the new commit id. This is how a test or scenario deploys.
    @discardableResult
    public func commit(_ files: [String: String?], message: String) throws(SimError) -> String {
        for (relative, text) in files.sorted(by: { $0.key < $1.key }) {
            let normalised = Self.normalise(relative)
            guard !normalised.isEmpty, !normalised.split(separator: "/").contains("..") else {
                throw SimError.git("refusing to write \"\(relative)\": give a path inside the repository", directory: path)
            }
            let url = URL(fileURLWithPath: path).appendingPathComponent(normalised)
            do {
                if let text {
                    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
                    try Data(text.utf8).write(to: url)
                    try git.runBlocking(["add", "--", normalised])
                } else {
                    try git.runBlocking(["rm", "--quiet", "--cached", "--ignore-unmatch", "--", normalised])
                    try? FileManager.default.removeItem(at: url)
                }
            } catch let error as SimError {
                throw error
            } catch {
                throw SimError.git("could not write \(normalised): \(error.localizedDescription)", directory: path)
            }
        }
        // Keep the checkout's own identity when it has one; otherwise commit as proof-sim.
        let hasIdentity = (try? git.runBlocking(["config", "user.email"], allowFailure: true))?.status == 0
        let identity = hasIdentity ? [] : ["-c", "user.name=proof-sim", "-c", "user.email=proof-sim@example.invalid"]
        try git.runBlocking(identity + ["commit", "--quiet", "--allow-empty", "-m", message])
        return try head()
    }

    /// The text of `file` at `revision` (default `HEAD`).
    public func read(_ file: String, at revision: String = "HEAD") throws(SimError) -> String {
        let output = try git.runBlocking(["show", "\(Self.revisionName(revision)):\(Self.normalise(file))"])
        return String(decoding: output.stdout, as: UTF8.self)
    }

    /// Removes a temporary repository made by `create(from:)`; does nothing for an opened checkout.
    public func removeIfTemporary() {
        guard isTemporary else { return }
        try? FileManager.default.removeItem(atPath: path)
    }
}
