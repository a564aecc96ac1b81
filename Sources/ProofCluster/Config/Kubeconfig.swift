import Foundation
import ProofCore

/// Reads kubeconfig files the way kubectl does and resolves one context into a `ClusterConfig`.
///
/// Sources, in order: an explicit file (`--kubeconfig`), the `:`-separated list in `KUBECONFIG` (merged; the
/// first file to name a cluster, user or context wins, and the first `current-context` wins), `~/.kube/config`,
/// and finally the in-cluster service account. Every field of the chosen context, cluster and user is checked:
/// an unknown or broken one is an error naming the file and the field, such as
/// `~/.kube/config: users[0].user.client-key-data: not valid base64`.
public enum Kubeconfig {
    /// Loads the configuration for `context` (or the current context).
    ///
    /// - Parameters:
    ///   - path: An explicit kubeconfig file; it must exist.
    ///   - context: The context to use instead of `current-context`.
    ///   - environment: Where `KUBECONFIG`, `HOME` and the in-cluster variables are read.
    ///   - serviceAccountDirectory: The in-cluster credentials folder (injectable for tests).
    /// - Throws: `ClusterError` of kind `.configuration`.
    public static func load(
        path: String? = nil, context: String? = nil,
        environment: [String: String] = ProcessInfo.processInfo.environment,
        serviceAccountDirectory: String = ClusterConfig.defaultServiceAccountDirectory
    ) throws -> ClusterConfig {
        let home = environment["HOME"] ?? NSHomeDirectory()
        var files: [String] = []
        if let path {
            let expanded = expandTilde(path, home: home)
            guard FileManager.default.fileExists(atPath: expanded) else {
                throw ClusterError.config(path, nil, "no such kubeconfig file")
            }
            files = [expanded]
        } else if let list = environment["KUBECONFIG"], !list.isEmpty {
            files = list.split(separator: ":").map { expandTilde(String($0), home: home) }
                .filter { FileManager.default.fileExists(atPath: $0) }
        } else {
            let standard = home + "/.kube/config"
            if FileManager.default.fileExists(atPath: standard) { files = [standard] }
        }
        if files.isEmpty {
            if environment["KUBERNETES_SERVICE_HOST"] != nil {
                return try ClusterConfig.inCluster(environment: environment, directory: serviceAccountDirectory)
            }
            throw ClusterError.config(
                nil, nil, "no kubeconfig found",
                hint: "pass --kubeconfig, set KUBECONFIG, or create ~/.kube/config")
        }
        var merged = MergedKubeconfig()
        for file in files {
            try merged.add(file: file, display: abbreviate(file, home: home))
        }
        return try merged.resolve(context: context)
    }

    /// Resolves `context` (or the current context) of one kubeconfig given as text, as ``load(path:context:environment:serviceAccountDirectory:)``
    /// does for a file: the same checks, the same errors (`file` names it, `directory` anchors relative paths).
    /// The fuzz target (`Fuzz/`) drives this.
    /// - Throws: `ClusterError` of kind `.configuration`.
    public static func decode(_ text: String, file: String, directory: String = ".", context: String? = nil) throws -> ClusterConfig {
        var merged = MergedKubeconfig()
        try merged.add(text: text, display: file, directory: directory)
        return try merged.resolve(context: context)
    }

    /// `~/…` → `$HOME/…`.
    static func expandTilde(_ path: String, home: String) -> String {
        if path == "~" { return home }
        if path.hasPrefix("~/") { return home + path.dropFirst() }
        return path
    }

    /// `$HOME/…` → `~/…`, for messages.
    static func abbreviate(_ path: String, home: String) -> String {
        guard !home.isEmpty, home != "/", path.hasPrefix(home + "/") else { return path }
        return "~" + path.dropFirst(home.count)
    }
}

/// One named entry (cluster, user or context) and where it was read.
struct KubeconfigEntry {
    let name: String
    let body: [String: JSON]
    /// The file, as shown in messages.
    let file: String
    /// The folder relative paths are resolved against.
    let directory: String
    /// `users[2].user`, the prefix of every field path.
    let path: String

