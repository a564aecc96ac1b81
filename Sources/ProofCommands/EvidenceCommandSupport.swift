import ArgumentParser
import Foundation
import ProofCore
import ProofStore

#if canImport(Glibc)
    import Glibc
#endif

/// Writes a line to standard error (diagnostics of the evidence commands; never evidence content).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}

/// The `--db FILE` option shared by the evidence commands (`verify`, `replay`, `diff`).
struct EvidenceStoreOption: ParsableArguments {
    /// The default evidence store.
    static let defaultPath = "docs/proof/evidence.sqlite"

    /// The evidence store file.
    @Option(name: .customLong("db"), help: "The evidence store (SQLite).")
    var path: String = EvidenceStoreOption.defaultPath

    /// Opens the store read-only: it must exist, and these commands never create, migrate or change it (a
    /// downloaded store or a read-only CI artifact works, and its bytes stay as they are).
    func open() throws -> EvidenceStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw EvidenceInputError("no evidence store at \(path): pass --db FILE (written by `proof run`)")
        }
        do { return try EvidenceStore.open(path: path, access: .readOnly) } catch { throw EvidenceInputError(error.message) }
    }
}

/// Bad input to an evidence command (unknown run or capture, missing file): exit code 2.
struct EvidenceInputError: Error, CustomStringConvertible {
    /// What is wrong and what to do.
    var description: String
    init(_ description: String) { self.description = description }
}

extension EvidenceStore {
    /// The run `reference` names: its full id, a unique suffix (the short id in file names) or a unique prefix.
    func resolveRun(_ reference: String) async throws -> RunRecord {
        let runs = try await runs()
        if let exact = runs.first(where: { $0.id.rawValue == reference }) { return exact }
        let upper = reference.uppercased()
        let matches = runs.filter { $0.id.rawValue.hasSuffix(upper) || $0.id.rawValue.hasPrefix(upper) }
        guard matches.count == 1, let run = matches.first else {
            throw EvidenceInputError(
                matches.isEmpty
                    ? "no run '\(reference)' in \(path): list runs with `proof show --db \(path)`"
                    : "'\(reference)' names \(matches.count) runs in \(path) (\(matches.prefix(3).map(\.id.rawValue).joined(separator: ", "))…): give more of the id")
        }
        return run
    }

    /// The capture `reference` names: a store-local snapshot id (`42`) or `RUN:label` (the last capture with
    /// that label in the run).
    func resolveSnapshot(_ reference: String) async throws -> SnapshotRecord {
        if let number = Int64(reference) {
            guard let record = try await snapshot(SnapshotID(number)) else {
                throw EvidenceInputError("no capture with id \(number) in \(path)")
            }
            return record
        }
        guard let colon = reference.firstIndex(of: ":") else {
            throw EvidenceInputError("'\(reference)' is not a capture: use a snapshot id or RUN:label")
        }
        let run = try await resolveRun(String(reference[..<colon]))
        let label = String(reference[reference.index(after: colon)...])
        let snapshots = try await snapshots(run: run.id)
        guard let record = snapshots.last(where: { $0.label == label }) else {
            throw EvidenceInputError(
                "run \(run.id) has no capture '\(label)'; its captures: \(snapshots.map(\.label).joined(separator: ", "))")
        }
        return record
    }
}
