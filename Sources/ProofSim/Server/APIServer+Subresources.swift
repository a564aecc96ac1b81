import Foundation
import Hummingbird
import HTTPTypes
import NIOCore
import ProofCore

extension APIServer {
    // MARK: Scale

    static func scaleObject(_ object: JSON) -> JSON {
        var metadata: JSON = [:]
        for key in ["name", "namespace", "uid", "resourceVersion", "creationTimestamp"] {
            metadata[key] = object[path: ["metadata", key]]
        }
        let labels = object[path: ["spec", "selector", "matchLabels"]]?.objectValue ?? [:]
        let selector = labels.keys.sorted().map { "\($0)=\(labels[$0]!.displayString)" }.joined(separator: ",")
        return ["kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": metadata,
            "spec": ["replicas": .int(object[path: ["spec", "replicas"]]?.intValue ?? 0)],
            "status": ["replicas": .int(object[path: ["status", "replicas"]]?.intValue ?? 0), "selector": .string(selector)]]
    }

    /// `/…/NAME/scale` for deployments, replicasets and statefulsets (`kubectl scale`).
    func scale(_ call: Call, _ resource: ResourceType, namespace: String?, name: String) throws(SimError) -> Response {
        let current = try core.state.get(resource, namespace: namespace, name: name)
        var replicas: Int64
        var expectedRV: String?
        switch call.method {
        case "GET":
            return Self.json(Self.scaleObject(current))
        case "PUT":
            let scale = try Self.parseBody(call)
            guard let value = scale[path: ["spec", "replicas"]]?.intValue else { throw .badRequest("spec.replicas is required in a Scale") }
            replicas = value
            expectedRV = scale[path: ["metadata", "resourceVersion"]]?.stringValue
        case "PATCH":
            guard let type = PatchType(contentType: call.contentType) else {
                throw SimError(code: 415, reason: "UnsupportedMediaType", message: "unsupported patch type \(call.contentType) for the scale subresource")
            }
            let patched = try type.apply(try Self.parseBody(call), to: Self.scaleObject(current), kind: "Scale")
            guard let value = patched[path: ["spec", "replicas"]]?.intValue else { throw .badRequest("spec.replicas is required in a Scale") }
            replicas = value
        default:
            throw .methodNotAllowed("\(call.method) is not supported on the scale subresource")
        }
        guard replicas >= 0 else { throw .invalid(resource, name, "spec.replicas: Invalid value: \(replicas): must be greater than or equal to 0") }
        var updated = current
        updated.set(.int(replicas), at: ["spec", "replicas"])
        if let expectedRV, !expectedRV.isEmpty { updated.set(.string(expectedRV), at: ["metadata", "resourceVersion"]) }
        let stored = try core.state.update(updated, as: resource, subresource: nil, dryRun: call.dryRun)
        return Self.json(Self.scaleObject(stored))
    }

    // MARK: Logs

    /// `/api/v1/namespaces/NS/pods/NAME/log`: deterministic lines (`container`, `tailLines`, `timestamps`).
    func log(_ call: Call, namespace: String, name: String) throws(SimError) -> Response {
        let pods = core.state.registry.type(group: "", version: "v1", resource: "pods")!
        let pod = try core.state.get(pods, namespace: namespace, name: name)
        let containers = (pod[path: ["spec", "containers"]]?.arrayValue ?? []).compactMap { $0["name"]?.stringValue }
        let container: String
        if let requested = call.query["container"] {
            guard containers.contains(requested) else {
                throw .badRequest("container \(requested) is not valid for pod \(name)")
            }
            container = requested
        } else if containers.count == 1 {
            container = containers[0]
        } else {
            throw .badRequest("a container name must be specified for pod \(name), choose one of: [\(containers.joined(separator: " "))]")
        }
        guard pod[path: ["status", "phase"]]?.stringValue == "Running" || pod[path: ["status", "startTime"]] != nil else {
            throw .badRequest("container \"\(container)\" in pod \"\(name)\" is waiting to start: ContainerCreating")
        }
        var lines = PodLogs.lines(pod: pod, container: container, through: core.state.now())
        if let tail = call.query["tailLines"].flatMap(Int.init), tail >= 0 { lines = Array(lines.suffix(tail)) }
        let timestamps = call.query["timestamps"] == "true"
        let text = lines.map { timestamps ? "\($0.timestamp) \($0.line)" : $0.line }.joined(separator: "\n")
        return Self.text(lines.isEmpty ? "" : text + "\n")
    }

    // MARK: Service proxy

