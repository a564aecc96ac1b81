import Foundation
import Testing

@testable import ProofScenario

/// The two forms of the `git` step (issue 12): an edit (`file` + `set` required) or `restore: true` (neither
/// allowed), each mistake located at file:line:col.
@Suite struct GitStepDecodingTests {
    func problems(_ steps: String) -> [String] {
        do {
            _ = try Scenario.decode(ScenarioDecodingTests.header + "  steps:\n" + steps, file: "t.yaml")
            return []
        } catch let error as ScenarioError {
            return error.problems.map(\.description)
        } catch {
            return ["unexpected: \(error)"]
        }
    }

    @Test func restoreDecodesWithAMessageOnly() throws {
        let scenario = try Scenario.decode(ScenarioDecodingTests.header + """
              steps:
                - git: {file: a.yaml, set: {spec.replicas: 2}, message: bump}
              finally:
                - git: {restore: true, message: put it back}
            """, file: "t.yaml")
        let restore = try #require(scenario.finally.first?.action as? GitStep)
        #expect(restore.restore && restore.message == "put it back" && restore.set.isEmpty)
        let edit = try #require(scenario.steps.first?.action as? GitStep)
        #expect(!edit.restore && edit.file == "a.yaml")
    }

    @Test func restoreWithAFileIsALocatedError() {
        let found = problems("    - git: {restore: true, file: a.yaml, message: m}\n")
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("t.yaml:7:") == true, "\(found)")
        #expect(found.first?.contains("'file' cannot be used with 'restore: true'") == true, "\(found)")
    }

    @Test func anEditWithoutFileOrSetIsStillALocatedError() {
        let noFile = problems("    - git: {set: {a: 1}, message: m}\n")
        #expect(noFile.first?.hasPrefix("t.yaml:7:") == true && noFile.first?.contains("missing key 'file'") == true, "\(noFile)")
        let noSet = problems("    - git: {file: a.yaml, message: m}\n")
        #expect(noSet.first?.contains("missing key 'set'") == true, "\(noSet)")
    }
}
