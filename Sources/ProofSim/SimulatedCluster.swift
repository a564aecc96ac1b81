import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ProofCore
import Synchronization

/// A running simulated Kubernetes cluster: the API server on 127.0.0.1 plus its controllers and state.
///
/// ```swift
/// let cluster = try await SimulatedCluster.start(options)   // port 0 → any free port
/// try cluster.writeKubeconfig(to: path)                        // then: kubectl --kubeconfig path get ns
/// await cluster.stop()
/// ```
///
/// Lock rule: `tasks` and `listener` are `Mutex`es held only to take or store the value; tasks are cancelled, streams
/// finished and the listener closed after the lock is released.
public final class SimulatedCluster: Sendable {
    /// The object store; in-sim controllers and tests read and write through it.
    public let state: SimState
    /// The fault switchboard (also reachable over `POST/DELETE /_sim/faults`).
    public let faults: FaultSwitchboard
    /// Handlers behind Services, reached over the API server's service proxy.
    public let services: ServiceHandlers
    /// Workload and logging failures (crash loops, Alloy paused, Loki losing its data; also reachable over
    /// `GET/POST/DELETE /_sim/chaos`). See `ChaosSwitches`.
    public let chaos: ChaosSwitches
    /// The bearer token clients must send.
    public let token: String
    /// The bound TCP port.
    public let port: Int
    /// The PEM CA certificate that signed the server's certificate (public; put it in a kubeconfig or pass
    /// it to curl with `--cacert`).
    public let caPEM: String
    /// What the platform seeding did (nil without a platform directory).
    public let seedReport: Seeder.Report?
    private let tasks: Mutex<[Task<Void, Never>]>
    private let server: Task<Void, Never>
    /// The listening channel (set once the server runs), closed first when the cluster stops.
    private let listener: Mutex<(any Channel)?>

    /// `https://127.0.0.1:PORT`.
    public var url: String { "https://127.0.0.1:\(port)" }

    private init(state: SimState, faults: FaultSwitchboard, services: ServiceHandlers, chaos: ChaosSwitches, token: String,
        port: Int, caPEM: String, seedReport: Seeder.Report?, tasks: [Task<Void, Never>], server: Task<Void, Never>,
        listener: (any Channel)?)
    {
        self.state = state
        self.faults = faults
        self.services = services
        self.chaos = chaos
        self.token = token
        self.port = port
        self.caPEM = caPEM
        self.seedReport = seedReport
        self.tasks = Mutex(tasks)
        self.server = server
        self.listener = Mutex(listener)
    }

    /// Starts a cluster: seeds nodes, namespaces and the platform, starts the controllers, binds the server.
    /// Throws `SimError` for a bad platform directory and the bind error when the port is taken.
    public static func start(_ options: SimOptions = SimOptions(), services: ServiceHandlers = ServiceHandlers())
        async throws -> SimulatedCluster
    {
        let clock = options.clock
        let state = SimState(eventLogCapacity: options.eventLogCapacity, eventHistory: options.eventHistory,
            now: { clock.now() })
        let faults = FaultSwitchboard(options.faults)
        let chaos = ChaosSwitches(state: state)
        let token = options.token ?? Self.randomToken()
        let certificate = try ServingCertificate.generate()
        // The platform's CRDs are served before any controller or seeded object looks for their types.
        try CustomResourceDefinitions.installPlatform(into: state)
        var controllers: [any SimController] = [CustomResourceController()] + options.controllers
        if options.runWorkloadControllers {
            controllers.insert(WorkloadControllers(timing: options.timing), at: 0)
            controllers.append(JobController(timing: options.timing))
            controllers.append(CronJobController(clock: clock))
            controllers.append(NamespaceDefaults(caPEM: certificate.caPEM))
            controllers.append(CrashLoopController(chaos: chaos))
        }
        if let serviceOptions = options.platformServices {
            controllers.append(PlatformServices(handlers: services, options: serviceOptions, chaos: chaos))
        }
        var tasks: [Task<Void, Never>] = []
        for controller in controllers {
            tasks.append(Task { await controller.run(state: state) })
        }
        // Let the controllers subscribe before the first objects arrive (they also resync on start).
        await Task.yield()
        Seeder.seedCluster(state)
        var report: Seeder.Report?
        if let directory = options.platformDirectory {
            report = try Seeder.seedPlatform(state, directory: directory, scale: max(1, options.scale))
        }

        let core = ClusterCore(state: state, faults: faults, services: services, chaos: chaos, token: token, options: options)
        let (bound, boundContinuation) = AsyncStream.makeStream(of: Result<(port: Int, channel: any Channel), any Error>.self)
        var logger = Logger(label: "proof-sim")
        logger.logLevel = .critical
        let app = Application(
            responder: APIServer(core: core),
            server: try .tls(.http1(), tlsConfiguration: certificate.tlsConfiguration()),
            configuration: .init(address: .hostname("127.0.0.1", port: options.port), serverName: nil),
            onServerRunning: { channel in
                boundContinuation.yield(.success((channel.localAddress?.port ?? 0, channel)))
            },
            logger: logger
        )
        let server = Task {
            do {
                try await app.run()
            } catch {
                boundContinuation.yield(.failure(error))
            }
            boundContinuation.finish()
        }
        var port = 0
        var listener: (any Channel)?
        for await result in bound {
            switch result {
            case .success(let value):
                port = value.port
                listener = value.channel
            case .failure(let error):
                for task in tasks { task.cancel() }
                state.finishAllStreams()
                throw error
            }
            break
        }
        core.port.withLock { $0 = port }
        return SimulatedCluster(state: state, faults: faults, services: services, chaos: chaos, token: token, port: port,
            caPEM: certificate.caPEM, seedReport: report, tasks: tasks, server: server, listener: listener)
    }

