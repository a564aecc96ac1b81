import ArgumentParser
import Foundation
import ProofReport
import ProofStore

extension Proof {
    /// `proof show`: the runs in an evidence store, or one run's snapshots.
    public struct Show: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "List the runs of an evidence store, or the snapshots of one run.",
            discussion: "RUN is a run id, or a unique prefix or suffix of one (the short id in file names). Exit codes: 0 ok, 2 bad input."
        )

        /// The evidence store.
        @Option(help: ArgumentHelp("The SQLite evidence store.", valueName: "file"))
        public var db: String = ClusterOptions.defaultDatabase

        /// The run to show.
        @Argument(help: "A run id (or a unique prefix/suffix of one).")
        public var run: String?

        /// Creates the command (argument parsing fills the properties).
        public init() {}

        public func run() async throws {
            guard FileManager.default.fileExists(atPath: db) else {
                printProofError("no evidence store at \(db): pass --db FILE (runs are recorded by proof capture and proof run)")
                throw ExitCode(2)
            }
            let store: EvidenceStore
            // Read-only: showing a store never changes it (see EvidenceStoreOption.open).
            do { store = try EvidenceStore.open(path: db, access: .readOnly) } catch {
                printProofError("\(error)")
                throw ExitCode(2)
            }
            let runs = try await store.runs()
            guard let wanted = run else {
                print(try await Self.runTable(runs, store: store), terminator: "")
                return
            }
            let matches = runs.filter { $0.id.rawValue == wanted || $0.id.rawValue.hasPrefix(wanted.uppercased()) || $0.id.rawValue.hasSuffix(wanted.uppercased()) }
            guard matches.count == 1, let record = matches.first else {
                printProofError(matches.isEmpty ? "no run \(wanted) in \(db): `proof show --db \(db)` lists them" : "\(wanted) names \(matches.count) runs; give more of the id")
                throw ExitCode(2)
            }
            print(try await Self.runDetail(record, store: store), terminator: "")
        }

        /// One line per run.
        static func runTable(_ runs: [RunRecord], store: EvidenceStore) async throws -> String {
            if runs.isEmpty { return "no runs\n" }
            var lines = ["RUN                         STATUS      STARTED               FINISHED              SNAPSHOTS  SCENARIO"]
            for run in runs {
                let snapshots = try await store.snapshots(run: run.id).count
                lines.append(
                    [Self.pad(run.id.rawValue, 27), Self.pad(run.status.rawValue, 11), Self.pad(CaptureSummary.timestamp(run.startedAt), 21),
                     Self.pad(run.finishedAt.map(CaptureSummary.timestamp) ?? "—", 21), Self.pad(String(snapshots), 10), run.info.scenario]
                        .joined(separator: " "))
            }
            return lines.joined(separator: "\n") + "\n"
        }

        /// A run's header and its snapshots.
        static func runDetail(_ run: RunRecord, store: EvidenceStore) async throws -> String {
            var lines = [
                "run       \(run.id.rawValue)", "scenario  \(run.info.scenario)", "status    \(run.status.rawValue)\(run.exitCode.map { " (exit \($0))" } ?? "")\(run.message.map { ": \($0)" } ?? "")",
                "cluster   \(run.info.cluster ?? "—")", "started   \(CaptureSummary.timestamp(run.startedAt))",
                "finished  \(run.finishedAt.map(CaptureSummary.timestamp) ?? "—")", "",
            ]
            let snapshots = try await store.snapshots(run: run.id)
            if snapshots.isEmpty {
                lines.append("no snapshots")
            } else {
                lines.append("SEQ  LABEL                     TAKEN                 OBJECTS  ERRORS  LOKI  DIGEST")
                for snapshot in snapshots {
                    lines.append(
                        [Self.pad(String(snapshot.sequence), 4), Self.pad(snapshot.label, 25), Self.pad(CaptureSummary.timestamp(snapshot.takenAt), 21),
                         Self.pad(String(snapshot.objectCount), 8), Self.pad(String(snapshot.errorCount), 7), Self.pad(String(snapshot.lokiCount), 5),
                         String(snapshot.digest.prefix(16))].joined(separator: " "))
                }
            }
            return lines.joined(separator: "\n") + "\n"
        }

        static func pad(_ text: String, _ width: Int) -> String {
            text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
        }
    }
}
