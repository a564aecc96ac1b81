/// Pure checks `proof verify` makes on a markdown proof: compare it line by line with the markdown re-rendered
/// from the store, and find the digests it quotes that the store does not hold.
public enum VerifyMarkdown {
    /// The lines where `file` (its text `actual`) differs from the re-rendered `expected` text, as `file:line`
    /// problems: a changed line shows both versions, an added or removed run of lines is named as such. At most
    /// `limit` problems are returned (the last one says how many more differences there are).
    public static func compare(expected: String, actual: String, file: String, limit: Int = 20) -> [VerifyProblem] {
        let want = lines(expected)
        let have = lines(actual)
        if want == have { return [] }
        var problems: [VerifyProblem] = []
        for hunk in hunks(want, have) {
            switch (hunk.expected.isEmpty, hunk.found.isEmpty) {
            case (false, false):
                for offset in 0..<max(hunk.expected.count, hunk.found.count) {
                    let line = hunk.foundStart + min(offset, max(hunk.found.count - 1, 0)) + 1
                    let e = offset < hunk.expected.count ? hunk.expected[offset] : nil
                    let f = offset < hunk.found.count ? hunk.found[offset] : nil
                    switch (e, f) {
                    case (let e?, let f?):
                        problems.append(VerifyProblem(location: "\(file):\(line)", message: "line differs from the store: expected \(quote(e)), found \(quote(f))"))
                    case (let e?, nil):
                        problems.append(VerifyProblem(location: "\(file):\(line)", message: "line missing after this one: expected \(quote(e))"))
                    case (nil, let f?):
                        problems.append(VerifyProblem(location: "\(file):\(line)", message: "line not in the store's rendering: \(quote(f))"))
                    case (nil, nil): break
                    }
                }
            case (true, false):
                for (offset, text) in hunk.found.enumerated() {
                    problems.append(VerifyProblem(location: "\(file):\(hunk.foundStart + offset + 1)", message: "line added, not in the store's rendering: \(quote(text))"))
                }
            case (false, true):
                problems.append(VerifyProblem(
                    location: "\(file):\(hunk.foundStart + 1)",
                    message: "\(hunk.expected.count) line(s) removed before this line, first: \(quote(hunk.expected[0]))"))
            case (true, true): break
            }
        }
        if problems.count > limit {
            let more = problems.count - limit + 1
            problems = Array(problems.prefix(limit - 1))
            problems.append(VerifyProblem(location: file, message: "… and \(more) more differing lines"))
        }
        return problems
    }

    /// The `--db` value of the proof's re-check command (`proof verify … --db FILE`, see
    /// `ProofMarkdown.recheckSection`): where the store was when the proof was written. `nil` when there is none.
    public static func recheckDatabasePath(in text: String) -> String? {
        for line in lines(text) where line.hasPrefix("proof verify ") {
            guard let range = line.range(of: " --db ", options: .backwards) else { continue }
            let value = line[range.upperBound...]
            if !value.isEmpty { return String(value) }
        }
        return nil
    }

    /// Every lowercase 64-hex-digit token of `text` with its 1-based line number (digests a proof quotes).
    /// The HMAC of a redaction marker (`[REDACTED kind hmac-sha256:<salt id>:<hex>]`, also with its `:` blanked
    /// out as in a Mermaid chart) is no digest and is left out.
    public static func digests(in text: String) -> [(line: Int, digest: String)] {
        var found: [(Int, String)] = []
        for (index, line) in lines(text).enumerated() {
            let bytes = Array(line.utf8) + [0x20]
            var start = 0
            for (offset, byte) in bytes.enumerated() where !((byte >= 48 && byte <= 57) || (byte >= 97 && byte <= 102)) {
                if offset - start == 64, !isMarkerHMAC(bytes, at: start) {
                    found.append((index + 1, String(decoding: bytes[start..<offset], as: UTF8.self)))
                }
                start = offset + 1
            }
        }
        return found
    }

