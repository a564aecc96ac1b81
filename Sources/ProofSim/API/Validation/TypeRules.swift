import Foundation
import ProofCore

/// The per-type validation a real kube-apiserver enforces beyond the schema, for the kinds the platform uses:
/// metadata label/annotation syntax, workload selectors and containers, non-negative replicas, immutable fields
/// (Deployment/StatefulSet selectors, Service `clusterIP`, PVC spec, Pod spec except images, `immutable: true`
/// ConfigMaps/Secrets) and no new finalizers on an object being deleted. Pure functions returning causes.
enum TypeRules {
    /// Every rule `object` breaks (`old` is the stored object on update).
    static func check(_ object: JSON, old: JSON?, _ type: ResourceType) -> [FieldCause] {
        var causes = metadata(object, old: old)
        switch (type.group, type.resource) {
        case ("apps", "deployments"), ("apps", "replicasets"), ("apps", "statefulsets"), ("apps", "daemonsets"):
            causes += workload(object, type)
            if let old, ["deployments", "statefulsets", "daemonsets", "replicasets"].contains(type.resource),
                type.resource != "replicasets", old[path: ["spec", "selector"]] != object[path: ["spec", "selector"]]
            {
                causes.append(FieldCause(reason: "FieldValueInvalid",
                    message: "Invalid value: \(object[path: ["spec", "selector"]]?.canonicalString ?? "null"): field is immutable",
                    field: "spec.selector"))
            }
        case ("", "pods"):
            causes += podSpec(object["spec"] ?? [:], path: "spec")
            if let old { causes += podImmutable(object, old: old) }
        case ("", "services"):
            // As the real registry does (normalizeClusterIPs, then validateUpgradeDowngradeClusterIPs): a changed
            // clusterIP with unchanged clusterIPs stands for clusterIPs [clusterIP]; the primary may not change.
            if let old, let oldIPs = old[path: ["spec", "clusterIPs"]]?.arrayValue, let oldPrimary = oldIPs.first?.stringValue,
                !oldPrimary.isEmpty, oldPrimary != "None"
            {
                var newIPs = object[path: ["spec", "clusterIPs"]]?.arrayValue ?? oldIPs
                if let newIP = object[path: ["spec", "clusterIP"]]?.stringValue, newIP != old[path: ["spec", "clusterIP"]]?.stringValue,
                    newIPs == oldIPs
                {
                    newIPs = [.string(newIP)]
                }
                if let newPrimary = newIPs.first?.stringValue, newPrimary != oldPrimary {
                    let quoted = newIPs.map { "\"\($0.stringValue ?? $0.displayString)\"" }.joined(separator: ", ")
                    causes.append(FieldCause(reason: "FieldValueInvalid",
                        message: "Invalid value: []string{\(quoted)}: may not change once set", field: "spec.clusterIPs[0]"))
                }
            }
        case ("", "persistentvolumeclaims"):
            if let old, var oldSpec = old["spec"], var newSpec = object["spec"] {
                oldSpec.set(nil, at: ["resources", "requests"])
                newSpec.set(nil, at: ["resources", "requests"])
                for key in ["volumeName", "volumeAttributesClassName"] where oldSpec[key] == nil { newSpec[key] = nil }
                if oldSpec != newSpec {
                    causes.append(FieldCause(reason: "FieldValueForbidden",
                        message: "Forbidden: spec is immutable after creation except resources.requests and volumeAttributesClassName for bound claims",
                        field: "spec"))
                }
            }
        case ("", "configmaps"), ("", "secrets"):
            if let old, old["immutable"]?.boolValue == true {
                for key in ["data", "binaryData", "stringData"] where old[key] != object[key] && !(key == "stringData") {
                    causes.append(FieldCause(reason: "FieldValueForbidden",
                        message: "Forbidden: field is immutable when `immutable` is set", field: key))
                }
                if object["immutable"]?.boolValue != true {
                    causes.append(FieldCause(reason: "FieldValueForbidden",
                        message: "Forbidden: field is immutable when `immutable` is set", field: "immutable"))
                }
            }
        case ("batch", "cronjobs"):
            causes += cronJob(object)
        default:
            break
        }
        return causes
    }

