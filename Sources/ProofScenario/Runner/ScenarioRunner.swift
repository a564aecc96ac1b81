import Foundation
import ProofCluster
import ProofCore
import ProofStore

/// Runs a scenario against a cluster and records everything into an evidence store.
///
/// A run: `beginRun`; a background watch of the key kinds (the timeline); capture `start`; the steps, each
/// with its timeout and recorded with `recordStep`; on the first failure, diagnostics and the remaining
/// steps recorded as skipped; `finally` always (also after Ctrl-C: it runs detached from the cancelled task);
/// capture `end`; the run closed with its status and exit code (`passed` 0, `failed` 1, `error` 3,
/// `aborted` 3). Invariants that do not hold are findings (exit 1), never thrown.
///
/// ```swift
/// let runner = ScenarioRunner(client: client, store: store, options: .init(gitopsRepository: repo))
/// let result = await runner.run(scenario)
/// exit(result.exitCode)
/// ```
public struct ScenarioRunner: Sendable {
    /// Options of a run.
    public struct Options: Sendable {
        /// The GitOps checkout for `git`/`attach` steps.
        public var gitopsRepository: String?
        /// Where `git` steps push (``GitOpsRemote``; `origin` and the current branch by default).
        public var gitopsRemote = GitOpsRemote()
        /// The kubeconfig file of the cluster (for `exec` steps).
        public var kubeconfigPath: String?
        /// Describes the cluster in the run record (`proof-sim`, a context name).
        public var cluster: String?
        /// The command line, recorded with the run.
        public var command: String?
        /// Progress output.
        public var reporter: ProgressReporter
        /// Whether to record the background watch timeline.
        public var timeline: Bool
        /// Variables known from the start (`environment` is always set).
        public var variables: [String: String]
        /// The recorder set as `HTTPClientOptions.recorder` on the runner's client (`proof run --record-http`):
        /// its exchanges are saved into the run (``CassetteRecording``) before the run is closed and sealed.
        public var recorder: CassetteRecorder?
        /// The longest any step may take, whatever the scenario says (`proof run --max-step-timeout`): a run
        /// against a fast cluster fails fast.
        public var maxStepTimeout: Duration?
        /// Whether steps may change places that look like prod (`proof run --allow-prod`); without it a step
        /// that would is refused before it changes anything (exit 2).
        public var allowProd: Bool
        /// Whether captures after the first take unchanged kinds from a watch-fed cache (``CaptureCache``). It is
        /// off anyway when the run records its HTTP exchanges (`recorder`) or runs against a replayed cassette
        /// (context `proof-sim-replay`): whether a kind comes from the cache depends on when bookmarks arrive,
        /// so such runs list at every capture and a replay asks exactly what the recording asked.
        public var captureCache = true

        /// Options.
        public init(gitopsRepository: String? = nil, kubeconfigPath: String? = nil, cluster: String? = nil,
            command: String? = nil, reporter: ProgressReporter = ProgressReporter(mode: .silent), timeline: Bool = true,
            variables: [String: String] = [:], recorder: CassetteRecorder? = nil, maxStepTimeout: Duration? = nil,
            allowProd: Bool = false)
        {
            self.allowProd = allowProd
            self.recorder = recorder
            self.maxStepTimeout = maxStepTimeout
            self.gitopsRepository = gitopsRepository
            self.kubeconfigPath = kubeconfigPath
            self.cluster = cluster
            self.command = command
            self.reporter = reporter
            self.timeline = timeline
            self.variables = variables
        }
    }

    /// The cluster.
    public let client: KubernetesClient
    /// The store.
    public let store: EvidenceStore
    /// The options.
    public let options: Options
    /// Called with the run id as soon as it exists (commands use it to tell the user).
    public var onBegin: @Sendable (RunID) -> Void = { _ in }

    /// A runner.
    public init(client: KubernetesClient, store: EvidenceStore, options: Options = Options()) {
        self.client = client
        self.store = store
        self.options = options
    }

