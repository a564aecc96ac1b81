import Testing

@testable import ProofCore

@Suite("YAML documents")
struct YAMLTests {
    @Test("reads several documents with typed scalars")
    func multiDocument() throws {
        let text = """
            apiVersion: v1
            kind: ConfigMap
            metadata: {name: a, labels: {tier: "1"}}
            data:
              replicas: "3"
              enabled: "true"
            ---
            # a comment-only document is skipped
            ---
            kind: X
            spec: {replicas: 3, ratio: 0.5, on: true, none: ~, when: 2024-01-01T00:00:00Z}
            """
        let documents = try YAML.decodeAll(text, file: "m.yaml")
        #expect(documents.count == 2)
        #expect(documents[0][path: ["metadata", "labels", "tier"]] == "1")
        #expect(documents[0][path: ["data", "replicas"]] == "3")
        let spec = try #require(documents[1]["spec"])
        #expect(spec["replicas"] == 3)
        #expect(spec["ratio"] == 0.5)
        #expect(spec["none"] == nil || spec["none"] == .null)
        #expect(spec["when"]?.stringValue == "2024-01-01T00:00:00Z")
    }

    @Test("a syntax error names file, line and column")
    func syntaxErrorIsLocated() {
        do {
            _ = try YAML.decodeAll("a: 1\nb: [1, 2\nc: 3\n", file: "bad.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "bad.yaml")
            #expect(error.line >= 2)
            #expect(error.description.hasPrefix("bad.yaml:"))
        }
    }

    @Test("duplicate keys are an error located at their mapping")
    func duplicateKeys() {
        do {
            _ = try YAML.decode("top:\n  x: 0\nnested:\n  a: 1\n  b: 2\n  a: 3\n", file: "dup.yaml")
            Issue.record("expected an error")
        } catch {
            #expect(error.line == 4)
            #expect(error.column == 3)
            #expect(error.message.contains("duplicate key 'a'"))
        }
    }
}
