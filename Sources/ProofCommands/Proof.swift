import ArgumentParser

/// The `proof` command: runs scripted scenarios against a GitOps-run cluster, records the evidence and checks it.
public struct Proof: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "proof",
        abstract: "Prove that a GitOps-run ML platform behaves as designed, with evidence.",
        discussion: """
            Without --context or --kubeconfig every command that needs a cluster uses the embedded simulated \
            cluster, so nothing runs against whatever cluster happens to be current.
            """,
        version: "0.1.0",
        subcommands: [Sim.self, Capture.self, Show.self, Run.self, Lint.self, Schema.self, Replay.self, Diff.self, Verify.self, Merge.self, WaitLatency.self]
    )

    public init() {}
}
