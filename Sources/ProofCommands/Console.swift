import Foundation
import ProofCore

/// The console's choke point for every command: what a command prints on standard output or standard error
/// goes through ``Redactor/standard`` first, so evidence read back from a store, cluster answers, error messages
/// and `--help` never show a credential on a terminal or in a CI log. A run's progress lines go through
/// `ProgressReporter`, which scrubs the same way. Stateless: both streams are written unbuffered, so lines from
/// here and from a `ProgressReporter` keep their order.
enum Console {
    /// Writes `text` and `terminator` to standard output, scrubbed.
    static func out(_ text: String, terminator: String = "\n") {
        FileHandle.standardOutput.write(Data((Redactor.standard.scrub(text) + terminator).utf8))
    }

    /// Writes `text` and a newline to standard error, scrubbed.
    static func error(_ text: String) {
        FileHandle.standardError.write(Data((Redactor.standard.scrub(text) + "\n").utf8))
    }
}