    func field(_ key: String) -> String { "\(path).\(key)" }

    func fail(_ key: String, _ message: String, hint: String? = nil) -> ClusterError {
        ClusterError.config(file, field(key), message, hint: hint)
    }

    /// Rejects keys outside `allowed`; `unsupported` keys get their own message.
    func checkKeys(_ allowed: Set<String>, unsupported: [String: String] = [:]) throws {
        for key in body.keys.sorted() {
            if let message = unsupported[key] { throw fail(key, message) }
            if !allowed.contains(key) { throw fail(key, "unknown field", hint: "remove it or fix its spelling") }
        }
    }

    func string(_ key: String) throws -> String? {
        guard let value = body[key], !value.isNull else { return nil }
        guard case .string(let text) = value else { throw fail(key, "must be a string") }
        return text.isEmpty ? nil : text
    }

    func bool(_ key: String) throws -> Bool {
        guard let value = body[key], !value.isNull else { return false }
        guard case .bool(let flag) = value else { throw fail(key, "must be true or false") }
        return flag
    }

    /// A `*-data` field: base64 of PEM.
    func pemData(_ key: String) throws -> [UInt8]? {
        guard let text = try string(key) else { return nil }
        let compact = text.filter { !$0.isWhitespace }
        guard let data = Data(base64Encoded: compact) else { throw fail(key, "not valid base64") }
        let bytes = [UInt8](data)
        guard String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN ") else {
            throw fail(key, "decodes to something that is not PEM (no '-----BEGIN' line)")
        }
        return bytes
    }

    /// A file field: its path resolved against the kubeconfig's folder.
    func filePath(_ key: String) throws -> String? {
        guard let path = try string(key) else { return nil }
        return path.hasPrefix("/") ? path : directory + "/" + path
    }

    /// A file field holding PEM: the file's bytes.
    func pemFile(_ key: String) throws -> [UInt8]? {
        guard let path = try filePath(key) else { return nil }
        let data: Data
        switch BoundedFile.read(path) {
        case .success(let bytes): data = bytes
        case .failure(let reason): throw fail(key, "cannot read \(path): \(reason)")
        }
        let bytes = [UInt8](data)
        guard String(decoding: bytes.prefix(4096), as: UTF8.self).contains("-----BEGIN ") else {
            throw fail(key, "\(path) is not PEM (no '-----BEGIN' line)")
        }
        return bytes
    }
}

/// kubeconfig files merged by name, first one winning.
struct MergedKubeconfig {
    var clusters: [String: KubeconfigEntry] = [:]
    var users: [String: KubeconfigEntry] = [:]
    var contexts: [String: KubeconfigEntry] = [:]
    var currentContext: String?
    var files: [String] = []

    static let topLevelKeys: Set<String> = [
        "apiVersion", "kind", "clusters", "users", "contexts", "current-context", "preferences", "extensions",
    ]

    mutating func add(file: String, display: String) throws {
        let data: Data
        switch BoundedFile.read(file) {
        case .success(let bytes): data = bytes
        case .failure(let reason): throw ClusterError.config(display, nil, "cannot read the kubeconfig file: \(reason)")
        }
        try add(text: String(decoding: data, as: UTF8.self), display: display, directory: (file as NSString).deletingLastPathComponent)
    }

