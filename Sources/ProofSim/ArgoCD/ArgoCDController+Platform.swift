import Foundation

extension ArgoCDController {
    /// A controller for the platform: over the existing checkout `gitopsRepository` when given
    /// (`proof sim serve --gitops-repo DIR`), otherwise over a fresh repository in a temporary folder made
    /// from every file under `platformDirectory` (one commit). Report `controller.repository.path` at start.
    public static func forPlatform(directory platformDirectory: String, gitopsRepository: String? = nil,
        options: ArgoCDOptions = ArgoCDOptions(), faults: ArgoCDFaults = ArgoCDFaults()) throws(SimError) -> ArgoCDController
    {
        let repository = if let gitopsRepository {
            try GitRepository(opening: gitopsRepository)
        } else {
            try GitRepository.create(from: platformDirectory)
        }
        return ArgoCDController(repository: repository, options: options, faults: faults)
    }
}
