import ArgumentParser
import Foundation
import ProofCore
import ProofReport
import ProofStore

extension Proof {
    /// `proof verify [PROOF.md…|RUN…]`: re-checks recorded evidence — every digest, each run's hash chain and
    /// seal, and that each markdown proof is exactly what the store renders.
    public struct Verify: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "verify",
            abstract: "Re-check recorded evidence: digests, hash chains, and markdown proofs against the store.",
            discussion: """
                Each argument is a markdown proof (docs/proof/<scenario>/<time>-<run>.md) or a run id (full, \
                short or a unique prefix); with none, every run in the store is checked. For a run, every \
                digest is recomputed from the stored rows (objects, members, listing errors, Loki samples, the \
                chain from the run's genesis to its last capture, and the seal over steps, findings, events, \
                diagnostics and HTTP exchanges). For a proof, its run is checked the same way, every digest it \
                quotes must be in the store, and it is re-rendered from the store and compared line by line. \
                Problems name the file and line, or the table and row. Exit 0 when clean, 1 on any problem, \
                2 on bad input.
                """
        )

        /// Proof files or runs.
        @Argument(help: "Markdown proofs or run ids (default: every run in the store).")
        var targets: [String] = []
        /// The store.
        @OptionGroup var db: EvidenceStoreOption
        /// Quiet.
        @Flag(help: "Print problems only, not what was checked.")
        var quiet = false

        public init() {}

        public func run() async throws {
            let problems: [VerifyProblem]
            let checked: [String]
            do {
                let store = try db.open()
                (checked, problems) = try await Self.verify(targets: targets, store: store, databasePath: db.path)
            } catch let error as EvidenceInputError {
                printError("proof verify: \(error)")
                throw ExitCode(2)
            }
            for problem in problems { Console.out("\(problem)") }
            if !quiet {
                Console.out(problems.isEmpty
                    ? "verified \(checked.joined(separator: ", ")): every digest, chain and proof matches the store"
                    : "\(problems.count) problem(s) in \(checked.joined(separator: ", "))")
            }
            if !problems.isEmpty { throw ExitCode(1) }
        }

        /// Checks `targets` (proof files or runs; all runs when empty) against `store`: what was checked and every
        /// problem found. Throws ``EvidenceInputError`` for a target that is neither a file nor a run.
        static func verify(targets: [String], store: EvidenceStore, databasePath: String? = nil) async throws -> (checked: [String], problems: [VerifyProblem]) {
            var problems: [VerifyProblem] = []
            var checked: [String] = []
            var runsDone: Set<RunID> = []
            let items = targets.isEmpty ? try await store.runs().map(\.id.rawValue) : targets
            for target in items {
                if target.hasSuffix(".md") || FileManager.default.fileExists(atPath: target) {
                    guard let data = FileManager.default.contents(atPath: target) else {
                        throw EvidenceInputError("cannot read \(target): no such file")
                    }
                    let text = String(decoding: data, as: UTF8.self)
                    checked.append(target)
                    guard !VerifyMarkdown.runIDs(in: text).isEmpty else {
                        throw EvidenceInputError("\(target) is not a proof: it names no run (a proof written by `proof run` does)")
                    }
                    let known = try await store.runs().map(\.id)
                    let named = VerifyMarkdown.runIDs(in: text).map(RunID.init).filter(known.contains)
                    guard let run = named.first else {
                        problems.append(VerifyProblem(location: target, message: "names no run of \(store.path): its evidence is missing (merge the shard that holds it, or pass --db)"))
                        continue
                    }
                    if runsDone.insert(run).inserted {
                        problems += try await integrity(store: store, run: run)
                    }
                    problems += try await quotedDigests(text, file: target, store: store, run: run)
                    switch ProofFormat.of(text) {
                    case .success(let format):
                        // The re-check commands name the store as it was spelled when the proof was written; where
                        // the store is now (moved, downloaded, another --db spelling) is no evidence, so the proof
                        // is re-rendered with its own spelling. Without one, the typed path, shortened from format
                        // 2 on (where `proof run` writes it relative to the repository or `~`).
                        let typed = databasePath ?? store.path
                        let path = VerifyMarkdown.recheckDatabasePath(in: text) ?? (format == .v1 ? typed : DisplayPath.shorten(typed))
                        if let rendered = try await VerifyRendering.render(store: store, run: run, databasePath: path, format: format) {
                            problems += VerifyMarkdown.compare(expected: rendered, actual: text, file: target)
                        }
                    case .failure(let unknown):
                        problems.append(VerifyProblem(
                            location: "\(target):1",
                            message: "names proof format \(unknown.value), which this proof does not know (it writes format \(ProofFormat.current.rawValue)): verify it with the proof that wrote it"))
                    }
                } else {
                    let run = try await store.resolveRun(target).id
                    checked.append("run \(run)")
                    if runsDone.insert(run).inserted {
                        problems += try await integrity(store: store, run: run)
                    }
                }
            }
            return (checked, problems)
        }

        /// The store's integrity problems for a run, located by table and row.
        static func integrity(store: EvidenceStore, run: RunID) async throws -> [VerifyProblem] {
            let file = store.path
            return try await store.verifyIntegrity(run: run).map { problem in
                VerifyProblem(location: "\(file): " + rowLocation(problem.location), message: problem.message)
            }
        }

        /// `run R` → `runs id=R`; `snapshot R#3 'x'` → `snapshots run=R seq=3 'x'`; `object D` → `objects digest=D`.
        static func rowLocation(_ location: String) -> String {
            if location.hasPrefix("run ") { return "runs id=" + location.dropFirst(4) }
            if location.hasPrefix("object ") { return "objects digest=" + location.dropFirst(7) }
            if location.hasPrefix("snapshot "), let hash = location.firstIndex(of: "#") {
                let run = location[location.index(location.startIndex, offsetBy: 9)..<hash]
                let rest = location[location.index(after: hash)...]
                let seq = rest.prefix { $0.isNumber }
                return "snapshots run=\(run) seq=\(seq)\(rest.dropFirst(seq.count))"
            }
            return location
        }

        /// Every 64-hex digest the proof quotes must be one the store holds for its run (genesis, seal, a
        /// capture's digests, or an object body); one that is not means a capture is missing or was edited.
        static func quotedDigests(_ text: String, file: String, store: EvidenceStore, run: RunID) async throws -> [VerifyProblem] {
            let quoted = VerifyMarkdown.digests(in: text)
            guard !quoted.isEmpty, let record = try await store.run(run) else { return [] }
            var known: Set<String> = [record.genesisDigest]
            if let seal = record.sealDigest { known.insert(seal) }
            if let digest = record.info.scenarioDigest { known.insert(digest) }
            let snapshots = try await store.snapshots(run: run)
            for snapshot in snapshots {
                known.formUnion([snapshot.digest, snapshot.chainDigest, snapshot.previousDigest, snapshot.errorsDigest, snapshot.lokiDigest])
            }
            var problems: [VerifyProblem] = []
            var objectDigests: Set<String>?
            for (line, digest) in quoted where !known.contains(digest) {
                if objectDigests == nil {
                    var all: Set<String> = []
                    for snapshot in snapshots {
                        for member in try await store.objects(snapshot: snapshot.id, bodies: false) { all.insert(member.digest) }
                    }
                    for event in try await store.watchEvents(run: run) { if let d = event.objectDigest { all.insert(d) } }
                    objectDigests = all
                }
                if objectDigests?.contains(digest) == true { continue }
                problems.append(VerifyProblem(
                    location: "\(file):\(line)",
                    message: "digest \(digest) is not in \(store.path) for run \(run) (\(snapshots.count) captures stored): a capture is missing or the evidence was edited"))
            }
            return problems
        }
    }
}