    /// Whether the hex run at `start` follows `hmac-sha256` and a 16-hex salt id (each followed by `:` or a space).
    /// A separator may be written `\:` (format 2 escapes colons for markdown).
    static func isMarkerHMAC(_ bytes: [UInt8], at start: Int) -> Bool {
        let prefix = Array("hmac-sha256".utf8)
        /// The index just before the separator that ends at `end` (exclusive), or `nil` when there is none.
        func separator(endingAt end: Int) -> Int? {
            guard end - 1 >= 0, [0x3A, 0x20].contains(bytes[end - 1]) else { return nil }
            return end - 2 >= 0 && bytes[end - 2] == 0x5C ? end - 2 : end - 1
        }
        guard let saltEnd = separator(endingAt: start), saltEnd - 16 >= 0 else { return false }
        let saltStart = saltEnd - 16
        let salt = bytes[saltStart..<saltEnd]
        guard salt.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) }),
            let prefixEnd = separator(endingAt: saltStart), prefixEnd - prefix.count >= 0
        else { return false }
        return bytes[(prefixEnd - prefix.count)..<prefixEnd].elementsEqual(prefix)
    }

    /// Run ids (26 Crockford base32 characters) named in `text`, in order of first appearance.
    public static func runIDs(in text: String) -> [String] {
        var seen: [String] = []
        let alphabet = Set("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
        for line in lines(text) {
            var run: [UInt8] = []
            for byte in line.utf8 + [0x20] {
                if alphabet.contains(byte) { run.append(byte) } else {
                    if run.count == 26 {
                        let id = String(decoding: run, as: UTF8.self)
                        if !seen.contains(id) { seen.append(id) }
                    }
                    run.removeAll(keepingCapacity: true)
                }
            }
        }
        return seen
    }

    static func lines(_ text: String) -> [Substring] {
        var result = text.split(separator: "\n", omittingEmptySubsequences: false)
        if result.last == "" { result.removeLast() }
        return result
    }

    static func quote(_ line: Substring) -> String {
        let text = line.count > 160 ? line.prefix(157) + "…" : line
        return "\"\(text)\""
    }

    struct Hunk {
        var expected: [Substring]
        var found: [Substring]
        var foundStart: Int
    }

    /// The differing regions of two line lists (longest common subsequence; the lists are proof-sized).
    static func hunks(_ a: [Substring], _ b: [Substring]) -> [Hunk] {
        // Trim the common head and tail first so the table stays small for a few edited lines.
        var head = 0
        while head < a.count, head < b.count, a[head] == b[head] { head += 1 }
        var tail = 0
        while tail < a.count - head, tail < b.count - head, a[a.count - 1 - tail] == b[b.count - 1 - tail] { tail += 1 }
        let x = Array(a[head..<(a.count - tail)])
        let y = Array(b[head..<(b.count - tail)])
        guard x.count * y.count <= 4_000_000 else { return [Hunk(expected: x, found: y, foundStart: head)] }
        var table = Array(repeating: Array(repeating: 0, count: y.count + 1), count: x.count + 1)
        for i in stride(from: x.count - 1, through: 0, by: -1) {
            for j in stride(from: y.count - 1, through: 0, by: -1) {
                table[i][j] = x[i] == y[j] ? table[i + 1][j + 1] + 1 : max(table[i + 1][j], table[i][j + 1])
            }
        }
        var hunks: [Hunk] = []
        var current: Hunk?
        var i = 0
        var j = 0
        while i < x.count || j < y.count {
            if i < x.count, j < y.count, x[i] == y[j] {
                if let done = current { hunks.append(done); current = nil }
                i += 1
                j += 1
            } else if j < y.count, i == x.count || table[i][j + 1] >= table[i + 1][j] {
                if current == nil { current = Hunk(expected: [], found: [], foundStart: head + j) }
                current!.found.append(y[j])
                j += 1
            } else {
                if current == nil { current = Hunk(expected: [], found: [], foundStart: head + j) }
                current!.expected.append(x[i])
                i += 1
            }
        }
        if let done = current { hunks.append(done) }
        return hunks
    }
}
