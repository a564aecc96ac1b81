import Foundation
import ProofCore

/// The defaulting a real kube-apiserver applies before validation and storage (the `SetDefaults_*` functions
/// of the Kubernetes API types, plus the defaults of the admission plugins every cluster runs: ServiceAccount,
/// DefaultTolerationSeconds, Priority), so objects read back have the shape a real server returns.
///
/// Pure functions over `JSON`; no state. Only fields that are absent are set, so defaulting is idempotent and
/// an update that resends a defaulted object changes nothing.
enum Defaults {
    /// Applies the type's defaults to `object` (a whole object of `type`). `create` is true on the first write,
    /// when the admission-time pod defaults (service account token volume, tolerations, priority) are added.
    static func apply(_ object: inout JSON, _ type: ResourceType, create: Bool) {
        switch (type.group, type.resource) {
        case ("", "pods"):
            if var spec = object["spec"] {
                podSpec(&spec)
                QualityOfService.requestsFromLimits(&spec)
                if create { podAdmission(&spec) }
                object["spec"] = spec
            }
        case ("", "services"):
            service(&object)
        case ("", "persistentvolumeclaims"):
            setIfAbsent(&object, ["spec", "volumeMode"], "Filesystem")
        case ("", "secrets"):
            setIfAbsent(&object, ["type"], "Opaque")
            foldStringData(&object)
        case ("batch", "jobs"):
            job(&object)
        case ("storage.k8s.io", "storageclasses"):
            // `SetDefaults_StorageClass`.
            setIfAbsent(&object, ["reclaimPolicy"], "Delete")
            setIfAbsent(&object, ["volumeBindingMode"], "Immediate")
        case ("apps", "deployments"):
            setIfAbsent(&object, ["spec", "replicas"], 1)
            setIfAbsent(&object, ["spec", "revisionHistoryLimit"], 10)
            setIfAbsent(&object, ["spec", "progressDeadlineSeconds"], 600)
            setIfAbsent(&object, ["spec", "strategy", "type"], "RollingUpdate")
            if object[path: ["spec", "strategy", "type"]]?.stringValue == "RollingUpdate" {
                setIfAbsent(&object, ["spec", "strategy", "rollingUpdate", "maxSurge"], "25%")
                setIfAbsent(&object, ["spec", "strategy", "rollingUpdate", "maxUnavailable"], "25%")
            }
            template(&object)
        case ("apps", "replicasets"):
            setIfAbsent(&object, ["spec", "replicas"], 1)
            template(&object)
        case ("apps", "statefulsets"):
            setIfAbsent(&object, ["spec", "replicas"], 1)
            setIfAbsent(&object, ["spec", "podManagementPolicy"], "OrderedReady")
            setIfAbsent(&object, ["spec", "revisionHistoryLimit"], 10)
            setIfAbsent(&object, ["spec", "updateStrategy", "type"], "RollingUpdate")
            if object[path: ["spec", "updateStrategy", "type"]]?.stringValue == "RollingUpdate" {
                setIfAbsent(&object, ["spec", "updateStrategy", "rollingUpdate", "partition"], 0)
            }
            setIfAbsent(&object, ["spec", "persistentVolumeClaimRetentionPolicy", "whenDeleted"], "Retain")
            setIfAbsent(&object, ["spec", "persistentVolumeClaimRetentionPolicy", "whenScaled"], "Retain")
            if var claims = object[path: ["spec", "volumeClaimTemplates"]]?.arrayValue {
                for index in claims.indices {
                    setIfAbsent(&claims[index], ["apiVersion"], "v1")
                    setIfAbsent(&claims[index], ["kind"], "PersistentVolumeClaim")
                    claims[index].set(.null, at: ["metadata", "creationTimestamp"])
                    setIfAbsent(&claims[index], ["spec", "volumeMode"], "Filesystem")
                    setIfAbsent(&claims[index], ["status", "phase"], "Pending")
                }
                object.set(.array(claims), at: ["spec", "volumeClaimTemplates"])
            }
            template(&object)
        case ("apps", "daemonsets"):
            setIfAbsent(&object, ["spec", "revisionHistoryLimit"], 10)
            setIfAbsent(&object, ["spec", "updateStrategy", "type"], "RollingUpdate")
            if object[path: ["spec", "updateStrategy", "type"]]?.stringValue == "RollingUpdate" {
                setIfAbsent(&object, ["spec", "updateStrategy", "rollingUpdate", "maxUnavailable"], 1)
                setIfAbsent(&object, ["spec", "updateStrategy", "rollingUpdate", "maxSurge"], 0)
            }
            template(&object)
        case ("batch", "cronjobs"):
            // `SetDefaults_CronJob` (batch/v1).
            setIfAbsent(&object, ["spec", "concurrencyPolicy"], "Allow")
            setIfAbsent(&object, ["spec", "suspend"], false)
            setIfAbsent(&object, ["spec", "successfulJobsHistoryLimit"], 3)
            setIfAbsent(&object, ["spec", "failedJobsHistoryLimit"], 1)
        default:
            break
        }
    }