    /// The capture configuration a scenario asks for.
    public static func captureConfig(_ scenario: Scenario) -> CaptureConfig {
        let spec = scenario.capture
        var loki: [LokiTarget] = spec.loki.map { entry in
            let environment = entry.environment?.rawValue ?? scenario.environment.rawValue
            var target = LokiTarget.platform(environment: environment)
            if let namespace = entry.namespace { target.namespace = namespace }
            if let service = entry.service { target.service = service }
            if !entry.defaults { target.queries = [] }
            target.queries += entry.queries.map { LokiCaptureQuery(name: $0.name, query: $0.query, kind: .instant) }
            return target
        }
        if spec.loki.isEmpty { loki = [LokiTarget.platform(environment: scenario.environment.rawValue)] }
        return CaptureConfig(
            kinds: spec.kinds.isEmpty ? CaptureConfig.defaultKinds : spec.kinds, namespaces: spec.namespaces, loki: loki,
            lokiWindow: spec.lokiWindow ?? .seconds(300))
    }

    /// Runs the scenario. Never throws: every outcome is a recorded run with a status (unmet preconditions —
    /// ``checkPreconditions(_:gitopsRepository:embeddedCluster:)`` — and store failures at the very start, before
    /// a run exists, are the exception and are thrown).
    public func run(_ scenario: Scenario) async throws -> RunResult {
        // Before the run begins: a step that cannot run is bad input, found before any step changes the cluster.
        try Self.checkPreconditions(scenario, gitopsRepository: options.gitopsRepository, embeddedCluster: false)
        let reporter = options.reporter
        let info = RunInfo(
            scenario: scenario.name, scenarioDigest: scenario.digest, environment: scenario.environment.rawValue,
            cluster: options.cluster, command: options.command, harnessVersion: "gitops-proof 0.1",
            attributes: [
                "file": .string(scenario.file), "description": .string(scenario.description),
                // The resolved declarations (includes expanded): `proof replay` re-evaluates these, also when
                // the scenario file has changed or is gone.
                "invariants": .array(scenario.invariants.map(\.source)),
            ])
        let run = try await store.beginRun(info)
        onBegin(run)
        reporter.line("run \(run.short) of \(scenario.name) (\(scenario.environment.rawValue)) against \(options.cluster ?? "the cluster")")
        var variables = options.variables
        variables["environment"] = scenario.environment.rawValue
        variables["run"] = run.rawValue
        // Captures after the first take unchanged kinds from a watch-fed cache; its watches end with the run.
        let captureCache = options.captureCache && options.recorder == nil && client.config.contextName != "proof-sim-replay"
            ? CaptureCache(client: client, store: store) : nil
        let session = RunSession(
            store: store, run: run, capturer: Capturer(client: client, store: store, config: Self.captureConfig(scenario)),
            invariants: scenario.invariants, kubeconfigPath: options.kubeconfigPath, reporter: reporter, variables: variables,
            captureCache: captureCache)
        let timeline = options.timeline
            ? TimelineRecorder(client: client, store: store, run: run, namespaces: scenario.capture.namespaces) : nil
        let state = RunState()
        let clock = ContinuousClock()
        let deadline = clock.now + scenario.timeout

        // Main phase: start capture, then the steps. Cancellation (Ctrl-C) lands here.
        var nextStep = 0
        do {
            try await session.capture(label: "start", step: nil)
            // The timeline's lists ran alongside the start capture; no step starts before they are done.
            await timeline?.ready()
            while nextStep < scenario.steps.count {
                let step = scenario.steps[nextStep]
                if await state.stopped { break }
                try Task.checkCancellation()
                nextStep += 1
                await execute(step, phase: "main", scenario: scenario, session: session, state: state, deadline: deadline)
            }
        } catch is CancellationError {
            await state.fail(.aborted, "interrupted")
        } catch let error as ScenarioError {
            await state.fail(error.code == .invalidInput ? .invalidInput : .cannotExecute, "\(error)")
        } catch {
            await state.fail(.cannotExecute, "\(error)")
        }
        if Task.isCancelled { await state.fail(.aborted, "interrupted") }

        // Finally, the end capture and closing the run run detached, so an interrupted run still cleans up
        // and is closed with its evidence.
        let notRun = Array(scenario.steps[nextStep...])
        let closing = Task.detached { [self] () -> RunResult in
            // Every main step that did not run is on record as skipped, whether a step failed or the run was
            // interrupted, so the proof lists the whole scenario.
            let why = await state.failure?.code == .aborted ? "not run: the run was interrupted" : "not run: an earlier step failed"
            for step in notRun {
                try? await record(step, run: run, phase: "main", status: .skipped, message: why, at: Date(), until: Date())
            }
            // A failed main step: capture the cluster as the step left it, before `finally` changes it. The
            // invariants of captures the run did not get to are judged there (InvariantSpec.failedStepLabel).
            if await state.stopped, await state.failure == nil {
                do { try await session.capture(label: InvariantSpec.failedStepLabel, step: nil) } catch {
                    await state.fail(.cannotExecute, "the \(InvariantSpec.failedStepLabel) capture failed: \(error)")
                }
            }
            if !scenario.finally.isEmpty { reporter.line("finally:") }
            for step in scenario.finally {
                await execute(step, phase: "finally", scenario: scenario, session: session, state: state, deadline: clock.now + step.timeoutOr(scenario.stepTimeout))
            }
            if await state.failure?.code != .cannotExecute || !scenario.finally.isEmpty {
                do { try await session.capture(label: "end", step: nil) } catch {
                    await state.fail(.cannotExecute, "the end capture failed: \(error)")
                }
            }
            await timeline?.stop(store: store, run: run)
            await captureCache?.stop()
            if let recorder = options.recorder {
                // Before finishRun: the seal covers the HTTP exchanges.
                do {
                    let count = try await CassetteRecording.save(recorder, to: store, run: run)
                    reporter.line("  recorded \(count) HTTP exchange(s)")
                } catch {
                    await state.fail(.cannotExecute, "the HTTP exchanges could not be recorded: \(error)")
                }
            }
            let findings = await session.findings
            let steps = (try? await store.steps(run: run)) ?? []
            let failedFindings = findings.filter { $0.status != .held }
            let failure = await state.failure
            let failedSteps = steps.filter { $0.status == .failed || $0.status == .timeout }
            var status = RunStatus.passed
            var code: Int32 = 0
            var message = "every invariant held (\(findings.count) results), \(steps.count) steps"
            if let failure {
                status = failure.code == .aborted ? .aborted : .error
                code = failure.code == .invalidInput ? 2 : 3
                message = failure.message
            } else if !failedFindings.isEmpty || !failedSteps.isEmpty {
                status = .failed
                code = 1
                message = "\(failedFindings.count) invariant result(s) not held, \(failedSteps.count) step(s) failed"
            }
            try? await store.finishRun(run, status: status, exitCode: Int(code), message: message)
            reporter.line("run \(run.short): \(status.rawValue) — \(message)")
            return RunResult(
                run: run, status: status, exitCode: code, message: message, findings: findings, steps: steps,
                captureCache: await captureCache?.statistics)
        }
        return await closing.value
    }

