/// A fault test's own mistake (no embedded cluster, a condition that never came), not a finding.
struct FaultRunError: Error, CustomStringConvertible {
    /// What went wrong.
    var description: String
}
