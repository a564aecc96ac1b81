import Foundation
import ProofCore

/// A run as stored, with its status as a reader should see it.
public struct RunRecord: Sendable, Hashable, Identifiable {
    /// The run's id.
    public var id: RunID
    /// What was run.
    public var info: RunInfo
    /// When it began.
    public var startedAt: Date
    /// The status to show: the stored one, except `running` becomes ``RunStatus/aborted`` when the owner is gone.
    public var status: RunStatus
    /// The status as stored in the file.
    public var recordedStatus: RunStatus
    /// When it was closed; `nil` while running, or when its process died and no writer has closed it yet.
    public var finishedAt: Date?
    /// The exit code it was closed with.
    public var exitCode: Int?
    /// The closing message (`process gone…`, also derived for a dead run not yet closed; the error that stopped it…).
    public var message: String?
    /// The process that owns (or owned) it.
    public var owner: RunOwner
    /// The first link of the run's hash chain (see `docs/evidence-schema.md`).
    public var genesisDigest: String
    /// The digest over everything the run recorded, written when it was closed.
    public var sealDigest: String?
}
