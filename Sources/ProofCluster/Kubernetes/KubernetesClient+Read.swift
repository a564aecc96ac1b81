import ProofCore

extension KubernetesClient {
    /// Reads one object; a missing one throws `ClusterError` with `isNotFound`.
    public func get(_ type: ResourceType, name: String, namespace: String? = nil) async throws -> JSON {
        try await json(path: type.objectPath(name: name, namespace: namespace ?? defaultNamespace(for: type)))
    }

    /// Reads one object, or `nil` when it does not exist.
    public func getIfPresent(_ type: ResourceType, name: String, namespace: String? = nil) async throws -> JSON? {
        do { return try await get(type, name: name, namespace: namespace) } catch let error as ClusterError
            where error.isNotFound
        {
            return nil
        }
    }

    /// Lists objects, following `continue` tokens until the last page; an expired token (410) restarts the
    /// list from the beginning (up to three times).
    ///
    /// - Parameters:
    ///   - namespace: One namespace; `nil` lists across all namespaces.
    ///   - labelSelector: `k=v,k!=v,k in (a,b),k,!k`.
    ///   - fieldSelector: `metadata.name=x`, `metadata.namespace!=y`.
    ///   - pageSize: The `limit` of each page.
    public func list(
        _ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        pageSize: Int = 500
    ) async throws -> ObjectList {
        var items: [JSON] = []
        let resourceVersion = try await listPages(
            type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, pageSize: pageSize
        ) { page, restarted in
            if restarted { items.removeAll() }
            items += page
        }
        return ObjectList(type: type, items: items, resourceVersion: resourceVersion)
    }

    /// Lists objects one page at a time, handing each page's items (typed: `apiVersion` and `kind` set) to
    /// `page` as it arrives and then letting it go, so memory holds one page whatever the collection's size.
    ///
    /// An expired `continue` token (410) restarts the list from the beginning (up to three times); the first
    /// page after a restart comes with `restarted: true`, and the consumer drops what it kept of the earlier
    /// pages. Returns the list's `resourceVersion` (all pages share the first page's).
    public func listPages(
        _ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        pageSize: Int = 500, _ page: (_ items: [JSON], _ restarted: Bool) async throws -> Void
    ) async throws -> String {
        try await listRawPages(type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, pageSize: pageSize) {
            raw, restarted in
            try await page(try raw.items(), restarted)
        }
    }

    /// ``listPages(_:namespace:labelSelector:fieldSelector:pageSize:_:)`` without building the items: each page
    /// comes as its body and the byte range of every item (``ListPage``), checked as JSON but not decoded, so a
    /// consumer can decode, process and drop one item at a time (in parallel), or skip an item it has seen.
    public func listRawPages(
        _ type: ResourceType, namespace: String? = nil, labelSelector: String? = nil, fieldSelector: String? = nil,
        pageSize: Int = 500, _ page: (_ page: ListPage, _ restarted: Bool) async throws -> Void
    ) async throws -> String {
        let path = type.collectionPath(namespace: namespace)
        func pageQuery(_ token: String?) -> [(String, String)] {
            var query: [(String, String)] = [("limit", String(pageSize))]
            if let labelSelector { query.append(("labelSelector", labelSelector)) }
            if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
            if let token { query.append(("continue", token)) }
            return query
        }
        // One page of read-ahead: the next page is requested as soon as this one's `continue` token is known,
        // so the server works on it while `page` processes this one (a list is otherwise request, wait,
        // process, request). Cancelled if this call ends first; at most two pages are in memory.
        var ahead: Task<HTTPResponse, any Error>?
        defer { ahead?.cancel() }
        var restarts = 0
        var restarted = false
        restart: while true {
            var resourceVersion = ""
            var token: String?
            repeat {
                let query = pageQuery(token)
                let response: HTTPResponse
                if let pending = ahead {
                    ahead = nil
                    response = try await pending.value
                } else {
                    response = try await send(path: path, query: query)
                }
                if response.status == 410, token != nil, restarts < 3 {
                    logger.debug("list \(type.qualifiedName): continue token expired, listing again")
                    restarts += 1
                    restarted = true
                    continue restart
                }
                let scan = try scanList(response, method: "GET", path: path, query: query)
                if token == nil { resourceVersion = scan.metadata?["resourceVersion"]?.stringValue ?? "" }
                token = scan.metadata?["continue"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                if let token, scan.items != nil {
                    let next = pageQuery(token)
                    ahead = Task { try await self.send(path: path, query: next) }
                }
                guard let ranges = scan.items else {
                    if !scan.itemsMalformed { continue }
                    throw ClusterError(
                        kind: .protocolViolation, message: "the list has no items array", method: "GET",
                        url: url(path: path, query: query))
                }
                let source = ListPage.Source(method: "GET", url: url(path: path, query: query), status: response.status)
                try await page(ListPage(type: type, body: response.body, ranges: ranges, source: source), restarted)
                restarted = false
            } while token != nil
            if restarted { try await page(ListPage(type: type, body: [], ranges: []), true) }
            return resourceVersion
        }
    }

    /// Lists several types concurrently (at most `concurrency` at once), in the order given; one type's
    /// failure (forbidden, not served) is its own result and does not stop the others.
    public func list(
        _ types: [ResourceType], namespace: String? = nil, labelSelector: String? = nil, concurrency: Int = 8
    ) async -> [Result<ObjectList, ClusterError>] {
        await withTaskGroup(of: (Int, Result<ObjectList, ClusterError>).self) { tasks in
            var results = [Result<ObjectList, ClusterError>?](repeating: nil, count: types.count)
            var next = 0
            func start(_ tasks: inout TaskGroup<(Int, Result<ObjectList, ClusterError>)>) {
                guard next < types.count else { return }
                let index = next
                next += 1
                tasks.addTask {
                    do {
                        return (index, .success(try await self.list(types[index], namespace: namespace, labelSelector: labelSelector)))
                    } catch let error as ClusterError {
                        return (index, .failure(error))
                    } catch {
                        return (index, .failure(ClusterError(kind: .cancelled, message: "\(error)")))
                    }
                }
            }
            for _ in 0..<max(1, concurrency) { start(&tasks) }
            for await (index, result) in tasks {
                results[index] = result
                start(&tasks)
            }
            return results.map { $0! }
        }
    }

    /// The namespace a request about `type` uses when none is given: the context's for namespaced types.
    func defaultNamespace(for type: ResourceType) -> String? {
        type.namespaced ? defaultNamespace : nil
    }

    /// Fills in `apiVersion` and `kind`, which list items on the wire usually omit.
    static func typed(_ item: JSON, as type: ResourceType) -> JSON {
        var item = item
        guard case .object(var members) = item, members["kind"] == nil || members["apiVersion"] == nil else {
            return item
        }
        item = .null  // `members` is now the dictionary's only reference: setting keys below does not copy it
        members["apiVersion"] = .string(type.apiVersion)
        members["kind"] = .string(type.kind)
        return .object(members)
    }
}
