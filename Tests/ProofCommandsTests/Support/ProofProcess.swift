import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// The built `proof` executable run as a child process, as CI and users run it: real signals, real exit codes,
/// its own embedded cluster. Output goes to files (never a pipe that could fill up and stall the child).
final class ProofProcess: @unchecked Sendable {
    // @unchecked: `process` is only started in `init` and then read (pid, status), which Foundation allows from
    // any thread; the output files are read after the child has exited.
    let process = Process()
    let stdoutFile: URL
    let stderrFile: URL

    /// The executable next to the test bundle (`swift build --build-tests` builds both into one directory).
    static var executable: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("proof").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return RunTests.path(".build/debug/proof")
    }

    /// Starts `proof ARGUMENTS…` in `directory`, with `environment` added to this process's, optionally as
    /// another user (`asUser`: the `setpriv` prefix that drops to it).
    init(_ arguments: [String], in directory: URL, environment: [String: String] = [:], asUser prefix: [String] = []) throws {
        let id = UUID().uuidString.prefix(8)
        stdoutFile = directory.appendingPathComponent("proof-\(id).out")
        stderrFile = directory.appendingPathComponent("proof-\(id).err")
        _ = FileManager.default.createFile(atPath: stdoutFile.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrFile.path, contents: nil)
        if prefix.isEmpty {
            process.executableURL = URL(fileURLWithPath: Self.executable)
            process.arguments = arguments
        } else {
            process.executableURL = URL(fileURLWithPath: prefix[0])
            process.arguments = Array(prefix.dropFirst()) + [Self.executable] + arguments
        }
        process.currentDirectoryURL = directory
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        process.standardOutput = try FileHandle(forWritingTo: stdoutFile)
        process.standardError = try FileHandle(forWritingTo: stderrFile)
        try process.run()
    }

    /// The child's pid.
    var pid: Int32 { process.processIdentifier }

    /// Sends `signal` to the child.
    func send(_ signal: Int32) { kill(process.processIdentifier, signal) }

    /// Waits until the child exits (polling; `limit` is a safety net for a hung child, not a timing assertion)
    /// and returns its exit status, or `nil` when it died of a signal or was still running at the limit.
    func exitStatus(within limit: Duration = .seconds(300)) async throws -> Int32? {
        let deadline = ContinuousClock.now + limit
        while process.isRunning {
            if ContinuousClock.now > deadline { return nil }
            try await Task.sleep(for: .milliseconds(50))
        }
        return process.terminationReason == .exit ? process.terminationStatus : nil
    }

    /// Whether the child is still running.
    var isRunning: Bool { process.isRunning }

    /// What the child printed to standard output.
    var output: String { (try? String(contentsOf: stdoutFile, encoding: .utf8)) ?? "" }
    /// What the child printed to standard error.
    var errors: String { (try? String(contentsOf: stderrFile, encoding: .utf8)) ?? "" }

    /// Runs `proof ARGUMENTS…` to the end; returns its exit status (nil: killed by a signal) and output.
    static func run(
        _ arguments: [String], in directory: URL, environment: [String: String] = [:], asUser prefix: [String] = []
    ) async throws -> (status: Int32?, output: String, errors: String) {
        let child = try ProofProcess(arguments, in: directory, environment: environment, asUser: prefix)
        let status = try await child.exitStatus()
        return (status, child.output, child.errors)
    }

    /// Waits until `condition` holds, checking every 50 ms; throws after `limit` (a hung run, not a slow one).
    static func waitUntil(_ what: String, limit: Duration = .seconds(240), _ condition: () throws -> Bool) async throws {
        let deadline = ContinuousClock.now + limit
        while try !condition() {
            if ContinuousClock.now > deadline { throw FaultRunError(description: "gave up waiting for \(what)") }
            try await Task.sleep(for: .milliseconds(50))
        }
    }

    /// One value from the store through the `sqlite3` tool, read-only (the test never holds a store handle of
    /// its own while the child writes).
    static func query(_ database: String, _ sql: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-readonly", database, sql]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = FileHandle.nullDevice
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
