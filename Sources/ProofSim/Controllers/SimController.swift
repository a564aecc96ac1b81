/// A control loop running inside the simulated cluster (workload controllers, the simulated kubelet, and
/// later the Argo CD application controller).
///
/// `run(state:)` is started once when the cluster starts and cancelled when it stops; it should watch
/// `state.changes()` (and/or poll) and write through `state`, returning promptly on cancellation.
public protocol SimController: Sendable {
    /// A short name for logs (`deployment`, `argocd-application`).
    var name: String { get }
    /// Runs until cancelled.
    func run(state: SimState) async
}
