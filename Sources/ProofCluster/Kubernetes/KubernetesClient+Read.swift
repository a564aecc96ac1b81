import ProofCore
import Synchronization

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
        var askedEarly = 0
        return try await listRawPages(
            type, namespace: namespace, labelSelector: labelSelector, fieldSelector: fieldSelector, pageSize: pageSize,
            askedEarly: &askedEarly, page)
    }

    /// ``listRawPages(_:namespace:labelSelector:fieldSelector:pageSize:_:)``, counting in `askedEarly` the pages
    /// asked for before the answer of the page before them had arrived (from its `continue` token read early).
    func listRawPages(
        _ type: ResourceType, namespace: String?, labelSelector: String?, fieldSelector: String?, pageSize: Int,
        askedEarly: inout Int, _ page: (_ page: ListPage, _ restarted: Bool) async throws -> Void
    ) async throws -> String {
        let path = type.collectionPath(namespace: namespace)
        let pageQuery: @Sendable (String?) -> [(String, String)] = { token in
            var query: [(String, String)] = [("limit", String(pageSize))]
            if let labelSelector { query.append(("labelSelector", labelSelector)) }
            if let fieldSelector { query.append(("fieldSelector", fieldSelector)) }
            if let token { query.append(("continue", token)) }
            return query
        }
        // Each page is asked for as soon as it may be: once the page before it is awaited here and its `continue`
        // token has been read from the first bytes of its answer (the API server writes `metadata` before
        // `items`; ``NextPage``), or else once that answer has arrived. The server so works on the next page while
        // this one is received, scanned and stored, and never more than one page beyond the one awaited is asked
        // for. What is in flight is cancelled if this call ends first.
        let request: @Sendable (String?) -> PageRequest = { token in
            let next = NextPage()
            let reader = BodyPrefixReader(limit: NextPage.headLimit) { prefix in
                switch JSON.listHead(prefix) {
                case .incomplete: return false
                case .metadata(let token): next.tokenRead(token); return true
                case .itemsFirst: return true
                }
            }
            return PageRequest(response: Task { try await self.send(path: path, query: pageQuery(token), bodyPrefix: reader) }, next: next)
        }
        var ahead: PageRequest?
        var awaited: PageRequest?
        defer {
            ahead?.cancel()
            awaited?.cancel()
        }
        var restarts = 0
        var restarted = false
        restart: while true {
            var resourceVersion = ""
            var token: String?
            repeat {
                let query = pageQuery(token)
                let current = ahead ?? request(token)
                ahead = nil
                awaited = current
                current.next.awaited(start: request)
                let response = try await current.response.value
                if response.status == 410, token != nil, restarts < 3 {
                    logger.debug("list \(type.qualifiedName): continue token expired, listing again")
                    current.cancel()
                    awaited = nil
                    restarts += 1
                    restarted = true
                    continue restart
                }
                let scan = try scanList(response, method: "GET", path: path, query: query)
                if token == nil { resourceVersion = scan.metadata?["resourceVersion"]?.stringValue ?? "" }
                token = JSON.continueToken(inListMetadata: scan.metadata)
                // The next page, if it was asked for early with this very token; otherwise it is asked for now
                // (after an answer without an items array, on the loop's next turn, as before).
                let next = scan.items == nil ? nil : token
                let early = current.next.take(for: next)
                awaited = nil
                if let next {
                    if early != nil { askedEarly += 1 }
                    ahead = early ?? request(next)
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

/// One page of a list asked for: its answer, and the request for the page after it (``NextPage``).
struct PageRequest: Sendable {
    let response: Task<HTTPResponse, any Error>
    let next: NextPage

    /// Cancels this page's transfer and the next page's, if made.
    func cancel() {
        response.cancel()
        next.cancel()
    }
}

/// The request for the page after a page of a list, made as early as
/// ``KubernetesClient/listRawPages(_:namespace:labelSelector:fieldSelector:pageSize:_:)`` allows: when the list
/// awaits the page (``awaited(start:)``) and the page's `continue` token has been read from the start of its
/// answer (``tokenRead(_:)``, on the transfer's thread), whichever comes second.
///
/// Lock rule: one `Mutex` over the token read, how to start the next request and the request once made; held
/// only to read and set them. A request is made, and one cancelled, after the lock is released.
final class NextPage: Sendable {
    /// How much of an answer is read for its `metadata` before giving up (a list's `metadata` is some hundred
    /// bytes, and only `kind` and `apiVersion` come before it).
    static let headLimit = 64 * 1024

    /// How to ask for the next page, and for which token.
    private typealias Claim = (start: @Sendable (String?) -> PageRequest, token: String)

    private struct State {
        /// Whether the start of the answer has been read, and the token it gave (`nil`: none, the last page).
        var read = false
        var token: String?
        /// Set once the list awaits this page.
        var start: (@Sendable (String?) -> PageRequest)?
        var made = false
        var request: PageRequest?
        var cancelled = false

        /// What to start, claimed once, when both halves are in.
        mutating func claim() -> Claim? {
            guard read, let token, let start, !made, !cancelled else { return nil }
            made = true
            return (start, token)
        }
    }
    private let state = Mutex(State())

    /// The token read from the start of the page's answer (the first reading counts: a retried transfer is read
    /// again from its start).
    func tokenRead(_ token: String?) {
        let claimed = state.withLock { state in
            guard !state.read else { return nil as Claim? }
            state.read = true
            state.token = token
            return state.claim()
        }
        if let claimed { make(claimed.start, claimed.token) }
    }

    /// The list now awaits the page; `start` asks for the next one.
    func awaited(start: @escaping @Sendable (String?) -> PageRequest) {
        let claimed = state.withLock { state in
            state.start = start
            return state.claim()
        }
        if let claimed { make(claimed.start, claimed.token) }
    }

    private func make(_ start: @Sendable (String?) -> PageRequest, _ token: String) {
        let request = start(token)
        let kept = state.withLock { state in
            guard !state.cancelled else { return false }
            state.request = request
            return true
        }
        if !kept { request.cancel() }
    }

    /// The next page's request if one was made for `token` (the whole answer's, which is what counts); one made
    /// for another token is cancelled.
    func take(for token: String?) -> PageRequest? {
        let (request, read) = state.withLock { state in
            defer { state.request = nil }
            return (state.request, state.token)
        }
        guard let request else { return nil }
        if let token, read == token { return request }
        request.cancel()
        return nil
    }

    /// Cancels the next page's request, made or to be made.
    func cancel() {
        let request = state.withLock { state in
            state.cancelled = true
            defer { state.request = nil }
            return state.request
        }
        request?.cancel()
    }
}

