import Foundation
import ProofCore
import Synchronization

/// What an exec plugin gave: a bearer token or a client certificate, valid until `expiration`.
public struct ExecCredential: Sendable, CustomStringConvertible {
    /// The bearer token, if the plugin gave one.
    public var token: String?
    /// The client certificate and key, if the plugin gave them.
    public var clientIdentity: ClientIdentity?
    /// When to run the plugin again; `nil` means the credential is kept until the server refuses it.
    public var expiration: Date?

    /// Creates a credential.
    public init(token: String? = nil, clientIdentity: ClientIdentity? = nil, expiration: Date? = nil) {
        self.token = token
        self.clientIdentity = clientIdentity
        self.expiration = expiration
    }

    public var description: String {
        let what = token != nil ? "token <redacted>" : clientIdentity?.description ?? "nothing"
        return "exec credential: \(what), expires \(expiration.map { "\($0)" } ?? "never")"
    }
}

/// Runs an exec credential plugin (`client.authentication.k8s.io/v1`) and caches its answer until its
/// `expirationTimestamp` (10 s of margin) or until the server refuses it (401).
///
/// One provider per plugin, server and CA in the process (``shared(plugin:server:certificateAuthorityPEM:)``,
/// which every `KubernetesClient` uses): a capture's concurrent requests and every client of a run share one
/// credential, so the plugin runs once while its credential is valid. Refreshes are serialised: callers that
/// find no valid credential wait for the one refresh in flight instead of starting their own.
///
/// Concurrency: an actor. The plugin runs in a detached task on a thread of its own (it blocks); the actor
/// only starts that task and awaits it, so no lock or actor-isolated state is held across the plugin's I/O.
/// The process runs with `KUBERNETES_EXEC_INFO` set, stdin closed.
public actor ExecCredentialProvider {
    /// The plugin to run.
    public let plugin: ExecPlugin
    private let server: String
    private let certificateAuthorityPEM: [UInt8]?
    private let now: @Sendable () -> Date
    private var cached: ExecCredential?
    /// The refresh in flight, shared by every caller that needs a credential meanwhile.
    private var refreshing: Task<ExecCredential, any Error>?

    /// Creates a provider of its own (tests); clients use ``shared(plugin:server:certificateAuthorityPEM:)``.
    /// `now` is injectable so tests can move time past an expiry.
    public init(
        plugin: ExecPlugin, server: String, certificateAuthorityPEM: [UInt8]? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.plugin = plugin
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.now = now
    }

    /// The process's providers, by plugin (command, arguments, environment, API version, folder) and
    /// cluster. A `Mutex` held only to look up or insert, never across I/O or an `await`.
    private static let registry = Mutex<[String: ExecCredentialProvider]>([:])

    /// The process's one provider for this plugin and cluster, made on first use.
    public static func shared(plugin: ExecPlugin, server: String, certificateAuthorityPEM: [UInt8]?) -> ExecCredentialProvider {
        let environment = plugin.env.map { "\($0.name)=\($0.value)" }
        let key = ([plugin.command, plugin.apiVersion, plugin.directory, "\(plugin.provideClusterInfo)", server,
                    certificateAuthorityPEM.map { Digest.sha256Hex($0) } ?? "-"] + plugin.args + ["--env--"] + environment)
            .joined(separator: "\u{0}")
        return registry.withLock { providers in
            if let existing = providers[key] { return existing }
            let provider = ExecCredentialProvider(plugin: plugin, server: server, certificateAuthorityPEM: certificateAuthorityPEM)
            providers[key] = provider
            return provider
        }
    }

    /// The cached credential, or a fresh one when there is none or it expires within 10 s. Concurrent callers
    /// share one run of the plugin.
    public func credential() async throws -> ExecCredential {
        if let cached, cached.expiration.map({ $0.timeIntervalSince(now()) > 10 }) ?? true {
            return cached
        }
        if let refreshing { return try await refreshing.value }
        let plugin = self.plugin
        let info = execInfo()
        let task = Task.detached { try await Self.run(plugin, info: info) }
        refreshing = task
        defer { refreshing = nil }
        let fresh = try await task.value
        cached = fresh
        return fresh
    }

    /// Forgets the cached credential (after the server answered 401).
    public func invalidate() { cached = nil }

    /// Forgets the cached credential if `request` carried it and the server refused it (401); a request that
    /// carried an older credential (refreshed meanwhile by another caller) changes nothing, so a burst of
    /// 401s costs one refresh, not one per request.
    public func invalidate(refused request: HTTPRequest) {
        guard let cached else { return }
        if let token = cached.token, request.headers.contains(HTTPHeader("Authorization", "Bearer \(token)")) {
            self.cached = nil
        } else if let identity = cached.clientIdentity, request.clientIdentity == identity {
            self.cached = nil
        }
    }

    /// Runs the plugin on a thread of its own and parses its answer.
    private static func run(_ plugin: ExecPlugin, info: String) async throws -> ExecCredential {
        let output: [UInt8] = try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Self.execute(plugin, info: info)) }
            thread.name = "proof.exec-plugin"
            thread.start()
        }
        return try Self.parse(output, plugin: plugin)
    }

    private func execInfo() -> String {
        var spec: [String: JSON] = ["interactive": false]
        if plugin.provideClusterInfo {
            var cluster: [String: JSON] = ["server": .string(server)]
            if let certificateAuthorityPEM {
                cluster["certificate-authority-data"] = .string(Data(certificateAuthorityPEM).base64EncodedString())
            }
            spec["cluster"] = .object(cluster)
        }
        let info: JSON = ["apiVersion": .string(plugin.apiVersion), "kind": "ExecCredential", "spec": .object(spec)]
        return info.canonicalString
    }

    /// Runs the command to its end; stdout is the answer.
    private static func execute(_ plugin: ExecPlugin, info: String) -> Result<[UInt8], any Error> {
        var environment = ProcessInfo.processInfo.environment
        for variable in plugin.env { environment[variable.name] = variable.value }
        environment["KUBERNETES_EXEC_INFO"] = info
        guard let executable = resolve(plugin.command, directory: plugin.directory, path: environment["PATH"]) else {
            return .failure(failure(plugin, "command not found", hint: plugin.installHint))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = plugin.args
        process.environment = environment
        process.standardInput = FileHandle.nullDevice
        let stdout = Pipe()
        let stderr = Pipe()
        process.standardOutput = stdout
        process.standardError = stderr
        do { try process.run() } catch {
            return .failure(failure(plugin, "cannot start: \(error.localizedDescription)", hint: plugin.installHint))
        }
        // Drain stderr concurrently so a chatty plugin cannot fill the pipe and block.
        let errorText = ErrorText()
        let group = DispatchGroup()
        group.enter()
        // A thread of its own: Dispatch's pool on Linux does not grow while its threads are blocked.
        Thread {
            errorText.value = stderr.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }.start()
        let output = stdout.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        group.wait()
        guard process.terminationStatus == 0 else {
            let detail = String(decoding: errorText.value.prefix(300), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(failure(
                plugin, "exited with status \(process.terminationStatus)\(detail.isEmpty ? "" : ": \(detail)")"))
        }
        return .success([UInt8](output))
    }

    /// Holds stderr's bytes across the reading thread.
    /// `@unchecked Sendable`: written once by the reader before `group.leave()`, read after `group.wait()`.
    private final class ErrorText: @unchecked Sendable { var value = Data() }

    private static func resolve(_ command: String, directory: String, path: String?) -> String? {
        let fileManager = FileManager.default
        if command.contains("/") {
            let full = command.hasPrefix("/") ? command : directory + "/" + command
            return fileManager.isExecutableFile(atPath: full) ? full : nil
        }
        for folder in (path ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(folder)/\(command)"
            if fileManager.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func failure(_ plugin: ExecPlugin, _ message: String, hint: String? = nil) -> ClusterError {
        ClusterError(kind: .credentials, message: "exec plugin \(plugin.command): \(message)", hint: hint)
    }

    static func parse(_ output: [UInt8], plugin: ExecPlugin) throws -> ExecCredential {
        let document: JSON
        do { document = try JSON(parsing: output) } catch {
            throw failure(plugin, "printed something that is not an ExecCredential (\(error))")
        }
        guard document["kind"]?.stringValue == "ExecCredential" else {
            throw failure(plugin, "printed a \(document["kind"]?.stringValue ?? "document without kind"), not an ExecCredential")
        }
        guard let status = document["status"]?.objectValue else {
            throw failure(plugin, "ExecCredential has no status")
        }
        var credential = ExecCredential()
        credential.token = status["token"]?.stringValue.flatMap { $0.isEmpty ? nil : $0 }
        if let certificate = status["clientCertificateData"]?.stringValue,
            let key = status["clientKeyData"]?.stringValue
        {
            credential.clientIdentity = ClientIdentity(certificatePEM: Array(certificate.utf8), keyPEM: Array(key.utf8))
        }
        guard credential.token != nil || credential.clientIdentity != nil else {
            throw failure(plugin, "ExecCredential.status has neither token nor clientCertificateData/clientKeyData")
        }
        if let stamp = status["expirationTimestamp"]?.stringValue {
            guard let date = parseTimestamp(stamp) else {
                throw failure(plugin, "ExecCredential.status.expirationTimestamp is not RFC 3339: \(stamp)")
            }
            credential.expiration = date
        }
        return credential
    }

    /// RFC 3339 with or without fractional seconds.
    static func parseTimestamp(_ text: String) -> Date? {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: text) { return date }
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.date(from: text)
    }
}
