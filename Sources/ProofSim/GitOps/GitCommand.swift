import Foundation

/// Runs the real `git` executable in a repository and collects its output.
///
/// `git` is a blocking child process, so every call runs on a Dispatch queue, never on the cooperative
/// thread pool; the async wrappers hand the result back through a continuation.
struct GitCommand: Sendable {
    /// The working tree (or bare repository) `git -C` runs in.
    let directory: String

    /// What a finished `git` process produced.
    struct Output: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: String
    }

    /// The `git` executable: `$GIT` if set, else the first `git` on `PATH`, else `/usr/bin/git`.
    static let executable: String = {
        let environment = ProcessInfo.processInfo.environment
        if let explicit = environment["GIT"], !explicit.isEmpty { return explicit }
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/git"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return "/usr/bin/git"
    }()

    private static let queue = DispatchQueue(label: "proof.sim.git", qos: .utility, attributes: .concurrent)

    /// Runs `git ARGS` and waits (blocking the calling thread); throws when `git` cannot be started or exits
    /// non-zero (unless `allowFailure`).
    @discardableResult
    func runBlocking(_ arguments: [String], stdin: Data? = nil, allowFailure: Bool = false) throws(SimError) -> Output {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.executable)
        process.arguments = ["-C", directory] + arguments
        var environment = ProcessInfo.processInfo.environment
        environment["GIT_TERMINAL_PROMPT"] = "0"
        environment["GIT_CONFIG_NOSYSTEM"] = "1"
        environment["LC_ALL"] = "C"
        process.environment = environment
        let outPipe = Pipe()
        let errPipe = Pipe()
        let inPipe = Pipe()
        process.standardOutput = outPipe
        process.standardError = errPipe
        process.standardInput = inPipe
        do {
            try process.run()
        } catch {
            throw SimError.git("could not start \(Self.executable) (\(error.localizedDescription)); install git (apt-get install git) or set $GIT", directory: directory)
        }
        // Feed stdin and drain stderr on their own threads so a full pipe can never deadlock the child.
        let group = DispatchGroup()
        let writer = inPipe.fileHandleForWriting
        group.enter()
        Self.queue.async {
            if let stdin { try? writer.write(contentsOf: stdin) }
            try? writer.close()
            group.leave()
        }
        let errorBox = DataBox()
        let errHandle = errPipe.fileHandleForReading
        group.enter()
        Self.queue.async {
            errorBox.data = errHandle.readDataToEndOfFile()
            group.leave()
        }
        let stdout = outPipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        group.wait()
        let output = Output(status: process.terminationStatus, stdout: stdout,
            stderr: String(decoding: errorBox.data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
        if output.status != 0 && !allowFailure {
            throw SimError.git("git \(arguments.prefix(3).joined(separator: " ")) failed (exit \(output.status)): \(output.stderr)", directory: directory)
        }
        return output
    }

    /// Runs `git ARGS` off the cooperative pool.
    @discardableResult
    func run(_ arguments: [String], stdin: Data? = nil, allowFailure: Bool = false) async throws(SimError) -> Output {
        let result: Result<Output, SimError> = await withCheckedContinuation { continuation in
            Self.queue.async {
                do throws(SimError) {
                    continuation.resume(returning: .success(try runBlocking(arguments, stdin: stdin, allowFailure: allowFailure)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
        }
        return try result.get()
    }
}

/// A byte buffer written by exactly one reader thread and read only after `DispatchGroup.wait()` returns.
// @unchecked Sendable: the single write happens-before the read through the group's wait (a full barrier).
private final class DataBox: @unchecked Sendable {
    var data = Data()
}