    /// Adds a kubeconfig from its text; `display` names it in errors, `directory` anchors relative paths.
    mutating func add(text: String, display: String, directory: String) throws {
        let document: JSON
        do {
            document = try YAML.decode(text, file: display, limits: .configuration)
        } catch {
            throw ClusterError(kind: .configuration, message: error.description)
        }
        files.append(display)
        if document.isNull { return }
        guard case .object(let top) = document else {
            throw ClusterError.config(display, nil, "a kubeconfig must be a mapping (clusters, users, contexts, …)")
        }
        for key in top.keys.sorted() where !Self.topLevelKeys.contains(key) {
            throw ClusterError.config(display, key, "unknown field", hint: "remove it or fix its spelling")
        }
        if currentContext == nil, case .string(let name)? = top["current-context"], !name.isEmpty {
            currentContext = name
        }
        for (section, inner) in [("clusters", "cluster"), ("users", "user"), ("contexts", "context")] {
            guard let value = top[section], !value.isNull else { continue }
            guard case .array(let items) = value else {
                throw ClusterError.config(display, section, "must be a list")
            }
            for (index, item) in items.enumerated() {
                let path = "\(section)[\(index)]"
                guard case .object(let named) = item else {
                    throw ClusterError.config(display, path, "must be a mapping with name and \(inner)")
                }
                guard case .string(let name)? = named["name"], !name.isEmpty else {
                    throw ClusterError.config(display, path + ".name", "missing or not a string")
                }
                for key in named.keys where key != "name" && key != inner {
                    throw ClusterError.config(display, "\(path).\(key)", "unknown field")
                }
                var body: [String: JSON] = [:]
                if let content = named[inner], !content.isNull {
                    guard case .object(let members) = content else {
                        throw ClusterError.config(display, "\(path).\(inner)", "must be a mapping")
                    }
                    body = members
                }
                let entry = KubeconfigEntry(
                    name: name, body: body, file: display, directory: directory, path: "\(path).\(inner)")
                switch section {
                case "clusters": if clusters[name] == nil { clusters[name] = entry }
                case "users": if users[name] == nil { users[name] = entry }
                default: if contexts[name] == nil { contexts[name] = entry }
                }
            }
        }
    }

    func resolve(context requested: String?) throws -> ClusterConfig {
        let source = files.joined(separator: ":")
        guard let contextName = requested ?? currentContext else {
            throw ClusterError.config(
                source, nil, "no current-context is set", hint: "pass --context (one of: \(names(contexts)))")
        }
        guard let context = contexts[contextName] else {
            throw ClusterError.config(
                source, nil, "context \"\(contextName)\" not found", hint: "known contexts: \(names(contexts))")
        }
        try context.checkKeys(["cluster", "user", "namespace", "extensions"])
        guard let clusterName = try context.string("cluster") else { throw context.fail("cluster", "missing") }
        guard let cluster = clusters[clusterName] else {
            throw context.fail("cluster", "cluster \"\(clusterName)\" not found (known: \(names(clusters)))")
        }
        var config = try Self.clusterConfig(cluster)
        config.contextName = contextName
        config.clusterName = clusterName
        config.source = source
        config.namespace = try context.string("namespace") ?? "default"
        if let userName = try context.string("user") {
            guard let user = users[userName] else {
                throw context.fail("user", "user \"\(userName)\" not found (known: \(names(users)))")
            }
            try Self.applyUser(user, to: &config)
        }
        return config
    }

    private func names(_ entries: [String: KubeconfigEntry]) -> String {
        entries.isEmpty ? "none" : entries.keys.sorted().joined(separator: ", ")
    }

    static func clusterConfig(_ cluster: KubeconfigEntry) throws -> ClusterConfig {
        try cluster.checkKeys([
            "server", "certificate-authority", "certificate-authority-data", "insecure-skip-tls-verify",
            "tls-server-name", "proxy-url", "disable-compression", "extensions",
        ])
        guard let server = try cluster.string("server") else { throw cluster.fail("server", "missing") }
        guard let target = URLTarget(server), ["http", "https"].contains(target.scheme), !target.host.isEmpty else {
            throw cluster.fail("server", "not an http(s) URL: \(ClusterError.redactedURL(server))")
        }
        var tls = TLSOptions()
        tls.certificateAuthorityPEM = try cluster.pemData("certificate-authority-data")
            ?? cluster.pemFile("certificate-authority")
        tls.insecureSkipVerify = try cluster.bool("insecure-skip-tls-verify")
        tls.serverName = try cluster.string("tls-server-name")
        let proxy = try cluster.string("proxy-url")
        if let proxy, URLTarget(proxy) == nil {
            throw cluster.fail("proxy-url", "not a URL (expected scheme://host:port)")
        }
        let trimmed = server.hasSuffix("/") ? String(server.dropLast()) : server
        return ClusterConfig(server: trimmed, tls: tls, proxyURL: proxy)
    }

