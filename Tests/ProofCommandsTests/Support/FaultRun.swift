import Foundation
import ProofCore
import ProofScenario
import ProofSim
import ProofStore
import Synchronization
import Testing

@testable import ProofCommands

/// One shipped scenario run the real way (`proof run` in-process against the embedded simulated cluster, with
/// a temporary evidence store, proof folder and JUnit file), with fault switches turned on before the run and
/// at chosen moments during it.
///
/// Moments come from the run's own progress lines (a `ProgressReporter` in plain mode whose writer is this
/// type): a step's `[N] name` line is written before the step executes, and its `✓`/`✗` line after it ended
/// (for a capture step: after its snapshot and findings are recorded). Synchronous actions (fault switches are
/// plain locked values) run inside the writer, so they take effect before the run goes on; asynchronous ones
/// (API calls) start a task there and are awaited before the outcome is returned.
final class FaultRun: Sendable {
    /// When an action runs.
    enum Moment: Sendable, Hashable, CustomStringConvertible {
        /// After the embedded cluster is up and settled, before the run (and its `start` capture) begins.
        case connected
        /// Once the capture with this label is recorded (`start` included), before the next step begins.
        case captured(String)
        /// When the first step whose name begins with this text starts, before it executes (a capture step is
        /// named `capture LABEL`).
        case stepStarts(String)
        /// When the first step whose name begins with this text has ended, before the next one begins.
        case stepEnded(String)

        var description: String {
            switch self {
            case .connected: "connected"
            case .captured(let label): "captured \(label)"
            case .stepStarts(let name): "step starts \(name)"
            case .stepEnded(let name): "step ended \(name)"
            }
        }
    }

    /// What to do at a moment: `now` runs synchronously (fault switches), `later` in a task (API calls).
    struct Action: Sendable {
        var moment: Moment
        var now: (@Sendable (ClusterConnection) throws -> Void)?
        var later: (@Sendable (ClusterConnection) async throws -> Void)?
    }

    /// What a run left behind.
    struct Outcome: Sendable {
        /// The scenario file's name (`optional-toggle`).
        var scenario: String
        /// `proof run`'s exit code.
        var code: Int32
        /// The run as stored.
        var run: RunRecord
        /// Every result of the run with the label of the capture it was evaluated at (`nil`: a step's).
        var results: [(record: FindingRecord, label: String?)]
        /// The capture labels, in order.
        var labels: [String]
        /// The markdown proof written for the run.
        var markdown: String
        /// The JUnit XML written for the run.
        var junit: String
        /// The plain progress lines of the run.
        var log: [String]
        /// Errors thrown by actions (a fault that could not be applied is a test failure).
        var actionErrors: [String]
        /// Moments that never came (an action that never ran is a test failure).
        var missedMoments: [String]
        /// Wall-clock seconds, cluster start included.
        var seconds: Double
        /// The failure diagnostics the run recorded (events and logs of unready pods), one line each.
        var diagnostics: [String]
    }

    private struct State {
        var connection: ClusterConnection?
        var pending: [Action]
        var tasks: [Task<Void, Never>] = []
        var errors: [String] = []
        var log: [String] = []
        var awaitingStart = false
        var currentStep: String?
    }

    private let state: Mutex<State>

    private init(actions: [Action]) { state = Mutex(State(pending: actions)) }

