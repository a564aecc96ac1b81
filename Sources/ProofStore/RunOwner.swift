import Foundation
import Synchronization

/// The process (and the store handle inside it) that owns a running run, recorded with the run so a later
/// reader can tell a run still in progress from one whose process died.
///
/// A `running` run is reported ``RunStatus/aborted`` (and closed so by the next read-write open) when its owner
/// is provably gone:
/// - another boot of this host (the Linux boot id differs), or another host (stores are local files;
///   a store shared live between hosts is not supported);
/// - no process with that pid, or one that started at a different time (the pid was reused);
/// - this very process, but the ``EvidenceStore`` handle that began the run has been released without
///   finishing it (the run's owner dropped it, for instance on an error path).
public struct RunOwner: Sendable, Hashable {
    /// `gethostname`.
    public var host: String
    /// The process id.
    public var pid: Int32
    /// `/proc/sys/kernel/random/boot_id` (empty where there is none).
    public var bootID: String
    /// The process start time in clock ticks since boot (`/proc/PID/stat` field 22; 0 where unknown).
    public var processStart: UInt64
    /// The store handle's session id (random per open store).
    public var session: String

    /// An owner record.
    public init(host: String, pid: Int32, bootID: String, processStart: UInt64, session: String) {
        self.host = host
        self.pid = pid
        self.bootID = bootID
        self.processStart = processStart
        self.session = session
    }

    /// This process, with the given store session.
    static func current(session: String) -> RunOwner {
        let pid = getpid()
        return RunOwner(
            host: currentHost, pid: pid, bootID: currentBootID, processStart: processStartTime(pid: pid) ?? 0,
            session: session)
    }

    /// The owner of a process started elsewhere on this host (a test that owns runs from a child process).
    public static func process(_ pid: Int32, session: String) -> RunOwner {
        RunOwner(host: currentHost, pid: pid, bootID: currentBootID, processStart: processStartTime(pid: pid) ?? 0, session: session)
    }

    /// Whether the owner is still there to finish the run.
    var isAlive: Bool {
        guard host == Self.currentHost, bootID == Self.currentBootID else { return false }
        if pid == getpid() {
            return processStart == Self.processStartTime(pid: pid) && Self.liveSessions.withLock { $0.contains(session) }
        }
        #if os(Linux)
        guard let started = Self.processStartTime(pid: pid) else { return false }
        return started == processStart
        #else
        return kill(pid, 0) == 0
        #endif
    }

    // MARK: - This process

    /// Sessions of the store handles open in this process.
    static let liveSessions = Mutex<Set<String>>([])

    static let currentHost: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }()

    static let currentBootID: String = {
        (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }()

    /// Field 22 of `/proc/PID/stat`; `nil` when there is no such process (or no procfs).
    static func processStartTime(pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return nil }
        // The command name (field 2) may contain spaces and parentheses; fields after the last ')' are plain.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state), so field 22 is fields[19].
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