    static func applyUser(_ user: KubeconfigEntry, to config: inout ClusterConfig) throws {
        let impersonation = "impersonation is not supported by proof; use a context whose user is the identity you want"
        try user.checkKeys(
            [
                "client-certificate", "client-certificate-data", "client-key", "client-key-data", "token",
                "tokenFile", "username", "password", "exec", "extensions",
            ],
            unsupported: [
                "auth-provider": "auth-provider plugins were removed from Kubernetes; use an exec plugin",
                "as": impersonation, "as-uid": impersonation, "as-groups": impersonation,
                "as-user-extra": impersonation,
            ])
        let certificate = try user.pemData("client-certificate-data") ?? user.pemFile("client-certificate")
        let key = try user.pemData("client-key-data") ?? user.pemFile("client-key")
        switch (certificate, key) {
        case (let certificate?, let key?):
            config.tls.clientIdentity = ClientIdentity(certificatePEM: certificate, keyPEM: key)
        case (.some, nil):
            throw user.fail("client-key-data", "missing: a client certificate needs its key (client-key or client-key-data)")
        case (nil, .some):
            throw user.fail("client-certificate-data", "missing: a client key needs its certificate")
        case (nil, nil):
            break
        }
        if let tokenFile = try user.filePath("tokenFile") {
            guard FileManager.default.isReadableFile(atPath: tokenFile) else {
                throw user.fail("tokenFile", "cannot read \(tokenFile)")
            }
            config.authentication = .tokenFile(tokenFile)
        } else if let token = try user.string("token") {
            config.authentication = .bearerToken(token)
        } else if let username = try user.string("username") {
            config.authentication = .basic(username: username, password: try user.string("password") ?? "")
        } else if user.body["password"] != nil {
            throw user.fail("password", "a password needs a username")
        }
        if let exec = user.body["exec"], !exec.isNull {
            guard case .none = config.authentication else { return }  // a token wins over the plugin
            config.authentication = .exec(try execPlugin(exec, user: user))
        }
    }

    static func execPlugin(_ value: JSON, user: KubeconfigEntry) throws -> ExecPlugin {
        guard case .object(let members) = value else { throw user.fail("exec", "must be a mapping") }
        let exec = KubeconfigEntry(
            name: user.name, body: members, file: user.file, directory: user.directory, path: user.field("exec"))
        try exec.checkKeys(["command", "args", "env", "apiVersion", "installHint", "provideClusterInfo", "interactiveMode"])
        guard let command = try exec.string("command") else { throw exec.fail("command", "missing") }
        let apiVersion = try exec.string("apiVersion") ?? ""
        guard ["client.authentication.k8s.io/v1", "client.authentication.k8s.io/v1beta1"].contains(apiVersion) else {
            throw exec.fail("apiVersion", "must be client.authentication.k8s.io/v1 (found \"\(apiVersion)\")")
        }
        if let mode = try exec.string("interactiveMode"), mode == "Always" {
            throw exec.fail("interactiveMode", "Always needs a terminal; proof runs plugins non-interactively")
        }
        var args: [String] = []
        if let list = exec.body["args"], !list.isNull {
            guard case .array(let items) = list else { throw exec.fail("args", "must be a list of strings") }
            for (index, item) in items.enumerated() {
                guard case .string(let arg) = item else { throw exec.fail("args[\(index)]", "must be a string") }
                args.append(arg)
            }
        }
        var env: [HTTPHeader] = []
        if let list = exec.body["env"], !list.isNull {
            guard case .array(let items) = list else { throw exec.fail("env", "must be a list of {name, value}") }
            for (index, item) in items.enumerated() {
                guard case .string(let name)? = item["name"], case .string(let value)? = item["value"] else {
                    throw exec.fail("env[\(index)]", "must have a string name and value")
                }
                env.append(HTTPHeader(name, value))
            }
        }
        return ExecPlugin(
            command: command, args: args, env: env, apiVersion: apiVersion, directory: exec.directory,
            provideClusterInfo: try exec.bool("provideClusterInfo"), installHint: try exec.string("installHint"))
    }
}
