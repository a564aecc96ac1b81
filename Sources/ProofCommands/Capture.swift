import ArgumentParser
import Foundation
import ProofCluster
import ProofReport
import ProofScenario
import ProofStore

extension Proof {
    /// `proof capture`: one snapshot of the cluster into the evidence store, plus a markdown summary.
    public struct Capture: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "capture",
            abstract: "Take one snapshot of the cluster (objects, Argo CD, Loki) into the evidence store.",
            discussion: """
                Without --kubeconfig or --context the embedded simulated cluster (Argo CD and platform services) \
                is started and captured: the current kubeconfig context is never guessed. Writes the snapshot to \
                --db and a markdown summary to docs/proof/captures/ (or --out). Exit codes: 0 ok, 2 bad input, \
                3 cluster unreachable.
                """
        )

        /// Cluster and store flags.
        @OptionGroup public var cluster: ClusterOptions

        /// The snapshot label.
        @Option(help: "The snapshot label.")
        public var label: String = "capture"

        /// Kinds to capture (comma-separated or repeated).
        @Option(parsing: .upToNextOption, help: "Kinds to capture, as kubectl names them (default: the platform's 18 kinds).")
        public var kinds: [String] = []

        /// Namespaces to capture.
        @Option(parsing: .upToNextOption, help: "Namespaces to capture namespaced kinds in (default: all).")
        public var namespaces: [String] = []

        /// Where the summary goes.
        @Option(help: ArgumentHelp("Directory for the markdown summary.", valueName: "dir"))
        public var out: String = "docs/proof/captures"

        /// Platform manifests for the embedded cluster.
        @Option(help: ArgumentHelp("Platform manifests the embedded cluster's Argo CD deploys.", valueName: "dir"))
        public var platform: String = "scenarios/platform"

        /// Creates the command (argument parsing fills the properties).
        public init() {}

        public func run() async throws {
            let kinds = Self.split(kinds)
            let namespaces = Self.split(namespaces)
            if label.isEmpty { throw Self.fail("--label must not be empty", code: 2) }
            if cluster.usesSimulatedCluster {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: platform, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw Self.fail("no --kubeconfig/--context, and the platform manifests \(platform) for the embedded cluster are missing: pass --platform DIR or a cluster", code: 2)
                }
                Console.out("no --kubeconfig or --context given: starting the embedded simulated cluster (Argo CD, platform services) to capture it")
            }
            // The store is opened (a new one made: its schema is a few milliseconds) while the kubeconfig is read;
            // a store this command made is removed again when the cluster cannot be used.
            let storeExisted = FileManager.default.fileExists(atPath: cluster.db)
            // nonisolated(unsafe): ClusterOptions (argument-parser property wrappers) is not Sendable; this copy is
            // only read, by the opening task.
            nonisolated(unsafe) let options = cluster
            let opening = Task { try options.openStore(oneSnapshot: true) }
            let connection: ClusterConnection
            do {
                connection = try await ClusterConnection.open(cluster, platformDirectory: platform)
            } catch {
                if !storeExisted { await Self.removeIfEmpty(opening, path: cluster.db) }
                if let error = error as? ClusterError { throw Self.fail("\(error)", code: 2) }
                throw Self.fail("cannot start the embedded cluster: \(error)", code: 2)
            }
            var config = CaptureConfig()
            if !kinds.isEmpty { config.kinds = kinds }
            config.namespaces = namespaces
            let code = await capture(connection: connection, config: config, store: opening)
            await connection.close()
            // Its idle connections are the exit's to close (ProcessExit), not freed one by one here.
            ProcessExit.shared.leave(connection)
            if code != 0 { throw ExitCode(code) }
        }

        /// Captures and reports; returns the exit code.
        func capture(connection: ClusterConnection, config: CaptureConfig, store opening: Task<EvidenceStore, any Error>) async -> Int32 {
            // Discovery (a dozen requests) runs while the store is opened and the run begun; the capture then finds
            // it cached. Its failure is the capture's to report, so it is only waited for here.
            let client = connection.client
            let warming = Task { _ = try? await client.discovery() }
            defer { warming.cancel() }
            let store: EvidenceStore
            // One snapshot: the store keeps nothing in memory for later ones.
            do { store = try await opening.value } catch {
                printProofError("\(error)")
                return 2
            }
            // The run is begun in the store (a transaction and its syncs) while discovery ends and the lists run;
            // the snapshot waits for it.
            let info = RunInfo(
                scenario: "capture", cluster: DisplayPath.shorten(connection.description),
                command: DisplayPath.shorten((["proof"] + CommandLine.arguments.dropFirst()).joined(separator: " ")),
                harnessVersion: "gitops-proof \(Proof.configuration.version)")
            let beginning = Task { try await store.beginRun(info) }
            await warming.value
            let outcome: Result<CaptureResult, any Error>
            do {
                outcome = .success(
                    try await Capturer(client: connection.client, store: store, config: config).capture(
                        runBegunBy: { try await beginning.value }, label: label))
            } catch {
                outcome = .failure(error)
            }
            let run: RunID
            do {
                run = try await beginning.value
            } catch {
                // The store refused to begin the run (the capture then failed with the same error): nothing to close.
                printProofError("\(error)")
                return 2
            }
            let result: CaptureResult
            switch outcome {
            case .success(let captured):
                result = captured
            case .failure(let error as ClusterError):
                printProofError("cluster unreachable: \(error)")
                try? await store.finishRun(run, status: .error, exitCode: 3, message: "cluster unreachable: \(error)")
                return 3
            case .failure(let error):
                printProofError("\(error)")
                try? await store.finishRun(run, status: .error, exitCode: 1, message: "\(error)")
                return 1
            }
            // The run's end commits (and syncs) on the store's writer while the summary is rendered here; the
            // summary is written only once the run is closed.
            async let finished: Void = store.finishRun(run, status: .passed, exitCode: 0)
            let summary = CaptureSummary(
                run: run.rawValue, sequence: result.snapshot.sequence, label: label, cluster: DisplayPath.shorten(connection.description),
                takenAt: result.snapshot.takenAt, digest: result.snapshot.digest, chainDigest: result.snapshot.chainDigest,
                database: DisplayPath.shorten(cluster.db), newBodies: result.newBodies, counts: result.counts, listingErrors: result.listingErrors,
                lokiSamples: result.lokiSamples, argoCD: result.argoCD)
            let markdown = summary.markdown()
            do {
                try await finished
            } catch {
                printProofError("\(error)")
                return 1
            }
            let path = "\(out)/\(Self.fileTime(result.snapshot.takenAt))-\(run.short).md"
            do {
                try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
                try markdown.write(toFile: path, atomically: true, encoding: .utf8)
            } catch {
                printProofError("cannot write the summary \(path): \(error)")
                return 2
            }
            let seconds = Double(result.duration.components.seconds) + Double(result.duration.components.attoseconds) / 1e18
            Console.out(
                "captured \(result.objectCount) objects in \(result.counts.count) kinds (\(result.newBodies) new bodies, \(result.listingErrors.count) listing errors, \(result.lokiSamples.filter { !$0.succeeded }.count)/\(result.lokiSamples.count) Loki queries failed) in \(String(format: "%.2f", seconds)) s"
            )
            for error in result.listingErrors { Console.out("  not listed: \(error.kind)\(error.namespace.isEmpty ? "" : " in \(error.namespace)"): \(error.message)") }
            Console.out("snapshot: run \(run.rawValue) #\(result.snapshot.sequence) in \(cluster.db) (digest \(result.snapshot.digest.prefix(16)))")
            Console.out("summary:  \(path)")
            return 0
        }

        /// Removes the store `opening` made at `path` when it holds no run (the command stops before its run
        /// began: its cluster could not be used), with SQLite's side files.
        static func removeIfEmpty(_ opening: Task<EvidenceStore, any Error>, path: String) async {
            guard let store = try? await opening.value, let runs = try? await store.runs(), runs.isEmpty else { return }
            for suffix in ["", "-journal", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }

        /// `a,b c` → `[a, b, c]`.
        static func split(_ values: [String]) -> [String] {
            values.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }

        /// `20261127T112410Z`.
        static func fileTime(_ date: Date) -> String {
            Timestamp.formatSeconds(date, compact: true)
        }

        static func fail(_ message: String, code: Int32) -> ExitCode {
            printProofError(message)
            return ExitCode(code)
        }
    }
}

/// Writes a line to standard error, prefixed `proof: ` and scrubbed (``Console/error(_:)``).
func printProofError(_ message: String) {
    Console.error("proof: " + message)
}
