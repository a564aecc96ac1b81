import Foundation
import ProofCore
import ProofSim
import Testing

/// Issue 11 §5 through real clients: CRDs served dynamically, the API groups a real platform has, the
/// namespace defaults, the self-subject reviews, kubectl's protobuf generators.
@Suite("CRDs and API groups against kubectl", .tags(.kubectl), .serialized)
struct APIGroupsTests {
    static let widgetCRD = """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Namespaced
          names: {plural: widgets, singular: widget, kind: Widget, shortNames: [wdg]}
          versions:
          - name: v1
            served: true
            storage: true
            schema:
              openAPIV3Schema:
                type: object
                properties:
                  spec:
                    type: object
                    required: [size]
                    properties:
                      size: {type: integer}
                      color: {type: string, enum: [red, blue]}
        """

    static func write(_ text: String, in client: Client, as name: String) throws -> String {
        let path = client.directory + "/" + name
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test("kubectl apply -f crd.yaml: Established, in get crd and api-resources; instances validated by the schema; deleting the CRD deletes them")
    func crdLifecycle() async throws {
        try await SimFixture.withCluster { _, client in
            let crd = try Self.write(Self.widgetCRD, in: client, as: "crd.yaml")
            let applied = try await client.runKubectl("apply", "-f", crd)
            #expect(applied.status == 0, "\(applied.stderr)")
            let waited = try await client.runKubectl("wait", "--for", "condition=Established", "crd/widgets.example.com", "--timeout=10s")
            #expect(waited.status == 0, "\(waited.stderr)")
            let crds = try await client.runKubectl("get", "crd")
            #expect(crds.stdout.contains("widgets.example.com"), "\(crds.stdout)")
            #expect(crds.stdout.contains("applications.argoproj.io"), "platform CRDs are installed: \(crds.stdout)")
            let resources = try await client.runKubectl("api-resources", "--api-group=example.com")
            #expect(resources.stdout.contains("widgets") && resources.stdout.contains("wdg") && resources.stdout.contains("Widget"),
                "\(resources.stdout) \(resources.stderr)")

            let good = try Self.write("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w1}\nspec: {size: 3, color: red}\n",
                in: client, as: "good.yaml")
            let created = try await client.runKubectl("apply", "-f", good)
            #expect(created.status == 0, "\(created.stderr)")
            let listed = try await client.runKubectl("get", "wdg", "w1", "-o", "jsonpath={.spec.size}")
            #expect(listed.stdout == "3", "\(listed.stdout) \(listed.stderr)")

            let bad = try Self.write("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w2}\nspec: {size: big, color: green}\n",
                in: client, as: "bad.yaml")
            let refused = try await client.runKubectl("apply", "-f", bad)
            #expect(refused.status != 0)
            #expect(refused.stderr.contains("The Widget \"w2\" is invalid"), "\(refused.stderr)")
            #expect(refused.stderr.contains("spec.size: Invalid value: \"string\": spec.size in body must be of type integer"), "\(refused.stderr)")
            #expect(refused.stderr.contains("spec.color: Unsupported value: \"green\""), "\(refused.stderr)")
            let missing = try await client.request("POST", "/apis/example.com/v1/namespaces/default/widgets",
                body: ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w3"], "spec": ["color": "red"]])
            #expect(missing.status == 422)
            #expect(missing.json[path: ["details", "causes"]]?[0]?["field"] == "spec.size")
            #expect(missing.json[path: ["details", "causes"]]?[0]?["reason"] == "FieldValueRequired")
            // A null for a non-nullable field is pruned by a real server, never refused (Argo CD manifests write
            // `automated: null` to turn auto-sync off).
            let nulled = try await client.request("POST", "/apis/example.com/v1/namespaces/default/widgets",
                body: ["apiVersion": "example.com/v1", "kind": "Widget", "metadata": ["name": "w4"], "spec": ["size": 1, "color": .null]])
            #expect(nulled.status == 201, "\(nulled.json)")

            let deleted = try await client.runKubectl("delete", "crd", "widgets.example.com", "--timeout=10s")
            #expect(deleted.status == 0, "\(deleted.stderr)")
            let gone = try await eventually {
                let instance = try await client.request("GET", "/apis/example.com/v1/namespaces/default/widgets/w1").status
                let definition = try await client.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/widgets.example.com").status
                return instance == 404 && definition == 404
            }
            #expect(gone)
            let groups = try await client.request("GET", "/apis").json
            #expect(!(groups["groups"]?.arrayValue ?? []).contains { $0["name"] == "example.com" })
        }
    }

    @Test("the platform's CRDs are the real manifests: an Application of the wrong shape is refused with the field")
    func platformCRDsValidate() async throws {
        try await SimFixture.withCluster { _, client in
            let crd = try await client.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/applications.argoproj.io").json
            #expect(crd[path: ["metadata", "labels", "app.kubernetes.io/part-of"]] == "argocd")
            let established = crd[path: ["status", "conditions"]]?.arrayValue?.first { $0["type"] == "Established" }
            #expect(established?["status"] == "True")
            #expect(crd[path: ["status", "acceptedNames", "listKind"]] == "ApplicationList")
            let bad: JSON = ["apiVersion": "argoproj.io/v1alpha1", "kind": "Application", "metadata": ["name": "broken"],
                "spec": ["project": "default", "destination": "in-cluster"]]
            let refused = try await client.request("POST", "/apis/argoproj.io/v1alpha1/namespaces/argocd/applications", body: bad)
            #expect(refused.status == 422, "\(refused.json)")
            #expect(refused.json["message"]?.stringValue?.contains("spec.destination: Invalid value: \"string\"") == true, "\(refused.json)")
            for name in ["servicemonitors", "podmonitors", "prometheusrules"] {
                #expect(try await client.request("GET", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/\(name).monitoring.coreos.com").status == 200)
            }
        }
    }

    @Test("kubectl create deployment|service|serviceaccount|job and expose send protobuf and work; the Job runs to Complete")
    func protobufGeneratorsAndJobs() async throws {
        try await SimFixture.withCluster { _, client in
            for arguments in [["create", "deployment", "web", "--image=nginx:1.27", "--port=80", "--replicas=2"],
                ["create", "serviceaccount", "robot"], ["create", "service", "clusterip", "mysvc", "--tcp=5678:8080"],
                ["create", "job", "once", "--image=busybox:1.36", "--", "echo", "hi"],
                ["expose", "deployment", "web", "--port=8080", "--target-port=80"]]
            {
                let result = try await Client.run("/usr/bin/kubectl", arguments,
                    environment: ["KUBECONFIG": client.kubeconfig, "HOME": client.directory])
                #expect(result.status == 0, "kubectl \(arguments.joined(separator: " ")): \(result.stderr)")
            }
            let deployment = try await client.request("GET", "/apis/apps/v1/namespaces/default/deployments/web").json
            #expect(deployment[path: ["spec", "replicas"]] == 2)
            #expect(deployment[path: ["spec", "selector", "matchLabels", "app"]] == "web")
            #expect(deployment[path: ["spec", "template", "spec", "containers"]]?[0]?["image"] == "nginx:1.27")
            #expect(deployment[path: ["spec", "template", "spec", "containers"]]?[0]?["ports"]?[0]?["containerPort"] == 80)
            let service = try await client.request("GET", "/api/v1/namespaces/default/services/web").json
            #expect(service[path: ["spec", "ports"]]?[0]?["port"] == 8080)
            #expect(service[path: ["spec", "ports"]]?[0]?["targetPort"] == 80)
            #expect(service[path: ["spec", "selector", "app"]] == "web")
            let mysvc = try await client.request("GET", "/api/v1/namespaces/default/services/mysvc").json
            #expect(mysvc[path: ["spec", "ports"]]?[0]?["name"] == "5678-8080")
            #expect(try await client.request("GET", "/api/v1/namespaces/default/serviceaccounts/robot").status == 200)

            let waited = try await client.runKubectl("wait", "--for=condition=Complete", "job/once", "--timeout=15s")
            #expect(waited.status == 0, "\(waited.stderr)")
            let job = try await client.request("GET", "/apis/batch/v1/namespaces/default/jobs/once").json
            #expect(job[path: ["status", "succeeded"]] == 1)
            #expect(job[path: ["status", "completionTime"]] != nil)
            #expect(job[path: ["spec", "template", "spec", "containers"]]?[0]?["command"] == ["echo", "hi"])
            let pods = try await client.request("GET", "/api/v1/namespaces/default/pods?labelSelector=job-name%3Donce").json
            let pod = pods["items"]?[0]
            #expect(pod?[path: ["status", "phase"]] == "Succeeded")
            #expect(pod?[path: ["status", "containerStatuses"]]?[0]?[path: ["state", "terminated", "reason"]] == "Completed")
            #expect(pod?[path: ["metadata", "ownerReferences"]]?[0]?["kind"] == "Job")
        }
    }

    @Test("a Job with completions 3 and parallelism 2 ends with 3 succeeded pods")
    func jobCompletions() async throws {
        try await SimFixture.withCluster { _, client in
            let job: JSON = ["apiVersion": "batch/v1", "kind": "Job", "metadata": ["name": "three"],
                "spec": ["completions": 3, "parallelism": 2, "template": ["spec": ["restartPolicy": "Never",
                    "containers": [["name": "work", "image": "busybox:1.36"]]]]]]
            #expect(try await client.request("POST", "/apis/batch/v1/namespaces/default/jobs", body: job).status == 201)
            let done = try await eventually {
                let status = try await client.request("GET", "/apis/batch/v1/namespaces/default/jobs/three").json["status"]
                return status?["succeeded"] == 3
                    && status?["conditions"]?.arrayValue?.contains { $0["type"] == "Complete" && $0["status"] == "True" } == true
            }
            #expect(done)
            let pods = try await client.request("GET", "/api/v1/namespaces/default/pods?labelSelector=job-name%3Dthree").json
            #expect(pods["items"]?.arrayValue?.count == 3)
        }
    }

    @Test("kubectl auth can-i and auth whoami answer")
    func authReviews() async throws {
        try await SimFixture.withCluster { _, client in
            let canI = try await client.runKubectl("auth", "can-i", "create", "deployments", "-n", "airflow-dev")
            #expect(canI.status == 0, "\(canI.stderr)")
            #expect(canI.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "yes")
            let whoami = try await client.runKubectl("auth", "whoami", "-o", "json")
            #expect(whoami.status == 0, "\(whoami.stderr)")
            let review = try JSON(parsing: whoami.stdout)
            #expect(review["kind"] == "SelfSubjectReview")
            #expect(review[path: ["status", "userInfo", "username"]] == "kubernetes-admin")
            let list = try await client.runKubectl("auth", "can-i", "--list")
            #expect(list.status == 0, "\(list.stderr)")
            #expect(list.stdout.contains("*.*"), "\(list.stdout)")
        }
    }

    @Test("every namespace has its default ServiceAccount and kube-root-ca.crt; default/kubernetes and the control-plane pods exist; system namespaces cannot be deleted")
    func namespaceDefaults() async throws {
        try await SimFixture.withCluster { cluster, client in
            #expect(try await client.runKubectl("create", "namespace", "team-a").status == 0)
            let ready = try await eventually {
                let account = try await client.request("GET", "/api/v1/namespaces/team-a/serviceaccounts/default").status
                let configMap = try await client.request("GET", "/api/v1/namespaces/team-a/configmaps/kube-root-ca.crt").status
                return account == 200 && configMap == 200
            }
            #expect(ready)
            let ca = try await client.request("GET", "/api/v1/namespaces/airflow-dev/configmaps/kube-root-ca.crt").json
            #expect(ca[path: ["data", "ca.crt"]]?.stringValue == cluster.caPEM)
            #expect(try await client.runKubectl("delete", "serviceaccount", "default", "-n", "team-a").status == 0)
            #expect(try await eventually {
                try await client.request("GET", "/api/v1/namespaces/team-a/serviceaccounts/default").status == 200
            })
            let kubernetes = try await client.request("GET", "/api/v1/namespaces/default/services/kubernetes").json
            #expect(kubernetes[path: ["spec", "clusterIP"]] == "10.96.0.1")
            #expect(kubernetes[path: ["spec", "ports"]]?[0]?["port"] == 443)
            let system = try await client.request("GET", "/api/v1/namespaces/kube-system/pods").json
            let names = (system["items"]?.arrayValue ?? []).compactMap { $0[path: ["metadata", "name"]]?.stringValue }
            #expect(names.contains("kube-apiserver-proof-sim-control-plane"), "\(names)")
            #expect(names.contains("etcd-proof-sim-control-plane"), "\(names)")
            for namespace in ["default", "kube-system", "kube-public"] {
                let refused = try await client.runKubectl("delete", "namespace", namespace)
                #expect(refused.status != 0)
                #expect(refused.stderr.contains("namespaces \"\(namespace)\" is forbidden: this namespace may not be deleted"), "\(refused.stderr)")
            }
            #expect(try await client.request("GET", "/api/v1/namespaces/default").json[path: ["status", "phase"]] == "Active")
        }
    }

    @Test("batch, rbac, networking, policy, autoscaling, coordination, storage and discovery kinds are served and stored")
    func apiGroupsServed() async throws {
        try await SimFixture.withCluster { _, client in
            let objects: [(path: String, body: JSON)] = [
                ("/apis/networking.k8s.io/v1/namespaces/default/networkpolicies", ["apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy", "metadata": ["name": "deny"], "spec": ["podSelector": [:], "policyTypes": ["Ingress"]]]),
                ("/apis/policy/v1/namespaces/default/poddisruptionbudgets", ["apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
                    "metadata": ["name": "pdb"], "spec": ["minAvailable": 1, "selector": ["matchLabels": ["app": "x"]]]]),
                ("/apis/autoscaling/v2/namespaces/default/horizontalpodautoscalers", ["apiVersion": "autoscaling/v2",
                    "kind": "HorizontalPodAutoscaler", "metadata": ["name": "hpa"],
                    "spec": ["scaleTargetRef": ["apiVersion": "apps/v1", "kind": "Deployment", "name": "x"], "maxReplicas": 3]]),
                ("/apis/coordination.k8s.io/v1/namespaces/default/leases", ["apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": ["name": "lock"], "spec": ["holderIdentity": "me"]]),
                ("/apis/storage.k8s.io/v1/storageclasses", ["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                    "metadata": ["name": "fast"], "provisioner": "example.com/fast"]),
                ("/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", ["apiVersion": "discovery.k8s.io/v1",
                    "kind": "EndpointSlice", "metadata": ["name": "slice"], "addressType": "IPv4", "endpoints": []]),
                ("/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", ["apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "Role", "metadata": ["name": "reader"], "rules": [["apiGroups": [""], "resources": ["pods"], "verbs": ["get"]]]]),
                ("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", ["apiVersion": "rbac.authorization.k8s.io/v1",
                    "kind": "ClusterRoleBinding", "metadata": ["name": "b"],
                    "roleRef": ["apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"], "subjects": []]),
                ("/apis/batch/v1/namespaces/default/cronjobs", ["apiVersion": "batch/v1", "kind": "CronJob", "metadata": ["name": "nightly"],
                    "spec": ["schedule": "0 3 * * *", "jobTemplate": ["spec": ["template": ["spec": ["restartPolicy": "Never",
                        "containers": [["name": "c", "image": "busybox:1.36"]]]]]]]]),
            ]
            for object in objects {
                let created = try await client.request("POST", object.path, body: object.body)
                #expect(created.status == 201, "\(object.path): \(created.json)")
                let name = object.body[path: ["metadata", "name"]]?.stringValue ?? ""
                #expect(try await client.request("GET", object.path + "/" + name).status == 200, "\(object.path)/\(name)")
            }
            let resources = try await client.runKubectl("api-resources")
            for name in ["networkpolicies", "poddisruptionbudgets", "horizontalpodautoscalers", "leases", "storageclasses",
                "endpointslices", "clusterroles", "rolebindings", "jobs", "cronjobs", "customresourcedefinitions",
                "selfsubjectaccessreviews", "selfsubjectreviews"]
            {
                #expect(resources.stdout.contains(name), "\(name) missing from api-resources")
            }
            #expect(try await client.runKubectl("get", "storageclass", "standard").status == 0)
        }
    }
}