    /// Stops the server and the controllers and ends every open watch.
    public func stop() async {
        let tasks = self.tasks.withLock { tasks in
            defer { tasks.removeAll() }
            return tasks
        }
        for task in tasks { task.cancel() }
        state.finishAllStreams()
        // Stop accepting first, and give the accept loop a moment to hand every connection it already accepted to
        // a handler: cancelling the server while an accepted connection is still buffered traps in NIO
        // ("Deinited NIOAsyncWriter without calling finish()", apple/swift-nio#3481) and kills the process.
        if let listener = listener.withLock({ $0 }) {
            try? await listener.close()
            let server = self.server
            await withTaskGroup(of: Void.self) { group in
                group.addTask { _ = await server.value }
                group.addTask { try? await Task.sleep(for: .milliseconds(100)) }
                await group.next()
                server.cancel()
            }
        }
        server.cancel()
        _ = await server.value
    }

    /// Waits until every Deployment, StatefulSet and DaemonSet has all its pods Ready and every pod is
    /// Running (or, a Job's, Succeeded); throws `SimError` 504 with what is still pending after `timeout`.
    public func waitUntilSettled(timeout: Duration = .seconds(30)) async throws {
        let deadline = ContinuousClock.now + timeout
        while true {
            let pending = pendingWork()
            if pending.isEmpty { return }
            if ContinuousClock.now >= deadline {
                throw SimError(code: 504, reason: "Timeout",
                    message: "the simulated cluster did not settle in \(timeout): still pending: \(pending.prefix(5).joined(separator: ", "))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// What is not yet settled, as `Kind/namespace/name` strings.
    public func pendingWork() -> [String] {
        var pending: [String] = []
        for deployment in state.list(BuiltIn.deployments).items {
            let want = deployment[path: ["spec", "replicas"]]?.intValue ?? 1
            if deployment[path: ["status", "readyReplicas"]]?.intValue ?? 0 != want
                || deployment[path: ["status", "updatedReplicas"]]?.intValue ?? 0 != want
                || deployment[path: ["status", "replicas"]]?.intValue ?? 0 != want
            {
                pending.append("Deployment/\(ObjectIdentity(object: deployment)?.namespace ?? "")/\(deployment[path: ["metadata", "name"]]?.displayString ?? "")")
            }
        }
        for sts in state.list(BuiltIn.statefulSets).items {
            let want = sts[path: ["spec", "replicas"]]?.intValue ?? 1
            if sts[path: ["status", "readyReplicas"]]?.intValue ?? 0 != want || sts[path: ["status", "updatedReplicas"]]?.intValue ?? 0 != want {
                pending.append("StatefulSet/\(sts[path: ["metadata", "namespace"]]?.displayString ?? "")/\(sts[path: ["metadata", "name"]]?.displayString ?? "")")
            }
        }
        for ds in state.list(BuiltIn.daemonSets).items {
            let want = ds[path: ["status", "desiredNumberScheduled"]]?.intValue ?? -1
            if want < 0 || ds[path: ["status", "numberReady"]]?.intValue ?? 0 != want || ds[path: ["status", "updatedNumberScheduled"]]?.intValue ?? 0 != want {
                pending.append("DaemonSet/\(ds[path: ["metadata", "namespace"]]?.displayString ?? "")/\(ds[path: ["metadata", "name"]]?.displayString ?? "")")
            }
        }
        for pod in state.list(BuiltIn.pods).items where !["Running", "Succeeded"].contains(pod[path: ["status", "phase"]]?.stringValue ?? "")
            || pod[path: ["metadata", "deletionTimestamp"]] != nil
        {
            pending.append("Pod/\(pod[path: ["metadata", "namespace"]]?.displayString ?? "")/\(pod[path: ["metadata", "name"]]?.displayString ?? "")")
        }
        return pending
    }

    /// A kubeconfig for this cluster: cluster, user and context all named `proof-sim`, bearer-token auth.
    public func kubeconfig() -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: proof-sim
          cluster:
            server: \(url)
            certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())
        users:
        - name: proof-sim
          user:
            token: \(token)
        contexts:
        - name: proof-sim
          context:
            cluster: proof-sim
            user: proof-sim
        current-context: proof-sim
        preferences: {}

        """
    }

    /// Writes `kubeconfig()` to `path` with mode 0600 (it holds the token).
    public func writeKubeconfig(to path: String) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        try Data(kubeconfig().utf8).write(to: url)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: path)
    }

    static func randomToken() -> String {
        var generator = SystemRandomNumberGenerator()
        return "sim-" + (0..<4).map { _ in String(generator.next() as UInt64, radix: 36) }.joined()
    }
}
