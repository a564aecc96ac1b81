import Foundation
import ProofCore

/// A watch that keeps going: it reconnects from the last seen resourceVersion when the server ends the
/// stream or the connection drops, and on 410 Gone re-lists and emits the difference (ADDED / MODIFIED /
/// DELETED) before watching again from the new list's resourceVersion. Bookmarks advance the
/// resourceVersion silently.
///
/// It is pull-based: nothing is read from the network faster than the consumer asks for events. Stop
/// iterating (or cancel the task) to close the connection. Each iteration is an independent watch.
public struct WatchSequence: AsyncSequence, Sendable {
    public typealias Element = WatchEvent

    let client: KubernetesClient
    let type: ResourceType
    let namespace: String?
    let options: WatchOptions
    let initial: ObjectList?

    public func makeAsyncIterator() -> Iterator {
        Iterator(sequence: self)
    }

    /// Produces the events of one watch; not shared between tasks.
    public final class Iterator: AsyncIteratorProtocol {
        let sequence: WatchSequence
        /// The objects known so far, by uid (or namespace/name), for the re-list difference.
        var known: [String: JSON] = [:]
        /// Where the next watch request starts.
        public private(set) var resourceVersion: String?
        var pending: [WatchEvent] = []
        var lines: HTTPLineStream.AsyncIterator?
        var failures = 0
        var receivedOnStream = false
        var streamOpened = ContinuousClock.now

        init(sequence: WatchSequence) {
            self.sequence = sequence
            if let initial = sequence.initial {
                for item in initial.items { known[Self.key(item)] = item }
                resourceVersion = initial.resourceVersion
            }
        }

        /// The next event; `nil` when the task was cancelled. Throws `ClusterError` after
        /// `maxConsecutiveFailures` failed reconnections or on an error the server reports in the stream.
        public func next() async throws -> WatchEvent? {
            while true {
                if !pending.isEmpty { return pending.removeFirst() }
                if Task.isCancelled { return nil }
                guard let resourceVersion else {
                    try await relist()
                    continue
                }
                if lines == nil {
                    do {
                        lines = try await sequence.client.openWatch(
                            sequence.type, namespace: sequence.namespace, resourceVersion: resourceVersion,
                            options: sequence.options
                        ).makeAsyncIterator()
                        receivedOnStream = false
                        streamOpened = .now
                    } catch let error as ClusterError where error.isGone {
                        try await relist()
                        continue
                    } catch let error as ClusterError where error.kind == .cancelled {
                        return nil
                    } catch {
                        try await failed(error)
                        continue
                    }
                }
                let line: [UInt8]?
                do {
                    line = try await lines?.next()
                } catch let error as ClusterError where error.kind == .cancelled {
                    return nil
                } catch {
                    lines = nil
                    try await failed(error)
                    continue
                }
                guard let line else {
                    // The server ended the watch (timeoutSeconds, restart): reconnect from the last RV.
                    lines = nil
                    if Task.isCancelled { return nil }
                    // A stream that ends at once with nothing in it is a failure (back off); a quiet one that ran
                    // until the server's timeout is normal.
                    if !receivedOnStream, ContinuousClock.now - streamOpened < .seconds(1) { try await failed(nil) }
                    continue
                }
                receivedOnStream = true
                failures = 0
                if let event = try handle(line) { return event }
            }
        }

        /// Interprets one event line; returns the event to emit, if any.
        private func handle(_ line: [UInt8]) throws -> WatchEvent? {
            let document: JSON
            do { document = try JSON(parsing: line) } catch {
                throw ClusterError(
                    kind: .protocolViolation, message: "a watch event is not JSON: \(error)",
                    url: sequence.client.config.server + sequence.type.collectionPath(namespace: sequence.namespace))
            }
            let object = document["object"] ?? .null
            let rv = object[path: ["metadata", "resourceVersion"]]?.stringValue
            switch document["type"]?.stringValue {
            case "ADDED", "MODIFIED", "DELETED":
                let type = WatchEvent.EventType(rawValue: document["type"]!.stringValue!)!
                if let rv { resourceVersion = rv }
                let key = Self.key(object)
                if type == .deleted { known[key] = nil } else { known[key] = object }
                return WatchEvent(type: type, object: object)
            case "BOOKMARK":
                if let rv { resourceVersion = rv }
                return nil
            case "ERROR":
                let code = object["code"]?.intValue ?? 0
                let reason = object["reason"]?.stringValue
                if code == 410 || reason == "Expired" || reason == "Gone" {
                    lines = nil
                    resourceVersion = nil  // re-list on the next turn
                    return nil
                }
                throw ClusterError(
                    kind: .http, message: object["message"]?.stringValue ?? "watch error", method: "GET",
                    url: sequence.client.config.server + sequence.type.collectionPath(namespace: sequence.namespace),
                    status: Int(code), reason: reason)
            default:
                throw ClusterError(
                    kind: .protocolViolation,
                    message: "unknown watch event type \(document["type"]?.stringValue ?? "<none>")")
            }
        }