    /// `ValidateCronJobSpec`'s schedule and time zone checks, with the real messages (the schedule's parse error
    /// is robfig/cron's; a `TZ=`/`CRON_TZ=` prefix is refused in favour of `spec.timeZone`).
    static func cronJob(_ object: JSON) -> [FieldCause] {
        var causes: [FieldCause] = []
        let schedule = object[path: ["spec", "schedule"]]?.stringValue ?? ""
        if schedule.isEmpty {
            causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.schedule"))
        } else if schedule.hasPrefix("TZ=") || schedule.hasPrefix("CRON_TZ=") {
            causes.append(FieldCause(reason: "FieldValueInvalid",
                message: "Invalid value: \(JSON.string(schedule).canonicalString): cannot use TZ or CRON_TZ in schedule, use timeZone field instead",
                field: "spec.schedule"))
        } else {
            do {
                _ = try CronSchedule(schedule)
            } catch {
                causes.append(FieldCause(reason: "FieldValueInvalid",
                    message: "Invalid value: \(JSON.string(schedule).canonicalString): \(error.message)", field: "spec.schedule"))
            }
        }
        if let zone = object[path: ["spec", "timeZone"]]?.stringValue, TimeZone(identifier: zone) == nil || zone.isEmpty {
            causes.append(FieldCause(reason: "FieldValueInvalid",
                message: "Invalid value: \(JSON.string(zone).canonicalString): unknown time zone \(zone)", field: "spec.timeZone"))
        }
        return causes
    }

    // MARK: Metadata

