import ProofCore
import ProofStore

/// How a run ended: the status and exit code recorded in the store, and what a command prints.
public struct RunResult: Sendable {
    /// The run.
    public var run: RunID
    /// `passed`, `failed`, `aborted` or `error`.
    public var status: RunStatus
    /// 0 every invariant held; 1 a finding (or a failed step); 2 bad input; 3 could not execute.
    public var exitCode: Int32
    /// One line: why the run ended as it did.
    public var message: String
    /// Every invariant result recorded.
    public var findings: [Finding]
    /// The steps as recorded.
    public var steps: [StepRecord]
    /// What the run's capture cache did (kinds taken from it, listed, re-listed; watches opened).
    public var captureCache: CaptureCache.Statistics? = nil
}
