import ProofCore
import ProofScenario
import Testing

@Suite("Invariant declarations")
struct InvariantDecodingTests {
    @Test("every documented kind decodes from a list file")
    func list() throws {
        let text = """
            invariants:
              - id: p
                description: d
                present: {match: {kind: Pod}}
              - id: e
                description: d
                envIsolation:
              - id: l
                description: d
                at: [after-detach]
                lokiVolume: {namespaces: airflow-dev, window: 2}
            """
        let specs = try InvariantSpec.decodeFile(text, file: "shared.yaml")
        #expect(specs.map(\.kind) == ["present", "envIsolation", "lokiVolume"])
        #expect(specs[2].applies(to: "after-detach") && !specs[2].applies(to: "before"))
        // A recorded declaration decodes to the same kind.
        #expect(try InvariantSpec.decode(json: specs[2].source).kind == "lokiVolume")
    }

    @Test("unknown keys, missing kinds and two kinds are located errors")
    func errors() {
        func problem(_ text: String) -> String {
            do { _ = try InvariantSpec.decodeFile(text, file: "s.yaml"); return "" } catch { return "\(error)" }
        }
        #expect(problem("- {id: a, description: d, present: {match: {kind: Pod}, mni: 1}}").contains("s.yaml:1:"))
        #expect(problem("- {id: a, description: d, present: {match: {kind: Pod}, mni: 1}}").contains("unknown key 'mni'"))
        #expect(problem("- {id: a, description: d}").contains("names no kind"))
        #expect(problem("- {id: a, description: d, absent: {match: {kind: Pod}}, present: {match: {kind: Pod}}}").contains("several kinds"))
        #expect(problem("- {id: a, description: d, count: {match: {kind: Pod}}}").contains("at least one of min, max, equal"))
        #expect(problem("- {id: a, description: d, absent: {match: {kind: Pod}}}\n- {id: a, description: d, absent: {match: {kind: Pod}}}").contains("duplicate invariant id"))
        #expect(problem("- {id: a, description: d, field: {match: {kind: Pod}, path: x, matches: '('}}").contains("not a valid regular expression"))
    }
}
