import ProofCore
import ProofReport
import Testing

/// The compact field-by-field difference a finding's line ends with.
@Suite("Findings: expected vs actual in words")
struct FindingsDifferenceTests {
    @Test func onlyTheDifferingFieldsAreNamed() throws {
        let expected = try JSON(parsing: #"{"health":["Healthy"],"name":"argo-workflows","sync":["Synced"]}"#)
        let actual = try JSON(parsing: #"{"health":"Progressing","revision":"4d8517a","sync":"Synced"}"#)
        #expect(ProofMarkdown.difference(expected: expected, actual: actual) == "health: Progressing (expected Healthy)")
        let either = try JSON(parsing: #"{"sync":["Synced","OutOfSync"]}"#)
        #expect(ProofMarkdown.difference(expected: either, actual: try JSON(parsing: #"{"sync":"Unknown"}"#)) == "sync: Unknown (expected Synced or OutOfSync)")
    }

    @Test func withNoSharedFieldWhatEachSideSaysIsNamed() throws {
        let expected = try JSON(parsing: #"{"min":2}"#)
        let actual = try JSON(parsing: #"{"count":1,"objects":["StatefulSet/feature-store-dev/redis"]}"#)
        #expect(ProofMarkdown.difference(expected: expected, actual: actual) == "count: 1; objects: StatefulSet/feature-store-dev/redis; expected min 2")
        let absent = try JSON(parsing: #"{"count":0,"match":{"kind":"Application","name":"feast-*"}}"#)
        #expect(ProofMarkdown.difference(expected: absent, actual: try JSON(parsing: #"{"exists":true}"#)) == "exists: true; expected count 0")
        #expect(ProofMarkdown.difference(expected: .string("a"), actual: .string("b")) == "b (expected a)")
        #expect(ProofMarkdown.difference(expected: nil, actual: nil) == "")
    }
}