    /// A Secret's write-only `stringData` goes into `data` (base64), winning over `data` for the same key, and is
    /// never stored, as the real v1 → internal conversion does on every write.
    static func foldStringData(_ object: inout JSON) {
        guard let strings = object["stringData"]?.objectValue else { return }
        var data = object["data"]?.objectValue ?? [:]
        for (key, value) in strings {
            data[key] = .string(Data((value.stringValue ?? value.displayString).utf8).base64EncodedString())
        }
        object["data"] = .object(data)
        object["stringData"] = nil
    }

    /// `SetDefaults_Job` (batch/v1, 1.32 with its default feature gates) and the template's pod defaults.
    static func job(_ object: inout JSON) {
        if object[path: ["spec", "completions"]] == nil && object[path: ["spec", "parallelism"]] == nil {
            object.set(1, at: ["spec", "completions"])
        }
        setIfAbsent(&object, ["spec", "parallelism"], 1)
        setIfAbsent(&object, ["spec", "backoffLimit"], object[path: ["spec", "backoffLimitPerIndex"]] == nil ? 6 : .int(Int64(Int32.max)))
        if let labels = object[path: ["spec", "template", "metadata", "labels"]], (object[path: ["metadata", "labels"]]?.objectValue ?? [:]).isEmpty {
            object.set(labels, at: ["metadata", "labels"])
        }
        setIfAbsent(&object, ["spec", "completionMode"], "NonIndexed")
        setIfAbsent(&object, ["spec", "suspend"], false)
        setIfAbsent(&object, ["spec", "podReplacementPolicy"], object[path: ["spec", "podFailurePolicy"]] == nil ? "TerminatingOrFailed" : "Failed")
        template(&object)
    }

    /// Sets `value` at `path` when nothing (or `null`) is there.
    static func setIfAbsent(_ object: inout JSON, _ path: [String], _ value: JSON) {
        if object[path: path] == nil || object[path: path]?.isNull == true { object.set(value, at: path) }
    }

    /// `spec.template.spec` of a workload gets the pod spec defaults (not the admission-time ones).
    static func template(_ object: inout JSON) {
        // A real server decodes the template's metadata into ObjectMeta and writes the zero time back as null.
        if object[path: ["spec", "template"]] != nil { object.set(.null, at: ["spec", "template", "metadata", "creationTimestamp"]) }
        guard var spec = object[path: ["spec", "template", "spec"]] else { return }
        podSpec(&spec)
        object.set(spec, at: ["spec", "template", "spec"])
    }

    // MARK: Pods

    /// `SetDefaults_PodSpec` and the container, probe, port, env and volume defaults under it.
    static func podSpec(_ spec: inout JSON) {
        setIfAbsent(&spec, ["dnsPolicy"], "ClusterFirst")
        setIfAbsent(&spec, ["restartPolicy"], "Always")
        setIfAbsent(&spec, ["terminationGracePeriodSeconds"], 30)
        setIfAbsent(&spec, ["schedulerName"], "default-scheduler")
        setIfAbsent(&spec, ["securityContext"], [:])
        for key in ["containers", "initContainers"] {
            guard var containers = spec[key]?.arrayValue else { continue }
            for index in containers.indices { container(&containers[index]) }
            spec[key] = .array(containers)
        }
        if var volumes = spec["volumes"]?.arrayValue {
            for index in volumes.indices { volume(&volumes[index]) }
            spec["volumes"] = .array(volumes)
        }
    }

    /// `imagePullPolicy` by tag: `Always` for `:latest` or no tag, else `IfNotPresent` (a digest counts as a tag).
    static func pullPolicy(image: String) -> String {
        if image.contains("@") { return "IfNotPresent" }
        let lastPart = image.split(separator: "/").last.map(String.init) ?? image
        guard let colon = lastPart.lastIndex(of: ":") else { return "Always" }
        return lastPart[lastPart.index(after: colon)...] == "latest" ? "Always" : "IfNotPresent"
    }

    static func container(_ container: inout JSON) {
        setIfAbsent(&container, ["terminationMessagePath"], "/dev/termination-log")
        setIfAbsent(&container, ["terminationMessagePolicy"], "File")
        setIfAbsent(&container, ["imagePullPolicy"], .string(pullPolicy(image: container["image"]?.stringValue ?? "")))
        setIfAbsent(&container, ["resources"], [:])
        if var ports = container["ports"]?.arrayValue {
            for index in ports.indices { setIfAbsent(&ports[index], ["protocol"], "TCP") }
            container["ports"] = .array(ports)
        }
        for probe in ["livenessProbe", "readinessProbe", "startupProbe"] where container[probe] != nil {
            var value = container[probe]!
            setIfAbsent(&value, ["timeoutSeconds"], 1)
            setIfAbsent(&value, ["periodSeconds"], 10)
            setIfAbsent(&value, ["successThreshold"], 1)
            setIfAbsent(&value, ["failureThreshold"], 3)
            if value["httpGet"] != nil { setIfAbsent(&value, ["httpGet", "scheme"], "HTTP") }
            container[probe] = value
        }
        if var env = container["env"]?.arrayValue {
            for index in env.indices where env[index][path: ["valueFrom", "fieldRef"]] != nil {
                setIfAbsent(&env[index], ["valueFrom", "fieldRef", "apiVersion"], "v1")
            }
            container["env"] = .array(env)
        }
    }

