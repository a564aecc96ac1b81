import Foundation
import ProofCore

/// Field tables of the Kubernetes protobuf messages (`k8s.io/api/*/generated.proto`) that kubectl's typed
/// commands send, and a decoder that turns such a message into the JSON a client would have sent.
///
/// gogo-protobuf writes every non-pointer scalar, zero or not, while JSON omits empty values: so zero
/// values are dropped unless the field is a pointer in Go (`keepZero`), and `Time` fields (written as empty
/// messages) are skipped. Unknown field numbers are ignored, as a real decoder does with unknown fields.
enum ProtobufSchema {
    /// How one field is encoded.
    indirect enum Kind: Sendable {
        case string, int, bool, skip
        /// `map<string,string>`.
        case stringMap
        /// `map<string,Quantity>` (resource lists).
        case quantityMap
        /// `IntOrString`.
        case intOrString
        case message(String)
    }

    /// One field: its JSON name, kind, whether it repeats, whether a zero value is meaningful.
    struct Field: Sendable {
        var name: String
        var kind: Kind
        var repeated = false
        var keepZero = false
        init(_ name: String, _ kind: Kind, repeated: Bool = false, keepZero: Bool = false) {
            self.name = name
            self.kind = kind
            self.repeated = repeated
            self.keepZero = keepZero
        }
    }

    /// Kind → top-level message name.
    static let topLevel: [String: String] = [
        "Deployment": "Deployment", "Service": "Service", "ServiceAccount": "ServiceAccount", "Job": "Job",
        "SelfSubjectAccessReview": "SelfSubjectAccessReview", "SelfSubjectReview": "SelfSubjectReview",
        "SelfSubjectRulesReview": "SelfSubjectRulesReview",
    ]

    static let messages: [String: [Int: Field]] = [
        "ObjectMeta": [1: .init("name", .string), 2: .init("generateName", .string), 3: .init("namespace", .string),
            6: .init("resourceVersion", .string), 8: .init("creationTimestamp", .skip), 11: .init("labels", .stringMap),
            12: .init("annotations", .stringMap), 13: .init("ownerReferences", .message("OwnerReference"), repeated: true),
            14: .init("finalizers", .string, repeated: true)],
        // `kubectl create job --from=cronjob/NAME` sends the Job owned by its CronJob.
        "OwnerReference": [1: .init("kind", .string), 3: .init("name", .string), 4: .init("uid", .string),
            5: .init("apiVersion", .string), 6: .init("controller", .bool, keepZero: true),
            7: .init("blockOwnerDeletion", .bool, keepZero: true)],
        "LabelSelector": [1: .init("matchLabels", .stringMap), 2: .init("matchExpressions", .message("LabelSelectorRequirement"), repeated: true)],
        "LabelSelectorRequirement": [1: .init("key", .string), 2: .init("operator", .string), 3: .init("values", .string, repeated: true)],
        "PodTemplateSpec": [1: .init("metadata", .message("ObjectMeta")), 2: .init("spec", .message("PodSpec"))],
        "PodSpec": [2: .init("containers", .message("Container"), repeated: true), 3: .init("restartPolicy", .string),
            4: .init("terminationGracePeriodSeconds", .int, keepZero: true), 6: .init("dnsPolicy", .string),
            7: .init("nodeSelector", .stringMap), 8: .init("serviceAccountName", .string), 10: .init("nodeName", .string),
            19: .init("schedulerName", .string), 20: .init("initContainers", .message("Container"), repeated: true)],
        "Container": [1: .init("name", .string), 2: .init("image", .string), 3: .init("command", .string, repeated: true),
            4: .init("args", .string, repeated: true), 5: .init("workingDir", .string),
            6: .init("ports", .message("ContainerPort"), repeated: true), 7: .init("env", .message("EnvVar"), repeated: true),
            8: .init("resources", .message("ResourceRequirements")), 13: .init("terminationMessagePath", .string),
            14: .init("imagePullPolicy", .string), 16: .init("stdin", .bool), 17: .init("stdinOnce", .bool),
            18: .init("tty", .bool), 20: .init("terminationMessagePolicy", .string)],
        "ContainerPort": [1: .init("name", .string), 2: .init("hostPort", .int), 3: .init("containerPort", .int),
            4: .init("protocol", .string), 5: .init("hostIP", .string)],
        "EnvVar": [1: .init("name", .string), 2: .init("value", .string)],
        "ResourceRequirements": [1: .init("limits", .quantityMap), 2: .init("requests", .quantityMap)],
        "Deployment": [1: .init("metadata", .message("ObjectMeta")), 2: .init("spec", .message("DeploymentSpec")),
            3: .init("status", .skip)],
        "DeploymentSpec": [1: .init("replicas", .int, keepZero: true), 2: .init("selector", .message("LabelSelector")),
            3: .init("template", .message("PodTemplateSpec")), 4: .init("strategy", .message("DeploymentStrategy")),
            5: .init("minReadySeconds", .int), 6: .init("revisionHistoryLimit", .int, keepZero: true), 7: .init("paused", .bool),
            9: .init("progressDeadlineSeconds", .int, keepZero: true)],
        "DeploymentStrategy": [1: .init("type", .string), 2: .init("rollingUpdate", .message("RollingUpdateDeployment"))],
        "RollingUpdateDeployment": [1: .init("maxUnavailable", .intOrString), 2: .init("maxSurge", .intOrString)],
        "Service": [1: .init("metadata", .message("ObjectMeta")), 2: .init("spec", .message("ServiceSpec")), 3: .init("status", .skip)],
        "ServiceSpec": [1: .init("ports", .message("ServicePort"), repeated: true), 2: .init("selector", .stringMap),
            3: .init("clusterIP", .string), 4: .init("type", .string), 5: .init("externalIPs", .string, repeated: true),
            7: .init("sessionAffinity", .string), 8: .init("loadBalancerIP", .string), 10: .init("externalName", .string),
            11: .init("externalTrafficPolicy", .string), 18: .init("clusterIPs", .string, repeated: true),
            19: .init("ipFamilies", .string, repeated: true), 22: .init("internalTrafficPolicy", .string)],
        "ServicePort": [1: .init("name", .string), 2: .init("protocol", .string), 3: .init("port", .int),
            4: .init("targetPort", .intOrString), 5: .init("nodePort", .int), 6: .init("appProtocol", .string)],
        "ServiceAccount": [1: .init("metadata", .message("ObjectMeta")),
            4: .init("automountServiceAccountToken", .bool, keepZero: true)],
        "Job": [1: .init("metadata", .message("ObjectMeta")), 2: .init("spec", .message("JobSpec")), 3: .init("status", .skip)],
        "JobSpec": [1: .init("parallelism", .int, keepZero: true), 2: .init("completions", .int, keepZero: true),
            3: .init("activeDeadlineSeconds", .int, keepZero: true), 4: .init("selector", .message("LabelSelector")),
            5: .init("manualSelector", .bool, keepZero: true), 6: .init("template", .message("PodTemplateSpec")),
            7: .init("backoffLimit", .int, keepZero: true), 8: .init("ttlSecondsAfterFinished", .int, keepZero: true),
            9: .init("completionMode", .string), 10: .init("suspend", .bool, keepZero: true)],
        "SelfSubjectAccessReview": [1: .init("metadata", .message("ObjectMeta")),
            2: .init("spec", .message("SelfSubjectAccessReviewSpec")), 3: .init("status", .skip)],
        "SelfSubjectAccessReviewSpec": [1: .init("resourceAttributes", .message("ResourceAttributes")),
            2: .init("nonResourceAttributes", .message("NonResourceAttributes"))],
        "ResourceAttributes": [1: .init("namespace", .string), 2: .init("verb", .string), 3: .init("group", .string),
            4: .init("version", .string), 5: .init("resource", .string), 6: .init("subresource", .string), 7: .init("name", .string)],
        "NonResourceAttributes": [1: .init("path", .string), 2: .init("verb", .string)],
        "SelfSubjectReview": [1: .init("metadata", .message("ObjectMeta")), 2: .init("status", .skip)],
        "SelfSubjectRulesReview": [1: .init("metadata", .message("ObjectMeta")), 2: .init("spec", .message("SelfSubjectRulesReviewSpec")),
            3: .init("status", .skip)],
        "SelfSubjectRulesReviewSpec": [1: .init("namespace", .string)],
    ]

