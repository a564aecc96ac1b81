import ArgumentParser
import Foundation

/// `--shard I/N`: one of N stable parts of a set of scenario files, so a CI matrix runs them in parallel and
/// `proof merge` joins their stores.
///
/// The files are ordered by file name (then full path) and dealt out in turn: the k-th file (from 0) goes to
/// shard `k % N + 1`. The same set of files always splits the same way on every machine, whatever order the
/// paths were given in, and the shards differ in size by at most one file.
struct Shard: Equatable, ExpressibleByArgument {
    /// This shard's number, 1-based.
    var index: Int
    /// How many shards there are.
    var count: Int

    /// Parses `I/N` with 1 ≤ I ≤ N; `nil` for anything else (the argument parser then reports the flag).
    init?(argument: String) {
        let parts = argument.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, (1...count).contains(index) else {
            return nil
        }
        self.index = index
        self.count = count
    }

    /// The files of this shard, in name order.
    func select(_ files: [String]) -> [String] {
        let ordered = files.sorted { lhs, rhs in
            let (a, b) = ((lhs as NSString).lastPathComponent, (rhs as NSString).lastPathComponent)
            return a == b ? lhs < rhs : a < b
        }
        return ordered.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
    }
}