    /// `/api/v1/namespaces/NS/services/[SCHEME:]NAME[:PORT]/proxy/PATH` → the registered `SimServiceHandler`,
    /// only while a Ready pod backs the Service (503 otherwise, like a real API server without endpoints).
    func proxy(_ call: Call, namespace: String, nameAndPort: String, path: String) async throws(SimError) -> Response {
        let parts = nameAndPort.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        let name: String
        let port: String?
        switch parts.count {
        case 1: (name, port) = (parts[0], nil)
        case 2: (name, port) = (parts[0], parts[1].isEmpty ? nil : parts[1])
        default: (name, port) = (parts[1], parts[2].isEmpty ? nil : parts[2])
        }
        let services = core.state.registry.type(group: "", version: "v1", resource: "services")!
        let pods = core.state.registry.type(group: "", version: "v1", resource: "pods")!
        let service = try core.state.get(services, namespace: namespace, name: name)
        let selector = service[path: ["spec", "selector"]]?.objectValue ?? [:]
        let selectorText = selector.keys.sorted().map { "\($0)=\(selector[$0]!.displayString)" }.joined(separator: ",")
        let ready = selector.isEmpty ? [] : core.state.list(pods, filter: try ObjectFilter(namespace: namespace, labelSelector: selectorText)).items
            .filter(Self.isReady)
        guard !ready.isEmpty else {
            throw SimError(code: 503, reason: "ServiceUnavailable", message: "no endpoints available for service \"\(name)\"")
        }
        guard let handler = core.services.handler(namespace: namespace, name: name) else {
            throw SimError(code: 503, reason: "ServiceUnavailable",
                message: "error trying to reach service: the simulated cluster has no handler for service \"\(namespace)/\(name)\"")
        }
        let request = ServiceRequest(method: call.method, path: "/" + path, query: call.rawQuery, headers: call.headers,
            body: call.body, namespace: namespace, service: name, port: port)
        let response: ServiceResponse
        do {
            response = try await handler.handle(request)
        } catch let error as SimError {
            throw error
        } catch {
            throw SimError(code: 502, reason: "InternalError", message: "error trying to reach service \"\(namespace)/\(name)\": \(error)")
        }
        var headers = HTTPFields()
        for (key, value) in response.headers {
            if let field = HTTPField.Name(key) { headers[field] = value }
        }
        var buffer = ByteBuffer()
        buffer.writeBytes(response.body)
        return Response(status: .init(code: response.status), headers: headers, body: .init(byteBuffer: buffer))
    }

    /// Whether a pod is Running with condition Ready=True and no deletionTimestamp.
    static func isReady(_ pod: JSON) -> Bool {
        guard pod[path: ["metadata", "deletionTimestamp"]] == nil else { return false }
        return (pod[path: ["status", "conditions"]]?.arrayValue ?? []).contains {
            $0["type"]?.stringValue == "Ready" && $0["status"]?.stringValue == "True"
        }
    }

    // MARK: Admin

    /// `/_sim/faults`: GET lists, POST adds (JSON body, one rule or an array), DELETE clears;
    /// `/_sim/compact` (POST) drops the watch event log so older resourceVersions get 410;
    /// `/_sim/chaos`: the cluster's `ChaosSwitches` (see `handleChaos`).
    func handleAdmin(_ call: Call) -> Response {
        switch (call.method, call.path) {
        case ("GET", "/_sim/faults"):
            return Self.json(["faults": .array(core.faults.active.map(\.json))])
        case ("POST", "/_sim/faults"):
            do {
                let body = try Self.parseBody(call)
                let rules = try (body.arrayValue ?? [body]).map { (json: JSON) throws(SimError) -> FaultRule in try FaultRule(json: json) }
                for rule in rules { core.faults.add(rule) }
                return Self.json(["faults": .array(core.faults.active.map(\.json))], status: 201)
            } catch let error as SimError {
                return Self.error(error)
            } catch {
                return Self.error(.badRequest("\(error)"))
            }
        case ("DELETE", "/_sim/faults"):
            core.faults.clear()
            return Self.json(["faults": []])
        case (_, "/_sim/chaos"):
            return handleChaos(call)
        case (_, "/_sim/argocd/faults"):
            let (status, body) = ArgoCDController.handleFaultsRequest(method: call.method, body: call.body,
                controllers: core.options.controllers)
            return Self.json(body, status: status)
        case ("POST", "/_sim/compact"):
            core.state.compactEventLog()
            core.continueTokens.expireAll()
            return Self.json(["compactedResourceVersion": .string(core.state.resourceVersion)])
        default:
            return Self.error(.pathNotFound(call.path))
        }
    }

    /// `/_sim/chaos`: `GET` returns `cluster.chaos.json`, `POST` (or `PUT`/`PATCH`) applies a JSON object such as
    /// `{"crashLoop":[{"namespace":"baseline-dev","labels":"app.kubernetes.io/name=loki"}],"alloyPaused":true,
    /// "lokiLosesData":true}` and returns the new state, `DELETE` turns every switch off.
    func handleChaos(_ call: Call) -> Response {
        switch call.method {
        case "GET":
            return Self.json(core.chaos.json)
        case "POST", "PUT", "PATCH":
            do throws(SimError) {
                let body: JSON
                do {
                    body = try JSON(parsing: call.body)
                } catch {
                    throw SimError.badRequest("the body must be a JSON object such as {\"alloyPaused\":true}: \(error)")
                }
                try core.chaos.apply(body)
                return Self.json(core.chaos.json)
            } catch {
                return Self.error(error)
            }
        case "DELETE":
            core.chaos.clear()
            return Self.json(core.chaos.json)
        default:
            return Self.error(.methodNotAllowed("\(call.method) is not supported on /_sim/chaos: use GET, POST or DELETE"))
        }
    }
}