        /// Lists again and queues the difference from what was known.
        private func relist() async throws {
            lines = nil
            let list = try await sequence.client.list(
                sequence.type, namespace: sequence.namespace, labelSelector: sequence.options.labelSelector,
                fieldSelector: sequence.options.fieldSelector)
            var fresh: [String: JSON] = [:]
            for item in list.items { fresh[Self.key(item)] = item }
            var events: [WatchEvent] = []
            for (key, item) in fresh.sorted(by: { $0.key < $1.key }) {
                if let old = known[key] {
                    if old[path: ["metadata", "resourceVersion"]] != item[path: ["metadata", "resourceVersion"]] {
                        events.append(WatchEvent(type: .modified, object: item))
                    }
                } else {
                    events.append(WatchEvent(type: .added, object: item))
                }
            }
            for (key, item) in known.sorted(by: { $0.key < $1.key }) where fresh[key] == nil {
                events.append(WatchEvent(type: .deleted, object: item))
            }
            known = fresh
            resourceVersion = list.resourceVersion
            pending.append(contentsOf: events)
        }

        /// Counts a failure and waits before the next attempt; throws once there were too many.
        private func failed(_ error: (any Error)?) async throws {
            failures += 1
            if failures > sequence.options.maxConsecutiveFailures {
                if let error { throw error }
                throw ClusterError(
                    kind: .transport, message: "the server keeps ending the watch without events",
                    url: sequence.client.config.server + sequence.type.collectionPath(namespace: sequence.namespace))
            }
            let delay = RetryPolicy().backoff(after: failures)
            try? await Task.sleep(for: delay)
        }

        static func key(_ object: JSON) -> String {
            if let uid = object[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty { return uid }
            let namespace = object[path: ["metadata", "namespace"]]?.stringValue ?? ""
            return namespace + "/" + (object[path: ["metadata", "name"]]?.stringValue ?? "")
        }
    }
}

extension KubernetesClient {
    /// Watches `type` (in `namespace`, or everywhere when `nil`).
    ///
    /// Without `from`, the watch lists first and emits every existing object as ADDED; with `from` (a list
    /// you made), it starts at that list's resourceVersion and emits only later changes.
    public func watch(
        _ type: ResourceType, namespace: String? = nil, from initial: ObjectList? = nil,
        options: WatchOptions = WatchOptions()
    ) -> WatchSequence {
        WatchSequence(client: self, type: type, namespace: namespace, options: options, initial: initial)
    }

    /// One raw watch request from `resourceVersion`: its lines are the server's event documents.
    public func openWatch(
        _ type: ResourceType, namespace: String?, resourceVersion: String, options: WatchOptions = WatchOptions()
    ) async throws -> HTTPLineStream {
        let seconds = Int(options.serverTimeout.components.seconds)
        let timeout = seconds + Int.random(in: 0...max(0, seconds / 5))
        var query: [(String, String)] = [("watch", "1"), ("resourceVersion", resourceVersion)]
        if options.bookmarks { query.append(("allowWatchBookmarks", "true")) }
        query.append(("timeoutSeconds", String(timeout)))
        if let labelSelector = options.labelSelector { query.append(("labelSelector", labelSelector)) }
        if let fieldSelector = options.fieldSelector { query.append(("fieldSelector", fieldSelector)) }
        return try await stream(
            path: type.collectionPath(namespace: namespace), query: query, idleTimeout: .seconds(timeout + 60))
    }
}
