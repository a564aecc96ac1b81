import ProofCore
import Foundation

/// What a run is, given when it begins and never changed afterwards.
public struct RunInfo: Sendable, Hashable {
    /// The scenario's name (`optional-toggle`), or `capture` for a lone `proof capture`.
    public var scenario: String
    /// SHA-256 of the scenario file's canonical form, so a replay can tell which version was run.
    public var scenarioDigest: String?
    /// `dev` or `prod`, as the scenario declares.
    public var environment: String?
    /// The cluster, described without credentials (`kind-mlp https://127.0.0.1:6443`, `simulated`).
    public var cluster: String?
    /// The command line that started the run (scrubbed by the store's redactor before it is written).
    public var command: String?
    /// The harness version.
    public var harnessVersion: String?
    /// Anything else worth keeping with the run (git revision, CI job URL…) as a JSON object.
    public var attributes: JSON

    /// A run description.
    public init(
        scenario: String, scenarioDigest: String? = nil, environment: String? = nil, cluster: String? = nil,
        command: String? = nil, harnessVersion: String? = nil, attributes: JSON = [:]
    ) {
        self.scenario = scenario
        self.scenarioDigest = scenarioDigest
        self.environment = environment
        self.cluster = cluster
        self.command = command
        self.harnessVersion = harnessVersion
        self.attributes = attributes
    }
}