    /// Decodes `bytes` as message `name` into a JSON object.
    static func decode(_ bytes: [UInt8], as name: String) throws(SimError) -> JSON {
        guard let table = messages[name] else { return [:] }
        var result: [String: JSON] = [:]
        for field in try Protobuf.fields(bytes) {
            guard let spec = table[field.number] else { continue }
            guard let value = try value(field.payload, field.value, spec) else { continue }
            if spec.repeated {
                result[spec.name] = .array((result[spec.name]?.arrayValue ?? []) + [value])
            } else if case .stringMap = spec.kind, let entry = value.objectValue {
                result[spec.name] = .object((result[spec.name]?.objectValue ?? [:]).merging(entry) { $1 })
            } else if case .quantityMap = spec.kind, let entry = value.objectValue {
                result[spec.name] = .object((result[spec.name]?.objectValue ?? [:]).merging(entry) { $1 })
            } else {
                result[spec.name] = value
            }
        }
        return .object(result)
    }

    private static func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }

    private static func value(_ payload: [UInt8], _ varint: UInt64, _ spec: Field) throws(SimError) -> JSON? {
        switch spec.kind {
        case .skip:
            return nil
        case .string:
            let string = text(payload)
            return string.isEmpty && !spec.keepZero && !spec.repeated ? nil : .string(string)
        case .int:
            // Negative int32 values arrive sign-extended to 64 bits, so the bit pattern is the value.
            let number = Int64(bitPattern: varint)
            return number == 0 && !spec.keepZero ? nil : .int(number)
        case .bool:
            return varint == 0 && !spec.keepZero ? nil : .bool(varint != 0)
        case .stringMap, .quantityMap:
            var key = ""
            var value: JSON = ""
            for entry in try Protobuf.fields(payload) {
                if entry.number == 1 { key = text(entry.payload) }
                if entry.number == 2 {
                    if case .quantityMap = spec.kind {
                        // Quantity { optional string string = 1; }
                        value = .string(try Protobuf.fields(entry.payload).first { $0.number == 1 }.map { text($0.payload) } ?? "")
                    } else {
                        value = .string(text(entry.payload))
                    }
                }
            }
            return .object([key: value])
        case .intOrString:
            var type: UInt64 = 0
            var int: Int64 = 0
            var string = ""
            for part in try Protobuf.fields(payload) {
                switch part.number {
                case 1: type = part.value
                case 2: int = Int64(Int32(truncatingIfNeeded: part.value))
                case 3: string = text(part.payload)
                default: break
                }
            }
            return type == 1 ? .string(string) : .int(int)
        case .message(let name):
            return try decode(payload, as: name)
        }
    }
}
