import Foundation
import Subprocess

#if canImport(System)
    import System
#else
    import SystemPackage
#endif

/// Runs an external program (git, a user's `exec` command) with swift-subprocess, with a time limit.
enum ExternalCommand {
    /// What a command did.
    struct Result: Sendable {
        /// The exit code (128 + signal for a signalled process).
        var exitCode: Int32
        /// Standard output (at most 1 MiB).
        var output: String
        /// Standard error (at most 1 MiB).
        var error: String
    }

    /// Runs `arguments[0]` (looked up in `PATH`) with the rest as arguments; throws ``ScenarioError`` when it
    /// cannot start or runs out of `timeout`.
    static func run(_ arguments: [String], in directory: String? = nil, environment: [String: String] = [:],
        timeout: Duration) async throws -> Result
    {
        guard let program = arguments.first else { throw ScenarioError(.invalidInput, "an empty command") }
        let env: Subprocess.Environment = environment.isEmpty ? .inherit
            : .inherit.updating(Dictionary(uniqueKeysWithValues: environment.map { (Subprocess.Environment.Key(stringLiteral: $0.key), Optional($0.value)) }))
        return try await withThrowingTaskGroup(of: Result?.self) { group in
            group.addTask {
                let result = try await Subprocess.run(
                    program.contains("/") ? .path(FilePath(program)) : .name(program),
                    arguments: Arguments(Array(arguments.dropFirst())), environment: env,
                    workingDirectory: directory.map { FilePath($0) },
                    output: .string(limit: 1 << 20), error: .string(limit: 1 << 20))
                let code: Int32 = switch result.terminationStatus {
                case .exited(let code): Int32(code)
                case .signaled(let signal): 128 + Int32(signal)
                }
                return Result(exitCode: code, output: result.standardOutput, error: result.standardError)
            }
            group.addTask {
                try await Task.sleep(for: timeout)
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let result = first else {
                throw ScenarioError(.timedOut, "'\(arguments.joined(separator: " "))' did not finish within \(timeout)")
            }
            return result
        }
    }
}
