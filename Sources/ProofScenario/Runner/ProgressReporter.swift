import Foundation
import ProofCore

/// Shows a run's progress: on a terminal, one updating line (the step, and what a wait waits for); elsewhere
/// (CI, pipes) plain lines for step starts and ends only.
///
/// Every line goes through ``Redactor/standard`` on its way out (the console's choke point for a run): step
/// names, messages, findings and errors never show a credential, whatever produced them. Immutable, so
/// `Sendable` as it is; `write` is called on whatever task reports.
public final class ProgressReporter: Sendable {
    /// Where lines go.
    public enum Mode: Sendable {
        /// One updating line on a terminal (`\r` + erase line).
        case terminal
        /// Plain lines, no updates.
        case plain
        /// Nothing.
        case silent
    }

    /// The mode.
    public let mode: Mode
    private let write: @Sendable (String) -> Void

    /// A reporter; `.terminal` when standard output is a TTY unless `mode` says otherwise.
    public init(mode: Mode? = nil, write: @escaping @Sendable (String) -> Void = { text in
        FileHandle.standardOutput.write(Data(text.utf8))
    }) {
        self.mode = mode ?? (isatty(STDOUT_FILENO) == 1 ? .terminal : .plain)
        self.write = write
    }

    /// A step (or a phase) begins or ends: a full line in every mode.
    public func line(_ text: String) {
        let text = Redactor.standard.scrub(text)
        switch mode {
        case .terminal: write("\r\u{1B}[2K" + text + "\n")
        case .plain: write(text + "\n")
        case .silent: break
        }
    }

    /// What the current step is doing now: the updating line on a terminal, nothing elsewhere.
    public func status(_ text: String) {
        guard case .terminal = mode else { return }
        let text = Redactor.standard.scrub(text)
        let width = 118
        let clipped = text.count > width ? String(text.prefix(width - 1)) + "…" : text
        write("\r\u{1B}[2K" + clipped)
    }
}
