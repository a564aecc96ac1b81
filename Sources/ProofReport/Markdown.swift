import ProofCore
import Foundation

/// The one way text from the cluster, the scenario or the command line goes into the markdown this module
/// writes (proofs, capture summaries, the proof index): every name, message, label, value and path passes
/// through ``escape(_:as:)`` with the context it lands in, so a renderer (GitHub, cmark-gfm) shows it exactly
/// as given — a `<redacted>` stays visible text, a `|` never splits a table cell, a backtick, `*` or `_` never
/// starts code or emphasis, a newline never ends a table row or an HTML block.
///
/// Escaping is pure and depends on nothing but its input, so re-rendering a proof gives the same bytes.
public enum Markdown {
    /// Where escaped text lands.
    public enum Context: Sendable, Hashable {
        /// Inline markdown: a table cell, a list item, a heading, a paragraph or a block quote. ASCII
        /// punctuation that markdown or GitHub reads (`\ ` * _ [ ] < > | ~ & # $`, and a leading `-`, `+`, `=`
        /// or list number) is backslash-escaped, as is a colon that would start an autolink (`http://`) or an
        /// emoji shortcode; line breaks become spaces; leading and trailing spaces are dropped (four of them
        /// would start a code block).
        case text
        /// A complete code span inside a table cell: backticks around the text (more than any run inside it),
        /// `|` escaped as the table extension wants. Text with a backslash is written as `<code>` around
        /// escaped ``text`` instead, since a code span cannot hold `\|` in a table.
        case tableCode
        /// A complete code span outside tables (list items, paragraphs).
        case code
        /// Text inside an HTML block such as `<details><summary>…</summary>`, where markdown is not read:
        /// `&`, `<`, `>`, `"` become entities; line breaks become spaces (a blank line would end the block).
        case html
        /// A Mermaid gantt task or section name: only letters, digits, spaces and `-_.()/` are kept.
        case mermaid
    }

    /// `text` escaped for `context` (for the code contexts: the whole code span).
    public static func escape(_ text: String, as context: Context = .text) -> String {
        // Scrubbed before escaping: an escaped credential (`ghp\_…`) no longer has the shape a rule looks for.
        let flat = flatten(Redactor.standard.scrub(text))
        switch context {
        case .text: return escapeText(flat.trimmingCharacters(in: .whitespaces))
        case .html: return escapeHTML(flat)
        case .mermaid: return escapeMermaid(flat)
        case .code: return codeSpan(flat, inTable: false)
        case .tableCode:
            if flat.contains("\\") { return "<code>\(escapeText(flat))</code>" }
            return codeSpan(flat, inTable: true)
        }
    }

    /// ASCII punctuation that is escaped wherever it stands in ``Context/text``.
    static let alwaysEscaped: Set<Character> = ["\\", "`", "*", "_", "[", "]", "<", ">", "|", "~", "&", "#", "$", "!"]
    /// Characters that open a block (list, heading underline) when they begin a line.
    static let leadingEscaped: Set<Character> = ["-", "+", "="]

    /// Line breaks (and other control characters) become spaces: escaped text always stays on its line.
    static func flatten(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if scalar.value < 0x20 || scalar.value == 0x7F || scalar == "\u{2028}" || scalar == "\u{2029}" || scalar == "\u{85}" {
                out.unicodeScalars.append(" ")
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    static func escapeText(_ text: String) -> String {
        let characters = Array(text)
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        var digitsSoFar = true
        for (index, character) in characters.enumerated() {
            let atStart = index == 0
            if alwaysEscaped.contains(character) || (atStart && leadingEscaped.contains(character)) {
                out.append("\\")
            } else if digitsSoFar, !atStart, character == "." || character == ")" {
                // `1.` or `1)` at the start would open an ordered list.
                out.append("\\")
            } else if character == ":", opensLinkOrShortcode(characters, after: index) {
                // `http://…` would become an autolink that keeps every backslash after the colon as text, and
                // `:name:` an emoji on GitHub: an escaped colon starts neither.
                out.append("\\")
            } else if character == ".", index >= 3, characters[(index - 3)..<index].map({ $0.lowercased() }).joined() == "www" {
                // `www.` would become an autolink (see above).
                out.append("\\")
            }
            digitsSoFar = digitsSoFar && character.isASCII && character.isNumber
            out.append(character)
        }
        return out
    }

    /// Whether the colon at `index` begins `://` or an emoji shortcode `:name:`.
    static func opensLinkOrShortcode(_ characters: [Character], after index: Int) -> Bool {
        let rest = characters[(index + 1)...]
        if rest.starts(with: ["/", "/"]) { return true }
        let name = rest.prefix { $0.isASCII && ($0.isLetter || $0.isNumber || "_+-".contains($0)) }
        // Digits alone are left alone: `10:00:01` is a time far more often than an emoji.
        return name.contains(where: \.isLetter) && rest.dropFirst(name.count).first == ":"
    }

    static func escapeHTML(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    static func escapeMermaid(_ text: String) -> String {
        let kept = text.map { $0.isLetter || $0.isNumber || " -_.()/".contains($0) ? $0 : " " }
        let collapsed = String(kept).split(separator: " ").joined(separator: " ")
        return collapsed.isEmpty ? "step" : collapsed
    }

    static func codeSpan(_ text: String, inTable: Bool) -> String {
        if text.isEmpty { return "" }
        var longest = 0
        var run = 0
        for character in text {
            run = character == "`" ? run + 1 : 0
            longest = max(longest, run)
        }
        let fence = String(repeating: "`", count: longest + 1)
        let body = inTable ? text.replacingOccurrences(of: "|", with: "\\|") : text
        // A span that begins or ends with a backtick or a space needs a space of padding on both sides (one is
        // stripped again by the renderer).
        // A span of spaces only is kept as it is.
        let allSpaces = body.allSatisfy { $0 == " " }
        let pad = !allSpaces && (body.first == "`" || body.last == "`" || (body.first == " " && body.last == " ")) ? " " : ""
        return fence + pad + body + pad + fence
    }

    /// A user's home directory in any path `text` names, written as `~` (`/home/ana/x`, `/Users/ana/x`,
    /// `/root/x` → `~/x`): a proof that is committed never names a local account's home.
    public static func homeRelative(_ text: String) -> String {
        guard text.contains("/home/") || text.contains("/Users/") || text.contains("/root") else { return text }
        var out = ""
        var rest = Substring(text)
        while !rest.isEmpty {
            if atPathStart(out), let length = homePrefix(rest) {
                out += "~"
                rest = rest.dropFirst(length)
                continue
            }
            out.append(rest.removeFirst())
        }
        return out
    }

    /// The length of a home-directory prefix at the start of `text` (`/home/NAME`, `/Users/NAME`, `/root`),
    /// followed by `/` or the end of a path.
    static func homePrefix(_ text: Substring) -> Int? {
        let separators: Set<Character> = ["/", " ", ")", ",", ";", "\"", "'"]
        if text.hasPrefix("/root") {
            return text.dropFirst(5).first.map(separators.contains) ?? true ? 5 : nil
        }
        for base in ["/home/", "/Users/"] where text.hasPrefix(base) {
            let name = text.dropFirst(base.count).prefix { !separators.contains($0) }
            return name.isEmpty ? nil : base.count + name.count
        }
        return nil
    }

    /// Whether a path may begin after `text` (start of text, or after a space, `=`, `(`, `:` or a quote).
    static func atPathStart(_ text: String) -> Bool {
        guard let last = text.last else { return true }
        return last == " " || last == "=" || last == "(" || last == ":" || last == "\"" || last == "'" || last == ","
    }
}