    static func volume(_ volume: inout JSON) {
        for source in ["configMap", "secret", "downwardAPI", "projected"] where volume[source] != nil {
            setIfAbsent(&volume, [source, "defaultMode"], 420)
        }
        if volume["hostPath"] != nil { setIfAbsent(&volume, ["hostPath", "type"], "") }
    }

    /// The admission plugins' pod defaults: ServiceAccount (name, projected token volume mounted in every
    /// container), DefaultTolerationSeconds, Priority; and `enableServiceLinks` (`SetDefaults_Pod`).
    static func podAdmission(_ spec: inout JSON) {
        setIfAbsent(&spec, ["enableServiceLinks"], true)
        setIfAbsent(&spec, ["serviceAccountName"], .string(spec["serviceAccount"]?.stringValue ?? "default"))
        setIfAbsent(&spec, ["serviceAccount"], spec["serviceAccountName"] ?? "default")
        setIfAbsent(&spec, ["priority"], 0)
        setIfAbsent(&spec, ["preemptionPolicy"], "PreemptLowerPriority")
        var tolerations = spec["tolerations"]?.arrayValue ?? []
        for key in ["node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable"]
        where !tolerations.contains(where: { $0["key"]?.stringValue == key && ($0["effect"]?.stringValue ?? "NoExecute") == "NoExecute" }) {
            tolerations.append(["effect": "NoExecute", "key": .string(key), "operator": "Exists", "tolerationSeconds": 300])
        }
        spec["tolerations"] = .array(tolerations)
        let mountPath = "/var/run/secrets/kubernetes.io/serviceaccount"
        guard spec["automountServiceAccountToken"]?.boolValue != false else { return }
        let containers = (spec["containers"]?.arrayValue ?? []) + (spec["initContainers"]?.arrayValue ?? [])
        let alreadyMounted = containers.contains { container in
            (container["volumeMounts"]?.arrayValue ?? []).contains { $0["mountPath"]?.stringValue == mountPath }
        }
        guard !alreadyMounted else { return }
        let name = "kube-api-access-" + Storage.randomSuffix()
        var volumes = spec["volumes"]?.arrayValue ?? []
        volumes.append(["name": .string(name), "projected": ["defaultMode": 420, "sources": [
            ["serviceAccountToken": ["expirationSeconds": 3607, "path": "token"]],
            ["configMap": ["items": [["key": "ca.crt", "path": "ca.crt"]], "name": "kube-root-ca.crt"]],
            ["downwardAPI": ["items": [["fieldRef": ["apiVersion": "v1", "fieldPath": "metadata.namespace"], "path": "namespace"]]]],
        ]]])
        spec["volumes"] = .array(volumes)
        for key in ["containers", "initContainers"] {
            guard var list = spec[key]?.arrayValue else { continue }
            for index in list.indices {
                var mounts = list[index]["volumeMounts"]?.arrayValue ?? []
                mounts.append(["mountPath": .string(mountPath), "name": .string(name), "readOnly": true])
                list[index]["volumeMounts"] = .array(mounts)
            }
            spec[key] = .array(list)
        }
    }

    // MARK: Services

    /// `SetDefaults_Service` and the IP family/cluster IP defaults of the service REST strategy (the cluster IP
    /// itself is allocated by the store).
    static func service(_ object: inout JSON) {
        setIfAbsent(&object, ["spec", "type"], "ClusterIP")
        let type = object[path: ["spec", "type"]]?.stringValue ?? "ClusterIP"
        guard type != "ExternalName" else { return }
        setIfAbsent(&object, ["spec", "sessionAffinity"], "None")
        setIfAbsent(&object, ["spec", "internalTrafficPolicy"], "Cluster")
        setIfAbsent(&object, ["spec", "ipFamilies"], ["IPv4"])
        setIfAbsent(&object, ["spec", "ipFamilyPolicy"], "SingleStack")
        if let ip = object[path: ["spec", "clusterIP"]], !ip.isNull { setIfAbsent(&object, ["spec", "clusterIPs"], [ip]) }
        if type == "NodePort" || type == "LoadBalancer" {
            setIfAbsent(&object, ["spec", "externalTrafficPolicy"], "Cluster")
        }
        if type == "LoadBalancer" { setIfAbsent(&object, ["spec", "allocateLoadBalancerNodePorts"], true) }
        if var ports = object[path: ["spec", "ports"]]?.arrayValue {
            for index in ports.indices {
                setIfAbsent(&ports[index], ["protocol"], "TCP")
                setIfAbsent(&ports[index], ["targetPort"], ports[index]["port"] ?? 0)
                if type == "NodePort" || type == "LoadBalancer", ports[index]["nodePort"] == nil {
                    let port = ports[index]["port"]?.intValue ?? 0
                    ports[index]["nodePort"] = .int(30000 + (port * 7 + Int64(index)) % 2768)
                }
            }
            object.set(.array(ports), at: ["spec", "ports"])
        }
    }
}
