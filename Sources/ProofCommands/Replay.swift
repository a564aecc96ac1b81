import ArgumentParser
import Foundation
import ProofCore
import ProofReport
import ProofScenario
import ProofStore

extension Proof {
    /// `proof replay [RUN…|--all] [--scenario FILE]`: re-evaluates invariants against recorded captures, with no
    /// cluster, and exits as the live run would have.
    public struct Replay: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "replay",
            abstract: "Re-evaluate invariants against recorded captures, without a cluster.",
            discussion: """
                Each run's captures are read back from the store and judged again, in order, by the invariants \
                the run was recorded with (attributes.invariants, or its scenario file while that is unchanged) \
                or by those of --scenario FILE — so a change to an invariant can be tested against every run on \
                record. Findings made by steps (HTTP expectations) are carried over. Prints each run's results \
                and whether they match the recorded ones; --markdown/--junit write the same reports as a live \
                run. Exit codes as `proof run`: 0 every invariant held, 1 a finding, 2 bad input, 3 the recorded \
                run could not execute. With --all and --scenario, only runs of that scenario are replayed.
                """
        )

        /// Runs to replay.
        @Argument(help: "Runs to replay (full id, short id or unique prefix).")
        var runs: [String] = []
        /// Every run.
        @Flag(help: "Replay every run in the store.")
        var all = false
        /// An updated scenario.
        @Option(help: "Judge with the invariants of this scenario file instead of the recorded ones.")
        var scenario: String?
        /// Proof output.
        @Option(help: "Write the markdown proof of each replay under this directory.")
        var markdown: String?
        /// JUnit output.
        @Option(help: "Write JUnit XML of the replayed results to this file.")
        var junit: String?
        /// Less output.
        @Flag(help: "Print one line per run only.")
        var quiet = false
        /// Benchmark baseline: read what a replay reads, evaluate nothing.
        @Flag(name: .customLong("read-only"), help: .hidden)
        var readOnly = false
        /// The store.
        @OptionGroup var db: EvidenceStoreOption

        public init() {}

        public func validate() throws {
            if all && !runs.isEmpty { throw ValidationError("name runs or pass --all, not both") }
            if !all && runs.isEmpty { throw ValidationError("name at least one run, or pass --all") }
        }

        public func run() async throws {
            let code: Int32
            do {
                code = try await execute()
            } catch let error as EvidenceInputError {
                printError("proof replay: \(error)")
                throw ExitCode(2)
            } catch let error as ReplayError {
                printError("proof replay: \(error)")
                throw ExitCode(2)
            }
            if code != 0 { throw ExitCode(code) }
        }

        func execute() async throws -> Int32 {
            let store = try db.open()
            let source: ReplaySource
            var scenarioName: String?
            if let scenario {
                do {
                    let loaded = try Scenario.load(path: scenario)
                    source = .scenario(loaded)
                    scenarioName = loaded.name
                } catch {
                    throw EvidenceInputError("\(error)")
                }
            } else {
                source = .recorded
            }
            var ids: [RunID] = []
            if all {
                ids = try await store.runs().filter { scenarioName == nil || $0.info.scenario == scenarioName }.map(\.id)
                guard !ids.isEmpty else { throw EvidenceInputError("no runs\(scenarioName.map { " of \($0)" } ?? "") in \(db.path)") }
            } else {
                for reference in runs { ids.append(try await store.resolveRun(reference).id) }
            }
            let replayer = Replayer(store: store)
            let clock = ContinuousClock()
            let started = clock.now
            var worst: Int32 = 0
            var results: [ReplayResult] = []
            if readOnly {
                var objects = 0
                for id in ids { objects += try await replayer.read(id) }
                let elapsed = clock.now - started
                Console.out("read \(ids.count) runs (\(objects) captured objects) in \(Self.seconds(elapsed)) without evaluating")
                return 0
            }
            // Reading is serial (one body cache); evaluation, a pure function, runs on every core, in order.
            let ordered = try await withThrowingTaskGroup(of: (Int, ReplayResult).self) { group in
                var done: [Int: ReplayResult] = [:]
                for (index, id) in ids.enumerated() {
                    let prepared = try await replayer.prepare(id, source: source)
                    group.addTask { (index, Replayer.evaluate(prepared)) }
                    if index >= ProcessInfo.processInfo.activeProcessorCount {
                        if let (position, result) = try await group.next() { done[position] = result }
                    }
                }
                for try await (position, result) in group { done[position] = result }
                return ids.indices.compactMap { done[$0] }
            }
            for result in ordered {
                worst = max(worst, result.exitCode)
                Console.out(Self.describe(result, verbose: !quiet), terminator: "")
                if markdown != nil || junit != nil { results.append(result) }
            }
            let elapsed = clock.now - started
            if ids.count > 1 {
                Console.out("replayed \(ids.count) runs in \(Self.seconds(elapsed)); exit \(worst)")
            }
            if markdown != nil || junit != nil {
                var inputs: [ProofInput] = []
                for result in results { inputs.append(try await Self.proofInput(result, store: store, databasePath: DisplayPath.shorten(db.path))) }
                if let markdown {
                    for input in inputs { Console.out("proof: \(try ProofMarkdown.write(input, directory: markdown))") }
                }
                if let junit {
                    try JUnitReport.render(inputs).write(toFile: junit, atomically: true, encoding: .utf8)
                    Console.out("junit: \(junit)")
                }
            }
            return worst
        }

        /// The report input of a replay: the recorded run with the replayed findings.
        static func proofInput(_ result: ReplayResult, store: EvidenceStore, databasePath: String) async throws -> ProofInput {
            var input = try await ProofInput.load(from: store, run: result.run.id, databasePath: databasePath)
            let snapshotOf = Dictionary(input.captures.map { ($0.record.sequence, $0.record.id) }, uniquingKeysWith: { a, _ in a })
            input.findings = result.results.map { item in
                item.finding.record(snapshot: item.capture.flatMap { snapshotOf[$0] })
            }
            return input
        }

        /// `1.234 s`.
        static func seconds(_ duration: Duration) -> String {
            String(format: "%.3f s", Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18)
        }

        /// The lines printed for one replayed run.
        static func describe(_ result: ReplayResult, verbose: Bool) -> String {
            let failures = result.failures
            var text = "replay \(result.run.id) (\(result.run.info.scenario), \(result.captures) captures): "
                + "\(result.results.count) results, \(failures.count) not held — "
                + (result.matchesRecord ? "same findings as recorded" : "\(result.differences.count) difference(s) from the record")
                + "; exit \(result.exitCode)\n"
            guard verbose else { return text }
            for item in failures.prefix(20) {
                text += "  ✗ \(item.label.map { "[\($0)] " } ?? "[step] ")\(item.finding)\n"
            }
            if failures.count > 20 { text += "  … \(failures.count - 20) more\n" }
            for line in result.differences.prefix(20) { text += "  \(line)\n" }
            if result.differences.count > 20 { text += "  … \(result.differences.count - 20) more differences\n" }
            return text
        }
    }
}
