import ArgumentParser
import Foundation
import ProofCore
import ProofSim

#if canImport(Glibc)
    import Glibc
#endif

extension Proof.Sim {
    /// `proof sim serve`: starts the simulated cluster on 127.0.0.1, writes a kubeconfig, runs until SIGINT/SIGTERM.
    public struct Serve: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the simulated cluster's Kubernetes API on 127.0.0.1 until interrupted.",
            discussion: """
                Writes a kubeconfig (cluster, user and context named proof-sim, bearer token) so that kubectl and \
                `proof run --kubeconfig` can talk to it. Faults use the spec form described in docs/sim.md, e.g. \
                --fault status=503,path=/api/v1/namespaces/*/pods,count=3.
                """
        )

        /// TCP port; 0 picks a free one.
        @Option(help: "TCP port on 127.0.0.1 (0 = any free port).")
        var port: Int = 0

        /// Where to write the kubeconfig.
        @Option(name: .customLong("kubeconfig-out"), help: "Where to write the kubeconfig.")
        var kubeconfigOut: String = ".build/proof-sim/kubeconfig"

        /// The bearer token; random when omitted.
        @Option(help: "Bearer token clients must send (random when omitted).")
        var token: String?

        /// Directory of platform manifests.
        @Option(help: "Directory of platform manifests to seed (recursively). Use --platform none to seed nothing.")
        var platform: String = "scenarios/platform"

        /// Workload multiplier.
        @Option(help: "Multiply workloads for benchmarks (about 10,000 objects at --scale 34 with the platform manifests).")
        var scale: Int = 1

        /// An existing Git checkout Argo CD syncs from (default: a fresh repository made from --platform).
        @Option(name: .customLong("gitops-repo"), help: "Existing Git checkout Argo CD syncs from (default: a fresh temporary repository made from --platform).")
        var gitopsRepo: String?

        /// Seed every manifest directly instead of running Argo CD.
        @Flag(name: .customLong("no-argocd"), help: "Seed every platform manifest directly instead of running the simulated Argo CD (which creates only bootstrap/ and syncs the rest from Git).")
        var noArgoCD = false

        /// Faults armed from the start.
        @Option(name: .customLong("fault"), help: "Arm a fault (repeatable), e.g. status=429,retry-after=2,path=/apis/**,count=5.")
        var faults: [String] = []

        /// Chaos switches armed from the start (JSON, as `POST /_sim/chaos` takes).
        @Option(help: ArgumentHelp("Arm chaos switches from the start: JSON as POST /_sim/chaos takes, e.g. '{\"alloyPaused\":true}' or '{\"crashLoop\":[{\"namespace\":\"baseline-dev\",\"labels\":\"app.kubernetes.io/name=loki\"}]}'.", valueName: "json"))
        var chaos: String?

        /// Argo CD fault switches on from the start (JSON, as `POST /_sim/argocd/faults` takes).
        @Option(
            name: .customLong("argocd-faults"),
            help: ArgumentHelp("Turn Argo CD fault switches on from the start: JSON as POST /_sim/argocd/faults takes, e.g. '{\"noPrune\":true}' or '{\"unhealthyApps\":[\"logging-dev\"]}' (docs/argocd-sim.md).", valueName: "json"))
        var argoCDFaults: String?

        public init() {}

        /// The `--argocd-faults` text as JSON, or a validation error naming the flag.
        static func argoCDFaultsJSON(_ text: String) throws -> JSON {
            do { return try JSON(parsing: Array(text.utf8)) } catch { throw ValidationError("--argocd-faults: not JSON: \(error)") }
        }

        public func validate() throws {
            guard (0...65535).contains(port) else { throw ValidationError("--port must be 0-65535, got \(port)") }
            guard scale >= 1 else { throw ValidationError("--scale must be at least 1, got \(scale)") }
            for spec in faults {
                do { _ = try FaultRule(spec: spec) } catch { throw ValidationError("--fault \(spec): \(error.message)") }
            }
            if let chaos {
                do { try ChaosSwitches().apply(jsonText: chaos) } catch { throw ValidationError("--chaos: \(error.message)") }
            }
            if let argoCDFaults {
                do { try ArgoCDFaults().apply(try Self.argoCDFaultsJSON(argoCDFaults)) } catch let error as SimError {
                    throw ValidationError("--argocd-faults: \(error.message)")
                }
                if platform == "none" || noArgoCD || scale != 1 {
                    throw ValidationError("--argocd-faults needs the simulated Argo CD (a --platform, no --no-argocd, --scale 1)")
                }
            }
            if platform != "none" {
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: platform, isDirectory: &isDirectory), isDirectory.boolValue else {
                    throw ValidationError("--platform \(platform) is not a directory: pass the manifests directory or --platform none")
                }
            }
        }

        /// A recorded run to serve back instead of a simulated cluster (cassette mode).
        @Option(help: "Serve the HTTP exchanges recorded by `proof run --record-http` for this run instead (cassette replay).")
        var replay: String?

        /// The evidence store for --replay.
        @Option(help: "The evidence store holding the --replay run.")
        var db: String = EvidenceStoreOption.defaultPath

        public func run() async throws {
            if let replay {
                return try await Self.serveReplay(run: replay, db: db, port: port, token: token, kubeconfigOut: kubeconfigOut, pace: 1)
            }
            var options = SimOptions()
            options.port = port
            options.token = token
            options.platformDirectory = platform == "none" ? nil : platform
            options.scale = scale
            options.faults = try faults.map { try FaultRule(spec: $0) }
            var argo: ArgoCDController?
            if platform != "none" && !noArgoCD && scale == 1 {
                var timing = ArgoCDOptions()
                timing.pollInterval = .seconds(2)
                timing.selfHealDelay = .seconds(5)
                timing.tick = .milliseconds(250)
                argo = try options.enableArgoCD(gitopsRepository: gitopsRepo, options: timing)
            }
            let cluster = try await SimulatedCluster.start(options)
            if let chaos {
                try cluster.chaos.apply(jsonText: chaos)
                Console.out("chaos switches: \(cluster.chaos.json.canonicalString) (change them at /_sim/chaos)")
            }
            if let argo, let argoCDFaults {
                try argo.faults.apply(try Self.argoCDFaultsJSON(argoCDFaults))
                Console.out("Argo CD faults: \(argo.faults.json.canonicalString) (change them at /_sim/argocd/faults)")
            }
            if let argo {
                Console.out("Argo CD syncs from the Git repository \(argo.repository.path) (commit there to deploy; faults: /_sim/argocd/faults)")
            }
            try cluster.writeKubeconfig(to: kubeconfigOut)
            let path = URL(fileURLWithPath: kubeconfigOut).standardizedFileURL.path
            if let report = cluster.seedReport {
                Console.out("seeded \(report.created) objects from \(report.files) files under \(platform)")
                for skipped in report.skipped { Console.out("  skipped: \(skipped)") }
            }
            Console.out("simulated cluster listening on \(cluster.url) (\(cluster.state.count) objects)")
            Console.out("kubeconfig: \(path)")
            Console.out("  export KUBECONFIG=\(path)")
            Console.out("  kubectl get pods -A")
            Console.out("press Ctrl-C to stop")
            fflush(nil)
            await Self.waitForTermination()
            await cluster.stop()
            Console.out("simulated cluster stopped")
        }

        /// Suspends until SIGINT or SIGTERM.
        static func waitForTermination() async {
            signal(SIGINT, SIG_IGN)
            signal(SIGTERM, SIG_IGN)
            let (stream, continuation) = AsyncStream.makeStream(of: Void.self)
            let sources = [SIGINT, SIGTERM].map { number in
                let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
                source.setEventHandler { continuation.yield() }
                source.resume()
                return source
            }
            for await _ in stream { break }
            for source in sources { source.cancel() }
        }
    }
}
