import ArgumentParser
import Foundation
import ProofScenario

extension Proof {
    /// `proof lint FILE…`: checks scenario files offline (no cluster); exit 2 with located errors.
    public struct Lint: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "lint",
            abstract: "Check scenario files without a cluster.",
            discussion: """
                Reads each file (or every *.yaml of a directory) as a Scenario: unknown keys, wrong types, missing \
                keys, bad durations, unknown invariant kinds and captures that invariants name but no step takes are \
                reported as file:line:col: message. Exit 0 when every file is valid, 2 otherwise.
                """)

        /// Files or directories.
        @Argument(help: ArgumentHelp("Scenario files, or directories of them.", valueName: "file"))
        var paths: [String]

        public init() {}

        public func run() async throws {
            var failed = false
            for file in try ScenarioFiles.expand(paths) {
                do {
                    let scenario = try Scenario.load(path: file)
                    Console.out("\(file): ok (\(scenario.name): \(scenario.steps.count) steps, \(scenario.finally.count) finally, \(scenario.invariants.count) invariants)")
                } catch let error as ScenarioError {
                    failed = true
                    printError(error.description)
                }
            }
            if failed { throw ExitCode(2) }
        }
    }
}

/// Expands scenario arguments: files as given, directories to their `*.yaml`/`*.yml` files (sorted, not
/// recursive, so `scenarios/` does not pick up `scenarios/invariants/` or the platform manifests).
enum ScenarioFiles {
    static func expand(_ paths: [String]) throws -> [String] {
        var files: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
                printError("\(path): no such file or directory")
                throw ExitCode(2)
            }
            if isDirectory.boolValue {
                let names = (try FileManager.default.contentsOfDirectory(atPath: path)).sorted()
                    .filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }
                guard !names.isEmpty else {
                    printError("\(path): no scenario files (*.yaml, *.yml) in this directory")
                    throw ExitCode(2)
                }
                files += names.map { URL(fileURLWithPath: path).appendingPathComponent($0).path }
            } else {
                files.append(path)
            }
        }
        return files
    }
}