    private func execute(_ step: Step, phase: String, scenario: Scenario, session: RunSession, state: RunState, deadline: ContinuousClock.Instant) async {
        let number = await state.nextStepNumber()
        let clock = ContinuousClock()
        let remaining = deadline - clock.now
        let timeout = min(step.timeoutOr(scenario.stepTimeout), options.maxStepTimeout ?? .seconds(86_400), max(remaining, .zero))
        var building = StepContext(
            client: client, scenarioDirectory: URL(fileURLWithPath: scenario.file).deletingLastPathComponent().path,
            gitopsRepository: options.gitopsRepository, environment: scenario.environment, timeout: timeout,
            stepNumber: number, session: session, allowProd: options.allowProd)
        building.gitopsRemote = options.gitopsRemote
        let context = building
        let started = Date()
        // Variables known by now (`{{commit}}` of an earlier git step) are filled into the name shown and recorded.
        let name = await session.substitute(step.name)
        options.reporter.line("[\(number)] \(name)")
        var status: StepRecord.Status = .passed
        var message: String?
        var detail: JSON?
        do {
            // The step gets `timeout`; the guard a little more, so a wait reports its own last-seen state first.
            let outcome = try await Self.withTimeout(timeout + .seconds(3), what: name) { try await step.action.execute(in: context) }
            message = outcome.message
            detail = outcome.detail
            if !outcome.findings.isEmpty { try await session.record(outcome.findings, snapshot: nil, step: number) }
            if !outcome.passed {
                status = .failed
                if !step.continueOnError { await state.stop() }
            }
        } catch let error as ScenarioError {
            status = error.code == .timedOut ? .timeout : .error
            message = error.description
            detail = error.detail
            if error.code == .timedOut, clock.now < deadline {
                // The cluster answered but did not get where the step waited for it to go: the platform
                // misbehaved, a failed step (exit 1), not a harness that could not run (exit 3).
                if !step.continueOnError { await state.stop() }
            } else if error.code == .timedOut {
                await state.fail(.cannotExecute, "the run's timeout passed during step \(number) (\(step.kind)): \(error.description)")
            } else if !step.continueOnError {
                await state.fail(error.code == .invalidInput ? .invalidInput : error.code == .aborted ? .aborted : .cannotExecute, "step \(number) (\(step.kind)): \(error.description)")
            }
        } catch is CancellationError {
            status = .error
            message = "interrupted"
            await state.fail(.aborted, "interrupted during step \(number) (\(step.kind))")
        } catch {
            status = .error
            message = "\(error)"
            if !step.continueOnError { await state.fail(.cannotExecute, "step \(number) (\(step.kind)): \(error)") }
        }
        let finished = Date()
        options.reporter.line("    \(status == .passed ? "✓" : "✗") \(status.rawValue)\(message.map { ": \($0)" } ?? "") (\(String(format: "%.1fs", finished.timeIntervalSince(started))))")
        if status != .passed, phase == "main", !Task.isCancelled {
            let count = await Diagnostics.collect(client: client, store: store, run: session.run, step: number, namespaces: scenario.capture.namespaces)
            options.reporter.line("    diagnostics: \(count) record(s)")
        }
        try? await record(step, name: name, run: session.run, phase: phase, status: status, message: message, at: started, until: finished, detail: detail)
    }

