import Foundation
import ProofCore

/// Server-side printing: the `meta.k8s.io/v1` `Table` that `kubectl get` asks for, with kubectl's usual
/// columns per kind (Name and Age for kinds without special columns).
enum Table {
    private typealias Column = (name: String, type: String, priority: Int, cell: (JSON) -> JSON)

    static func table(_ resource: ResourceType, objects: [JSON], resourceVersion: String?, continueToken: String?,
        includeObject: String?, columns includeColumns: Bool = true) -> JSON
    {
        let columns = columns(for: resource)
        var metadata: JSON = [:]
        if let resourceVersion { metadata["resourceVersion"] = .string(resourceVersion) }
        if let continueToken { metadata["continue"] = .string(continueToken) }
        let rows: [JSON] = objects.map { object in
            var row: JSON = ["cells": .array(columns.map { $0.cell(object) })]
            switch includeObject {
            case "None": break
            case "Object": row["object"] = object
            default:
                row["object"] = ["kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
                    "metadata": object["metadata"] ?? [:]]
            }
            return row
        }
        var table: JSON = ["kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": metadata, "rows": .array(rows)]
        table["columnDefinitions"] = includeColumns ? .array(columns.map { column in
            ["name": .string(column.name), "type": .string(column.type), "format": column.name == "Name" ? "name" : "",
                "description": .string(column.name), "priority": .int(Int64(column.priority))]
        }) : .array([])
        return table
    }

    static func age(_ object: JSON) -> JSON {
        guard let text = object[path: ["metadata", "creationTimestamp"]]?.stringValue,
            let date = try? Date(text, strategy: .iso8601)
        else { return "<unknown>" }
        return .string(humanDuration(Date().timeIntervalSince(date)))
    }

    static func humanDuration(_ seconds: TimeInterval) -> String {
        let s = max(0, Int(seconds))
        if s < 120 { return "\(s)s" }
        if s < 600 { return "\(s / 60)m\(s % 60 == 0 ? "" : "\(s % 60)s")" }
        if s < 3 * 3600 { return "\(s / 60)m" }
        if s < 48 * 3600 { return "\(s / 3600)h" }
        return "\(s / 86400)d"
    }

    private static func str(_ object: JSON, _ path: String, _ fallback: String = "<none>") -> JSON {
        .string(object.value(atDottedPath: path)?.displayString ?? fallback)
    }

    private static func int(_ object: JSON, _ path: String) -> JSON {
        .int(object.value(atDottedPath: path)?.intValue ?? 0)
    }

