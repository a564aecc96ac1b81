import Foundation
import ProofCore
import ProofStore

/// Where a replay takes its invariants from.
public enum ReplaySource: Sendable {
    /// The invariants the run was recorded with: the declarations kept in the run's `attributes.invariants`, or
    /// else the scenario file named in `attributes.file` when its digest still matches the run's.
    case recorded
    /// The invariants of an (updated) scenario, to test a change to an invariant against recorded runs.
    case scenario(Scenario)

    /// The invariants to replay `run` with. Throws ``ReplayError`` when the recorded ones cannot be recovered.
    func invariants(for run: RunRecord) throws -> [InvariantSpec] {
        switch self {
        case .scenario(let scenario):
            return scenario.invariants
        case .recorded:
            if let declared = run.info.attributes["invariants"]?.arrayValue {
                do {
                    return try declared.map { try InvariantSpec.decode(json: $0) }
                } catch {
                    throw ReplayError("run \(run.id): its recorded invariants no longer decode (\(error)); replay it with --scenario FILE")
                }
            }
            guard let file = run.info.attributes["file"]?.stringValue, !file.isEmpty else {
                throw ReplayError("run \(run.id) recorded no invariants and no scenario file; replay it with --scenario FILE")
            }
            guard FileManager.default.fileExists(atPath: file) else {
                throw ReplayError("run \(run.id) was recorded from \(file), which is not here; replay it with --scenario FILE")
            }
            let scenario: Scenario
            do { scenario = try Scenario.load(path: file) } catch {
                throw ReplayError("run \(run.id): its scenario \(file) no longer loads (\(error)); replay it with --scenario FILE")
            }
            if let recorded = run.info.scenarioDigest, recorded != scenario.digest {
                throw ReplayError(
                    "run \(run.id): \(file) changed since the run (digest \(scenario.digest.prefix(12)) vs recorded \(recorded.prefix(12))); "
                        + "pass --scenario \(file) to replay the updated invariants")
            }
            return scenario.invariants
        }
    }
}

/// A replay that cannot start (bad input: exit code 2).
public struct ReplayError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and what to do.
    public var description: String
    /// An error.
    public init(_ description: String) { self.description = description }
}
