import Foundation

extension ClusterConfig {
    /// Where a pod finds its service-account token, CA and namespace.
    public static let defaultServiceAccountDirectory = "/var/run/secrets/kubernetes.io/serviceaccount"

    /// The configuration of a process running in a pod: `https://$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT`,
    /// the service-account token (re-read before every request, since it is rotated), its CA and namespace.
    ///
    /// - Parameter directory: The service-account folder; injectable so tests can point at a fixture.
    /// - Throws: `ClusterError` of kind `.configuration` when the variables or files are missing.
    public static func inCluster(
        environment: [String: String] = ProcessInfo.processInfo.environment,
        directory: String = defaultServiceAccountDirectory
    ) throws -> ClusterConfig {
        guard let host = environment["KUBERNETES_SERVICE_HOST"], !host.isEmpty,
            let port = environment["KUBERNETES_SERVICE_PORT"], !port.isEmpty
        else {
            throw ClusterError.config(
                nil, nil, "not running in a cluster: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT are not set",
                hint: "pass --kubeconfig or --context")
        }
        let tokenPath = directory + "/token"
        guard FileManager.default.isReadableFile(atPath: tokenPath) else {
            throw ClusterError.config(tokenPath, nil, "cannot read the service-account token")
        }
        let caPath = directory + "/ca.crt"
        guard let ca = FileManager.default.contents(atPath: caPath) else {
            throw ClusterError.config(caPath, nil, "cannot read the service-account CA certificate")
        }
        let namespace = FileManager.default.contents(atPath: directory + "/namespace")
            .map { String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) }
        let bracketed = host.contains(":") ? "[\(host)]" : host
        return ClusterConfig(
            server: "https://\(bracketed):\(port)", tls: TLSOptions(certificateAuthorityPEM: [UInt8](ca)),
            authentication: .tokenFile(tokenPath), namespace: namespace.flatMap { $0.isEmpty ? nil : $0 } ?? "default",
            contextName: nil, source: "in-cluster")
    }
}
