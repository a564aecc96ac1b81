import Foundation
import ProofCore
import ProofReport
import Testing

/// `Markdown.escape` over arbitrary strings (seeded, so a failure names a reproducible case): the escaped text
/// never leaves its line, and GitHub's own renderer (`cmark-gfm` with the table, autolink, strikethrough and
/// tag-filter extensions, raw HTML allowed as GitHub does for `<details>`) shows exactly the text given.
@Suite("Markdown escaping")
struct MarkdownEscapeTests {
    /// Pieces hostile strings are made of: markdown and HTML syntax, entities, autolinks, shortcodes, control
    /// characters, non-ASCII.
    static let pieces: [String] = [
        "|", "`", "``", "```", "*", "**", "_", "__", "<", ">", "<tag>", "</details>", "<!--", "-->", "&", "&amp;",
        "&#60;", "[", "]", "](x)", "![", "(", ")", "#", "# ", "-", "- ", "+", "=", "1.", "2)", "~", "~~", "$", "$x$",
        "\\", "\\|", "\\\\", "\n", "\r\n", "\t", " ", "    ", ":", ":tada:", "http://a.b/c_d", "https://x.y/*z*", "www.x.org",
        "a@b.co", "\"", "'", "é", "🙂", "\u{0}", "\u{7F}", "\u{2028}", "name", "bearer token <redacted>", "x", "0", "9",
    ]

    /// One to seven pieces, drawn from `random`.
    static func string(_ random: inout SplitMix64) -> String {
        let count = Int(random.next() % 7) + 1
        return (0..<count).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    static func samples(_ count: Int, seed: UInt64) -> [String] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in string(&random) }
    }

    /// What a reader sees for `text`: line breaks and control characters as spaces.
    static func seen(_ text: String) -> String {
        String(String.UnicodeScalarView(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F || $0 == "\u{2028}" || $0 == "\u{2029}" || $0 == "\u{85}" ? " " : $0 }))
    }

    @Test("escaped text stays on its line and unescapes to the text given", arguments: [UInt64(1), 2, 3])
    func staysOnItsLine(seed: UInt64) {
        for text in Self.samples(400, seed: seed) {
            for context in [Markdown.Context.text, .tableCode, .code, .html, .mermaid] {
                let escaped = Markdown.escape(text, as: context)
                #expect(!escaped.contains("\n") && !escaped.contains("\r"), "\(context) \(text.debugDescription) → \(escaped.debugDescription)")
            }
            // Removing each escaping backslash gives the text back (spaces at the ends dropped).
            var unescaped = ""
            var pending = false
            for character in Markdown.escape(text) {
                if !pending, character == "\\" { pending = true; continue }
                pending = false
                unescaped.append(character)
            }
            #expect(unescaped == Self.seen(text).trimmingCharacters(in: .whitespaces), "\(text.debugDescription)")
        }
    }

    @Test("cmark-gfm renders escaped text as the text given, in table cells, quotes, code spans and <summary>", arguments: [UInt64(7), 8])
    func githubRendersTheTextGiven(seed: UInt64) throws {
        let texts = Self.samples(300, seed: seed)
        // Table cells: text and code.
        var table = ["| text | code |", "| --- | --- |"]
        for text in texts { table.append("| \(Markdown.escape(text)) | \(Markdown.escape(text, as: .tableCode)) |") }
        let rows = try Self.render(table.joined(separator: "\n") + "\n").components(separatedBy: "<tr>").dropFirst(2)
        #expect(rows.count == texts.count, "one row per text: a text split or ended the table")
        for (text, row) in zip(texts, rows) {
            let cells = row.components(separatedBy: "<td>").dropFirst().map { Self.text(ofHTML: $0) }
            #expect(cells.count == 2, "\(text.debugDescription): \(row)")
            #expect(cells.first == Self.seen(text).trimmingCharacters(in: .whitespaces), "text cell of \(text.debugDescription): \(row)")
            #expect(cells.dropFirst().first == Self.seen(text), "code cell of \(text.debugDescription): \(row)")
        }
        // Block quotes, code spans and <summary>, one item per block.
        let blocks = texts.map { text in
            "> \(Markdown.escape(text))\n\nc \(Markdown.escape(text, as: .code))\n\n<details><summary>\(Markdown.escape(text, as: .html))</summary>\n\n</details>\n"
        }
        let html = try Self.render(blocks.joined(separator: "\n***\n\n"))
        let items = html.components(separatedBy: "<hr />")
        #expect(items.count == texts.count)
        for (text, item) in zip(texts, items) {
            let quote = item.components(separatedBy: "<blockquote>").dropFirst().first?.components(separatedBy: "</blockquote>").first ?? ""
            #expect(Self.text(ofHTML: quote) == Self.seen(text).trimmingCharacters(in: .whitespaces), "quote of \(text.debugDescription): \(item)")
            let code = item.components(separatedBy: "<p>c ").dropFirst().first?.components(separatedBy: "</p>").first ?? ""
            #expect(Self.text(ofHTML: code) == Self.seen(text), "code span of \(text.debugDescription): \(item)")
            let summary = item.components(separatedBy: "<summary>").dropFirst().first?.components(separatedBy: "</summary>").first ?? ""
            #expect(Self.text(ofHTML: summary) == Self.seen(text), "summary of \(text.debugDescription): \(item)")
        }
    }

    @Test("home directories become ~, other paths are kept")
    func homeRelative() {
        #expect(Markdown.homeRelative("from /home/ana/.kube/config;") == "from ~/.kube/config;")
        #expect(Markdown.homeRelative("/Users/bo/x and /root/y and /root") == "~/x and ~/y and ~")
        #expect(Markdown.homeRelative("/work/home/x /rooted /srv/home/ana") == "/work/home/x /rooted /srv/home/ana")
    }

    /// `markdown` rendered by cmark-gfm as GitHub renders it.
    static func render(_ markdown: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["cmark-gfm", "--unsafe", "-e", "table", "-e", "autolink", "-e", "strikethrough", "-e", "tagfilter"]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        // Write from another thread: the output pipe must be drained while the input is written.
        let data = Data(markdown.utf8)
        let writer = Thread {
            input.fileHandleForWriting.write(data)
            try? input.fileHandleForWriting.close()
        }
        writer.start()
        let rendered = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw RenderError(description: "cmark-gfm exited \(process.terminationStatus); install it with scripts/setup.sh (Debian package cmark-gfm)")
        }
        return String(decoding: rendered, as: UTF8.self)
    }

    struct RenderError: Error, CustomStringConvertible { var description: String }

    /// The text of an HTML fragment: tags removed, cmark's entities decoded, the ends trimmed of newlines.
    static func text(ofHTML html: String) -> String {
        var out = ""
        var inTag = false
        for character in html {
            if character == "<" { inTag = true; continue }
            if character == ">", inTag { inTag = false; continue }
            if !inTag { out.append(character) }
        }
        out = out.replacingOccurrences(of: "&lt;", with: "<").replacingOccurrences(of: "&gt;", with: ">")
            .replacingOccurrences(of: "&quot;", with: "\"").replacingOccurrences(of: "&#39;", with: "'").replacingOccurrences(of: "&amp;", with: "&")
        return out.trimmingCharacters(in: .newlines)
    }
}
