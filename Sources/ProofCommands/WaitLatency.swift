import ArgumentParser
import Foundation
import ProofCluster
import ProofCore
import ProofScenario

extension Proof {
    /// `proof wait-latency` (hidden; used by `scripts/bench.sh wait`): runs the harness's real `wait` step
    /// machinery (``ObjectWaiter``, over HTTP) once per change another client makes, and prints when each
    /// change was noticed.
    public struct WaitLatency: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "wait-latency",
            abstract: "Print when the wait step notices each change another client makes (scripts/bench.sh wait).",
            discussion: """
                Creates (or resets) the ConfigMap --name in --namespace with data.seq "0", prints "ready", then \
                for N = 1 … --changes runs the wait step's ObjectWaiter (list, then watch, judging after every \
                event) until data.seq is "N", and prints "noticed N <unix time in seconds, 6 decimals>". Another \
                client (curl, kubectl) sets data.seq to 1, 2, … meanwhile; scripts/bench.sh wait does that, and \
                computes the latency from its own send times. Needs --kubeconfig (or --context): the cluster \
                must be one the other client reaches too. Exit codes: 0 ok, 2 bad input, 3 a wait timed out.
                """,
            shouldDisplay: false)

        /// Cluster flags (`--db` is unused).
        @OptionGroup public var cluster: ClusterOptions

        /// The namespace of the ConfigMap.
        @Option(help: "The namespace of the ConfigMap.")
        public var namespace: String = "default"

        /// The ConfigMap's name.
        @Option(help: "The ConfigMap the other client changes.")
        public var name: String = "proof-wait-latency"

        /// How many changes to wait for.
        @Option(help: "How many changes to wait for.")
        public var changes: Int = 50

        /// Each wait's timeout in seconds.
        @Option(help: "Each wait's timeout, in seconds.")
        public var timeout: Int = 30

        /// Creates the command (argument parsing fills the properties).
        public init() {}

        public func validate() throws {
            if cluster.usesSimulatedCluster { throw ValidationError("wait-latency needs --kubeconfig or --context (a cluster another client can change)") }
            if changes < 1 { throw ValidationError("--changes must be at least 1") }
            if timeout < 1 { throw ValidationError("--timeout must be at least 1") }
        }

        public func run() async throws {
            let client: KubernetesClient
            do { client = KubernetesClient(config: try cluster.loadClusterConfig()) } catch {
                printProofError("\(error)")
                throw ExitCode(2)
            }
            let configMaps = try await client.resource(named: "configmaps")
            let object: JSON = ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": .string(name), "namespace": .string(namespace)], "data": ["seq": "0"]]
            if try await client.getIfPresent(configMaps, name: name, namespace: namespace) == nil {
                _ = try await client.create(configMaps, object, namespace: namespace)
            } else {
                _ = try await client.patch(configMaps, name: name, namespace: namespace, patch: ["data": ["seq": "0"]])
            }
            let waiter = ObjectWaiter(client: client, redaction: Redaction(salt: Array("wait-latency".utf8)))
            let target = ObjectTarget(kind: "ConfigMap", namespace: namespace, name: name)
            Console.out("ready")
            for sequence in 1...changes {
                do {
                    _ = try await waiter.wait(
                        for: target, .fieldEquals(path: "data.seq", value: .string(String(sequence))), type: configMaps,
                        timeout: .seconds(timeout), progress: { _ in })
                } catch {
                    printProofError("change \(sequence): \(error)")
                    throw ExitCode(3)
                }
                Console.out(String(format: "noticed %d %.6f", sequence, Date().timeIntervalSince1970))
            }
        }
    }
}