    private func record(
        _ step: Step, name: String? = nil, run: RunID, phase: String, status: StepRecord.Status, message: String?, at started: Date,
        until finished: Date, detail: JSON? = nil
    ) async throws {
        var full: [String: JSON] = ["summary": .string(step.action.summary), "line": .int(Int64(step.location.line))]
        if let detail { full["result"] = detail }
        let record = StepRecord(
            name: name ?? step.name, kind: step.kind, phase: phase, startedAt: started, finishedAt: finished, status: status,
            message: message.map { String($0.prefix(2000)) }, detail: .object(full))
        // Detached: an interrupted run must still record its steps (the store refuses work in a cancelled task).
        let store = self.store
        _ = try await Task.detached { try await store.recordStep(record, run: run) }.value
    }

    /// Runs `body`, throwing a `.timedOut` ScenarioError after `timeout`.
    static func withTimeout<T: Sendable>(_ timeout: Duration, what: String, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else {
                throw ScenarioError(.timedOut, "'\(what)' did not finish within \(timeout)")
            }
            return value
        }
    }
}

extension Step {
    /// The step's own timeout, or the scenario's default.
    func timeoutOr(_ fallback: Duration) -> Duration { timeout ?? fallback }
}

/// Where a run stands while it goes (shared by the main phase and the detached closing phase).
actor RunState {
    /// Why the run cannot pass, beyond findings.
    struct Failure {
        var code: ScenarioError.Code
        var message: String
    }

    private(set) var failure: Failure?
    private(set) var stopped = false
    private var steps = 0

    func nextStepNumber() -> Int {
        steps += 1
        return steps
    }

    func stop() { stopped = true }

    func fail(_ code: ScenarioError.Code, _ message: String) {
        stopped = true
        if failure == nil || code == .aborted { failure = Failure(code: code, message: message) }
    }
}
