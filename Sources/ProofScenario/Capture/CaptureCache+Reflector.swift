import Foundation
import ProofCluster
import ProofCore

extension CaptureCache {
    /// The watch of one list call, as client-go's reflector runs it: watch from a version with bookmarks,
    /// reopen an ended watch from the last version seen, re-list on 410 (HTTP or an `ERROR` event) or after a
    /// failed request, and hand every change to the cache. Runs until its task is cancelled.
    struct Reflector: Sendable {
        let cache: CaptureCache
        let key: Key
        let generation: Int
        /// When set, Namespace objects outside these names are left out (as the capture's listing does).
        let namespaces: Set<String>?

        /// Watches from `version` until cancelled.
        func run(from version: String) async {
            var version = version
            var failures = 0
            while !Task.isCancelled {
                do {
                    try await watch(from: &version)
                    failures = 0  // the server ended the watch: reopen from the last version seen
                } catch is CancellationError {
                    return
                } catch let error as ClusterError where error.kind == .cancelled {
                    return
                } catch let error as ClusterError where error.isGone {
                    if !(await relist(&version)) { failures += 1 }
                } catch Stop.incomparable {
                    await cache.setIncomparable(key, generation: generation)
                    return
                } catch {
                    failures += 1
                    await cache.setUsable(key, generation: generation, false)
                    try? await Task.sleep(for: .milliseconds(min(5_000, 100 << min(failures, 6))))
                    if Task.isCancelled { return }
                    if !(await relist(&version)) { failures += 1 }
                }
            }
        }

        /// Why a watch stops for good.
        enum Stop: Error { case incomparable }

        /// One watch request from `version`; returns when the server ends it, throws on 410 and failures.
        private func watch(from version: inout String) async throws {
            let lines = try await cache.client.openWatch(
                key.type, namespace: key.namespace, resourceVersion: version, options: WatchOptions(serverTimeout: cache.watchTimeout, bookmarks: true))
            await cache.watchOpened()
            for try await line in lines {
                let document = try JSON(parsing: line)
                let object = document["object"] ?? .null
                let type = document["type"]?.stringValue ?? ""
                switch type {
                case "ADDED", "MODIFIED", "DELETED":
                    let typed = KubernetesClient.withTypeMeta(object, as: key.type)
                    guard let text = typed[path: ["metadata", "resourceVersion"]]?.stringValue, let rv = Int64(text) else {
                        throw Stop.incomparable
                    }
                    version = text
                    if !Capturer.keeps(typed, namespaces: Capturer.namespaceFilter(key.type, namespaces)) {
                        await cache.advance(key, generation: generation, to: rv)
                        continue
                    }
                    await cache.apply(key, generation: generation, type: type, object: typed, version: rv)
                case "BOOKMARK":
                    guard let text = object[path: ["metadata", "resourceVersion"]]?.stringValue, let rv = Int64(text) else {
                        throw Stop.incomparable
                    }
                    version = text
                    await cache.advance(key, generation: generation, to: rv)
                case "ERROR":
                    let code = object["code"]?.intValue ?? 0
                    let reason = object["reason"]?.stringValue
                    throw ClusterError(
                        kind: .http, message: object["message"]?.stringValue ?? "watch error", method: "GET",
                        url: cache.client.config.server + key.type.collectionPath(namespace: key.namespace),
                        status: code == 0 && (reason == "Expired" || reason == "Gone") ? 410 : Int(code), reason: reason)
                default:
                    throw ClusterError(kind: .protocolViolation, message: "unknown watch event type \(type)")
                }
            }
            try Task.checkCancellation()
        }

        /// Lists the call again and replaces the cache, keeping what did not change; false when the list failed.
        /// Holds page by page only the objects whose version the cache does not have (and the Argo CD kinds).
        private func relist(_ version: inout String) async -> Bool {
            await cache.setUsable(key, generation: generation, false)
            let known = await cache.versions(key)
            let keepsObjects = Capturer.isArgoCD(key.type)
            var unchanged: [ObjectIdentity: String] = [:]
            var changed: [ObjectIdentity: JSON] = [:]
            do {
                let text = try await cache.client.listPages(key.type, namespace: key.namespace) { page, restarted in
                    if restarted {
                        unchanged = [:]
                        changed = [:]
                    }
                    for item in page {
                        guard Capturer.keeps(item, namespaces: Capturer.namespaceFilter(key.type, namespaces)) else { continue }
                        guard let identity = ObjectIdentity(object: item) else { continue }
                        let uid = item[path: ["metadata", "uid"]]?.stringValue
                        let rv = item[path: ["metadata", "resourceVersion"]]?.stringValue
                        if !keepsObjects, let uid, let rv, let old = known[identity], old.uid == uid, old.resourceVersion == rv {
                            unchanged[identity] = rv
                        } else {
                            changed[identity] = item
                        }
                    }
                }
                guard let rv = Int64(text) else {
                    await cache.setIncomparable(key, generation: generation)
                    return false
                }
                await cache.replace(key, generation: generation, unchanged: unchanged, changed: changed, version: rv)
                version = text
                return true
            } catch {
                return false
            }
        }
    }
}
