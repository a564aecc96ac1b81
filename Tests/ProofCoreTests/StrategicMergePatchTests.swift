import ProofCore
import Testing

@Suite("Strategic merge patch (the subset kubectl needs)")
struct StrategicMergePatchTests {
    static let deployment = json(#"""
    {"apiVersion":"apps/v1","kind":"Deployment",
     "metadata":{"name":"fastapi","namespace":"fastapi-dev","labels":{"app":"fastapi","tier":"core"},
                 "finalizers":["a.example/one"],
                 "ownerReferences":[{"uid":"u1","kind":"X","name":"x"}]},
     "spec":{"replicas":1,"template":{"spec":{
       "containers":[
         {"name":"api","image":"ghcr.io/example/mlp-fastapi:1.0.0",
          "env":[{"name":"A","value":"1"},{"name":"B","value":"2"}],
          "ports":[{"containerPort":8080,"name":"http"}],
          "volumeMounts":[{"name":"cfg","mountPath":"/etc/cfg"}],
          "args":["--a","--b"]},
         {"name":"sidecar","image":"busybox:1"}],
       "volumes":[{"name":"cfg","configMap":{"name":"cfg"}}],
       "imagePullSecrets":[{"name":"regcred"}],
       "tolerations":[{"key":"k1","operator":"Exists"}]}}}}
    """#)

    private func patch(_ patch: String, kind: String = "Deployment", _ object: JSON = deployment) throws(PatchError) -> JSON {
        try object.applyingStrategicMergePatch(json(patch), kind: kind)
    }

    private func container(_ object: JSON, _ name: String) -> JSON? {
        object.value(atDottedPath: "spec.template.spec.containers")?.arrayValue?.first { $0["name"] == .string(name) }
    }

    @Test("kubectl set image: containers merge by name, the other container is kept")
    func setImage() throws {
        let result = try patch(#"{"spec":{"template":{"spec":{"containers":[{"name":"api","image":"ghcr.io/example/mlp-fastapi:1.1.0"}]}}}}"#)
        #expect(container(result, "api")?["image"] == "ghcr.io/example/mlp-fastapi:1.1.0")
        #expect(container(result, "api")?["env"]?.arrayValue?.count == 2)
        #expect(container(result, "sidecar")?["image"] == "busybox:1")
        #expect(result.value(atDottedPath: "spec.template.spec.containers.0.name") == "api")
    }

    @Test("maps merge and null deletes")
    func maps() throws {
        let result = try patch(#"{"metadata":{"labels":{"tier":null,"team":"ml"}},"spec":{"replicas":2}}"#)
        #expect(result[path: ["metadata", "labels"]] == json(#"{"app":"fastapi","team":"ml"}"#))
        #expect(result[path: ["spec", "replicas"]] == 2)
    }

    @Test("env by name, ports by containerPort, volumeMounts by mountPath, new elements appended")
    func nestedMergeKeys() throws {
        let result = try patch(#"""
        {"spec":{"template":{"spec":{"containers":[{"name":"api",
          "env":[{"name":"B","value":"20"},{"name":"C","value":"3"}],
          "ports":[{"containerPort":8080,"protocol":"TCP"},{"containerPort":9090}],
          "volumeMounts":[{"mountPath":"/etc/cfg","readOnly":true}]}]}}}}
        """#)
        let api = try #require(container(result, "api"))
        #expect(api["env"] == json(#"[{"name":"A","value":"1"},{"name":"B","value":"20"},{"name":"C","value":"3"}]"#))
        #expect(api["ports"] == json(#"[{"containerPort":8080,"name":"http","protocol":"TCP"},{"containerPort":9090}]"#))
        #expect(api["volumeMounts"] == json(#"[{"name":"cfg","mountPath":"/etc/cfg","readOnly":true}]"#))
    }

    @Test("lists without a merge key are replaced: tolerations, args")
    func replacedLists() throws {
        let result = try patch(#"{"spec":{"template":{"spec":{"tolerations":[{"key":"k2","operator":"Exists"}],"containers":[{"name":"api","args":["--c"]}]}}}}"#)
        #expect(result.value(atDottedPath: "spec.template.spec.tolerations") == json(#"[{"key":"k2","operator":"Exists"}]"#))
        #expect(container(result, "api")?["args"] == ["--c"])
    }

    @Test("volumes and imagePullSecrets by name")
    func volumes() throws {
        let result = try patch(#"{"spec":{"template":{"spec":{"volumes":[{"name":"data","emptyDir":{}}],"imagePullSecrets":[{"name":"regcred"},{"name":"other"}]}}}}"#)
        #expect(result.value(atDottedPath: "spec.template.spec.volumes")?.arrayValue?.count == 2)
        #expect(result.value(atDottedPath: "spec.template.spec.imagePullSecrets") == json(#"[{"name":"regcred"},{"name":"other"}]"#))
    }

    @Test("a list named like a merged one but elsewhere is replaced")
    func pathMatters() throws {
        let pvc = json(#"{"spec":{"template":{"volumes":[{"name":"a"}]}},"status":{"conditions":[{"type":"A"}],"other":{"conditions":[{"type":"B"}]}}}"#)
        let result = try patch(#"{"spec":{"template":{"volumes":[{"name":"b"}]}},"status":{"other":{"conditions":[{"type":"C"}]}}}"#, kind: "PersistentVolumeClaim", pvc)
        #expect(result.value(atDottedPath: "spec.template.volumes") == json(#"[{"name":"b"}]"#))
        #expect(result.value(atDottedPath: "status.other.conditions") == json(#"[{"type":"C"}]"#))
        #expect(result.value(atDottedPath: "status.conditions") == json(#"[{"type":"A"}]"#))
    }

    @Test("$patch: delete removes a list element by key and a map")
    func patchDelete() throws {
        let result = try patch(#"{"metadata":{"labels":{"$patch":"delete"}},"spec":{"template":{"spec":{"containers":[{"name":"sidecar","$patch":"delete"},{"name":"api","env":[{"name":"A","$patch":"delete"}]}]}}}}"#)
        #expect(container(result, "sidecar") == nil)
        #expect(container(result, "api")?["env"] == json(#"[{"name":"B","value":"2"}]"#))
        #expect(result[path: ["metadata", "labels"]] == nil)
    }

    @Test("$patch: replace on a list and on a map")
    func patchReplace() throws {
        let result = try patch(#"{"metadata":{"labels":{"$patch":"replace","only":"this"}},"spec":{"template":{"spec":{"containers":[{"$patch":"replace"},{"name":"new","image":"n:1"}]}}}}"#)
        #expect(result[path: ["metadata", "labels"]] == json(#"{"only":"this"}"#))
        #expect(result.value(atDottedPath: "spec.template.spec.containers") == json(#"[{"name":"new","image":"n:1"}]"#))
    }

    @Test("finalizers merge as a set; $deleteFromPrimitiveList removes; ownerReferences merge by uid")
    func metadataLists() throws {
        var result = try patch(#"{"metadata":{"finalizers":["a.example/one","b.example/two"],"ownerReferences":[{"uid":"u2","kind":"Y","name":"y"}]}}"#)
        #expect(result[path: ["metadata", "finalizers"]] == ["a.example/one", "b.example/two"])
        #expect(result[path: ["metadata", "ownerReferences"]]?.arrayValue?.count == 2)
        result = try patch(#"{"metadata":{"$deleteFromPrimitiveList/finalizers":["a.example/one"]}}"#, result)
        #expect(result[path: ["metadata", "finalizers"]] == ["b.example/two"])
        result = try patch(#"{"metadata":{"finalizers":null}}"#, result)
        #expect(result[path: ["metadata", "finalizers"]] == nil)
    }

    @Test("$setElementOrder orders the merged list; $retainKeys clears other keys")
    func orderAndRetain() throws {
        let result = try patch(#"""
        {"spec":{"strategy":{"$retainKeys":["type"],"type":"Recreate"},
          "template":{"spec":{"$setElementOrder/containers":[{"name":"sidecar"},{"name":"api"}],
                              "containers":[{"name":"api","image":"x:2"}]}}}}
        """#, Self.deployment.applyingMergePatch(json(#"{"spec":{"strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":1}}}}"#)))
        #expect(result.value(atDottedPath: "spec.template.spec.containers.0.name") == "sidecar")
        #expect(result.value(atDottedPath: "spec.template.spec.containers.1.image") == "x:2")
        #expect(result.value(atDottedPath: "spec.strategy") == json(#"{"type":"Recreate"}"#))
    }

    @Test("Service ports merge by port; status.conditions by type")
    func serviceAndConditions() throws {
        let service = json(#"{"spec":{"ports":[{"port":80,"targetPort":8080},{"port":443}]},"status":{"conditions":[{"type":"A","status":"False"}]}}"#)
        let result = try patch(#"{"spec":{"ports":[{"port":80,"targetPort":9090}]},"status":{"conditions":[{"type":"A","status":"True"},{"type":"B","status":"True"}]}}"#, kind: "Service", service)
        #expect(result.value(atDottedPath: "spec.ports") == json(#"[{"port":80,"targetPort":9090},{"port":443}]"#))
        #expect(result.value(atDottedPath: "status.conditions") == json(#"[{"type":"A","status":"True"},{"type":"B","status":"True"}]"#))
    }

    @Test("a new list or map in the patch is taken without directives")
    func newValues() throws {
        let result = try patch(#"{"data":{"k":"v","gone":null}}"#, kind: "ConfigMap", json(#"{"metadata":{"name":"c"}}"#))
        #expect(result["data"] == json(#"{"k":"v"}"#))
    }

    @Test("errors: custom resources, missing merge key, bad directive, non-object patch")
    func errors() {
        var error = #expect(throws: PatchError.self) { try patch(#"{"spec":{}}"#, kind: "Application", json("{}")) }
        #expect(error?.kind == .unsupportedKind)
        #expect(error?.description.contains("Application") == true)
        error = #expect(throws: PatchError.self) { try patch(#"{"spec":{"template":{"spec":{"containers":[{"image":"x"}]}}}}"#) }
        #expect(error?.kind == .missingMergeKey)
        #expect(error?.path == "spec.template.spec.containers")
        #expect(error?.message.contains("merge key: name") == true)
        error = #expect(throws: PatchError.self) { try patch(#"{"metadata":{"$patch":"explode"}}"#) }
        #expect(error?.kind == .invalidDirective)
        #expect(error?.path == "metadata")
        error = #expect(throws: PatchError.self) { try patch(#"[1]"#) }
        #expect(error?.kind == .notAnObject)
    }
}
