import ArgumentParser
import Foundation
import ProofCluster
import ProofCore
import ProofReport
import ProofScenario
import ProofStore

#if canImport(Glibc)
    import Glibc
#endif

extension Proof {
    /// `proof run FILE|DIR`: runs scenarios, records the evidence, writes the markdown proof (and JUnit).
    public struct Run: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "run",
            abstract: "Run scenarios against a cluster and record the proof.",
            discussion: """
                Without --context/--kubeconfig each scenario runs against a fresh embedded simulated cluster (Argo CD \
                and the platform services included). Every file is linted first; a file that does not lint never \
                starts a run. Exit codes: 0 every invariant held, 1 a finding (or a failed step, a wait that timed out), 2 bad input \
                (including, without --allow-prod, a prod scenario, a cluster name, server host, context or namespace \
                that looks like prod, or a step that would change a prod-looking namespace — docs/scenarios.md), 3 could not execute \
                (cluster unreachable, the run's own timeout passed, interrupted). SIGINT and SIGTERM stop a run the same way: \
                `finally` runs, the run is closed as aborted with the evidence so far, temporary files are removed, \
                exit 3 — within --grace-period; a second signal exits at once. With --record-http every HTTP exchange of the run is kept in \
                the store (cassette mode, docs/replay.md): `proof sim serve --replay RUN` serves them back so the \
                scenario can be re-run offline.
                """)

        /// Cluster and store flags.
        @OptionGroup var cluster: ClusterOptions

        /// Scenario files or directories.
        @Argument(help: ArgumentHelp("Scenario files, or directories of them.", valueName: "file"))
        var paths: [String]

        /// Allow prod.
        @Flag(name: .customLong("allow-prod"), help: "Allow a prod scenario, a cluster/context/namespace that looks like prod, and steps that change prod-looking namespaces.")
        var allowProd = false

        /// JUnit output.
        @Option(help: ArgumentHelp("Write JUnit XML here.", valueName: "file"))
        var junit: String?

        /// Proof folder.
        @Option(help: ArgumentHelp("Where the markdown proofs and their index go.", valueName: "dir"))
        var out: String = "docs/proof"

        /// GitOps checkout.
        @Option(name: .customLong("gitops-repo"), help: ArgumentHelp("The GitOps repository checkout for git/attach steps (against a real cluster).", valueName: "dir"))
        var gitopsRepo: String?

        // Issue 12 (CI against kind): pushing git steps to the checkout's remote, and CI shards.
        /// The remote git steps push to.
        @Option(name: .customLong("gitops-remote"), help: ArgumentHelp("The remote of --gitops-repo that git steps push to (default: origin, when the checkout has one).", valueName: "name"))
        var gitopsRemote: String?

        /// The branch git steps push to.
        @Option(name: .customLong("gitops-branch"), help: ArgumentHelp("The branch git steps push to (default: the checkout's current branch).", valueName: "branch"))
        var gitopsBranch: String?

        /// One of N parts of the scenario files.
        @Option(help: ArgumentHelp("Run only shard I of N of the scenario files (a stable split by file name), e.g. 2/3; `proof merge` joins the shards' stores.", valueName: "I/N"))
        var shard: Shard?

        /// Cassette mode.
        @Flag(
            name: .customLong("record-http"),
            help: "Keep every HTTP exchange of the run (API calls, watches line by line, Loki and service-proxy calls) in the store, credentials stripped; `proof sim serve --replay RUN` serves them back.")
        var recordHTTP = false

        /// Caps every step's timeout.
        @Option(
            name: .customLong("max-step-timeout"),
            help: ArgumentHelp(
                "Cap every step's timeout at this (e.g. 15s), whatever the scenario says: fail fast against a fast cluster such as the embedded one.",
                valueName: "duration"))
        var maxStepTimeout: String?

        /// How long an interrupted run may take to stop in order.
        @Option(
            name: .customLong("grace-period"),
            help: ArgumentHelp(
                "After SIGINT/SIGTERM, how long `finally`, the end capture and closing the run may take before the process exits anyway (exit 3).",
                valueName: "duration"))
        var gracePeriod: String = "30s"

        /// Platform manifests for the embedded cluster.
        @Option(help: ArgumentHelp("Platform manifests the embedded cluster is made from.", valueName: "dir"))
        var platform: String = "scenarios/platform"

        public init() {}

        /// Checks flag values before anything runs (a bad value is bad input, exit 2).
        public func validate() throws {
            if let maxStepTimeout, YAMLNode.parseDuration(maxStepTimeout) == nil {
                throw ValidationError("--max-step-timeout '\(maxStepTimeout)' is not a duration such as 15s, 2m or 1h30m")
            }
            if YAMLNode.parseDuration(gracePeriod) == nil {
                throw ValidationError("--grace-period '\(gracePeriod)' is not a duration such as 30s or 2m")
            }
        }

        public func run() async throws {
            let code = try await execute(reporter: ProgressReporter())
            if code != 0 { throw ExitCode(code) }
        }

        /// Runs everything and returns the exit code (tests call this in-process). `onConnected` is called once
        /// per scenario with the cluster connection, after the cluster is reachable (and the embedded one
        /// settled) and before the run starts; tests use it to reach the embedded cluster's fault switches.
        public func execute(
            reporter: ProgressReporter, onConnected: (@Sendable (ClusterConnection) async -> Void)? = nil
        ) async throws -> Int32 {
            // 1. Lint every file first: nothing runs when one does not lint.
            var scenarios: [Scenario] = []
            var bad = false
            var files = try ScenarioFiles.expand(paths)
            if let shard {
                files = shard.select(files)
                reporter.line("shard \(shard.index)/\(shard.count): \(files.isEmpty ? "no scenario files" : files.map { ($0 as NSString).lastPathComponent }.joined(separator: ", "))")
            }
            for file in files {
                do { scenarios.append(try Scenario.load(path: file)) } catch let error as ScenarioError {
                    printError(error.description)
                    bad = true
                }
            }
            if bad { return 2 }
            // 2. Prod guard: the scenario's environment, every place its steps change that is known now, and
            // the kubeconfig's cluster name, server host, context and namespace (ProdGuard). A kubeconfig that
            // cannot be read is bad input (exit 2), like any other.
            var config: ClusterConfig?
            if !cluster.usesSimulatedCluster {
                do { config = try cluster.loadClusterConfig() } catch {
                    printError("the kubeconfig cannot be used: \(error)")
                    return 2
                }
            }
            if !allowProd {
                var refusals: [String] = []
                for scenario in scenarios {
                    if scenario.environment == .prod {
                        refusals.append("\(scenario.file): scenario '\(scenario.name)' targets prod")
                    }
                    refusals += scenario.prodPlaces
                }
                if let config {
                    refusals += config.prodSigns.map { "the cluster's \($0) looks like prod" }
                }
                if !refusals.isEmpty {
                    for refusal in refusals { printError(refusal) }
                    printError("refusing to run without --allow-prod: nothing was changed")
                    return 2
                }
            }
            // 3. Preconditions, before anything connects or changes: a step that cannot run must not be found
            //    out after the steps before it have changed the cluster.
            for scenario in scenarios {
                do {
                    try ScenarioRunner.checkPreconditions(
                        scenario, gitopsRepository: gitopsRepo, embeddedCluster: cluster.usesSimulatedCluster)
                } catch {
                    printError("\(error) (scenario '\(scenario.name)' was not started)")
                    return 2
                }
            }
            let signals = ShutdownSignals(gracePeriod: YAMLNode.parseDuration(gracePeriod) ?? .seconds(30))
            defer { signals.uninstall() }
            let store: EvidenceStore
            do {
                try FileManager.default.createDirectory(
                    atPath: URL(fileURLWithPath: cluster.db).deletingLastPathComponent().path, withIntermediateDirectories: true)
                store = try cluster.openStore()
            } catch {
                printError("cannot open the evidence store \(cluster.db): \(error)")
                return 2
            }
            var worst: Int32 = 0
            var inputs: [ProofInput] = []
            for scenario in scenarios {
                if signals.interrupted {
                    worst = max(worst, 3)
                    break
                }
                let (code, input) = await runOne(scenario, store: store, reporter: reporter, signals: signals, onConnected: onConnected)
                // An interrupted command exits 3, even when the signal came after its run was closed.
                worst = max(worst, code, signals.interrupted ? 3 : 0)
                if let input { inputs.append(input) }
            }
            if let junit, !inputs.isEmpty {
                do {
                    try JUnitReport.render(inputs).write(toFile: junit, atomically: true, encoding: .utf8)
                    reporter.line("junit: \(junit)")
                } catch {
                    printError("cannot write JUnit to \(junit): \(error)")
                    worst = max(worst, 3)
                }
            }
            return worst
        }

        /// One scenario: connect (or start the embedded cluster), run with Ctrl-C handling, write the proof.
        private func runOne(
            _ scenario: Scenario, store: EvidenceStore, reporter: ProgressReporter, signals: ShutdownSignals,
            onConnected: (@Sendable (ClusterConnection) async -> Void)?
        ) async -> (Int32, ProofInput?) {
            let connection: ClusterConnection
            // Cassette mode: one recorder per scenario, on the client the run uses; the runner saves it into the run.
            let recorder = recordHTTP ? CassetteRecorder() : nil
            var httpOptions = HTTPClientOptions()
            httpOptions.recorder = recorder
            do {
                if cluster.usesSimulatedCluster { reporter.line("starting the embedded simulated cluster for \(scenario.name)…") }
                // nonisolated(unsafe): ClusterOptions (argument-parser property wrappers) is not Sendable; this copy
                // is only read, by the opening task, while this one waits for it.
                nonisolated(unsafe) let options = cluster
                let platform = platform
                let opening = Task { try await ClusterConnection.open(options, platformDirectory: platform, httpOptions: httpOptions) }
                signals.onInterrupt { opening.cancel() }
                connection = try await opening.value
                signals.onInterrupt(nil)
            } catch let error as ClusterError where error.kind == .configuration {
                signals.onInterrupt(nil)
                printError("the kubeconfig cannot be used: \(error)")
                return (2, nil)
            } catch {
                printError(signals.interrupted ? "interrupted while connecting to the cluster: no run was begun" : "cannot reach the cluster: \(error)")
                return (3, nil)
            }
            if signals.interrupted {
                // Interrupted while connecting: no run was begun; the embedded cluster's files go.
                await connection.close()
                return (3, nil)
            }
            await onConnected?(connection)
            let kubeconfigPath = connection.simulated != nil ? nil : cluster.kubeconfig
            var variables: [String: String] = [:]
            if let simulated = connection.simulated { variables["simURL"] = simulated.url }
            var options = ScenarioRunner.Options(
                gitopsRepository: gitopsRepo ?? connection.argoCD?.repository.path, kubeconfigPath: kubeconfigPath,
                // Paths relative to the repository or `~`: the run's record goes into a committed proof.
                cluster: DisplayPath.shorten(connection.description), command: DisplayPath.shorten(Self.commandLine(scenario: scenario.file)), reporter: reporter,
                variables: variables, recorder: recorder, maxStepTimeout: maxStepTimeout.flatMap(YAMLNode.parseDuration),
                allowProd: allowProd)
            options.gitopsRemote = GitOpsRemote(remote: gitopsRemote, branch: gitopsBranch)
            let runner = ScenarioRunner(client: connection.client, store: store, options: options)
            let task = Task { try await runner.run(scenario) }
            signals.onInterrupt { task.cancel() }
            let outcome = await task.result
            signals.onInterrupt(nil)
            await connection.close()
            guard case .success(let result) = outcome else {
                if case .failure(let error) = outcome {
                    printError("the run could not start: \(error)")
                    if let error = error as? ScenarioError, error.code == .invalidInput { return (2, nil) }
                }
                return (3, nil)
            }
            // The proof (ProofReport): markdown + index.
            do {
                let input = try await ProofInput.load(from: store, run: result.run, databasePath: DisplayPath.shorten(cluster.db))
                let path = try ProofMarkdown.write(input, directory: out)
                reporter.line("proof: \(path)")
                return (result.exitCode, input)
            } catch {
                printError("the run is recorded (\(result.run)) but its proof could not be written: \(error)")
                return (max(result.exitCode, 3), nil)
            }
        }

        /// The command that re-runs this scenario, recorded with the run (no credentials: only flags).
        static func commandLine(scenario: String) -> String {
            var words = ["proof", "run", scenario]
            let arguments = Array(CommandLine.arguments.dropFirst())
            if let index = arguments.firstIndex(of: "run") {
                words = ["proof"] + arguments[index...].map { $0.contains(" ") ? "'\($0)'" : $0 }
            }
            return words.joined(separator: " ")
        }
    }
}