    /// The repository root (for `scenarios/…`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `scenarios/<scenario>.yaml` with `actions` (and `arguments`, more `proof run` flags such as
    /// `--max-step-timeout 8s`), and returns what it left behind.
    static func run(_ scenario: String, arguments: [String] = [], _ actions: [Action]) async throws -> Outcome {
        let clock = ContinuousClock()
        let started = clock.now
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-fault-\(scenario)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let db = directory.appendingPathComponent("evidence.sqlite").path
        let out = directory.appendingPathComponent("proof").path
        let junit = directory.appendingPathComponent("junit.xml").path
        let command = try Proof.Run.parse([
            root.appendingPathComponent("scenarios/\(scenario).yaml").path, "--db", db, "--out", out, "--junit", junit,
            "--platform", root.appendingPathComponent("scenarios/platform").path,
        ] + arguments)
        let faultRun = FaultRun(actions: actions)
        let reporter = ProgressReporter(mode: .plain) { text in faultRun.received(text) }
        let code = try await command.execute(reporter: reporter) { connection in
            await faultRun.connected(connection)
        }
        let (tasks, log) = faultRun.state.withLock { ($0.tasks, $0.log) }
        for task in tasks { await task.value }
        let (errors, missed) = faultRun.state.withLock { state in
            (state.errors, state.pending.map(\.moment.description))
        }

        let store = try EvidenceStore.open(path: db)
        let run = try #require(try await store.runs().first, "the run of \(scenario) is recorded")
        let snapshots = try await store.snapshots(run: run.id)
        let labels = Dictionary(uniqueKeysWithValues: snapshots.map { ($0.id, $0.label) })
        let results = try await store.findings(run: run.id).map { ($0, $0.snapshot.flatMap { labels[$0] }) }
        let proofs = try FileManager.default.contentsOfDirectory(atPath: out + "/" + scenario).filter { $0.hasSuffix(".md") }
        let diagnostics = try await store.diagnostics(run: run.id).map { "\($0.kind) \($0.subject): \($0.content.prefix(800))" }
        let markdown = try String(contentsOfFile: out + "/" + scenario + "/" + #require(proofs.first), encoding: .utf8)
        return Outcome(
            scenario: scenario, code: code, run: run, results: results, labels: snapshots.map(\.label),
            markdown: markdown, junit: (try? String(contentsOfFile: junit, encoding: .utf8)) ?? "", log: log,
            actionErrors: errors, missedMoments: missed, seconds: Self.seconds(clock.now - started),
            diagnostics: diagnostics)
    }

    /// `onConnected`: keeps the connection and runs the `.connected` actions (asynchronous ones awaited).
    private func connected(_ connection: ClusterConnection) async {
        let actions = state.withLock { state in
            state.connection = connection
            return take(.connected, from: &state)
        }
        for action in actions {
            do {
                try action.now?(connection)
                try await action.later?(connection)
            } catch {
                state.withLock { $0.errors.append("\(action.moment): \(error)") }
            }
        }
    }

    /// The reporter's writer: finds the moments in the progress lines and runs their actions.
    private func received(_ text: String) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
            var moments: [Moment] = []
            state.withLock { state in
                state.log.append(line)
                if line.hasPrefix("run "), line.contains(" of ") {
                    state.awaitingStart = true
                } else if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                    // `[N] name`: a step begins; the start capture is recorded before the first one.
                    if state.awaitingStart {
                        state.awaitingStart = false
                        moments.append(.captured("start"))
                    }
                    let name = String(line[line.index(after: close)...].drop(while: { $0 == " " }))
                    state.currentStep = name
                    moments.append(.stepStarts(name))
                } else if Self.isStepEnd(line), let name = state.currentStep {
                    state.currentStep = nil
                    if line.hasPrefix("    ✓"), name.hasPrefix("capture ") {
                        moments.append(.captured(String(name.dropFirst("capture ".count))))
                    }
                    moments.append(.stepEnded(name))
                }
            }
            for moment in moments { fire(moment) }
        }
    }

    /// Runs the actions due at `moment`: the synchronous part here, the asynchronous part in a task.
    private func fire(_ moment: Moment) {
        let (actions, connection) = state.withLock { state in (take(moment, from: &state), state.connection) }
        guard let connection else { return }
        for action in actions {
            do { try action.now?(connection) } catch {
                state.withLock { $0.errors.append("\(action.moment): \(error)") }
            }
            if let later = action.later {
                let task = Task {
                    do { try await later(connection) } catch {
                        self.state.withLock { $0.errors.append("\(action.moment): \(error)") }
                    }
                }
                state.withLock { $0.tasks.append(task) }
            }
        }
    }

    /// Removes and returns the pending actions due at `moment` (step moments match by name prefix).
    private func take(_ moment: Moment, from state: inout State) -> [Action] {
        func due(_ action: Action) -> Bool {
            switch (action.moment, moment) {
            case (.connected, .connected): true
            case (.captured(let wanted), .captured(let label)): wanted == label
            case (.stepStarts(let prefix), .stepStarts(let name)): name.hasPrefix(prefix)
            case (.stepEnded(let prefix), .stepEnded(let name)): name.hasPrefix(prefix)
            default: false
            }
        }
        let now = state.pending.filter(due)
        state.pending.removeAll(where: due)
        return now
    }

    /// Whether `line` is a step's end line (`    ✓ passed: … (0.1s)`, `    ✗ timeout: …`), not a finding line
    /// of a capture (`    ✗ failed [id] …`).
    static func isStepEnd(_ line: String) -> Bool {
        guard line.hasPrefix("    ✓ ") || line.hasPrefix("    ✗ ") else { return false }
        let rest = line.dropFirst("    ✓ ".count)
        return ["passed", "failed", "timeout", "error", "skipped"].contains { status in
            rest.hasPrefix(status + ":") || rest.hasPrefix(status + " (")
        }
    }

    /// A duration in seconds.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }
}
