import Foundation
import ProofCluster
import ProofScenario

/// The fuzz target: the scenario decoder and the kubeconfig decoder, fed the same bytes. A decoding error is
/// the expected outcome for most inputs; a crash, a hang or runaway memory is a finding.
///
/// Run it with `scripts/fuzz.sh` (docs/reliability.md has the figures); the test suite runs a short
/// seeded smoke of it.
public enum FuzzTarget {
    /// What one input did.
    public enum Outcome: String, Sendable, CaseIterable {
        /// Both decoders refused it.
        case refused
        /// The scenario decoder accepted it.
        case scenario
        /// The kubeconfig decoder accepted it.
        case kubeconfig
    }

    /// Decodes `bytes` as a scenario and as a kubeconfig (relative paths resolve under `directory`, which
    /// the driver makes empty, so inputs cannot reach real files by relative name).
    public static func run(_ bytes: [UInt8], directory: String) -> Outcome {
        let text = String(decoding: bytes, as: UTF8.self)
        var outcome = Outcome.refused
        if (try? Scenario.decode(text, file: directory + "/fuzz.yaml")) != nil { outcome = .scenario }
        if (try? Kubeconfig.decode(text, file: "fuzz.kubeconfig", directory: directory)) != nil { outcome = .kubeconfig }
        return outcome
    }
}
