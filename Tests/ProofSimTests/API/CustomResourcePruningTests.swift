import Foundation
import ProofCore
import Testing

@testable import ProofSim

/// Custom resources are pruned, defaulted and validated by their CRD's structural schema as a real
/// apiextensions-apiserver does, and unknown fields obey `fieldValidation`.
@Suite("CustomResourcePruning", .tags(.kubectl))
struct CustomResourcePruningTests {
    static let path = "/apis/example.com/v1/namespaces/default/gadgets"

    static let crd: JSON = [
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": ["name": "gadgets.example.com"],
        "spec": ["group": "example.com", "scope": "Namespaced",
            "names": ["plural": "gadgets", "singular": "gadget", "kind": "Gadget", "listKind": "GadgetList"],
            "versions": [["name": "v1", "served": true, "storage": true, "schema": ["openAPIV3Schema": [
                "type": "object",
                "properties": ["spec": [
                    "type": "object", "required": ["size"],
                    "properties": [
                        "size": ["type": "integer", "minimum": 1, "maximum": 10],
                        "color": ["type": "string", "enum": ["red", "blue"]],
                        "name": ["type": "string", "pattern": "^[a-z]+$", "minLength": 3, "maxLength": 8],
                        "tags": ["type": "array", "items": ["type": "string"], "minItems": 1, "maxItems": 2],
                        "when": ["type": "string", "format": "date-time"],
                        "note": ["type": "string", "nullable": true],
                        "mode": ["type": "string", "default": "fast"],
                        "free": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
                        "plain": ["type": "object"],
                        "inner": ["type": "object", "x-kubernetes-embedded-resource": true,
                            "properties": ["spec": ["type": "object", "properties": ["replicas": ["type": "integer"]]]]],
                    ],
                ]],
            ]]]],
        ],
    ]

    static func gadget(_ name: String, _ spec: JSON) -> JSON {
        ["apiVersion": "example.com/v1", "kind": "Gadget", "metadata": ["name": .string(name)], "spec": spec]
    }

    static func withCRD(_ body: (Client) async throws -> Void) async throws {
        try await SimFixture.withCluster { _, client in
            let created = try await client.request("POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", body: crd)
            #expect(created.status == 201, "\(created.json)")
            #expect(try await eventually { try await client.request("GET", path).status == 200 })
            try await body(client)
        }
    }

