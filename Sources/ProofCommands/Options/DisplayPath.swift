import Foundation
import ProofReport

/// Paths as a proof (and the evidence store behind it) names them: relative to the directory `proof` runs in
/// (the repository), or under `~`, never a user's absolute home directory. Applied to what a run records about
/// where it ran (the cluster's description with its kubeconfig path, the command line, the store path) before
/// it is stored, since what is stored is hashed and what is hashed cannot be rewritten later.
enum DisplayPath {
    /// `text` with every path under `workingDirectory` made relative to it and every path under `home` (or any
    /// `/home/NAME`, `/Users/NAME`, `/root`) written as `~/…`.
    static func shorten(
        _ text: String, workingDirectory: String = FileManager.default.currentDirectoryPath,
        home: String? = ProcessInfo.processInfo.environment["HOME"]
    ) -> String {
        var result = text
        let directory = workingDirectory.hasSuffix("/") ? String(workingDirectory.dropLast()) : workingDirectory
        if directory.count > 1 { result = result.replacingOccurrences(of: directory + "/", with: "") }
        if let home, home.count > 1 {
            let base = home.hasSuffix("/") ? String(home.dropLast()) : home
            result = result.replacingOccurrences(of: base + "/", with: "~/")
        }
        return Markdown.homeRelative(result)
    }
}
