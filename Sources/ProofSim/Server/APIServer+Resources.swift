import Foundation
import Hummingbird
import NIOCore
import ProofCore

extension APIServer {
    /// `/…/RESOURCE` (optionally in a namespace): list, watch, create, deletecollection.
    func collection(_ call: Call, _ resource: ResourceType, namespace: String?) async throws(SimError) -> Response {
        switch call.method {
        case "GET":
            let filter = try ObjectFilter(namespace: namespace, labelSelector: call.query["labelSelector"],
                fieldSelector: call.query["fieldSelector"], for: resource)
            // A version the store has not reached yet: wait for it first (then the 504 below), as a real server.
            if let text = call.query["resourceVersion"], text != "0", let requested = Int64(text),
                requested > Int64(core.state.resourceVersion) ?? 0
            {
                _ = await core.state.waitForResourceVersion(requested, timeout: core.options.timing.resourceVersionWait)
            }
            if call.isWatch { return try watch(call, resource, filter: filter) }
            return try list(call, resource, filter: filter)
        case "POST":
            var object = try Self.parseBody(call)
            // etcd3 store.Create refuses a create that carries a (numeric, non-zero) resourceVersion with a plain
            // error, which the server answers as 500 without a reason.
            if let version = object[path: ["metadata", "resourceVersion"]]?.stringValue, let number = UInt64(version), number != 0 {
                throw SimError(code: 500, reason: "", message: "resourceVersion should not be set on objects to be created")
            }
            if resource.namespaced, let namespace {
                if let given = object[path: ["metadata", "namespace"]]?.stringValue, !given.isEmpty, given != namespace {
                    throw .badRequest("the namespace of the provided object (\(given)) does not match the namespace sent on the request (\(namespace))")
                }
                object.set(.string(namespace), at: ["metadata", "namespace"])
            } else if resource.namespaced {
                throw .methodNotAllowed("create \(resource.resource) in a namespace: POST to \(resource.collectionPath(namespace: "NAMESPACE"))")
            }
            if let apiVersion = object["apiVersion"]?.stringValue, apiVersion != resource.apiVersion
                || object["kind"]?.stringValue.map({ $0 != resource.kind }) == true
            {
                throw .badRequest("the body is a \(object["kind"]?.displayString ?? "?") of \(apiVersion), but the URL is for \(resource.kind) of \(resource.apiVersion)")
            }
            if Reviews.isReview(resource) { return Self.json(try Reviews.answer(object, as: resource), status: 201) }
            let created = try core.state.create(object, as: resource, dryRun: call.dryRun)
            return try render(call, resource, created, status: 201)
        case "DELETE":
            let filter = try ObjectFilter(namespace: namespace, labelSelector: call.query["labelSelector"],
                fieldSelector: call.query["fieldSelector"], for: resource)
            let options = deleteOptions(call)
            var deleted: [JSON] = []
            for object in core.state.list(resource, filter: filter).items {
                let name = object[path: ["metadata", "name"]]?.stringValue ?? ""
                let ns = object[path: ["metadata", "namespace"]]?.stringValue
                if let outcome = try? core.state.delete(resource, namespace: ns, name: name, propagation: options.policy,
                    gracePeriodSeconds: options.grace, dryRun: call.dryRun)
                {
                    deleted.append(outcome.object)
                }
            }
            return listResponse(resource, items: deleted[...], resourceVersion: core.state.resourceVersion, continueToken: nil)
        default:
            throw .methodNotAllowed("\(call.method) is not supported on \(resource.collectionPath(namespace: namespace))")
        }
    }

