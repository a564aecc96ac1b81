import Foundation

extension ScenarioRunner {
    /// Step kinds that need the GitOps repository checkout (`--gitops-repo`, or the embedded cluster's own).
    static let kindsNeedingGitOpsRepository: Set<String> = [GitStep.kind, AttachStep.kind]

    /// Checks what a scenario needs before it starts, so that a step that cannot run is refused before the
    /// steps ahead of it have changed the cluster (a `detach` followed by an `attach` that has no checkout).
    /// `gitopsRepository` is the checkout given (`--gitops-repo`); `embeddedCluster` says the embedded cluster
    /// provides its own.
    ///
    /// - Throws: `ScenarioError` `.invalidInput` naming the first step (`file:line:col`) that cannot run.
    public static func checkPreconditions(_ scenario: Scenario, gitopsRepository: String?, embeddedCluster: Bool) throws {
        if let gitopsRepository {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: gitopsRepository, isDirectory: &isDirectory), isDirectory.boolValue else {
                throw ScenarioError(.invalidInput, "--gitops-repo \(gitopsRepository): no such directory; pass the GitOps repository checkout")
            }
            return
        }
        guard !embeddedCluster else { return }
        if let step = (scenario.steps + scenario.finally).first(where: { kindsNeedingGitOpsRepository.contains($0.kind) }) {
            throw ScenarioError(
                .invalidInput, at: step.location,
                "a '\(step.kind)' step needs the GitOps repository checkout against this cluster: pass --gitops-repo DIR")
        }
    }
}
