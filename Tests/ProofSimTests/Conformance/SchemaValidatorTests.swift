import ProofCore
import ProofSim
import Testing

/// `SchemaValidator` over hand-made structural schemas of the shape a CRD's `openAPIV3Schema` has.
@Suite struct SchemaValidatorTests {
    static let schema: JSON = [
        "type": "object", "required": ["spec"],
        "properties": [
            "apiVersion": ["type": "string"], "kind": ["type": "string"],
            "metadata": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
            "spec": ["$ref": "#/definitions/Spec"],
        ],
        "additionalProperties": false,
    ]
    static let definitions: [String: JSON] = [
        "Spec": ["type": "object", "required": ["mode"], "additionalProperties": false, "properties": [
            "mode": ["type": "string", "enum": ["Fast", "Safe"]],
            "port": ["x-kubernetes-int-or-string": true],
            "retries": ["type": ["integer", "null"], "format": "int32"],
            "tags": ["type": "array", "items": ["type": "string"]],
            "limits": ["type": "object", "additionalProperties": ["type": "integer"]],
            "extra": ["type": "object", "x-kubernetes-preserve-unknown-fields": true],
        ]],
    ]

    static func causes(_ object: JSON) -> [String] {
        SchemaValidator.validate(object, against: schema, definitions: definitions).map { "\($0.reason) \($0.field)" }
    }

    @Test func aValidObjectHasNoCauses() {
        let object: JSON = ["apiVersion": "x/v1", "kind": "K", "metadata": ["name": "a", "anything": ["goes": 1]],
            "spec": ["mode": "Fast", "port": "http", "retries": 3, "tags": ["a"], "limits": ["cpu": 2],
                "extra": ["free": ["form": true]]]]
        #expect(Self.causes(object).isEmpty)
        #expect(Self.causes(["spec": ["mode": "Safe", "port": 8080, "retries": nil]]).isEmpty)
    }

    @Test func everyKindOfProblemIsNamedByItsPath() {
        let object: JSON = ["spec": ["mode": "Slow", "port": true, "retries": "three", "tags": ["a", 2], "limits": ["cpu": "x"],
            "unknown": 1], "status": [:]]
        #expect(Set(Self.causes(object)) == [
            "FieldValueNotSupported spec.mode", "FieldValueTypeInvalid spec.port", "FieldValueTypeInvalid spec.retries",
            "FieldValueTypeInvalid spec.tags[1]", "FieldValueTypeInvalid spec.limits.cpu", "FieldValueUnknown spec.unknown",
            "FieldValueUnknown status",
        ])
        #expect(Self.causes(["spec": [:]]) == ["FieldValueRequired spec.mode"])
        #expect(Self.causes([:]) == ["FieldValueRequired spec"])
        #expect(Self.causes(["spec": ["mode": "Fast", "retries": 4_294_967_296]]) == ["FieldValueTypeInvalid spec.retries"])
    }

    @Test func prunedDropsOnlyUndeclaredFields() {
        let validator = SchemaValidator(definitions: Self.definitions)
        let (pruned, causes) = validator.pruned(["spec": ["mode": "Fast", "junk": 1, "extra": ["kept": 1]]], against: Self.schema)
        #expect(pruned == ["spec": ["mode": "Fast", "extra": ["kept": 1]]])
        #expect(causes.map(\.field) == ["spec.junk"])
    }
}
