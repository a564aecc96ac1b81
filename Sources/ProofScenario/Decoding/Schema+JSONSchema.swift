import ProofCore

extension Schema {
    /// Renders a JSON Schema (draft 2020-12) document whose root is this schema; named object schemas go
    /// under `$defs` and are referenced with `$ref`.
    public func jsonSchemaDocument(id: String, title: String) -> JSON {
        var defs: [String: JSON] = [:]
        var root = jsonSchema(defs: &defs)
        guard case .object(var members) = root else { return root }
        members["$schema"] = .string("https://json-schema.org/draft/2020-12/schema")
        members["$id"] = .string(id)
        members["title"] = .string(title)
        members["$defs"] = .object(defs)
        root = .object(members)
        return root
    }

    /// Renders this schema, adding the named object schemas it uses to `defs`.
    public func jsonSchema(defs: inout [String: JSON]) -> JSON {
        var out: [String: JSON] = [:]
        switch kind {
        case .string(let pattern, let values):
            out["type"] = "string"
            if let pattern { out["pattern"] = .string(pattern) }
            if let values { out["enum"] = .array(values.map(JSON.string)) }
        case .integer(let minimum):
            out["type"] = "integer"
            if let minimum { out["minimum"] = .int(Int64(minimum)) }
        case .number:
            out["type"] = "number"
        case .boolean:
            out["type"] = "boolean"
        case .duration:
            out["anyOf"] = [
                ["type": "string", "pattern": .string(Schema.durationPattern)],
                ["type": "integer", "minimum": 0],
            ]
        case .array(let items):
            out["type"] = "array"
            out["items"] = items.jsonSchema(defs: &defs)
        case .object(let object):
            if defs[object.name] == nil {
                defs[object.name] = .object([:])  // placeholder breaks recursion
                defs[object.name] = object.jsonSchema(defs: &defs)
            }
            out["$ref"] = .string("#/$defs/\(object.name)")
        case .map(let values):
            out["type"] = "object"
            out["additionalProperties"] = values.jsonSchema(defs: &defs)
        case .oneOf(let schemas):
            out["oneOf"] = .array(schemas.map { $0.jsonSchema(defs: &defs) })
        case .any:
            break
        }
        if !doc.isEmpty { out["description"] = .string(doc) }
        return .object(out)
    }

    /// The pattern of a duration string: `500ms`, `30s`, `2m`, `1h30m`, `1.5s`.
    public static let durationPattern = "^([0-9]+(\\.[0-9]+)?(ms|s|m|h))+$"
}

extension ObjectSchema {
    /// Renders the object as a closed JSON Schema object (`additionalProperties: false`).
    func jsonSchema(defs: inout [String: JSON]) -> JSON {
        var properties: [String: JSON] = [:]
        for property in self.properties {
            properties[property.name] = property.schema.jsonSchema(defs: &defs)
        }
        var out: [String: JSON] = [
            "type": "object",
            "description": .string(doc),
            "properties": .object(properties),
            "additionalProperties": false,
        ]
        let required = self.properties.filter(\.required).map(\.name)
        if !required.isEmpty { out["required"] = .array(required.map(JSON.string)) }
        if !exactlyOneOf.isEmpty {
            out["oneOf"] = .array(exactlyOneOf.map { ["required": [.string($0)]] })
        }
        return .object(out)
    }
}
