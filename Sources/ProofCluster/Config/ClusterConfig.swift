import ProofCore

/// Everything needed to talk to one cluster: where it is, how to verify it, who we are, and the default
/// namespace. Made by `Kubeconfig.load` or `ClusterConfig.inCluster`, or by hand (tests, the simulated cluster).
///
/// Its `description` never shows credentials.
public struct ClusterConfig: Sendable, CustomStringConvertible {
    /// The API server's base URL, such as `https://127.0.0.1:6443`.
    public var server: String
    /// Server verification and client certificate.
    public var tls: TLSOptions
    /// A proxy for every request (`proxy-url`).
    public var proxyURL: String?
    /// How requests authenticate, besides a client certificate in `tls`.
    public var authentication: Authentication
    /// The context's default namespace (`default` when it names none).
    public var namespace: String
    /// The kubeconfig context this came from, if any.
    public var contextName: String?
    /// The kubeconfig cluster entry the context names, if any.
    public var clusterName: String?
    /// Where this came from: the kubeconfig file(s), or `in-cluster`.
    public var source: String

    /// Creates a configuration.
    public init(
        server: String, tls: TLSOptions = TLSOptions(), proxyURL: String? = nil,
        authentication: Authentication = .none, namespace: String = "default", contextName: String? = nil,
        source: String = "<explicit>"
    ) {
        self.server = server
        self.tls = tls
        self.proxyURL = proxyURL
        self.authentication = authentication
        self.namespace = namespace
        self.contextName = contextName
        self.source = source
    }

    /// The host of ``server`` (`127.0.0.1`, `api.prod.example.com`), `nil` when it is not a URL.
    public var serverHost: String? { URLTarget(server)?.host }

    /// Every place of this configuration that looks like prod (``ProdGuard/looksLikeProd(_:)``), described
    /// for a message: `cluster name 'eks-prod'`, `server host 'api.prod.example.com'`, `context 'x-prod'`,
    /// `context namespace 'fastapi-prod'`. Empty when none does.
    public var prodSigns: [String] {
        let places: [(String, String?)] = [
            ("cluster name", clusterName), ("server host", serverHost), ("context", contextName), ("context namespace", namespace),
        ]
        return places.compactMap { what, value in
            guard let value, ProdGuard.looksLikeProd(value) else { return nil }
            return "\(what) '\(value)'"
        }
    }

    public var description: String {
        var text = "\(server) (context \(contextName ?? "-"), namespace \(namespace), from \(source)"
        text += "; TLS: \(tls); auth: \(authentication)"
        if let proxyURL { text += "; proxy \(ClusterError.redactedURL(proxyURL))" }
        return text + ")"
    }
}

/// How requests prove who they are (a client certificate lives in `TLSOptions` instead).
public enum Authentication: Sendable, CustomStringConvertible {
    /// Nothing (or only a client certificate).
    case none
    /// A fixed bearer token.
    case bearerToken(String)
    /// A bearer token read from this file before every request (rotated service-account tokens).
    case tokenFile(String)
    /// HTTP basic authentication.
    case basic(username: String, password: String)
    /// A `client.authentication.k8s.io` exec plugin giving a token or a client certificate.
    case exec(ExecPlugin)

    public var description: String {
        switch self {
        case .none: "none"
        case .bearerToken: "bearer token <redacted>"
        case .tokenFile(let path): "token file \(path)"
        case .basic(let username, _): "basic (\(username), password <redacted>)"
        case .exec(let plugin): "exec \(plugin)"
        }
    }
}

/// An exec credential plugin as the kubeconfig declares it.
public struct ExecPlugin: Sendable, CustomStringConvertible {
    /// The command (a path, absolute or relative to the kubeconfig's folder, or a name looked up in `PATH`).
    public var command: String
    /// Its arguments.
    public var args: [String]
    /// Extra environment variables (values may be secret: never printed).
    public var env: [HTTPHeader]
    /// `client.authentication.k8s.io/v1` (or `v1beta1`).
    public var apiVersion: String
    /// The folder of the kubeconfig that declared it (relative commands are resolved against it).
    public var directory: String
    /// Whether to pass the cluster's server and CA in `KUBERNETES_EXEC_INFO`.
    public var provideClusterInfo: Bool
    /// The kubeconfig's hint for installing the command, shown when it cannot be run.
    public var installHint: String?

    /// Creates a plugin description.
    public init(
        command: String, args: [String] = [], env: [HTTPHeader] = [],
        apiVersion: String = "client.authentication.k8s.io/v1", directory: String = ".",
        provideClusterInfo: Bool = false, installHint: String? = nil
    ) {
        self.command = command
        self.args = args
        self.env = env
        self.apiVersion = apiVersion
        self.directory = directory
        self.provideClusterInfo = provideClusterInfo
        self.installHint = installHint
    }

    public var description: String {
        let names = env.map(\.name).joined(separator: ",")
        return "\(command) (\(args.count) args\(names.isEmpty ? "" : ", env \(names)"))"
    }
}
