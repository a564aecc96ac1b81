import ArgumentParser

extension Proof {
    /// `proof sim`: the embedded simulated cluster.
    public struct Sim: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "sim",
            abstract: "Run the embedded simulated Kubernetes cluster.",
            subcommands: [Serve.self, Service.self]
        )

        public init() {}
    }
}