    /// `/…/RESOURCE/NAME`: get, update, patch, delete.
    func object(_ call: Call, _ resource: ResourceType, namespace: String?, name: String) async throws(SimError) -> Response {
        switch call.method {
        case "GET":
            let object = try core.state.get(resource, namespace: namespace, name: name)
            return try render(call, resource, object)
        case "PUT":
            var object = try Self.parseBody(call)
            try checkIdentity(&object, resource, namespace: namespace, name: name)
            let updated = try core.state.update(object, as: resource, subresource: nil, dryRun: call.dryRun)
            return try render(call, resource, updated)
        case "PATCH":
            let patched = try patch(call, resource, namespace: namespace, name: name, subresource: nil)
            return try render(call, resource, patched.object, status: patched.created ? 201 : 200)
        case "DELETE":
            try SystemNamespaces.checkDeletable(resource, name: name)
            let options = deleteOptions(call)
            let outcome = try core.state.delete(resource, namespace: namespace, name: name, propagation: options.policy,
                gracePeriodSeconds: options.grace, preconditionUID: options.uid,
                preconditionResourceVersion: options.resourceVersion, dryRun: call.dryRun)
            switch outcome {
            case .deleted(let object): return Self.json(Self.deletedAnswer(resource, object))
            case .pending(let object):
                // 202 only when the client asked for cascading with the old `orphanDependents: false`, as the
                // real handler does; otherwise 200 with the object, now carrying its deletionTimestamp.
                let body = (try? JSON(parsing: call.body)) ?? [:]
                return Self.json(object, status: body["orphanDependents"] == false || call.query["orphanDependents"] == "false" ? 202 : 200)
            }
        default:
            throw .methodNotAllowed("\(call.method) is not supported on \(resource.objectPath(namespace: namespace, name: name))")
        }
    }

    /// `/…/NAME/status` (and a namespace's `/finalize`): get, update, patch the status only.
    func objectStatus(_ call: Call, _ resource: ResourceType, namespace: String?, name: String) throws(SimError) -> Response {
        switch call.method {
        case "GET":
            return Self.json(try core.state.get(resource, namespace: namespace, name: name))
        case "PUT":
            var object = try Self.parseBody(call)
            try checkIdentity(&object, resource, namespace: namespace, name: name)
            if call.path.hasSuffix("/finalize") {
                let finalizers = object[path: ["spec", "finalizers"]]
                return Self.json(try core.state.modify(resource, namespace: namespace, name: name, dryRun: call.dryRun) { current in
                    current.set(finalizers, at: ["spec", "finalizers"])
                })
            }
            return Self.json(try core.state.update(object, as: resource, subresource: "status", dryRun: call.dryRun))
        case "PATCH":
            return Self.json(try patch(call, resource, namespace: namespace, name: name, subresource: "status").object)
        default:
            throw .methodNotAllowed("\(call.method) is not supported on the status subresource")
        }
    }

    /// Applies a PATCH; `created` is true when a server-side apply created the object (answered 201, as a real
    /// server does).
    func patch(_ call: Call, _ resource: ResourceType, namespace: String?, name: String, subresource: String?)
        throws(SimError) -> (object: JSON, created: Bool)
    {
        let apply = call.contentType.hasPrefix("application/apply-patch")
        try Self.checkPatchOptions(call, apply: apply)
        guard let type = PatchType(contentType: call.contentType) else {
            if apply, subresource == nil {
                return try ServerSideApply.apply(Self.parseBody(call), as: resource, namespace: namespace, name: name,
                    manager: call.query["fieldManager"] ?? "", force: call.query["force"] == "true", dryRun: call.dryRun,
                    state: core.state)
            }
            throw SimError(code: 415, reason: "UnsupportedMediaType",
                message: "the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json")
        }
        let patch = try Self.parseBody(call)
        return (try core.state.patch(resource, namespace: namespace, name: name, type: type, patch: patch,
            subresource: subresource, dryRun: call.dryRun), false)
    }

