import Foundation
import ProofCore

/// Fills a fresh store: three kind-style nodes, the default namespaces, and every manifest under a platform
/// directory (optionally multiplied for benchmarks).
public enum Seeder {
    /// The names of the simulated nodes, as `kind create cluster --name proof-sim` would call them.
    public static let nodeNames = ["proof-sim-control-plane", "proof-sim-worker", "proof-sim-worker2"]

    /// What a seeding run did.
    public struct Report: Sendable {
        /// Objects created.
        public var created = 0
        /// Manifest files read.
        public var files = 0
        /// Documents skipped, with file and reason (unknown kinds, duplicates).
        public var skipped: [String] = []
    }

    /// A stable UUID-shaped string (8-4-4-4-12 hex) derived from `seed`.
    static func uuid(from seed: String) -> String {
        let hex = Array(Digest.sha256Hex(seed).prefix(32))
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(hex[$0]) }.joined(separator: "-")
    }

    /// Creates the nodes and the namespaces every cluster has.
    public static func seedCluster(_ state: SimState) {
        for (index, name) in nodeNames.enumerated() {
            var labels: JSON = ["kubernetes.io/hostname": .string(name), "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "beta.kubernetes.io/arch": "amd64"]
            var spec: JSON = ["podCIDR": .string("10.244.\(index).0/24"), "providerID": .string("kind://docker/proof-sim/\(name)")]
            if index == 0 {
                labels["node-role.kubernetes.io/control-plane"] = ""
                spec["taints"] = [["key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"]]
            }
            let node: JSON = [
                "apiVersion": "v1", "kind": "Node", "metadata": ["name": .string(name), "labels": labels], "spec": spec,
                "status": [
                    "conditions": [["type": "Ready", "status": "True", "reason": "KubeletReady", "message": "kubelet is posting ready status"]],
                    "addresses": [["type": "InternalIP", "address": .string(WorkloadControllers.nodeIP(name))], ["type": "Hostname", "address": .string(name)]],
                    "capacity": ["cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"],
                    "allocatable": ["cpu": "8", "memory": "16Gi", "pods": "110", "ephemeral-storage": "100Gi"],
                    "nodeInfo": ["kubeletVersion": "v1.32.0", "kubeProxyVersion": "v1.32.0", "containerRuntimeVersion": "containerd://1.7.18",
                        "osImage": "Debian GNU/Linux 12 (bookworm)", "operatingSystem": "linux", "architecture": "amd64",
                        "kernelVersion": "6.1.0", "machineID": .string(Digest.sha256Hex(name).prefix(32).description),
                        // Required by the NodeSystemInfo schema: typed clients (e.g. the Python client) refuse a Node without them.
                        "bootID": .string(Self.uuid(from: "boot-" + name)), "systemUUID": .string(Self.uuid(from: "system-" + name))],
                ],
            ]
            _ = try? state.create(node, as: BuiltIn.nodes)
        }
        for namespace in ["default", "kube-system", "kube-public", "kube-node-lease", "local-path-storage"] {
            _ = try? state.create(["apiVersion": "v1", "kind": "Namespace",
                "metadata": ["name": .string(namespace), "labels": ["kubernetes.io/metadata.name": .string(namespace)]]],
                as: BuiltIn.namespaces)
        }
        seedControlPlane(state)
    }

    /// The control plane's objects a kind cluster has from the start: the `default/kubernetes` Service
    /// (10.96.0.1:443 → the API server) with its Endpoints, the default StorageClass `standard` (kind's
    /// local-path provisioner), and the static pods of etcd, kube-apiserver, kube-controller-manager and
    /// kube-scheduler in kube-system on the control-plane node.
    static func seedControlPlane(_ state: SimState) {
        let controlPlane = nodeNames[0]
        let nodeIP = WorkloadControllers.nodeIP(controlPlane)
        _ = try? state.create(["apiVersion": "v1", "kind": "Service",
            "metadata": ["name": "kubernetes", "namespace": "default",
                "labels": ["component": "apiserver", "provider": "kubernetes"]],
            "spec": ["type": "ClusterIP", "clusterIP": "10.96.0.1", "clusterIPs": ["10.96.0.1"],
                "ports": [["name": "https", "port": 443, "protocol": "TCP", "targetPort": 6443]],
                "sessionAffinity": "None", "ipFamilies": ["IPv4"], "ipFamilyPolicy": "SingleStack",
                "internalTrafficPolicy": "Cluster"]], as: BuiltIn.services)
        _ = try? state.create(["apiVersion": "v1", "kind": "Endpoints",
            "metadata": ["name": "kubernetes", "namespace": "default", "labels": ["endpointslice.kubernetes.io/skip-mirror": "true"]],
            "subsets": [["addresses": [["ip": .string(nodeIP)]], "ports": [["name": "https", "port": 6443, "protocol": "TCP"]]]]],
            as: BuiltIn.endpoints)
        _ = try? state.create(["apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": ["name": "standard", "annotations": ["storageclass.kubernetes.io/is-default-class": "true"]],
            "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"],
            as: BuiltIn.storageClasses)
        guard let node = try? state.get(BuiltIn.nodes, namespace: nil, name: controlPlane) else { return }
        let components: [(name: String, image: String)] = [
            ("etcd", "registry.k8s.io/etcd:3.5.16-0"),
            ("kube-apiserver", "registry.k8s.io/kube-apiserver:v1.32.0"),
            ("kube-controller-manager", "registry.k8s.io/kube-controller-manager:v1.32.0"),
            ("kube-scheduler", "registry.k8s.io/kube-scheduler:v1.32.0"),
        ]
        for component in components {
            // Mirror pods of the kubelet's static pods: owned by their Node, priority system-node-critical.
            _ = try? state.create(["apiVersion": "v1", "kind": "Pod",
                "metadata": ["name": .string("\(component.name)-\(controlPlane)"), "namespace": "kube-system",
                    "labels": ["component": .string(component.name), "tier": "control-plane"],
                    "annotations": ["kubernetes.io/config.source": "file"],
                    "ownerReferences": [["apiVersion": "v1", "kind": "Node", "name": .string(controlPlane),
                        "uid": node[path: ["metadata", "uid"]] ?? "", "controller": true]]],
                "spec": ["nodeName": .string(controlPlane), "hostNetwork": true, "priorityClassName": "system-node-critical",
                    "priority": 2000001000, "restartPolicy": "Always",
                    "containers": [["name": .string(component.name), "image": .string(component.image),
                        "command": [.string(component.name)]]],
                    "tolerations": [["operator": "Exists", "effect": "NoExecute"]]]], as: BuiltIn.pods)
        }
    }

    /// Reads every `*.yaml`/`*.yml` under `directory` (sorted, recursive) into documents; `List` kinds are
    /// expanded. Throws `SimError` 400 with file:line:col for unparsable YAML.
    public static func manifests(in directory: String) throws(SimError) -> [(file: String, object: JSON)] {
        let root = URL(fileURLWithPath: directory)
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw .badRequest("platform directory \(directory) cannot be read: pass an existing directory to --platform")
        }
        var files: [URL] = []
        for case let url as URL in enumerator where ["yaml", "yml"].contains(url.pathExtension) { files.append(url) }
        files.sort { $0.path < $1.path }
        var result: [(file: String, object: JSON)] = []
        for file in files {
            guard let text = try? String(contentsOf: file, encoding: .utf8) else {
                throw .badRequest("cannot read \(file.path)")
            }
            let documents: [JSON]
            do {
                documents = try YAML.decodeAll(text, file: file.path)
            } catch {
                throw .badRequest("invalid YAML: \(error.description)")
            }
            for document in documents where document.objectValue != nil {
                if document["kind"]?.stringValue?.hasSuffix("List") == true, let items = document["items"]?.arrayValue {
                    result += items.map { (file.path, $0) }
                } else {
                    result.append((file.path, document))
                }
            }
        }
        return result
    }

    /// Creates every manifest under `directory` (namespaces first, then missing namespaces implied by
    /// objects, then the rest). With `scale` N > 1, workloads (Deployment, StatefulSet, DaemonSet) and
    /// Services/ConfigMaps get N−1 extra copies named `NAME-s2` … `NAME-sN` (selectors and labels suffixed
    /// too), so N ≈ 34 yields about 10,000 objects (events included) from the platform manifests.
    public static func seedPlatform(_ state: SimState, directory: String, scale: Int = 1) throws(SimError) -> Report {
        var report = Report()
        let documents = try manifests(in: directory)
        report.files = Set(documents.map(\.file)).count
        var ordered: [(file: String, object: JSON)] = []
        ordered += documents.filter { $0.object["kind"]?.stringValue == "Namespace" }
        ordered += documents.filter { $0.object["kind"]?.stringValue != "Namespace" }
        let copyable: Set<String> = ["Deployment", "StatefulSet", "DaemonSet", "Service", "ConfigMap"]
        for (file, object) in ordered {
            guard let type = try? state.registry.type(of: object) else {
                report.skipped.append("\(file): unknown kind \(object["kind"]?.displayString ?? "?") in \(object["apiVersion"]?.displayString ?? "?")")
                continue
            }
            var copies = [object]
            if scale > 1, let kind = object["kind"]?.stringValue, copyable.contains(kind) {
                copies += (2...scale).map { copy(object, suffix: "-s\($0)") }
            }
            for var item in copies {
                // As if applied by `kubectl apply` / Argo CD: later client-side applies then patch cleanly.
                item.set(.string(item.canonicalString), at: ["metadata", "annotations", "kubectl.kubernetes.io/last-applied-configuration"])
                if type.namespaced {
                    let namespace = item[path: ["metadata", "namespace"]]?.stringValue ?? "default"
                    item.set(.string(namespace), at: ["metadata", "namespace"])
                    if (try? state.get(BuiltIn.namespaces, namespace: nil, name: namespace)) == nil {
                        if (try? state.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(namespace),
                            "labels": ["kubernetes.io/metadata.name": .string(namespace)]]], as: BuiltIn.namespaces)) != nil
                        {
                            report.created += 1
                        }
                    }
                }
                do {
                    try state.create(item, as: type)
                    report.created += 1
                } catch {
                    report.skipped.append("\(file): \(error.message)")
                }
            }
        }
        return report
    }

    /// A copy of a workload with name, labels and selectors suffixed, so copies do not share pods.
    static func copy(_ object: JSON, suffix: String) -> JSON {
        var copy = object
        let name = object[path: ["metadata", "name"]]?.stringValue ?? "copy"
        copy.set(.string(name + suffix), at: ["metadata", "name"])
        func suffixValues(_ path: [String]) {
            guard let labels = copy[path: path]?.objectValue else { return }
            var changed = labels
            for key in ["app", "app.kubernetes.io/name", "app.kubernetes.io/instance"] {
                if let value = labels[key]?.stringValue { changed[key] = .string(value + suffix) }
            }
            copy.set(.object(changed), at: path)
        }
        suffixValues(["metadata", "labels"])
        suffixValues(["spec", "selector", "matchLabels"])
        suffixValues(["spec", "template", "metadata", "labels"])
        if object["kind"]?.stringValue == "Service" { suffixValues(["spec", "selector"]) }
        return copy
    }
}
