import ProofCore
import ProofStore

extension Finding {
    /// The store row for this result at `snapshot`. The evidence travels inside `actual` as
    /// `{"value": actual, "evidence": evidence}` (the findings table has no evidence column); ``init(record:)``
    /// undoes it.
    public func record(snapshot: SnapshotID?, step: Int? = nil) -> FindingRecord {
        var stored = actual
        if let evidence { stored = ["value": actual ?? .null, "evidence": evidence] }
        return FindingRecord(
            snapshot: snapshot, step: step, invariantID: invariantID, invariantKind: invariantKind,
            status: FindingRecord.Status(rawValue: status.rawValue) ?? .error, expected: expected, actual: stored,
            object: object, message: message)
    }

    /// A result read back from the store.
    public init(record: FindingRecord) {
        var actual = record.actual
        var evidence: JSON?
        if case .object(let members)? = record.actual, members.count == 2, let value = members["value"], let recorded = members["evidence"] {
            actual = value == .null ? nil : value
            evidence = recorded
        }
        self.init(
            invariantID: record.invariantID, invariantKind: record.invariantKind,
            status: Finding.Status(rawValue: record.status.rawValue) ?? .error, expected: record.expected, actual: actual,
            object: record.object, message: record.message, evidence: evidence)
    }
}
