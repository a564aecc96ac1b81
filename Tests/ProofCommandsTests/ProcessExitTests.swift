import Testing

@testable import ProofCommands

/// The executable leaves its idle connections to the exit; a command run in-process frees them as usual.
@Suite struct ProcessExitTests {
    final class Resource: Sendable {}

    @Test func nothingIsKeptUntilTheExecutableAsks() {
        let exit = ProcessExit()
        weak var freed: Resource?
        do {
            let resource = Resource()
            freed = resource
            exit.leave(resource)
        }
        #expect(freed == nil, "an in-process command's objects go when it lets them go")
        #expect(exit.keptCount == 0)
    }

    @Test func onceAskedWhatIsLeftStaysUntilTheExit() {
        let exit = ProcessExit()
        exit.leaveObjectsToExit()
        weak var kept: Resource?
        do {
            let resource = Resource()
            kept = resource
            exit.leave(resource)
        }
        #expect(kept != nil, "left to the process's exit, not freed here")
        #expect(exit.keptCount == 1)
    }
}
