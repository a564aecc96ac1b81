import Hummingbird
import ProofCore

/// A minimal `/openapi/v3`: one document per group version listing, for each resource, its object path
/// with a PATCH operation tagged `x-kubernetes-group-version-kind` and the `fieldValidation` parameter.
///
/// That is exactly what kubectl's query-parameter verifier reads before `kubectl apply`/`create`: finding
/// the parameter, it leaves validation to the server (`fieldValidation=Strict`) instead of downloading
/// schemas for client-side validation. Component schemas are the published Kubernetes v1.32 schemas
/// (`OpenAPI+Schemas.swift`), so `kubectl explain` works; `/openapi/v2` serves the same as Swagger 2.0.
enum OpenAPI {
    static func respond(_ call: APIServer.Call, registry: ResourceRegistry) throws(SimError) -> Response {
        let segments = call.path.split(separator: "/").map(String.init)
        if segments.count == 2, segments[1] == "v2" { return APIServer.json(swagger(registry: registry)) }
        guard segments.count >= 2, segments[1] == "v3" else { throw .pathNotFound(call.path) }
        if segments.count == 2 {
            var paths: [String: JSON] = [:]
            for (group, versions) in registry.groups {
                for version in versions {
                    let key = group.isEmpty ? "api/\(version)" : "apis/\(group)/\(version)"
                    paths[key] = ["serverRelativeURL": .string("/openapi/v3/\(key)?hash=\(Digest.sha256Hex(key).prefix(16))")]
                }
            }
            return APIServer.json(["paths": .object(paths)])
        }
        let rest = segments.dropFirst(2)
        let group: String
        let version: String
        if rest.first == "api", rest.count == 2 {
            (group, version) = ("", rest.last!)
        } else if rest.first == "apis", rest.count == 3 {
            (group, version) = (rest[rest.startIndex + 1], rest.last!)
        } else {
            throw .pathNotFound(call.path)
        }
        var paths: [String: JSON] = [:]
        let parameters: JSON = [
            ["name": "name", "in": "path", "required": true, "schema": ["type": "string"]],
            ["name": "dryRun", "in": "query", "schema": ["type": "string"]],
            ["name": "fieldManager", "in": "query", "schema": ["type": "string"]],
            ["name": "fieldValidation", "in": "query", "schema": ["type": "string"]],
            ["name": "pretty", "in": "query", "schema": ["type": "string"]],
        ]
        for type in registry.all where type.group == group && type.version == version {
            let gvk: JSON = ["group": .string(type.group), "version": .string(type.version), "kind": .string(type.kind)]
            let operation = { (action: String) -> JSON in
                ["operationId": .string("\(action)\(type.kind)"), "x-kubernetes-action": .string(action),
                    "x-kubernetes-group-version-kind": gvk, "responses": ["200": ["description": "OK"]],
                    "parameters": parameters]
            }
            let path = type.namespaced
                ? "\(type.groupVersionPath)/namespaces/{namespace}/\(type.resource)/{name}"
                : "\(type.groupVersionPath)/\(type.resource)/{name}"
            paths[path] = ["get": operation("get"), "put": operation("put"), "patch": operation("patch"),
                "delete": operation("delete")]
        }
        return APIServer.json([
            "openapi": "3.0.0", "info": ["title": "Kubernetes (proof-sim)", "version": "v1.32.0"],
            "paths": .object(paths), "components": ["schemas": componentSchemas],
        ])
    }
}
