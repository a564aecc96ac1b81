import Foundation
import ProofCluster
import ProofCore
import ProofStore

/// Takes one snapshot of a cluster into an evidence store: lists every configured kind concurrently, runs the
/// Loki queries meanwhile, and writes everything with `EvidenceStore.writeSnapshot` (which normalises and
/// redacts before hashing) in one transaction.
///
/// ```swift
/// let capturer = Capturer(client: client, store: store, config: CaptureConfig())
/// let result = try await capturer.capture(run: run, label: "after-detach", step: 3)
/// ```
///
/// A kind the server does not serve, or one whose listing fails (403, 5xx after retries), is a
/// ``ListingError`` in the snapshot; a Loki that is down is a failed ``LokiSample``. Only failures that leave
/// nothing to capture throw: discovery failing (the cluster is unreachable: `ClusterError`) or the store
/// refusing the write (`StoreError`).
public struct Capturer: Sendable {
    /// The cluster.
    public let client: KubernetesClient
    /// Where snapshots go.
    public let store: EvidenceStore
    /// What to capture.
    public let config: CaptureConfig

    /// A capturer of `config` from `client` into `store`.
    public init(client: KubernetesClient, store: EvidenceStore, config: CaptureConfig = CaptureConfig()) {
        self.client = client
        self.store = store
        self.config = config
    }

    /// Captures the cluster now and writes one snapshot of `run` labelled `label` (recorded with `step` when
    /// a scenario step took it).
    public func capture(run: RunID, label: String, step: Int? = nil) async throws -> CaptureResult {
        let started = ContinuousClock.now
        let takenAt = Date()
        async let loki = lokiSamples(at: takenAt)
        let listing = try await listObjects()
        let samples = await loki
        let written = try await store.writeSnapshot(
            run: run, label: label, objects: listing.objects, errors: listing.errors, lokiSamples: samples,
            step: step, takenAt: takenAt)
        return CaptureResult(
            snapshot: written.snapshot, newBodies: written.newBodies, newBytes: written.newBytes, counts: listing.counts,
            listingErrors: listing.errors, lokiSamples: samples, argoCD: listing.argoCD, duration: ContinuousClock.now - started)
    }

    // MARK: - Listing

    /// The objects of every kind (and namespace), the counts, and what could not be listed.
    struct Listing {
        var objects: [JSON] = []
        var counts: [String: [String: Int]] = [:]
        var errors: [ListingError] = []
        var argoCD: [JSON] = []
    }

    /// One list call to make: a type, in one namespace or across all (`nil`).
    struct ListCall: Sendable {
        var type: ResourceType
        var namespace: String?
    }

    /// Resolves the kinds with discovery (throws when the cluster cannot be reached) and lists them all.
    func listObjects() async throws -> Listing {
        let discovery = try await client.discovery()
        var listing = Listing()
        var calls: [ListCall] = []
        var seen = Set<ResourceType>()
        for name in config.kinds {
            guard let type = discovery.resource(named: name) else {
                listing.errors.append(
                    ListingError(
                        apiVersion: "", kind: name,
                        message: "the server does not serve a resource named \"\(name)\" (is its CRD installed?)"))
                continue
            }
            guard seen.insert(type).inserted else { continue }
            guard type.supports("list") else {
                listing.errors.append(ListingError(apiVersion: type.apiVersion, kind: type.kind, message: "the server does not allow listing \(type.qualifiedName)"))
                continue
            }
            if type.namespaced, !config.namespaces.isEmpty {
                calls += config.namespaces.map { ListCall(type: type, namespace: $0) }
            } else {
                calls.append(ListCall(type: type, namespace: nil))
            }
        }
        let wanted = Set(config.namespaces)
        let filterNamespaces = !wanted.isEmpty
        await withTaskGroup(of: (ListCall, Result<ObjectList, ClusterError>).self) { tasks in
            var next = 0
            func start(_ tasks: inout TaskGroup<(ListCall, Result<ObjectList, ClusterError>)>) {
                guard next < calls.count else { return }
                let call = calls[next]
                next += 1
                let client = client
                let pageSize = config.pageSize
                tasks.addTask {
                    do {
                        return (call, .success(try await client.list(call.type, namespace: call.namespace, pageSize: pageSize)))
                    } catch let error as ClusterError {
                        return (call, .failure(error))
                    } catch {
                        return (call, .failure(ClusterError(kind: .cancelled, message: "\(error)")))
                    }
                }
            }
            for _ in 0..<max(1, config.concurrency) { start(&tasks) }
            for await (call, result) in tasks {
                switch result {
                case .success(let list):
                    var counts = listing.counts[call.type.kind, default: [:]]
                    let isArgoCD = call.type.group == "argoproj.io" && (call.type.kind == "Application" || call.type.kind == "AppProject")
                    for item in list.items {
                        if filterNamespaces, call.type.kind == "Namespace", call.type.group.isEmpty,
                            let name = item[path: ["metadata", "name"]]?.stringValue, !wanted.contains(name)
                        {
                            continue
                        }
                        counts[item[path: ["metadata", "namespace"]]?.stringValue ?? "", default: 0] += 1
                        listing.objects.append(item)
                        if isArgoCD { listing.argoCD.append(item) }
                    }
                    listing.counts[call.type.kind] = counts
                case .failure(let error):
                    listing.errors.append(
                        ListingError(apiVersion: call.type.apiVersion, kind: call.type.kind, namespace: call.namespace ?? "", message: error.description))
                }
                start(&tasks)
            }
        }
        // Completion order varies; store errors in a stable order so `errors_digest` only changes with content.
        listing.errors.sort { ($0.kind, $0.namespace, $0.apiVersion) < ($1.kind, $1.namespace, $1.apiVersion) }
        return listing
    }
}