    /// A real server validates `PatchOptions` before anything else (`ValidatePatchOptions`): `fieldManager` is
    /// required for apply, `force` is forbidden on other patch types; both are 422 `Invalid`.
    static func checkPatchOptions(_ call: Call, apply: Bool) throws(SimError) {
        var causes: [(field: String, reason: String, message: String)] = []
        if apply, (call.query["fieldManager"] ?? "").isEmpty {
            causes.append(("fieldManager", "FieldValueRequired", "Required value: is required for apply patch"))
        }
        if !apply, call.query["force"] != nil {
            causes.append(("force", "FieldValueForbidden", "Forbidden: may not be specified for non-apply patch"))
        }
        guard !causes.isEmpty else { return }
        let list = causes.map { "\($0.field): \($0.message)" }
        throw SimError(code: 422, reason: "Invalid",
            message: "PatchOptions.meta.k8s.io \"\" is invalid: " + (list.count == 1 ? list[0] : "[" + list.joined(separator: ", ") + "]"),
            details: ["group": "meta.k8s.io", "kind": "PatchOptions", "causes": .array(causes.map {
                ["reason": .string($0.reason), "message": .string($0.message), "field": .string($0.field)] })])
    }

    /// Kinds whose registry returns the deleted object (`ReturnDeletedObject: true`); the others answer a
    /// `Status` of `Success` naming the object (`details.kind` is the resource, as the real `finalizeDelete` sets).
    static let returnsDeletedObject: Set<String> = ["pods", "services", "serviceaccounts", "persistentvolumes",
        "persistentvolumeclaims", "namespaces", "podtemplates"]

    /// What a real server answers for an object deleted at once.
    static func deletedAnswer(_ resource: ResourceType, _ object: JSON) -> JSON {
        if resource.group.isEmpty && returnsDeletedObject.contains(resource.resource) { return object }
        var details: JSON = ["name": object[path: ["metadata", "name"]] ?? "", "kind": .string(resource.resource)]
        if !resource.group.isEmpty { details["group"] = .string(resource.group) }
        if let uid = object[path: ["metadata", "uid"]] { details["uid"] = uid }
        return ["kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Success", "details": details]
    }

    func checkIdentity(_ object: inout JSON, _ resource: ResourceType, namespace: String?, name: String) throws(SimError) {
        if let given = object[path: ["metadata", "name"]]?.stringValue, given != name {
            throw .badRequest("the name of the object (\(given)) does not match the name on the URL (\(name))")
        }
        object.set(.string(name), at: ["metadata", "name"])
        if resource.namespaced, let namespace {
            if let given = object[path: ["metadata", "namespace"]]?.stringValue, !given.isEmpty, given != namespace {
                throw .badRequest("the namespace of the provided object (\(given)) does not match the namespace sent on the request (\(namespace))")
            }
            object.set(.string(namespace), at: ["metadata", "namespace"])
        }
    }

    func deleteOptions(_ call: Call) -> (policy: PropagationPolicy?, grace: Int?, uid: String?, resourceVersion: String?) {
        let body = (try? JSON(parsing: call.body)) ?? .object([:])
        var policy = body["propagationPolicy"]?.stringValue.flatMap(PropagationPolicy.init(rawValue:))
        if let text = call.query["propagationPolicy"] { policy = PropagationPolicy(rawValue: text) }
        if policy == nil, body["orphanDependents"]?.boolValue == true || call.query["orphanDependents"] == "true" {
            policy = .orphan
        }
        var grace = body["gracePeriodSeconds"]?.intValue.map { Int($0) }
        if let text = call.query["gracePeriodSeconds"], let value = Int(text) { grace = value }
        return (policy, grace, body[path: ["preconditions", "uid"]]?.stringValue,
            body[path: ["preconditions", "resourceVersion"]]?.stringValue)
    }

    // MARK: List

    /// A list answer as the API server writes it: `kind`, `apiVersion`, `metadata` (with `continue`), then
    /// `items`, in that order (Go's encoding of `metav1.TypeMeta`, `ListMeta` and the items, the fields in
    /// declaration order), each item in canonical JSON. A client can read the `continue` token from the first
    /// bytes and ask for the next page while this one is still arriving.
    func listResponse(_ resource: ResourceType, items: ArraySlice<JSON>, resourceVersion: String, continueToken: String?,
        remaining: Int? = nil) -> Response
    {
        var metadata: JSON = ["resourceVersion": .string(resourceVersion)]
        if let continueToken {
            metadata["continue"] = .string(continueToken)
            if let remaining { metadata["remainingItemCount"] = .int(Int64(remaining)) }
        }
        var out: [UInt8] = []
        out.append(contentsOf: #"{"kind":"#.utf8)
        JSON.writeString("\(resource.kind)List", into: &out)
        out.append(contentsOf: #","apiVersion":"#.utf8)
        JSON.writeString(resource.apiVersion, into: &out)
        out.append(contentsOf: #","metadata":"#.utf8)
        metadata.writeCanonical(into: &out)
        out.append(contentsOf: #","items":["#.utf8)
        for (position, item) in items.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            item.writeCanonical(into: &out)
        }
        out.append(contentsOf: "]}".utf8)
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: out)))
    }

