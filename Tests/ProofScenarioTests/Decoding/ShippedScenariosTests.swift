import Foundation
import ProofCore
import Testing

@testable import ProofScenario

/// Every shipped scenario decodes, and validates against the JSON Schema `proof schema` prints (built from
/// the same declarations as the decoder), and every schema key is documented in docs/scenarios.md.
@Suite struct ShippedScenariosTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static var scenarioFiles: [String] {
        let directory = root.appendingPathComponent("scenarios")
        return ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
            .filter { $0.hasSuffix(".yaml") }.map { directory.appendingPathComponent($0).path }
    }

    @Test func shippedScenariosDecode() throws {
        #expect(Self.scenarioFiles.count >= 1)
        for file in Self.scenarioFiles {
            let scenario = try Scenario.load(path: file)
            #expect(!scenario.steps.isEmpty, "\(file)")
        }
    }

    @Test func shippedScenariosValidateAgainstTheJSONSchema() throws {
        let schema = Scenario.jsonSchema()
        for file in Self.scenarioFiles {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let document = try YAMLNode.parse(text, file: file).json()
            let errors = SchemaValidator(root: schema).validate(document)
            #expect(errors.isEmpty, "\(file): \(errors)")
        }
    }

    @Test func theSchemaRejectsWhatTheDecoderRejects() throws {
        let schema = Scenario.jsonSchema()
        let bad = try YAMLNode.parse("""
            apiVersion: proof.gitops/v1alpha1
            kind: Scenario
            metadata: {name: t, description: d}
            spec:
              environment: dev
              invariants:
                - {id: a, description: d, namespaceKept: {nmes: [x]}}
                - {id: b, description: d, present: {match: {kind: Pod}}, absent: {match: {kind: Pod}}}
                - {id: c, description: d, restarts: {match: {kind: Pod}, max: 0}}
              steps: [{sleep: {duration: 1s}, wait: {exists: {kind: Pod}}}, {sleep: {duration: 1s, extra: 1}}]
            """, file: "t").json()
        let errors = SchemaValidator(root: schema).validate(bad)
        #expect(errors.contains { $0.contains("steps/0") && $0.contains("oneOf") })
        #expect(errors.contains { $0.contains("steps/1/sleep") && $0.contains("extra") })
        // Invariants are typed too: an unknown key, two kind keys, and `kind` where the kind fixes it.
        #expect(errors.contains { $0.contains("invariants/0/namespaceKept") && $0.contains("nmes") })
        #expect(errors.contains { $0.contains("invariants/1") && $0.contains("oneOf") })
        #expect(errors.contains { $0.contains("invariants/2/restarts/match") && $0.contains("kind") })
        for text in ["{id: a, description: d, namespaceKept: {nmes: [x]}}",
                     "{id: b, description: d, present: {match: {kind: Pod}}, absent: {match: {kind: Pod}}}",
                     "{id: c, description: d, restarts: {match: {kind: Pod}, max: 0}}"] {
            #expect(throws: ScenarioError.self, "the decoder rejects \(text) as the schema does") {
                try InvariantSpec.decode(try YAMLNode.parse(text, file: "t"))
            }
        }
    }

    @Test func everySchemaKeyIsDocumented() throws {
        let docs = try ["docs/scenarios.md", "docs/invariants.md"].map {
            try String(contentsOf: Self.root.appendingPathComponent($0), encoding: .utf8)
        }.joined(separator: "\n")
        var defs: [String: JSON] = [:]
        _ = Schema.object(Scenario.objectSchema).jsonSchema(defs: &defs)
        for (name, definition) in defs {
            for key in definition["properties"]?.objectValue?.keys ?? [:].keys {
                #expect(docs.contains("`\(key)`") || docs.contains("\(key):"), "docs/scenarios.md and docs/invariants.md do not mention `\(key)` (of \(name))")
            }
        }
    }
}

/// A small JSON Schema validator for the subset `Schema` emits: type, enum, pattern, minimum, properties,
/// required, additionalProperties, items, oneOf, anyOf, $ref into $defs.
struct SchemaValidator {
    let root: JSON

    func validate(_ value: JSON) -> [String] {
        var errors: [String] = []
        check(value, against: root, at: "", errors: &errors)
        return errors
    }

    private func resolve(_ schema: JSON) -> JSON {
        guard let ref = schema["$ref"]?.stringValue, ref.hasPrefix("#/$defs/") else { return schema }
        return root[path: ["$defs", String(ref.dropFirst("#/$defs/".count))]] ?? [:]
    }

    private func check(_ value: JSON, against raw: JSON, at path: String, errors: inout [String]) {
        let schema = resolve(raw)
        if let type = schema["type"]?.stringValue {
            let ok: Bool = switch (type, value) {
            case ("string", .string), ("boolean", .bool), ("integer", .int), ("array", .array), ("object", .object): true
            case ("number", .int), ("number", .double): true
            default: false
            }
            if !ok { errors.append("\(path): expected \(type)"); return }
        }
        if let values = schema["enum"]?.arrayValue, !values.contains(value) { errors.append("\(path): not in enum") }
        if let pattern = schema["pattern"]?.stringValue, let text = value.stringValue,
            text.range(of: pattern, options: .regularExpression) == nil
        { errors.append("\(path): '\(text)' does not match \(pattern)") }
        if let minimum = schema["minimum"]?.doubleValue, let number = value.doubleValue, number < minimum {
            errors.append("\(path): below minimum")
        }
        if case .object(let members) = value {
            let properties = schema["properties"]?.objectValue ?? [:]
            for key in schema["required"]?.arrayValue?.compactMap(\.stringValue) ?? [] where members[key] == nil {
                errors.append("\(path): missing \(key)")
            }
            for (key, member) in members {
                if let property = properties[key] {
                    check(member, against: property, at: "\(path)/\(key)", errors: &errors)
                } else if schema["additionalProperties"] == .bool(false) {
                    errors.append("\(path): additional property \(key)")
                } else if let additional = schema["additionalProperties"], additional.objectValue != nil {
                    check(member, against: additional, at: "\(path)/\(key)", errors: &errors)
                }
            }
        }
        if case .array(let items) = value, let itemSchema = schema["items"] {
            for (index, item) in items.enumerated() { check(item, against: itemSchema, at: "\(path)/\(index)", errors: &errors) }
        }
        if let options = schema["oneOf"]?.arrayValue {
            let matching = options.filter { option in
                var sub: [String] = []
                check(value, against: option, at: path, errors: &sub)
                return sub.isEmpty
            }
            if matching.count != 1 { errors.append("\(path): matches \(matching.count) of oneOf") }
        }
        if let options = schema["anyOf"]?.arrayValue {
            let any = options.contains { option in
                var sub: [String] = []
                check(value, against: option, at: path, errors: &sub)
                return sub.isEmpty
            }
            if !any { errors.append("\(path): matches none of anyOf") }
        }
    }
}
