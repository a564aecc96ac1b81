import Foundation
import ProofCore
import ProofSim
import Testing

/// Issue 11 §3, §2, §4 against a live simulated cluster, with raw HTTP and the real kubectl: objects come back
/// defaulted with `managedFields`, writes are validated against the published schemas and the per-type rules,
/// `kubectl explain` works, controllers behave on the defaults, and server-side apply tracks and defends fields.
@Suite("Admission conformance: defaulting, validation, server-side apply", .tags(.kubectl), .serialized)
struct AdmissionConformanceTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

    static func json(_ result: Client.ProcessResult) throws -> JSON { try JSON(parsing: result.stdout) }

    static func typeName(_ value: JSON?) -> String {
        switch value {
        case nil: return "absent"
        case .null?: return "null"
        case .bool?: return "bool"
        case .int?, .double?: return "number"
        case .string?: return "string"
        case .array?: return "array"
        case .object?: return "object"
        }
    }

    // MARK: Defaulting

    @Test("a Deployment's pod has the defaulted shape of a real pod (EKS sample): spec keys, container defaults, tolerations, token volume")
    func podShapeMatchesRealPod() async throws {
        let text = try String(contentsOf: Self.fixtures.appendingPathComponent("pod-running-eks-kubectl-get-yaml.yaml"), encoding: .utf8)
        let real = try YAML.decode(text)
        try await SimFixture.withCluster { _, client in
            let pods = try Self.json(try await client.runKubectl("get", "pods", "-n", "airflow-dev", "-l", "app=airflow-web", "-o", "json"))
            let pod = try #require(pods["items"]?[0])
            let realSpec = try #require(real["spec"]?.objectValue)
            let spec = try #require(pod["spec"])
            // Every key of the real spec but the one its manifest set by hand is there, with the same JSON type.
            for key in realSpec.keys.sorted() where key != "automountServiceAccountToken" {
                #expect(Self.typeName(spec[key]) == Self.typeName(realSpec[key]), "spec.\(key)")
            }
            for key in ["dnsPolicy", "enableServiceLinks", "preemptionPolicy", "priority", "restartPolicy", "schedulerName",
                "securityContext", "terminationGracePeriodSeconds"]
            {
                #expect(spec[key] == realSpec[key], "spec.\(key) is \(spec[key]?.displayString ?? "absent")")
            }
            #expect(spec["serviceAccountName"] == "default" && spec["serviceAccount"] == "default")
            #expect(spec["tolerations"] == realSpec["tolerations"])
            let container = try #require(spec["containers"]?[0])
            let realContainer = try #require(real[path: ["spec", "containers"]]?[0])
            for key in ["terminationMessagePath", "terminationMessagePolicy", "imagePullPolicy"] {
                #expect(container[key] == realContainer[key], "containers[0].\(key)")
            }
            #expect(container["resources"] == [:])
            #expect(container[path: ["ports"]]?[0]?["protocol"] == "TCP")
            // The projected service-account token volume, mounted read-only, equal to the real one but for its name.
            let realVolume = try #require(real[path: ["spec", "volumes"]]?.arrayValue?.first { $0["projected"] != nil })
            let volume = try #require(spec["volumes"]?.arrayValue?.first { $0["projected"] != nil })
            #expect(volume["projected"] == realVolume["projected"])
            let name = try #require(volume["name"]?.stringValue)
            #expect(name.hasPrefix("kube-api-access-") && name.count == "kube-api-access-".count + 5)
            let mount = container["volumeMounts"]?.arrayValue?.first { $0["name"]?.stringValue == name }
            #expect(mount?["mountPath"] == "/var/run/secrets/kubernetes.io/serviceaccount" && mount?["readOnly"] == true)
        }
    }

    @Test("workloads, services and pods created over raw HTTP come back with a real server's defaults")
    func workloadAndServiceDefaults() async throws {
        try await SimFixture.withCluster { _, client in
            func template(_ app: String, image: String) -> JSON {
                ["metadata": ["labels": ["app": .string(app)]], "spec": ["containers": [["name": "c", "image": .string(image)]]]]
            }
            let deployment = try await client.request("POST", "/apis/apps/v1/namespaces/airflow-dev/deployments", body: [
                "apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "d"],
                "spec": ["selector": ["matchLabels": ["app": "d"]], "template": template("d", image: "nginx")]])
            #expect(deployment.status == 201, "\(deployment.text)")
            let spec = deployment.json["spec"] ?? [:]
            #expect(spec["strategy"] == ["type": "RollingUpdate", "rollingUpdate": ["maxSurge": "25%", "maxUnavailable": "25%"]])
            #expect(spec["revisionHistoryLimit"] == 10 && spec["progressDeadlineSeconds"] == 600 && spec["replicas"] == 1)
            #expect(spec[path: ["template", "spec", "containers"]]?[0]?["imagePullPolicy"] == "Always")
            #expect(spec[path: ["template", "metadata"]]?.objectValue?["creationTimestamp"] == .null)
            #expect(spec[path: ["template", "spec", "dnsPolicy"]] == "ClusterFirst")
            #expect(spec[path: ["template", "spec", "serviceAccountName"]] == nil, "admission defaults are for pods only")

            let sts = try await client.request("POST", "/apis/apps/v1/namespaces/airflow-dev/statefulsets", body: [
                "apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": ["name": "s"],
                "spec": ["serviceName": "s", "selector": ["matchLabels": ["app": "s"]], "template": template("s", image: "redis:7")]])
            #expect(sts.status == 201, "\(sts.text)")
            #expect(sts.json[path: ["spec", "updateStrategy"]] == ["type": "RollingUpdate", "rollingUpdate": ["partition": 0]])
            #expect(sts.json[path: ["spec", "podManagementPolicy"]] == "OrderedReady")
            #expect(sts.json[path: ["spec", "template", "spec", "containers"]]?[0]?["imagePullPolicy"] == "IfNotPresent")

            let ds = try await client.request("POST", "/apis/apps/v1/namespaces/airflow-dev/daemonsets", body: [
                "apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": ["name": "a"],
                "spec": ["selector": ["matchLabels": ["app": "a"]], "template": template("a", image: "grafana/alloy@sha256:abc")]])
            #expect(ds.status == 201, "\(ds.text)")
            #expect(ds.json[path: ["spec", "updateStrategy"]] == ["type": "RollingUpdate", "rollingUpdate": ["maxUnavailable": 1, "maxSurge": 0]])
            #expect(ds.json[path: ["spec", "revisionHistoryLimit"]] == 10)
            #expect(ds.json[path: ["spec", "template", "spec", "containers"]]?[0]?["imagePullPolicy"] == "IfNotPresent")

            let service = try await client.request("POST", "/api/v1/namespaces/airflow-dev/services", body: [
                "apiVersion": "v1", "kind": "Service", "metadata": ["name": "svc"],
                "spec": ["selector": ["app": "d"], "ports": [["port": 80]]]])
            #expect(service.status == 201, "\(service.text)")
            let serviceSpec = service.json["spec"] ?? [:]
            #expect(serviceSpec["type"] == "ClusterIP" && serviceSpec["sessionAffinity"] == "None")
            #expect(serviceSpec["ipFamilies"] == ["IPv4"] && serviceSpec["ipFamilyPolicy"] == "SingleStack")
            #expect(serviceSpec["internalTrafficPolicy"] == "Cluster")
            let ip = try #require(serviceSpec["clusterIP"])
            #expect(serviceSpec["clusterIPs"] == [ip])
            #expect(serviceSpec["ports"]?[0] == ["port": 80, "protocol": "TCP", "targetPort": 80])
        }
    }

    @Test("managedFields on every write: the creator owns what it set, an update moves changed fields, a no-op write changes nothing")
    func managedFieldsOnEveryWrite() async throws {
        try await SimFixture.withCluster { _, client in
            let path = "/api/v1/namespaces/airflow-dev/configmaps"
            let created = try await client.request("POST", path + "?fieldManager=alice", body: [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "owned", "labels": ["team": "ml"]],
                "data": ["a": "1", "b": "2"]])
            #expect(created.status == 201, "\(created.text)")
            let entries = created.json[path: ["metadata", "managedFields"]]?.arrayValue ?? []
            #expect(entries.count == 1)
            #expect(entries.first?["manager"] == "alice" && entries.first?["operation"] == "Update"
                && entries.first?["fieldsType"] == "FieldsV1" && entries.first?["apiVersion"] == "v1" && entries.first?["time"] != nil)
            #expect(entries.first?["fieldsV1"] == ["f:data": [".": [:], "f:a": [:], "f:b": [:]],
                "f:metadata": ["f:labels": [".": [:], "f:team": [:]]]])

            var body = created.json
            body["data"] = ["a": "1", "b": "3"]
            body.set(nil, at: ["metadata", "managedFields"])
            let updated = try await client.request("PUT", path + "/owned?fieldManager=bob", body: body)
            #expect(updated.status == 200, "\(updated.text)")
            let after = updated.json[path: ["metadata", "managedFields"]]?.arrayValue ?? []
            let alice = after.first { $0["manager"] == "alice" }
            let bob = after.first { $0["manager"] == "bob" }
            #expect(bob?["fieldsV1"] == ["f:data": ["f:b": [:]]])
            #expect(alice?[path: ["fieldsV1", "f:data", "f:b"]] == nil && alice?[path: ["fieldsV1", "f:data", "f:a"]] != nil)

            let again = try await client.request("PUT", path + "/owned?fieldManager=carol", body: updated.json)
            #expect(again.json[path: ["metadata", "resourceVersion"]] == updated.json[path: ["metadata", "resourceVersion"]])
            #expect(again.json[path: ["metadata", "managedFields"]] == updated.json[path: ["metadata", "managedFields"]])

            // kubectl names itself through the User-Agent or its own fieldManager.
            #expect(try await client.runKubectl("label", "configmap", "owned", "-n", "airflow-dev", "tier=x").status == 0)
            let labelled = try Self.json(try await client.runKubectl("get", "configmap", "owned", "-n", "airflow-dev", "-o", "json", "--show-managed-fields"))
            let managers = (labelled[path: ["metadata", "managedFields"]]?.arrayValue ?? []).compactMap { $0["manager"]?.stringValue }
            #expect(managers.contains { $0.hasPrefix("kubectl") }, "\(managers)")
        }
    }

    // MARK: Validation

    @Test("wrong types → 400 naming the field; unknown fields: Strict → 400, Warn → Warning header and dropped, Ignore → dropped")
    func schemaValidation() async throws {
        try await SimFixture.withCluster { _, client in
            func deployment(_ name: String, spec extra: [String: JSON]) -> JSON {
                var spec: JSON = ["selector": ["matchLabels": ["app": .string(name)]],
                    "template": ["metadata": ["labels": ["app": .string(name)]], "spec": ["containers": [["name": "c", "image": "nginx:1"]]]]]
                for (key, value) in extra { spec[key] = value }
                return ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": .string(name)], "spec": spec]
            }
            let path = "/apis/apps/v1/namespaces/airflow-dev/deployments"
            let wrongType = try await client.request("POST", path, body: deployment("t", spec: ["replicas": "two"]))
            #expect(wrongType.status == 400 && wrongType.json["reason"] == "BadRequest")
            #expect(wrongType.json["message"]?.stringValue?.contains("spec.replicas") == true, "\(wrongType.text)")

            let strict = try await client.request("POST", path + "?fieldValidation=Strict", body: deployment("s", spec: ["replicaz": 2]))
            #expect(strict.status == 400)
            #expect(strict.json["message"]?.stringValue?.contains("unknown field \"spec.replicaz\"") == true, "\(strict.text)")

            let warn = try await client.request("POST", path + "?fieldValidation=Warn", body: deployment("w", spec: ["replicaz": 2]))
            #expect(warn.status == 201, "\(warn.text)")
            #expect(warn.headers["warning"]?.contains("unknown field \\\"spec.replicaz\\\"") == true, "\(warn.headers)")
            #expect(warn.json[path: ["spec", "replicaz"]] == nil)

            let ignore = try await client.request("POST", path + "?fieldValidation=Ignore", body: deployment("i", spec: ["replicaz": 2]))
            #expect(ignore.status == 201 && ignore.headers["warning"] == nil && ignore.json[path: ["spec", "replicaz"]] == nil)

            // kubectl --validate=strict (its default) sends Strict and shows the server's refusal.
            let file = client.directory + "/unknown.yaml"
            try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: u, namespace: airflow-dev}\ndata: {a: b}\ndatta: {c: d}\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            let refused = try await client.runKubectl("apply", "--validate=strict", "-f", file)
            #expect(refused.status != 0 && refused.stderr.contains("unknown field \"datta\""), "\(refused.stderr)")
            let warned = try await client.runKubectl("apply", "--validate=warn", "-f", file)
            #expect(warned.status == 0 && warned.stderr.contains("unknown field \"datta\""), "\(warned.stderr)")
        }
    }

    @Test("per-type rules → 422 Invalid with details.causes: selector, template labels, containers, image, replicas, label syntax")
    func perTypeRules() async throws {
        try await SimFixture.withCluster { _, client in
            let bad: JSON = ["apiVersion": "apps/v1", "kind": "Deployment",
                "metadata": ["name": "bad", "labels": ["bad key!": "x", "ok": "-no-"]],
                "spec": ["replicas": -1, "selector": ["matchLabels": ["app": "bad"]],
                    "template": ["metadata": ["labels": ["app": "other"]], "spec": ["containers": [["name": "c"]]]]]]
            let response = try await client.request("POST", "/apis/apps/v1/namespaces/airflow-dev/deployments", body: bad)
            #expect(response.status == 422 && response.json["reason"] == "Invalid", "\(response.text)")
            #expect(response.json[path: ["details", "kind"]] == "Deployment" && response.json[path: ["details", "group"]] == "apps")
            let causes = response.json[path: ["details", "causes"]]?.arrayValue ?? []
            let fields = Set(causes.compactMap { $0["field"]?.stringValue })
            #expect(fields == ["metadata.labels", "spec.replicas", "spec.template.metadata.labels", "spec.template.spec.containers[0].image"],
                "\(causes)")
            #expect(causes.contains { $0["reason"] == "FieldValueRequired" && $0["message"] == "Required value" })
            #expect(response.json["message"]?.stringValue?.hasPrefix("Deployment.apps \"bad\" is invalid: [") == true)

            let noSelector: JSON = ["apiVersion": "apps/v1", "kind": "Deployment", "metadata": ["name": "nosel"],
                "spec": ["template": ["metadata": ["labels": ["app": "x"]], "spec": ["containers": []]]]]
            let second = try await client.request("POST", "/apis/apps/v1/namespaces/airflow-dev/deployments", body: noSelector)
            let secondFields = Set((second.json[path: ["details", "causes"]]?.arrayValue ?? []).compactMap { $0["field"]?.stringValue })
            #expect(second.status == 422 && secondFields.isSuperset(of: ["spec.selector", "spec.template.spec.containers"]), "\(second.text)")
            #expect((try? await client.request("GET", "/apis/apps/v1/namespaces/airflow-dev/deployments/bad").status) == 404)
        }
    }

    @Test("immutable fields: Deployment selector, Service clusterIP, PVC spec, Pod spec but images, immutable ConfigMap, no new finalizers while deleting")
    func immutableFields() async throws {
        try await SimFixture.withCluster { _, client in
            func patch(_ path: String, _ body: JSON) async throws -> Client.HTTPResult {
                try await client.request("PATCH", path, body: body, contentType: "application/merge-patch+json")
            }
            let selector = try await patch("/apis/apps/v1/namespaces/airflow-dev/deployments/airflow-web",
                ["spec": ["selector": ["matchLabels": ["app": "x"]], "template": ["metadata": ["labels": ["app": "x"]]]]])
            #expect(selector.status == 422 && selector.json[path: ["details", "causes"]]?[0]?["field"] == "spec.selector", "\(selector.text)")

            let clusterIP = try await patch("/api/v1/namespaces/airflow-dev/services/airflow-web", ["spec": ["clusterIP": "10.96.99.99", "clusterIPs": ["10.96.99.99"]]])
            #expect(clusterIP.status == 422 && clusterIP.text.contains("spec.clusterIP"), "\(clusterIP.text)")

            let claims = try await client.request("GET", "/api/v1/namespaces/baseline-dev/persistentvolumeclaims").json["items"]?.arrayValue ?? []
            let claim = try #require(claims.first?[path: ["metadata", "name"]]?.stringValue)
            let pvc = try await patch("/api/v1/namespaces/baseline-dev/persistentvolumeclaims/\(claim)", ["spec": ["accessModes": ["ReadWriteMany"]]])
            #expect(pvc.status == 422 && pvc.text.contains("spec is immutable after creation"), "\(pvc.text)")

            let pods = try await client.request("GET", "/api/v1/namespaces/airflow-dev/pods").json["items"]?.arrayValue ?? []
            let pod = try #require(pods.first?[path: ["metadata", "name"]]?.stringValue)
            let podPath = "/api/v1/namespaces/airflow-dev/pods/\(pod)"
            let podSpec = try await client.request("PATCH", podPath, body: ["spec": ["containers": [["name": "web", "workingDir": "/x"]]]],
                contentType: "application/strategic-merge-patch+json")
            #expect(podSpec.status == 422 && podSpec.text.contains("pod updates may not change fields"), "\(podSpec.text)")
            let image = try await client.request("PATCH", podPath, body: ["spec": ["containers": [["name": "web", "image": "apache/airflow:2.10.0"]]]],
                contentType: "application/strategic-merge-patch+json")
            #expect(image.status == 200, "\(image.text)")

            let created = try await client.request("POST", "/api/v1/namespaces/airflow-dev/configmaps", body: [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "frozen"], "data": ["a": "1"], "immutable": true])
            #expect(created.status == 201)
            let frozen = try await patch("/api/v1/namespaces/airflow-dev/configmaps/frozen", ["data": ["a": "2"]])
            #expect(frozen.status == 422 && frozen.text.contains("field is immutable when `immutable` is set"), "\(frozen.text)")

            let held = try await client.request("POST", "/api/v1/namespaces/airflow-dev/configmaps", body: [
                "apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "held", "finalizers": ["example.com/a"]]])
            #expect(held.status == 201)
            #expect((200...202).contains(try await client.request("DELETE", "/api/v1/namespaces/airflow-dev/configmaps/held").status))
            let added = try await patch("/api/v1/namespaces/airflow-dev/configmaps/held", ["metadata": ["finalizers": ["example.com/a", "example.com/b"]]])
            #expect(added.status == 422 && added.text.contains("no new finalizers can be added if the object is being deleted"), "\(added.text)")
        }
    }

    @Test("kubectl explain reads the served OpenAPI v3 schemas; /openapi/v2 carries the definitions")
    func explain() async throws {
        try await SimFixture.withCluster { _, client in
            let explained = try await client.runKubectl("explain", "deployment.spec.strategy")
            #expect(explained.status == 0, "\(explained.stderr)")
            #expect(explained.stdout.contains("DeploymentStrategy") && explained.stdout.contains("rollingUpdate"), "\(explained.stdout)")
            let pod = try await client.runKubectl("explain", "pods.spec.containers.imagePullPolicy")
            #expect(pod.status == 0 && pod.stdout.contains("imagePullPolicy"), "\(pod.stderr)")
            let v2 = try await client.request("GET", "/openapi/v2")
            #expect(v2.status == 200 && v2.json["swagger"] == "2.0")
            #expect(v2.json[path: ["definitions", "io.k8s.api.apps.v1.Deployment", "x-kubernetes-group-version-kind"]] != nil)
        }
    }

    // MARK: Controllers on the defaults

    @Test("rollout status of StatefulSets and DaemonSets, ControllerRevisions, rollout undo re-uses the old ReplicaSet, DaemonSets skip the control plane, a Never pod completes", .tags(.slow))
    func controllersOnDefaults() async throws {
        try await SimFixture.withCluster { _, client in
            let sts = try await client.runKubectl("rollout", "status", "statefulset/loki", "-n", "baseline-dev", "--timeout=20s")
            #expect(sts.status == 0, "\(sts.stderr)")
            let ds = try await client.runKubectl("rollout", "status", "daemonset/alloy", "-n", "baseline-dev", "--timeout=20s")
            #expect(ds.status == 0 && ds.stdout.contains("successfully rolled out"), "\(ds.stdout) \(ds.stderr)")
            let revisions = try Self.json(try await client.runKubectl("get", "controllerrevisions", "-n", "baseline-dev", "-o", "json"))
            let owners = Set((revisions["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "ownerReferences"]]?[0]?["name"]?.stringValue })
            #expect(owners.isSuperset(of: ["loki", "alloy"]), "\(owners)")
            // The fixture's Alloy has no toleration for the control plane's NoSchedule taint.
            let alloy = try Self.json(try await client.runKubectl("get", "pods", "-n", "baseline-dev", "-l", "app=alloy", "-o", "json"))
            let nodes = Set((alloy["items"]?.arrayValue ?? []).compactMap { $0[path: ["spec", "nodeName"]]?.stringValue })
            #expect(nodes == ["proof-sim-worker", "proof-sim-worker2"])

            #expect(try await client.runKubectl("set", "image", "deployment/airflow-web", "web=apache/airflow:2.10.0", "-n", "airflow-dev").status == 0)
            #expect(try await client.runKubectl("rollout", "status", "deployment/airflow-web", "-n", "airflow-dev", "--timeout=20s").status == 0)
            func replicaSets() async throws -> [String] {
                let list = try Self.json(try await client.runKubectl("get", "rs", "-n", "airflow-dev", "-o", "json"))
                return (list["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "name"]]?.stringValue }.sorted()
            }
            let before = try await replicaSets()
            #expect(before.count == 2)
            let undo = try await client.runKubectl("rollout", "undo", "deployment/airflow-web", "-n", "airflow-dev")
            #expect(undo.status == 0, "\(undo.stderr)")
            #expect(try await client.runKubectl("rollout", "status", "deployment/airflow-web", "-n", "airflow-dev", "--timeout=20s").status == 0)
            #expect(try await replicaSets() == before, "undo made a new ReplicaSet instead of re-using the old one")

            let file = client.directory + "/once.yaml"
            try "apiVersion: v1\nkind: Pod\nmetadata: {name: once, namespace: airflow-dev}\nspec:\n  restartPolicy: Never\n  containers: [{name: c, image: busybox:1.36}]\n"
                .write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await client.runKubectl("create", "-f", file).status == 0)
            let completed = try await eventually(timeout: 10) {
                let pod = try Self.json(try await client.runKubectl("get", "pod", "once", "-n", "airflow-dev", "-o", "json"))
                return pod[path: ["status", "phase"]] == "Succeeded"
                    && pod[path: ["status", "containerStatuses"]]?[0]?[path: ["state", "terminated", "reason"]] == "Completed"
            }
            #expect(completed)
        }
    }

    // MARK: Server-side apply

    @Test("kubectl apply --server-side: Apply entry, 409 conflict with another manager, --force-conflicts takes over, dropped fields go")
    func serverSideApply() async throws {
        try await SimFixture.withCluster { _, client in
            let file = client.directory + "/ssa.yaml"
            func write(_ data: String) throws {
                try "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa, namespace: airflow-dev}\ndata: {\(data)}\n"
                    .write(toFile: file, atomically: true, encoding: .utf8)
            }
            try write("a: '1', b: '2'")
            let first = try await client.runKubectl("apply", "--server-side", "-f", file)
            #expect(first.status == 0 && first.stdout.contains("serverside-applied"), "\(first.stderr)")
            func object() async throws -> JSON { try Self.json(try await client.runKubectl("get", "cm", "ssa", "-n", "airflow-dev", "-o", "json", "--show-managed-fields")) }
            let entries = try await object()[path: ["metadata", "managedFields"]]?.arrayValue ?? []
            #expect(entries.contains { $0["manager"] == "kubectl" && $0["operation"] == "Apply"
                && $0["fieldsV1"] == ["f:data": [".": [:], "f:a": [:], "f:b": [:]]] }, "\(entries)")

            try write("a: '9'")
            let conflict = try await client.runKubectl("apply", "--server-side", "--field-manager=other", "-f", file)
            #expect(conflict.status != 0 && conflict.stderr.contains("conflict with \"kubectl\"") && conflict.stderr.contains(".data.a"),
                "\(conflict.stderr)")
            let raw = try await client.request("PATCH", "/api/v1/namespaces/airflow-dev/configmaps/ssa?fieldManager=other",
                body: ["apiVersion": "v1", "kind": "ConfigMap", "metadata": ["name": "ssa"], "data": ["a": "9"]],
                contentType: "application/apply-patch+yaml")
            #expect(raw.status == 409 && raw.json["reason"] == "Conflict"
                && raw.json[path: ["details", "causes"]]?[0]?["reason"] == "FieldManagerConflict", "\(raw.text)")

            let forced = try await client.runKubectl("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", file)
            #expect(forced.status == 0, "\(forced.stderr)")
            #expect(try await object()[path: ["data", "a"]] == "9")

            // kubectl (the first manager) now applies only b: a stays (owned by other), b is kept, nothing else.
            try write("c: '3'")
            #expect(try await client.runKubectl("apply", "--server-side", "-f", file).status == 0)
            let data = try await object()["data"]
            #expect(data == ["a": "9", "c": "3"], "b was applied by kubectl only and is gone; a is other's: \(data?.displayString ?? "")")
        }
    }

    @Test("the simulated Argo CD honours ServerSideApply=true: a self-healed resource is applied by argocd-controller (Apply), without last-applied", .tags(.argocd, .slow))
    func argoServerSideApply() async throws {
        try await ArgoFixture.withArgoCD { _, controller, client in
            // The GitOps way: the parent app would self-heal a hand edit of the child Application.
            let file = "core/envs/dev/apps/mlflow-dev.yaml"
            let text = try controller.repository.read(file)
            let serverSide = text.replacingOccurrences(of: "      - CreateNamespace=true\n", with: "      - CreateNamespace=true\n      - ServerSideApply=true\n")
            #expect(serverSide != text)
            try controller.repository.commit([file: serverSide], message: "mlflow-dev: server-side apply")
            try await ArgoFixture.waitForApp(client, "mlflow-dev", timeout: 20) { app in
                (app[path: ["spec", "syncPolicy", "syncOptions"]]?.arrayValue ?? []).contains("ServerSideApply=true")
            }
            #expect(try await client.runKubectl("delete", "deployment", "mlflow", "-n", "mlflow-dev").status == 0)
            let applied = try await eventually(timeout: 30) {
                let result = try await client.runKubectl("get", "deployment", "mlflow", "-n", "mlflow-dev", "-o", "json", "--show-managed-fields")
                guard result.status == 0 else { return false }
                let object = try JSON(parsing: result.stdout)
                let lastApplied = object[path: ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"]]
                if lastApplied != nil {
                    // Re-created by a sync that started before the engine read the new option: delete it again.
                    _ = try await client.runKubectl("delete", "deployment", "mlflow", "-n", "mlflow-dev", "--wait=false")
                    return false
                }
                let entries = object[path: ["metadata", "managedFields"]]?.arrayValue ?? []
                return entries.contains { $0["manager"] == "argocd-controller" && $0["operation"] == "Apply" }
            }
            #expect(applied)
        }
    }
}
