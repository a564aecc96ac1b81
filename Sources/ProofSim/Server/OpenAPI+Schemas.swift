import ProofCore

/// The published Kubernetes schemas (`BuiltInSchemas`) rewritten for the OpenAPI documents the API server
/// serves, so `kubectl explain` and kubectl's patch logic find every built-in kind: `$ref`s point at
/// `#/components/schemas/…` (v3) or `#/definitions/…` (v2), nullable type lists become one type, and the
/// int-or-string / quantity `oneOf`s become `type: string` with `format: int-or-string` as the real documents
/// say. Built once per process (immutable `static let`s).
extension OpenAPI {
    /// v3 `components.schemas`.
    static let componentSchemas: JSON = convertAll(refPrefix: "#/components/schemas/")
    /// v2 `definitions`.
    static let swaggerDefinitions: JSON = convertAll(refPrefix: "#/definitions/")

    static func convertAll(refPrefix: String) -> JSON {
        var out: [String: JSON] = [:]
        for (name, schema) in BuiltInSchemas.shared.definitions { out[name] = convert(schema, refPrefix: refPrefix) }
        return .object(out)
    }

    static func convert(_ schema: JSON, refPrefix: String) -> JSON {
        switch schema {
        case .array(let items):
            return .array(items.map { convert($0, refPrefix: refPrefix) })
        case .object(var members):
            if let ref = members["$ref"]?.stringValue {
                let name = ref.split(separator: "/").last.map(String.init) ?? ref
                // OpenAPI 3.0 ignores siblings of `$ref`; the real documents wrap it in `allOf` to keep the description.
                var wrapped: [String: JSON] = ["allOf": [["$ref": .string(refPrefix + name)]]]
                if let description = members["description"] { wrapped["description"] = description }
                return .object(wrapped)
            }
            if let options = members["oneOf"]?.arrayValue {
                let types = Set(options.flatMap { SchemaValidator.typeNames($0) })
                if types.contains("string") && (types.contains("integer") || types.contains("number")) {
                    members["oneOf"] = nil
                    members["type"] = "string"
                    members["format"] = types.contains("integer") ? "int-or-string" : "quantity"
                    if types.contains("integer") { members["x-kubernetes-int-or-string"] = true }
                }
            }
            if let types = members["type"]?.arrayValue {
                members["type"] = types.first { $0.stringValue != "null" } ?? "object"
            }
            var result: [String: JSON] = [:]
            for (key, value) in members {
                switch key {
                case "properties", "definitions", "$defs":
                    var converted: [String: JSON] = [:]
                    for (name, sub) in value.objectValue ?? [:] { converted[name] = convert(sub, refPrefix: refPrefix) }
                    result[key] = .object(converted)
                case "items", "additionalProperties", "allOf", "anyOf", "oneOf", "not":
                    result[key] = convert(value, refPrefix: refPrefix)
                default:
                    result[key] = value
                }
            }
            return .object(result)
        default:
            return schema
        }
    }

    /// `/openapi/v2`: a Swagger 2.0 document with every built-in definition and the registry's object paths.
    static func swagger(registry: ResourceRegistry) -> JSON {
        var paths: [String: JSON] = [:]
        for type in registry.all {
            let gvk: JSON = ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]
            let path = type.namespaced
                ? "\(type.groupVersionPath)/namespaces/{namespace}/\(type.resource)/{name}"
                : "\(type.groupVersionPath)/\(type.resource)/{name}"
            var operations: [String: JSON] = [:]
            for action in ["get", "put", "patch", "delete"] {
                operations[action] = ["operationId": .string("\(action)\(type.kind)"), "x-kubernetes-action": .string(action),
                    "x-kubernetes-group-version-kind": gvk, "responses": ["200": ["description": "OK"]],
                    "parameters": [["name": "fieldValidation", "in": "query", "type": "string", "uniqueItems": true]]]
            }
            paths[path] = .object(operations)
        }
        return ["swagger": "2.0", "info": ["title": "Kubernetes", "version": .string(BuiltInSchemas.kubernetesVersion)],
            "paths": .object(paths), "definitions": swaggerDefinitions]
    }
}
