import ArgumentParser
import Foundation
import ProofCluster
import ProofStore

/// The flags every command that talks to a cluster and an evidence store shares: `--kubeconfig`, `--context`
/// and `--db`. Pull them in with `@OptionGroup var cluster: ClusterOptions`.
///
/// Without `--kubeconfig` and `--context` a command must not guess the current cluster: it uses the embedded
/// simulated cluster instead (``usesSimulatedCluster``, ``ClusterConnection/open(_:)``).
public struct ClusterOptions: ParsableArguments {
    /// The kubeconfig file; with `--context` alone, `KUBECONFIG` or `~/.kube/config` is read.
    @Option(help: ArgumentHelp("The kubeconfig file (KUBECONFIG or ~/.kube/config when only --context is given).", valueName: "file"))
    public var kubeconfig: String?

    /// The kubeconfig context to use instead of its current context.
    @Option(help: ArgumentHelp("The kubeconfig context to use.", valueName: "name"))
    public var context: String?

    /// The evidence store.
    @Option(help: ArgumentHelp("The SQLite evidence store.", valueName: "file"))
    public var db: String = ClusterOptions.defaultDatabase

    /// The default evidence store path.
    public static let defaultDatabase = "docs/proof/evidence.sqlite"

    /// Creates the defaults (argument parsing fills the properties).
    public init() {}

    /// Whether neither `--kubeconfig` nor `--context` was given: the embedded simulated cluster is used.
    public var usesSimulatedCluster: Bool { kubeconfig == nil && context == nil }

    /// Rejects empty values.
    public func validate() throws {
        if let kubeconfig, kubeconfig.isEmpty { throw ValidationError("--kubeconfig needs a file name") }
        if let context, context.isEmpty { throw ValidationError("--context needs a context name") }
        if db.isEmpty { throw ValidationError("--db needs a file name") }
    }

    /// The cluster configuration from the kubeconfig (only when not ``usesSimulatedCluster``).
    /// - Throws: `ClusterError` of kind `.configuration`.
    public func loadClusterConfig() throws -> ClusterConfig {
        try Kubeconfig.load(path: kubeconfig, context: context)
    }

    /// Opens (creating and migrating as needed) the evidence store at `--db`; `oneSnapshot` for a command that
    /// writes one snapshot (see `EvidenceStore.open(path:access:oneSnapshot:)`).
    public func openStore(oneSnapshot: Bool = false) throws -> EvidenceStore {
        try EvidenceStore.open(path: db, oneSnapshot: oneSnapshot)
    }
}