    @Test("unknown fields are pruned (kept under preserve-unknown-fields and an embedded resource's apiVersion/kind/metadata); defaults fill; non-nullable nulls go")
    func pruning() async throws {
        try await Self.withCRD { client in
            let spec: JSON = ["size": 2, "extra": "dropped", "color": .null, "note": .null,
                "free": ["anything": ["goes": 1]], "plain": ["x": 1],
                "inner": ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "spec": ["replicas": 1, "junk": true], "other": 1]]
            let created = try await client.request("POST", Self.path + "?fieldValidation=Ignore", body: Self.gadget("g1", spec))
            #expect(created.status == 201, "\(created.json)")
            #expect(created.headers["warning"] == nil)
            let stored = try await client.request("GET", Self.path + "/g1").json["spec"]
            #expect(stored?["extra"] == nil)
            #expect(stored?["color"] == nil)
            #expect(stored?["note"] == .null)
            #expect(stored?["mode"] == "fast")
            #expect(stored?["free"] == ["anything": ["goes": 1]])
            #expect(stored?["plain"] == [:])
            #expect(stored?["inner"] == ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "c"], "spec": ["replicas": 1]])
            // Pruning also applies on update, and the stored object never gains the field.
            let updated = try await client.request("PATCH", Self.path + "/g1?fieldValidation=Ignore", body: ["spec": ["later": 1]],
                contentType: "application/merge-patch+json")
            #expect(updated.status == 200, "\(updated.json)")
            #expect(updated.json[path: ["spec", "later"]] == nil)
        }
    }

    @Test("fieldValidation Strict → 400 strict decoding error naming the field; Warn (the default) → Warning header and pruned")
    func fieldValidation() async throws {
        try await Self.withCRD { client in
            let strict = try await client.request("POST", Self.path + "?fieldValidation=Strict", body: Self.gadget("g2", ["size": 2, "x": 1]))
            #expect(strict.status == 400, "\(strict.json)")
            #expect(strict.json["message"] == "Gadget in version \"v1\" cannot be handled as a Gadget: strict decoding error: unknown field \"spec.x\"")
            #expect(strict.json["reason"] == "BadRequest")
            let warned = try await client.request("POST", Self.path, body: Self.gadget("g3", ["size": 2, "x": 1]))
            #expect(warned.status == 201, "\(warned.json)")
            #expect(warned.headers["warning"] == "299 - \"unknown field \\\"spec.x\\\"\"")
            #expect(warned.json[path: ["spec", "x"]] == nil)
            // kubectl validates strictly by default.
            let file = client.directory + "/gadget.yaml"
            try "apiVersion: example.com/v1\nkind: Gadget\nmetadata: {name: g4}\nspec: {size: 2, sizee: 3}\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let applied = try await client.runKubectl("apply", "-f", file)
            #expect(applied.status != 0)
            #expect(applied.stderr.contains("strict decoding error: unknown field \"spec.sizee\""), "\(applied.stderr)")
        }
    }

    @Test("pattern, bounds, lengths, item counts and formats give 422 Invalid with the real messages")
    func valueConstraints() async throws {
        try await Self.withCRD { client in
            let cases: [(JSON, String, String, String)] = [
                (["size": 0], "spec.size", "FieldValueInvalid", "Invalid value: 0: spec.size in body should be greater than or equal to 1"),
                (["size": 11], "spec.size", "FieldValueInvalid", "Invalid value: 11: spec.size in body should be less than or equal to 10"),
                (["size": 1, "name": "UPPER"], "spec.name", "FieldValueInvalid",
                    "Invalid value: \"UPPER\": spec.name in body should match '^[a-z]+$'"),
                (["size": 1, "name": "ab"], "spec.name", "FieldValueInvalid", "Invalid value: \"ab\": spec.name in body should be at least 3 chars long"),
                (["size": 1, "name": "abcdefghij"], "spec.name", "FieldValueTooLong", "Too long: may not be more than 8 bytes"),
                (["size": 1, "tags": []], "spec.tags", "FieldValueInvalid", "Invalid value: []: spec.tags in body should have at least 1 items"),
                (["size": 1, "tags": ["a", "b", "c"]], "spec.tags", "FieldValueTooMany", "Too many: 3: must have at most 2 items"),
                (["size": 1, "when": "yesterday"], "spec.when", "FieldValueInvalid",
                    "Invalid value: \"yesterday\": spec.when in body must be of type date-time: \"yesterday\""),
                (["size": 1, "color": "green"], "spec.color", "FieldValueNotSupported", "Unsupported value: \"green\": supported values: \"red\", \"blue\""),
                (["color": "red"], "spec.size", "FieldValueRequired", "Required value"),
            ]
            for (index, (spec, field, reason, message)) in cases.enumerated() {
                let refused = try await client.request("POST", Self.path, body: Self.gadget("bad\(index)", spec))
                #expect(refused.status == 422, "\(spec): \(refused.json)")
                #expect(refused.json["message"]?.stringValue == "Gadget.example.com \"bad\(index)\" is invalid: \(field): \(message)", "\(spec)")
                #expect(refused.json[path: ["details", "causes"]]?[0]?["reason"] == .string(reason), "\(spec)")
                #expect(refused.json[path: ["details", "causes"]]?[0]?["field"] == .string(field), "\(spec)")
            }
            let fine: JSON = ["size": 10, "name": "abc", "tags": ["x"], "when": "2026-12-05T10:07:00Z", "color": "blue"]
            let accepted = try await client.request("POST", Self.path, body: Self.gadget("good", fine))
            #expect(accepted.status == 201, "\(accepted.json)")
        }
    }
}
