import ArgumentParser
import Foundation
import ProofCluster

#if canImport(Glibc)
    import Glibc
#endif

extension Proof {
    /// The documented exit codes, the same for every command (`proof run --help` explains them).
    public enum Exit {
        /// Every invariant held / the command did what was asked.
        public static let ok: Int32 = 0
        /// A finding (or a failed step, a tampered proof, a difference).
        public static let finding: Int32 = 1
        /// Bad input: a malformed scenario, an unknown flag, a missing argument.
        public static let badInput: Int32 = 2
        /// Could not execute: cluster unreachable, timeout, interrupted.
        public static let cannotExecute: Int32 = 3
    }

    /// Parses `arguments` and runs the command; returns the exit code. Usage errors that argument-parser
    /// reports with `EX_USAGE` (64) become 2 (bad input), so CI sees one code for every kind of bad input;
    /// `--help` and `--version` stay 0.
    public static func runReturningExitCode(_ arguments: [String]) async -> Int32 {
        do {
            var command = try parseAsRoot(arguments)
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
            return Exit.ok
        } catch {
            let code = exitCode(for: error)
            let message = fullMessage(for: error)
            if !message.isEmpty {
                if code == .success {
                    // `--help` and `--version`: program text, printed as written (not scrubbed: the help of
                    // `--token <token>` is no credential).
                    print(message)
                } else {
                    printError(message)
                }
            }
            return code == .validationFailure ? Exit.badInput : code.rawValue
        }
    }

    /// The executable's entry: runs the command line and exits with its code.
    public static func mainExitingWithProofCodes() async -> Never {
        limitMallocArenas()
        ProcessExit.shared.leaveObjectsToExit()
        let arguments = Array(CommandLine.arguments.dropFirst())
        let warming = warmUpHTTP(for: arguments)
        let code = await runReturningExitCode(arguments)
        // Not exiting while libcurl may still be loading or initialising OpenSSL on the other thread (the exit
        // runs their clean-up); long done by now unless the command failed at once.
        warming?.wait()
        Glibc.exit(code)  // flushes stdio buffers
    }

    /// Commands that talk HTTP to a cluster as they start.
    static let connectingCommands: Set<String> = ["capture", "run", "wait-latency"]

    /// For a command that connects, loads libcurl (and the libraries it links) and initialises it on another
    /// core while argument-parser parses (shim.c: the harness loads libcurl when first needed). Returns the
    /// group to wait for before exiting; `nil` for the other commands, which never load it unless they need it.
    static func warmUpHTTP(for arguments: [String]) -> DispatchGroup? {
        guard let command = arguments.first, connectingCommands.contains(command),
            !arguments.contains("--help"), !arguments.contains("-h")
        else { return nil }
        let group = DispatchGroup()
        DispatchQueue.global(qos: .userInitiated).async(group: group) { HTTPClient.warmUp() }
        return group
    }

    /// At most two glibc malloc arenas for this process. glibc gives each thread that allocates under
    /// contention an arena of its own (up to 8 per core), and memory freed into an arena is rarely returned:
    /// a capture decodes pages on the cooperative pool and encodes them on Dispatch threads, so the default
    /// spreads short-lived pages over a dozen arenas and peak RSS grows with the cluster (138 MB against 105 MB
    /// for 41,167 objects, docs/capture.md). Set before any thread starts; `MALLOC_ARENA_MAX` still wins.
    static func limitMallocArenas() {
        #if canImport(Glibc)
            guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil else { return }
            let arenaMax: Int32 = -8  // M_ARENA_MAX in <malloc.h>
            _ = glibcMallopt(arenaMax, 2)
        #endif
    }
}

#if canImport(Glibc)
    /// glibc's `mallopt` (declared in `<malloc.h>`, which the Glibc module does not import).
    @_silgen_name("mallopt")
    private func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32
#endif
