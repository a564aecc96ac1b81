import Foundation

/// Where the simulated cluster's bundled resources are (the Kubernetes JSON schemas, the platform's CRD
/// manifests): in `$PROOF_SIM_RESOURCES`, else in the `gitops-proof_ProofSim.resources` bundle next to the
/// executable, where SwiftPM puts it. Looked up by hand rather than with `Bundle.module`, whose accessor kills
/// the process when the bundle was not copied along with the binary (a container image).
enum SimResources {
    /// The bundle folder's name beside the binary.
    static let bundleName = "gitops-proof_ProofSim.resources"

    /// The first existing `relative` path among the candidate bundles, or `nil`.
    static func url(_ relative: String) -> URL? {
        var bundles: [URL] = []
        if let override = ProcessInfo.processInfo.environment["PROOF_SIM_RESOURCES"], !override.isEmpty {
            bundles.append(URL(fileURLWithPath: override))
        }
        bundles.append(Bundle.main.bundleURL.appendingPathComponent(bundleName))
        let executable = URL(fileURLWithPath: CommandLine.arguments.first ?? "").resolvingSymlinksInPath()
        bundles.append(executable.deletingLastPathComponent().appendingPathComponent(bundleName))
        return bundles.map { $0.appendingPathComponent(relative) }.first { FileManager.default.fileExists(atPath: $0.path) }
    }
}