    /// 422 for list options a real server refuses, as `ListOptions.meta.k8s.io "" is invalid: …`.
    static func invalidListOptions(_ field: String, _ message: String) -> SimError {
        SimError(code: 422, reason: "Invalid", message: "ListOptions.meta.k8s.io \"\" is invalid: \(field): \(message)",
            details: ["group": "meta.k8s.io", "kind": "ListOptions", "causes": [["reason": "FieldValueForbidden",
                "message": .string(message), "field": .string(field)]]])
    }

    /// The list as `resourceVersion`/`resourceVersionMatch` ask: unset → the latest; `0` or NotOlderThan →
    /// the latest (504 when the version is in the future); Exact (or a version with `limit` and no match, the
    /// legacy paging rule) → rebuilt at that version from the kept history, 410 Expired when older.
    func listAtResourceVersion(_ call: Call, _ resource: ResourceType, filter: ObjectFilter, paged: Bool)
        throws(SimError) -> (items: [JSON], resourceVersion: Int64)
    {
        let text = call.query["resourceVersion"] ?? ""
        let match = call.query["resourceVersionMatch"] ?? ""
        if !match.isEmpty {
            guard match == "NotOlderThan" || match == "Exact" else {
                throw Self.invalidListOptions("resourceVersionMatch", "Unsupported value: \"\(match)\": supported values: \"Exact\", \"NotOlderThan\", \"\"")
            }
            if text.isEmpty {
                throw Self.invalidListOptions("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden unless resourceVersion is provided")
            }
            if !(call.query["continue"] ?? "").isEmpty {
                throw Self.invalidListOptions("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden when continue is provided")
            }
            if match == "Exact" && text == "0" {
                throw Self.invalidListOptions("resourceVersionMatch", "Forbidden: resourceVersionMatch \"exact\" is forbidden for resourceVersion \"0\"")
            }
        }
        guard !text.isEmpty, text != "0" else { return core.state.list(resource, filter: filter) }
        let requested = try SimState.parseResourceVersion(text)
        if match == "Exact" || (match.isEmpty && paged) {
            return try core.state.list(resource, filter: filter, at: requested)
        }
        let latest = core.state.list(resource, filter: filter)
        if requested > latest.resourceVersion { throw SimState.tooLarge(requested, current: latest.resourceVersion) }
        return latest
    }

    func list(_ call: Call, _ resource: ResourceType, filter: ObjectFilter) throws(SimError) -> Response {
        let limit = call.query["limit"].flatMap(Int.init).flatMap { $0 > 0 ? $0 : nil }
        var items: [JSON]
        var resourceVersion: Int64
        var offset = 0
        var snapshotID: String?
        if let token = call.query["continue"], !token.isEmpty {
            let resolved = try core.continueTokens.resolve(token)
            (items, resourceVersion, offset, snapshotID) = (resolved.items, resolved.resourceVersion, resolved.offset, resolved.id)
        } else {
            (items, resourceVersion) = try listAtResourceVersion(call, resource, filter: filter, paged: limit != nil)
        }
        var page = items[...]
        var next: String?
        var remaining: Int?
        if let limit {
            let end = min(items.count, offset + limit)
            page = items[min(offset, items.count)..<end]
            if end < items.count {
                // A real server leaves remainingItemCount unset when selectors filter the list (the count is unknown).
                if (call.query["labelSelector"] ?? "").isEmpty && (call.query["fieldSelector"] ?? "").isEmpty {
                    remaining = items.count - end
                }
                if let snapshotID {
                    next = ContinueTokens.encode(id: snapshotID, offset: end, resourceVersion: resourceVersion)
                } else {
                    next = core.continueTokens.token(items: items, resourceVersion: resourceVersion, offset: end)
                }
            }
        } else if offset > 0 {
            page = items[min(offset, items.count)...]
        }
        if call.wantsTable {
            return Self.json(Table.table(resource, objects: Array(page), resourceVersion: String(resourceVersion),
                continueToken: next, includeObject: call.query["includeObject"]))
        }
        return listResponse(resource, items: page, resourceVersion: String(resourceVersion), continueToken: next,
            remaining: remaining)
    }