    static func metadata(_ object: JSON, old: JSON?) -> [FieldCause] {
        var causes: [FieldCause] = []
        for (key, value) in object[path: ["metadata", "labels"]]?.objectValue ?? [:] {
            if let problem = qualifiedNameProblem(key) {
                causes.append(FieldCause(reason: "FieldValueInvalid", message: "Invalid value: \"\(key)\": \(problem)",
                    field: "metadata.labels"))
            }
            let text = value.stringValue ?? value.displayString
            if let problem = labelValueProblem(text) {
                causes.append(FieldCause(reason: "FieldValueInvalid", message: "Invalid value: \"\(text)\": \(problem)",
                    field: "metadata.labels"))
            }
        }
        var annotationBytes = 0
        for (key, value) in object[path: ["metadata", "annotations"]]?.objectValue ?? [:] {
            annotationBytes += key.utf8.count + (value.stringValue?.utf8.count ?? 0)
            if let problem = qualifiedNameProblem(key.lowercased()) {
                causes.append(FieldCause(reason: "FieldValueInvalid", message: "Invalid value: \"\(key)\": \(problem)",
                    field: "metadata.annotations"))
            }
        }
        if annotationBytes > 256 * 1024 {
            causes.append(FieldCause(reason: "FieldValueTooLong", message: "Too long: must have at most 262144 bytes",
                field: "metadata.annotations"))
        }
        if let old, old[path: ["metadata", "deletionTimestamp"]] != nil {
            let before = Set((old[path: ["metadata", "finalizers"]]?.arrayValue ?? []).compactMap(\.stringValue))
            let added = (object[path: ["metadata", "finalizers"]]?.arrayValue ?? []).compactMap(\.stringValue)
                .filter { !before.contains($0) }
            if !added.isEmpty {
                causes.append(FieldCause(reason: "FieldValueForbidden",
                    message: "Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{\(added.map { "\"\($0)\"" }.joined(separator: ", "))}",
                    field: "metadata.finalizers"))
            }
        }
        return causes
    }

    static func isAlphanumeric(_ c: Character) -> Bool { c.isASCII && (c.isLetter || c.isNumber) }

    /// Why `key` is not a qualified name (`[prefix/]name`), or nil.
    static func qualifiedNameProblem(_ key: String) -> String? {
        let parts = key.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2 else {
            return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')"
        }
        let name = String(parts.last!)
        if parts.count == 2 {
            let prefix = String(parts[0])
            let validPrefix = !prefix.isEmpty && prefix.count <= 253 && prefix.allSatisfy { ($0.isASCII && ($0.isLowercase || $0.isNumber)) || $0 == "-" || $0 == "." }
                && isAlphanumeric(prefix.first!) && isAlphanumeric(prefix.last!)
            if !validPrefix {
                return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            }
        }
        if name.isEmpty { return "name part must be non-empty" }
        if name.count > 63 { return "name part must be no more than 63 characters" }
        if !(name.allSatisfy { isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "." } && isAlphanumeric(name.first!) && isAlphanumeric(name.last!)) {
            return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"
        }
        return nil
    }

    /// Why `value` is not a valid label value, or nil.
    static func labelValueProblem(_ value: String) -> String? {
        if value.isEmpty { return nil }
        if value.count > 63 { return "must be no more than 63 characters" }
        if !(value.allSatisfy { isAlphanumeric($0) || $0 == "-" || $0 == "_" || $0 == "." } && isAlphanumeric(value.first!) && isAlphanumeric(value.last!)) {
            return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        }
        return nil
    }

    // MARK: Workloads and pods

    static func workload(_ object: JSON, _ type: ResourceType) -> [FieldCause] {
        var causes: [FieldCause] = []
        if let replicas = object[path: ["spec", "replicas"]]?.intValue, replicas < 0 {
            causes.append(FieldCause(reason: "FieldValueInvalid",
                message: "Invalid value: \(replicas): must be greater than or equal to 0", field: "spec.replicas"))
        }
        let selector = object[path: ["spec", "selector"]]
        let matchLabels = selector?["matchLabels"]?.objectValue ?? [:]
        let expressions = selector?["matchExpressions"]?.arrayValue ?? []
        if selector == nil || selector?.isNull == true {
            causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "spec.selector"))
        } else if matchLabels.isEmpty && expressions.isEmpty {
            causes.append(FieldCause(reason: "FieldValueInvalid",
                message: "Invalid value: \(selector!.canonicalString): empty selector is invalid for deployment", field: "spec.selector"))
        }
        let labels = object[path: ["spec", "template", "metadata", "labels"]]?.objectValue ?? [:]
        let matches = matchLabels.allSatisfy { labels[$0.key] == $0.value } && expressions.allSatisfy { expression in
            let key = expression["key"]?.stringValue ?? ""
            let values = (expression["values"]?.arrayValue ?? []).compactMap(\.stringValue)
            let value = labels[key]?.stringValue
            switch expression["operator"]?.stringValue {
            case "In": return value.map(values.contains) ?? false
            case "NotIn": return value.map { !values.contains($0) } ?? true
            case "Exists": return value != nil
            case "DoesNotExist": return value == nil
            default: return false
            }
        }
        if selector != nil, !(matchLabels.isEmpty && expressions.isEmpty), !matches {
            let shown = labels.keys.sorted().map { "\"\($0)\":\"\(labels[$0]!.displayString)\"" }.joined(separator: ", ")
            causes.append(FieldCause(reason: "FieldValueInvalid",
                message: "Invalid value: map[string]string{\(shown)}: `selector` does not match template `labels`",
                field: "spec.template.metadata.labels"))
        }
        causes += podSpec(object[path: ["spec", "template", "spec"]] ?? [:], path: "spec.template.spec")
        return causes
    }

    static func podSpec(_ spec: JSON, path: String) -> [FieldCause] {
        var causes: [FieldCause] = []
        let containers = spec["containers"]?.arrayValue ?? []
        if containers.isEmpty {
            causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "\(path).containers"))
        }
        var names: Set<String> = []
        for key in ["initContainers", "containers"] {
            for (index, container) in (spec[key]?.arrayValue ?? []).enumerated() {
                let field = "\(path).\(key)[\(index)]"
                let name = container["name"]?.stringValue ?? ""
                if name.isEmpty {
                    causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "\(field).name"))
                } else if !names.insert(name).inserted {
                    causes.append(FieldCause(reason: "FieldValueDuplicate", message: "Duplicate value: \"\(name)\"", field: "\(field).name"))
                }
                if (container["image"]?.stringValue ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
                    causes.append(FieldCause(reason: "FieldValueRequired", message: "Required value", field: "\(field).image"))
                }
            }
        }
        return causes
    }

    /// A pod's spec may change only in container images, `activeDeadlineSeconds` and added tolerations.
    static func podImmutable(_ object: JSON, old: JSON) -> [FieldCause] {
        func mutableStripped(_ spec: JSON?) -> JSON {
            var spec = spec ?? [:]
            for key in ["containers", "initContainers"] {
                guard var list = spec[key]?.arrayValue else { continue }
                for index in list.indices { list[index]["image"] = nil }
                spec[key] = .array(list)
            }
            for key in ["activeDeadlineSeconds", "tolerations", "nodeName", "terminationGracePeriodSeconds"] { spec[key] = nil }
            return spec
        }
        let oldTolerations = Set(old[path: ["spec", "tolerations"]]?.arrayValue ?? [])
        let newTolerations = Set(object[path: ["spec", "tolerations"]]?.arrayValue ?? [])
        if mutableStripped(old["spec"]) != mutableStripped(object["spec"]) || !oldTolerations.isSubset(of: newTolerations)
            || (old[path: ["spec", "nodeName"]] != nil && old[path: ["spec", "nodeName"]] != object[path: ["spec", "nodeName"]])
        {
            return [FieldCause(reason: "FieldValueForbidden",
                message: "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)",
                field: "spec")]
        }
        return []
    }
}