    /// The STATUS column as kubectl's pod printer derives it: the phase (or `status.reason`), overridden by a
    /// container's waiting reason or, once it has exited, its terminated reason (`Completed`, `Error`,
    /// `OOMKilled`; `Signal:N`/`ExitCode:N` without one), the first container winning; `Terminating` last.
    private static func podStatus(_ pod: JSON) -> String {
        var reason = pod[path: ["status", "reason"]]?.stringValue ?? pod[path: ["status", "phase"]]?.stringValue ?? "Pending"
        for container in (pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reversed() {
            if let waiting = container[path: ["state", "waiting", "reason"]]?.stringValue, !waiting.isEmpty {
                reason = waiting
            } else if let terminated = container[path: ["state", "terminated"]] {
                if let text = terminated["reason"]?.stringValue, !text.isEmpty {
                    reason = text
                } else if let signal = terminated["signal"]?.intValue, signal != 0 {
                    reason = "Signal:\(signal)"
                } else {
                    reason = "ExitCode:\(terminated["exitCode"]?.intValue ?? 0)"
                }
            }
        }
        if pod[path: ["metadata", "deletionTimestamp"]] != nil { return "Terminating" }
        return reason
    }

    private static func columns(for resource: ResourceType) -> [Column] {
        let name: Column = ("Name", "string", 0, { str($0, "metadata.name") })
        let ageColumn: Column = ("Age", "string", 0, age)
        switch (resource.group, resource.resource) {
        case ("", "pods"):
            return [name,
                ("Ready", "string", 0, { pod in
                    let statuses = pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []
                    let total = pod[path: ["spec", "containers"]]?.arrayValue?.count ?? 0
                    return .string("\(statuses.filter { $0["ready"]?.boolValue == true }.count)/\(total)")
                }),
                ("Status", "string", 0, { .string(podStatus($0)) }),
                ("Restarts", "string", 0, { pod in
                    .string(String((pod[path: ["status", "containerStatuses"]]?.arrayValue ?? []).reduce(0) { $0 + ($1["restartCount"]?.intValue ?? 0) }))
                }),
                ageColumn,
                ("IP", "string", 1, { str($0, "status.podIP") }),
                ("Node", "string", 1, { str($0, "spec.nodeName") }),
            ]
        case ("", "namespaces"):
            return [name, ("Status", "string", 0, { str($0, "status.phase") }), ageColumn]
        case ("", "nodes"):
            return [name, ("Status", "string", 0, { _ in "Ready" }),
                ("Roles", "string", 0, { node in
                    let labels = node[path: ["metadata", "labels"]]?.objectValue ?? [:]
                    let roles = labels.keys.filter { $0.hasPrefix("node-role.kubernetes.io/") }.map { String($0.dropFirst(24)) }
                    return .string(roles.isEmpty ? "<none>" : roles.sorted().joined(separator: ","))
                }),
                ageColumn, ("Version", "string", 0, { str($0, "status.nodeInfo.kubeletVersion") })]
        case ("", "services"):
            return [name, ("Type", "string", 0, { str($0, "spec.type") }), ("Cluster-IP", "string", 0, { str($0, "spec.clusterIP") }),
                ("External-IP", "string", 0, { _ in "<none>" }),
                ("Port(s)", "string", 0, { service in
                    let ports = (service[path: ["spec", "ports"]]?.arrayValue ?? []).map {
                        "\($0["port"]?.displayString ?? "")/\($0["protocol"]?.stringValue ?? "TCP")"
                    }
                    return .string(ports.isEmpty ? "<none>" : ports.joined(separator: ","))
                }), ageColumn]
        case ("", "configmaps"):
            return [name, ("Data", "integer", 0, { .int(Int64(($0["data"]?.objectValue?.count ?? 0) + ($0["binaryData"]?.objectValue?.count ?? 0))) }), ageColumn]
        case ("", "secrets"):
            return [name, ("Type", "string", 0, { str($0, "type", "Opaque") }),
                ("Data", "integer", 0, { .int(Int64(($0["data"]?.objectValue?.count ?? 0) + ($0["stringData"]?.objectValue?.count ?? 0))) }), ageColumn]
        case ("", "persistentvolumeclaims"):
            return [name, ("Status", "string", 0, { str($0, "status.phase") }), ("Volume", "string", 0, { str($0, "spec.volumeName", "") }),
                ("Capacity", "string", 0, { str($0, "status.capacity.storage", "") }),
                ("Access Modes", "string", 0, { _ in "RWO" }), ("StorageClass", "string", 0, { str($0, "spec.storageClassName", "") }), ageColumn]
        case ("", "persistentvolumes"):
            return [name, ("Capacity", "string", 0, { str($0, "spec.capacity.storage", "") }),
                ("Reclaim Policy", "string", 0, { str($0, "spec.persistentVolumeReclaimPolicy", "") }),
                ("Status", "string", 0, { str($0, "status.phase") }),
                ("Claim", "string", 0, { pv in
                    guard let ns = pv[path: ["spec", "claimRef", "namespace"]]?.stringValue, let n = pv[path: ["spec", "claimRef", "name"]]?.stringValue else { return "" }
                    return .string("\(ns)/\(n)")
                }),
                ("StorageClass", "string", 0, { str($0, "spec.storageClassName", "") }), ageColumn]
        case ("", "events"):
            return [("Last Seen", "string", 0, { event in
                        guard let text = event["lastTimestamp"]?.stringValue, let date = try? Date(text, strategy: .iso8601) else { return "<unknown>" }
                        return .string(humanDuration(Date().timeIntervalSince(date)))
                    }),
                ("Type", "string", 0, { str($0, "type") }), ("Reason", "string", 0, { str($0, "reason") }),
                ("Object", "string", 0, { event in
                    .string("\((event[path: ["involvedObject", "kind"]]?.stringValue ?? "").lowercased())/\(event[path: ["involvedObject", "name"]]?.stringValue ?? "")")
                }),
                ("Message", "string", 0, { str($0, "message", "") }), ("Name", "string", 1, { str($0, "metadata.name") })]
        case ("apps", "deployments"):
            return [name, ("Ready", "string", 0, { .string("\($0.value(atDottedPath: "status.readyReplicas")?.intValue ?? 0)/\($0.value(atDottedPath: "spec.replicas")?.intValue ?? 0)") }),
                ("Up-to-date", "integer", 0, { int($0, "status.updatedReplicas") }),
                ("Available", "integer", 0, { int($0, "status.availableReplicas") }), ageColumn]
        case ("apps", "replicasets"):
            return [name, ("Desired", "integer", 0, { int($0, "spec.replicas") }), ("Current", "integer", 0, { int($0, "status.replicas") }),
                ("Ready", "integer", 0, { int($0, "status.readyReplicas") }), ageColumn]
        case ("apps", "statefulsets"):
            return [name, ("Ready", "string", 0, { .string("\($0.value(atDottedPath: "status.readyReplicas")?.intValue ?? 0)/\($0.value(atDottedPath: "spec.replicas")?.intValue ?? 0)") }), ageColumn]
        case ("apps", "daemonsets"):
            return [name, ("Desired", "integer", 0, { int($0, "status.desiredNumberScheduled") }),
                ("Current", "integer", 0, { int($0, "status.currentNumberScheduled") }),
                ("Ready", "integer", 0, { int($0, "status.numberReady") }),
                ("Up-to-date", "integer", 0, { int($0, "status.updatedNumberScheduled") }),
                ("Available", "integer", 0, { int($0, "status.numberAvailable") }), ageColumn]
        case ("argoproj.io", "applications"):
            return [name, ("Sync Status", "string", 0, { str($0, "status.sync.status", "") }),
                ("Health Status", "string", 0, { str($0, "status.health.status", "") }), ageColumn]
        default:
            return [name, ageColumn]
        }
    }
}
