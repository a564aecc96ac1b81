extension SimOptions {
    /// Makes the cluster GitOps-run: adds an `ArgoCDController` over `platformDirectory` (a fresh repository
    /// made from it, or the checkout `gitopsRepository`) and stops the seeder from loading the platform, so
    /// only `bootstrap/` is created (by the controller) and everything else arrives by Argo CD syncs.
    ///
    /// Returns the controller: `controller.repository.path` is the repository to report and commit to;
    /// `controller.faults` are its fault switches. Throws when the directory is missing or not a Git checkout.
    @discardableResult
    public mutating func enableArgoCD(gitopsRepository: String? = nil, options argo: ArgoCDOptions = ArgoCDOptions(),
        faults: ArgoCDFaults = ArgoCDFaults()) throws(SimError) -> ArgoCDController
    {
        guard let platform = platformDirectory ?? gitopsRepository else {
            throw SimError.badRequest("Argo CD needs the platform manifests: set platformDirectory or pass a GitOps repository")
        }
        let controller = try ArgoCDController.forPlatform(directory: platform, gitopsRepository: gitopsRepository,
            options: argo, faults: faults)
        controllers.append(controller)
        platformDirectory = nil
        return controller
    }
}