    func render(_ call: Call, _ resource: ResourceType, _ object: JSON, status: Int = 200) throws(SimError) -> Response {
        if call.wantsTable {
            return Self.json(Table.table(resource, objects: [object], resourceVersion: nil, continueToken: nil,
                includeObject: call.query["includeObject"]), status: status)
        }
        return Self.json(object, status: status)
    }

    // MARK: Watch

    func watch(_ call: Call, _ resource: ResourceType, filter: ObjectFilter) throws(SimError) -> Response {
        let bookmarks = call.query["allowWatchBookmarks"] == "true" || call.query["allowWatchBookmarks"] == "1"
        let sendInitialEvents = call.query["sendInitialEvents"].map { $0 == "true" || $0 == "1" }
        let match = call.query["resourceVersionMatch"] ?? ""
        var from = call.query["resourceVersion"]
        if let sendInitialEvents {
            guard match == "NotOlderThan" else {
                throw Self.invalidListOptions("resourceVersionMatch", "Forbidden: sendInitialEvents requires setting resourceVersionMatch to NotOlderThan")
            }
            if sendInitialEvents && !bookmarks {
                throw Self.invalidListOptions("allowWatchBookmarks", "Forbidden: sendInitialEvents requires setting allowWatchBookmarks to true")
            }
            // sendInitialEvents=true: the current state as ADDED events (not older than the version asked for).
            if sendInitialEvents {
                if let text = from, !text.isEmpty, text != "0",
                    try SimState.parseResourceVersion(text) > Int64(core.state.resourceVersion) ?? 0
                {
                    throw SimState.tooLarge(try SimState.parseResourceVersion(text), current: Int64(core.state.resourceVersion) ?? 0)
                }
                from = nil
            }
        } else if !match.isEmpty {
            throw Self.invalidListOptions("resourceVersionMatch", "Forbidden: resourceVersionMatch is forbidden for watch unless sendInitialEvents is provided")
        }
        let opened: (stream: AsyncStream<WatchEvent>, start: Int64, initialEvents: Int, requestProgress: @Sendable () -> Void)
        do {
            opened = try core.state.watchWithProgress(resource, filter: filter, from: from)
        } catch where error.code == 410 {
            // A real server accepts the watch and then sends one ERROR event holding the 410 Status.
            return Self.watchError(error)
        }
        let stream = opened.stream
        let synthetic = opened.initialEvents
        let sendsInitialEventsEnd = sendInitialEvents == true
        let startVersion = opened.start
        // Bookmarks carry a version up to which every event was sent on this stream (events are delivered after
        // the store's lock, so the store's latest version may be ahead of what arrived here): the version asked
        // for, or, after the synthetic ADDED events, the version they were taken at; none before that. Each tick
        // asks the store for a progress notification, which arrives behind every change queued for this stream
        // and carries the store's latest version: so a bookmark advances on a quiet kind too, as a real API
        // server's watch cache bookmarks do (it learns the latest version from etcd's progress notify).
        let requestedVersion: Int64 = from.flatMap { Int64($0) } ?? 0
        let timeout = call.query["timeoutSeconds"].flatMap(Int.init).map { Duration.seconds($0) }
            ?? .seconds(Int.random(in: 1800...3600))
        let dropAfter = call.dropWatchAfter
        let table = call.wantsTable
        let includeObject = call.query["includeObject"]
        let interval = core.options.timing.bookmarkInterval
        let progressInterval = min(interval, core.options.timing.progressInterval)
        let requestProgress = opened.requestProgress

        enum Output: Sendable { case event(WatchEvent), progress(Int64) }
        let body = ResponseBody { writer in
            let (output, continuation) = AsyncStream.makeStream(of: Output.self)
            let forward = Task {
                for await event in stream {
                    continuation.yield(event.isProgressNotify ? .progress(event.resourceVersion) : .event(event))
                }
                continuation.finish()
            }
            let ticker = Task {
                while !Task.isCancelled {
                    try? await Task.sleep(for: bookmarks ? progressInterval : timeout)
                    if Task.isCancelled { break }
                    if bookmarks { requestProgress() }
                }
            }
            let deadline = Task {
                try? await Task.sleep(for: timeout)
                continuation.finish()
            }
            defer {
                forward.cancel()
                ticker.cancel()
                deadline.cancel()
            }
            var sent = 0
            var firstTable = true
            var lastVersion = synthetic > 0 ? 0 : (requestedVersion > 0 ? requestedVersion : startVersion)
            var lastBookmark = ContinuousClock.now
            func bookmark(initialEventsEnd: Bool = false) -> JSON {
                var metadata: JSON = ["resourceVersion": .string(String(lastVersion))]
                if initialEventsEnd { metadata["annotations"] = ["k8s.io/initial-events-end": "true"] }
                return ["type": "BOOKMARK", "object": ["kind": .string(resource.kind), "apiVersion": .string(resource.apiVersion),
                    "metadata": metadata]]
            }
            if sendsInitialEventsEnd && synthetic == 0 { try await Self.writeLine(bookmark(initialEventsEnd: true), to: &writer) }
            for await item in output {
                var line: JSON
                switch item {
                case .progress(let version):
                    if lastVersion == 0 { continue }
                    // A bookmark when the store moved past what this stream sent, or every `interval` anyway.
                    guard version > lastVersion || ContinuousClock.now - lastBookmark >= interval else { continue }
                    lastVersion = max(lastVersion, version)
                    lastBookmark = .now
                    line = bookmark()
                case .event(let event):
                    if sent >= synthetic { lastVersion = max(lastVersion, event.resourceVersion) }
                    var object = event.object
                    if table {
                        object = Table.table(resource, objects: [object], resourceVersion: nil, continueToken: nil,
                            includeObject: includeObject, columns: firstTable)
                        firstTable = false
                    }
                    line = ["type": .string(event.type.rawValue), "object": object]
                }
                try await Self.writeLine(line, to: &writer)
                if case .event = item {
                    sent += 1
                    if sent == synthetic {
                        lastVersion = max(lastVersion, startVersion)
                        if sendsInitialEventsEnd { try await Self.writeLine(bookmark(initialEventsEnd: true), to: &writer) }
                    }
                    if let dropAfter, sent >= dropAfter { break }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache, private"],
            body: body)
    }

    /// One watch-stream line: the JSON document and a newline.
    static func writeLine(_ line: JSON, to writer: inout any ResponseBodyWriter) async throws {
        var buffer = ByteBuffer()
        buffer.writeBytes(line.canonicalData)
        buffer.writeInteger(UInt8(ascii: "\n"))
        try await writer.write(buffer)
    }

    /// HTTP 200 and a single `ERROR` event holding `error`'s Status: how a real server ends a watch that
    /// asked for a compacted resourceVersion.
    static func watchError(_ error: SimError) -> Response {
        var buffer = ByteBuffer()
        buffer.writeBytes((["type": "ERROR", "object": error.status] as JSON).canonicalData)
        buffer.writeInteger(UInt8(ascii: "\n"))
        return Response(status: .ok, headers: [.contentType: "application/json", .cacheControl: "no-cache, private"],
            body: .init(byteBuffer: buffer))
    }
}
