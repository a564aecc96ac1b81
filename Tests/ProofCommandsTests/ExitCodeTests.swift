import Foundation
import Testing

@testable import ProofCommands

/// The executable's exit codes: CI tells bad input (2) from findings (1) and from "could not run" (3), whatever
/// part of the command line the input was bad in.
@Suite struct ExitCodeTests {
    @Test func usageErrorsAreBadInputNotSixtyFour() async {
        #expect(await Proof.runReturningExitCode(["run", "--no-such-flag", "x.yaml"]) == Proof.Exit.badInput)
        #expect(await Proof.runReturningExitCode(["lint"]) == Proof.Exit.badInput, "a missing argument")
        #expect(await Proof.runReturningExitCode(["no-such-command"]) == Proof.Exit.badInput)
        #expect(await Proof.runReturningExitCode(["run", "--max-step-timeout", "soon", "x.yaml"]) == Proof.Exit.badInput, "a bad flag value")
        #expect(await Proof.runReturningExitCode(["sim", "serve", "--argocd-faults", #"{"nope": true}"#]) == Proof.Exit.badInput)
        #expect(await Proof.runReturningExitCode(["sim", "serve", "--argocd-faults", "not json"]) == Proof.Exit.badInput)
    }

    @Test func helpAndVersionSucceed() async {
        #expect(await Proof.runReturningExitCode(["--help"]) == Proof.Exit.ok)
        #expect(await Proof.runReturningExitCode(["run", "--help"]) == Proof.Exit.ok)
        #expect(await Proof.runReturningExitCode(["--version"]) == Proof.Exit.ok)
    }

    @Test func lintSaysBadInputForABrokenFileAndOkForTheShippedOnes() async throws {
        let directory = try RunTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let bad = directory.appendingPathComponent("bad.yaml").path
        try "apiVersion: proof.gitops/v1alpha1\nkind: Scenario\nmetadata: {name: b, description: d}\nspec: {environment: dev, steps: [{slep: {}}]}\n"
            .write(toFile: bad, atomically: true, encoding: .utf8)
        #expect(await Proof.runReturningExitCode(["lint", bad]) == Proof.Exit.badInput)
        #expect(await Proof.runReturningExitCode(["lint", RunTests.path("scenarios")]) == Proof.Exit.ok)
    }
}
