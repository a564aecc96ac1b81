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
        let path = type.collectionPath(namespace: namespace)
        var restarts = 0
        restart: while true {
            var items: [JSON] = []
            var resourceVersion = ""
            var token: String?
            repeat {
                var query: [(String, String)] = [("limit", String(pageSize))]
                if let labelSelector { query.append(("labelSelector", labelSelector)) }
                if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
                if let token { query.append(("continue", token)) }
                let response = try await send(path: path, query: query)
                if response.status == 410, token != nil, restarts < 3 {
                    logger.debug("list \(type.qualifiedName): continue token expired, listing again")
                    restarts += 1
                    continue restart
                }
                let page = try decode(response, method: "GET", path: path, query: query)
                if token == nil { resourceVersion = page[path: ["metadata", "resourceVersion"]]?.stringValue ?? "" }
                token = page[path: ["metadata", "continue"]]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
                guard case .array(let pageItems)? = page["items"] else {
                    if page["items"] == nil || page["items"]?.isNull == true { continue }
                    throw ClusterError(
                        kind: .protocolViolation, message: "the list has no items array", method: "GET",
                        url: url(path: path, query: query))
                }
                items.reserveCapacity(items.count + pageItems.count)
                for item in pageItems { items.append(Self.typed(item, as: type)) }
            } while token != nil
            return ObjectList(type: type, items: items, resourceVersion: resourceVersion)
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
        guard case .object(var members) = item, members["kind"] == nil || members["apiVersion"] == nil else {
            return item
        }
        members["apiVersion"] = .string(type.apiVersion)
        members["kind"] = .string(type.kind)
        return .object(members)
    }
}
