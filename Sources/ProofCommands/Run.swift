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
            abstract: "Run scenarios against a cluster and record the proof.",
            discussion: """
                Without --context/--kubeconfig each scenario runs against a fresh embedded simulated cluster (Argo CD \
                and the platform services included). Every file is linted first; a file that does not lint never \
                starts a run. Exit codes: 0 every invariant held, 1 a finding (or a failed step, a wait that timed out), 2 bad input \
                (including, without --allow-prod, a prod scenario, a cluster name, server host, context or namespace \
                that looks like prod, or a step that would change a prod-looking namespace — docs/scenarios.md), 3 could not execute \
                (cluster unreachable, the run's own timeout passed, interrupted). With --record-http every HTTP exchange of the run is kept in \
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

        /// Platform manifests for the embedded cluster.
        @Option(help: ArgumentHelp("Platform manifests the embedded cluster is made from.", valueName: "dir"))
        var platform: String = "scenarios/platform"

        public init() {}

        /// Checks flag values before anything runs (a bad value is bad input, exit 2).
        public func validate() throws {
            if let maxStepTimeout, YAMLNode.parseDuration(maxStepTimeout) == nil {
                throw ValidationError("--max-step-timeout '\(maxStepTimeout)' is not a duration such as 15s, 2m or 1h30m")
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
            for file in try ScenarioFiles.expand(paths) {
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
                let (code, input) = await runOne(scenario, store: store, reporter: reporter, onConnected: onConnected)
                worst = max(worst, code)
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
            _ scenario: Scenario, store: EvidenceStore, reporter: ProgressReporter,
            onConnected: (@Sendable (ClusterConnection) async -> Void)?
        ) async -> (Int32, ProofInput?) {
            let connection: ClusterConnection
            // Cassette mode: one recorder per scenario, on the client the run uses; the runner saves it into the run.
            let recorder = recordHTTP ? CassetteRecorder() : nil
            var httpOptions = HTTPClientOptions()
            httpOptions.recorder = recorder
            do {
                if cluster.usesSimulatedCluster { reporter.line("starting the embedded simulated cluster for \(scenario.name)…") }
                connection = try await ClusterConnection.open(cluster, platformDirectory: platform, httpOptions: httpOptions)
            } catch let error as ClusterError where error.kind == .configuration {
                printError("the kubeconfig cannot be used: \(error)")
                return (2, nil)
            } catch {
                printError("cannot reach the cluster: \(error)")
                return (3, nil)
            }
            await onConnected?(connection)
            let kubeconfigPath = connection.simulated != nil ? nil : cluster.kubeconfig
            var variables: [String: String] = [:]
            if let simulated = connection.simulated { variables["simURL"] = simulated.url }
            let options = ScenarioRunner.Options(
                gitopsRepository: gitopsRepo ?? connection.argoCD?.repository.path, kubeconfigPath: kubeconfigPath,
                cluster: connection.description, command: Self.commandLine(scenario: scenario.file), reporter: reporter,
                variables: variables, recorder: recorder, maxStepTimeout: maxStepTimeout.flatMap(YAMLNode.parseDuration),
                allowProd: allowProd)
            let runner = ScenarioRunner(client: connection.client, store: store, options: options)
            let task = Task { try await runner.run(scenario) }
            let interrupt = Self.onInterrupt { task.cancel() }
            let outcome = await task.result
            interrupt.cancel()
            signal(SIGINT, SIG_DFL)
            await connection.close()
            guard case .success(let result) = outcome else {
                if case .failure(let error) = outcome { printError("the run could not start: \(error)") }
                return (3, nil)
            }
            // The proof (ProofReport): markdown + index.
            do {
                let input = try await ProofInput.load(from: store, run: result.run, databasePath: cluster.db)
                let path = try ProofMarkdown.write(input, directory: out)
                reporter.line("proof: \(path)")
                return (result.exitCode, input)
            } catch {
                printError("the run is recorded (\(result.run)) but its proof could not be written: \(error)")
                return (max(result.exitCode, 3), nil)
            }
        }

        /// Calls `handler` on the first SIGINT (the default action is restored by the caller afterwards).
        static func onInterrupt(_ handler: @escaping @Sendable () -> Void) -> any DispatchSourceSignal {
            signal(SIGINT, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
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
