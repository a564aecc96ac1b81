import ProofCore

/// The layout a markdown proof was written in, named in its first line (`<!-- proof: … format=2 -->`; a proof
/// without `format=` is format 1). `proof verify` re-renders a proof in the format it names, so proofs committed
/// before a layout change keep verifying byte for byte; new proofs are always written in ``current``.
public enum ProofFormat: Int, Sendable, Hashable, CaseIterable, Comparable {
    /// The first layout: a findings table with one row per result (expected and actual as JSON), and only
    /// pipes and newlines escaped.
    case v1 = 1
    /// Verdict in words, findings grouped by invariant, object and problem with the captures where each
    /// happened, every text escaped with ``Markdown/escape(_:as:)``, home directories written as `~`.
    case v2 = 2
    /// Format 2's layout, with the changes between captures compared by the noise rules of revision
    /// ``DiffNoise/Rules/serverChurn``: what a server rewrites on its own (Argo CD's `reconciledAt`, Event
    /// counts, Lease renewals) is no change, and a pod named after its owner plus a random suffix is matched
    /// to its successor.
    case v3 = 3

    /// The format new proofs are written in.
    public static let current: ProofFormat = .v3

    /// The revision of the diff noise rules the changes between captures are compared with in this format.
    public var diffRules: DiffNoise.Rules { self >= .v3 ? .serverChurn : .original }

    /// What a proof's header line says: `.success` with its format, or `.failure` with the number it names
    /// when this build does not know it (a proof written by a newer `proof`).
    public static func of(_ markdown: String) -> Result<ProofFormat, UnknownFormat> {
        guard let line = markdown.split(separator: "\n", maxSplits: 1).first, line.hasPrefix("<!-- proof: ") else { return .success(.v1) }
        guard let field = line.split(separator: " ").first(where: { $0.hasPrefix("format=") }) else { return .success(.v1) }
        let value = String(field.dropFirst("format=".count))
        guard let number = Int(value), let format = ProofFormat(rawValue: number) else { return .failure(UnknownFormat(value: value)) }
        return .success(format)
    }

    /// Older formats order first.
    public static func < (lhs: ProofFormat, rhs: ProofFormat) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A format number this build does not know.
    public struct UnknownFormat: Error, Sendable, Hashable {
        /// The `format=` value as written.
        public var value: String
    }

    /// `text` as a header field value: letters, digits, `-`, `_` and `.` kept, anything else `-` (so a value
    /// can neither split the space-separated fields nor end the HTML comment).
    static func headerValue(_ text: String) -> String {
        String(text.map { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) ? $0 : "-" })
    }
}

extension ProofMarkdown {
    /// How one proof format writes text into markdown: the current format through ``Markdown/escape(_:as:)``
    /// (home directories as `~`), format 1 as it did (pipes and newlines only, some values as they were).
    struct Writer {
        /// The format being written.
        let format: ProofFormat

        /// Text from the cluster, the scenario or the command line, inline.
        func text(_ value: String) -> String {
            format == .v1 ? legacyCell(value) : Markdown.escape(Markdown.homeRelative(value))
        }

        /// A value format 1 wrote as it was (kinds, phases); escaped like ``text(_:)`` from format 2 on.
        func plain(_ value: String) -> String {
            format == .v1 ? value : Markdown.escape(Markdown.homeRelative(value))
        }

        /// A code span in a table cell.
        func code(_ value: String) -> String {
            format == .v1 ? "`\(legacyCell(value))`" : Markdown.escape(Markdown.homeRelative(value), as: .tableCode)
        }

        /// Text inside an HTML block (`<summary>`).
        func html(_ value: String) -> String {
            format == .v1 ? legacyHTML(value) : Markdown.escape(Markdown.homeRelative(value), as: .html)
        }

        /// JSON as a code span in a table cell, shortened to `limit` characters.
        func json(_ value: JSON?, limit: Int = 120) -> String {
            guard let value else { return "—" }
            var text = value.canonicalString
            if text.count > limit { text = String(text.prefix(limit)) + "…" }
            return format == .v1 ? "`\(legacyCell(text).replacingOccurrences(of: "`", with: "'"))`" : code(text)
        }
    }

    /// Format 1's table-cell escaping: pipes escaped, newlines flattened.
    static func legacyCell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\r", with: " ").replacingOccurrences(of: "\n", with: " ")
    }

    /// Format 1's HTML escaping (no newline handling).
    static func legacyHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
