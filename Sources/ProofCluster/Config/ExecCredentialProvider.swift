import Foundation
import ProofCore

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
/// `expirationTimestamp`.
///
/// The plugin runs on a thread of its own (it blocks), with `KUBERNETES_EXEC_INFO` set, stdin closed.
public actor ExecCredentialProvider {
    /// The plugin to run.
    public let plugin: ExecPlugin
    private let server: String
    private let certificateAuthorityPEM: [UInt8]?
    private let now: @Sendable () -> Date
    private var cached: ExecCredential?

    /// Creates a provider; `now` is injectable so tests can move time past an expiry.
    public init(
        plugin: ExecPlugin, server: String, certificateAuthorityPEM: [UInt8]? = nil,
        now: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.plugin = plugin
        self.server = server
        self.certificateAuthorityPEM = certificateAuthorityPEM
        self.now = now
    }

    /// The cached credential, or a fresh one when there is none or it expired (10 s of margin).
    public func credential() async throws -> ExecCredential {
        if let cached, cached.expiration.map({ $0.timeIntervalSince(now()) > 10 }) ?? true {
            return cached
        }
        let fresh = try await run()
        cached = fresh
        return fresh
    }

    /// Forgets the cached credential (after the server answered 401).
    public func invalidate() { cached = nil }

    private func run() async throws -> ExecCredential {
        let plugin = self.plugin
        let info = execInfo()
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
