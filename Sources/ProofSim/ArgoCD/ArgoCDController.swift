import Foundation
import ProofCore
import Synchronization

/// The simulated Argo CD application controller: a `SimController` that reconciles every Application (and
/// honours every AppProject) in `options.namespace` against a real Git repository.
///
/// Register it with `SimOptions.controllers` (or build one with `ArgoCDController.forPlatform(…)`).
/// It renders each Application's directory source at its target revision, compares it with the live
/// objects, reports sync, health, resources, operation state and history, runs automated and manual sync
/// operations (prune, selfHeal, rollback), cascades deletion through the resources finalizer, and refuses
/// destinations and kinds its AppProject does not allow. `docs/argocd-sim.md` lists what it models and what
/// it does not.
///
/// Lock rule: `bootstrapErrors` is a `Mutex` held only to append or read; everything else is the controller's own
/// task's state.
public final class ArgoCDController: SimController {
    public let name = "argocd-application-controller"
    /// The Git repository every Application's `repoURL` maps to.
    public let repository: GitRepository
    /// Timing and tracking options.
    public let options: ArgoCDOptions
    /// The fault switches, settable at any time.
    public let faults: ArgoCDFaults
    private let bootstrapErrors = Mutex<[String]>([])

    /// Problems met while creating the bootstrap objects (empty when all went well).
    public var bootstrapProblems: [String] { bootstrapErrors.withLock { $0 } }

    /// A controller over `repository`.
    public init(repository: GitRepository, options: ArgoCDOptions = ArgoCDOptions(), faults: ArgoCDFaults = ArgoCDFaults()) {
        self.repository = repository
        self.options = options
        self.faults = faults
    }

    /// Reconciles until cancelled: a pass whenever an object changes (coalesced) and at least every `tick`.
    public func run(state: SimState) async {
        var engine = ApplicationEngine(state: state, repository: repository, options: options, faults: faults)
        ensureNamespace(state)
        await bootstrap(state)
        ensureDefaultProject(state)
        let (wake, signal) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
        let changes = state.changes()
        let watcher = Task {
            for await _ in changes { signal.yield() }
            signal.finish()
        }
        let tick = options.tick
        let ticker = Task {
            while !Task.isCancelled {
                try? await Task.sleep(for: tick)
                signal.yield()
            }
        }
        defer {
            watcher.cancel()
            ticker.cancel()
        }
        await engine.pass()
        for await _ in wake {
            if Task.isCancelled { break }
            try? await Task.sleep(for: options.coalesce)
            if Task.isCancelled { break }
            await engine.pass()
        }
    }

    /// Creates the objects under `options.bootstrapPath` at `HEAD` that do not exist yet (never updates).
    func bootstrap(_ state: SimState) async {
        guard let path = options.bootstrapPath else { return }
        do throws(SimError) {
            let files = try await repository.manifestFiles(at: try await repository.resolve("HEAD"), directory: path, recurse: true)
            let manifests = try ManifestSet(files: files)
            // Namespaces first, so the objects in them can be created.
            let ordered = manifests.entries.filter { $0.object["kind"]?.stringValue == "Namespace" }
                + manifests.entries.filter { $0.object["kind"]?.stringValue != "Namespace" }
            for entry in ordered {
                do throws(SimError) {
                    try state.create(entry.object)
                } catch where error.reason == "AlreadyExists" {
                } catch {
                    bootstrapErrors.withLock { $0.append("\(entry.file): \(error.message)") }
                }
            }
        } catch {
            bootstrapErrors.withLock { $0.append(error.message) }
        }
    }

    /// What Argo CD's installation provides: its namespace…
    func ensureNamespace(_ state: SimState) {
        if let namespaces = state.registry.type(group: "", version: "v1", resource: "namespaces"),
            (try? state.get(namespaces, namespace: nil, name: options.namespace)) == nil
        {
            _ = try? state.create(["apiVersion": "v1", "kind": "Namespace", "metadata": ["name": .string(options.namespace)]], as: namespaces)
        }
    }

    /// …and the `default` AppProject (when the bootstrap manifests did not bring one).
    func ensureDefaultProject(_ state: SimState) {
        if let projects = state.registry.type(group: "argoproj.io", version: "v1alpha1", resource: "appprojects"),
            (try? state.get(projects, namespace: options.namespace, name: "default")) == nil
        {
            _ = try? state.create([
                "apiVersion": "argoproj.io/v1alpha1", "kind": "AppProject",
                "metadata": ["name": "default", "namespace": .string(options.namespace)],
                "spec": ["sourceRepos": ["*"], "destinations": [["server": "*", "namespace": "*"]],
                         "clusterResourceWhitelist": [["group": "*", "kind": "*"]]],
            ], as: projects)
        }
    }
}
