import Foundation
import ProofCore
import ProofSim

/// Talks to a running simulated cluster over its real socket: raw HTTPS through `curl` (with the cluster's
/// CA) and the real `kubectl` through the kubeconfig the cluster wrote.
struct Client: Sendable {
    let url: String
    let token: String
    let directory: String
    var kubeconfig: String { directory + "/kubeconfig" }
    var caFile: String { directory + "/ca.pem" }

    init(cluster: SimulatedCluster) throws {
        url = cluster.url
        token = cluster.token
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("proof-sim-client-\(UUID().uuidString)").path
        try cluster.writeKubeconfig(to: directory + "/kubeconfig")
        try cluster.caPEM.write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
        // The token goes to curl through a file, not its command line.
        FileManager.default.createFile(atPath: directory + "/auth-header", contents: Data("Authorization: Bearer \(cluster.token)\n".utf8),
            attributes: [.posixPermissions: 0o600])
    }

    func cleanUp() { try? FileManager.default.removeItem(atPath: directory) }

    /// One HTTP exchange.
    struct HTTPResult: Sendable {
        var status: Int
        var headers: [String: String]
        var body: [UInt8]
        var text: String { String(decoding: body, as: UTF8.self) }
        var json: JSON { (try? JSON(parsing: body)) ?? .null }
        /// The body as newline-delimited JSON documents (watch streams).
        var lines: [JSON] { text.split(separator: "\n").compactMap { try? JSON(parsing: String($0)) } }
    }

    /// Sends a request with `curl` and returns status, headers and body (blocking; prefer `request`, which keeps
    /// the wait off the cooperative pool that also runs the in-process server).
    func http(_ method: String, _ path: String, body: JSON? = nil, contentType: String = "application/json",
        token: String? = nil, accept: String? = nil, timeout: Double = 20) throws -> HTTPResult
    {
        let headerFile = directory + "/headers-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: headerFile) }
        let result = try Self.runBlocking("/usr/bin/curl", curlArguments(method, path, body: body, contentType: contentType,
            token: token, accept: accept, timeout: timeout, headerFile: headerFile), environment: [:])
        return try parse(result, method: method, path: path, headerFile: headerFile)
    }

    /// Sends a request with `curl` and returns status, headers and body.
    func request(_ method: String, _ path: String, body: JSON? = nil, contentType: String = "application/json",
        token: String? = nil, accept: String? = nil, timeout: Double = 20) async throws -> HTTPResult
    {
        let headerFile = directory + "/headers-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: headerFile) }
        let result = try await Self.run("/usr/bin/curl", curlArguments(method, path, body: body, contentType: contentType,
            token: token, accept: accept, timeout: timeout, headerFile: headerFile))
        return try parse(result, method: method, path: path, headerFile: headerFile)
    }

    private func curlArguments(_ method: String, _ path: String, body: JSON?, contentType: String, token: String?,
        accept: String?, timeout: Double, headerFile: String) -> [String]
    {
        var arguments = ["-sS", "--max-time", String(timeout), "--cacert", caFile, "-X", method, "-D", headerFile,
            "-H", token.map { "Authorization: Bearer \($0)" } ?? "@\(directory)/auth-header", "-H", "Content-Type: \(contentType)"]
        if let accept { arguments += ["-H", "Accept: \(accept)"] }
        if let body { arguments += ["--data-binary", body.canonicalString] }
        arguments.append(url + path)
        return arguments
    }

    private func parse(_ result: ProcessResult, method: String, path: String, headerFile: String) throws -> HTTPResult {
        guard result.status == 0 else { throw ClientError(message: "curl \(method) \(path) failed: \(result.stderr)") }
        let headerText = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
        var status = 0
        var headers: [String: String] = [:]
        for line in headerText.split(separator: "\r\n") {
            if line.hasPrefix("HTTP/") {
                status = Int(line.split(separator: " ")[1]) ?? 0
            } else if let colon = line.firstIndex(of: ":") {
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
        }
        return HTTPResult(status: status, headers: headers, body: Array(result.stdout.utf8))
    }

    /// Runs kubectl with the cluster's kubeconfig.
    func runKubectl(_ arguments: String...) async throws -> ProcessResult {
        try await Self.run("/usr/bin/kubectl", arguments, environment: ["KUBECONFIG": kubeconfig, "HOME": directory])
    }

    /// Runs kubectl with the cluster's kubeconfig, blocking the calling thread (prefer `runKubectl`).
    func kubectl(_ arguments: String...) throws -> ProcessResult {
        try Self.runBlocking("/usr/bin/kubectl", arguments, environment: ["KUBECONFIG": kubeconfig, "HOME": directory])
    }

    /// Starts kubectl in the background (for `--watch`); read `output()` and call `stop()`.
    func kubectlInBackground(_ arguments: String...) throws -> BackgroundProcess {
        try BackgroundProcess("/usr/bin/kubectl", arguments, environment: ["KUBECONFIG": kubeconfig, "HOME": directory])
    }

    struct ProcessResult: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    /// Runs a program to completion on a Dispatch thread: blocking waits must stay off the cooperative pool,
    /// which also runs the in-process server under test.
    static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws
        -> ProcessResult
    {
        // A dedicated thread, not Dispatch: on Linux the global queues have about one thread per core and do
        // not grow when those threads block, so parallel tests waiting on processes would starve each other.
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread {
                continuation.resume(with: Result { try runBlocking(executable, arguments, environment: environment) })
            }
            thread.start()
        }
    }

    static func runBlocking(_ executable: String, _ arguments: [String], environment: [String: String]) throws -> ProcessResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let out = Pipe()
        let errorFile = FileManager.default.temporaryDirectory.appendingPathComponent("proof-sim-stderr-\(UUID().uuidString)")
        FileManager.default.createFile(atPath: errorFile.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: errorFile) }
        let errorHandle = try FileHandle(forWritingTo: errorFile)
        process.standardOutput = out
        process.standardError = errorHandle
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try? errorHandle.close()
        let stderr = (try? Data(contentsOf: errorFile)) ?? Data()
        return ProcessResult(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
            stderr: String(decoding: stderr, as: UTF8.self))
    }
}

/// A thread-safe box for data read on another queue.
final class Sendable_Data: @unchecked Sendable {
    // Safe: every access goes through `lock`.
    private let lock = NSLock()
    private var data = Data()
    func set(_ value: Data) { lock.withLock { data = value } }
    func append(_ value: Data) { lock.withLock { data.append(value) } }
    func get() -> Data { lock.withLock { data } }
}

/// A child process whose output accumulates while it runs.
// Safe: `process` is only started in init and then only queried/terminated; output goes through the locked buffer.
final class BackgroundProcess: @unchecked Sendable {
    private let process: Process
    private let buffer = Sendable_Data()

    init(_ executable: String, _ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        process.environment = env
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        let buffer = self.buffer
        pipe.fileHandleForReading.readabilityHandler = { handle in buffer.append(handle.availableData) }
        try process.run()
        self.process = process
    }

    /// Everything printed so far.
    func output() -> String { String(decoding: buffer.get(), as: UTF8.self) }

    /// Waits until `condition(output)` holds (polling), up to `timeout` seconds.
    func waitFor(timeout: Double = 10, _ condition: (String) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition(output()) { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return condition(output())
    }

    func stop() {
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
    }
}

/// A failure of the test client itself.
struct ClientError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Polls `condition` until it holds or `timeout` passes.
func eventually(timeout: Double = 10, _ condition: () async throws -> Bool) async rethrows -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if try await condition() { return true }
        try? await Task.sleep(for: .milliseconds(25))
    }
    return try await condition()
}
