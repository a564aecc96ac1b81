import Foundation

/// Scrubs credential-shaped text out of strings, so that log lines, HTTP exchanges, error messages and object
/// fields can be kept as evidence without the credentials they happen to carry.
///
/// It applies the string rules of ``RedactionRules`` (documented with examples in `docs/evidence-schema.md`),
/// anywhere in a string:
/// - PEM private keys (`-----BEGIN … PRIVATE KEY …-----` … `-----END …-----`, any label that says
///   `PRIVATE KEY`, such as `OPENSSH PRIVATE KEY` or `PGP PRIVATE KEY BLOCK`), also base64-wrapped once as
///   kubeconfig `client-key-data` holds them (`LS0tLS1CRUdJTi…`); certificates and public keys are kept;
/// - `Bearer <token>` and `Basic <credentials>` (8 or more token characters);
/// - JSON Web Tokens (`eyJ….eyJ….…`), which is what service-account tokens are;
/// - provider tokens by their shape (``RedactionRules/tokenShapes``: `ghp_…`, `github_pat_…`, `glpat-…`,
///   `xoxb-…`, `AKIA…`);
/// - assignments to a credential name (``RedactionRules/isCredentialName(_:)``) written as `name=value`,
///   `name: value` or `"name":"value"`, the name possibly dotted or prefixed (`db.password=…`,
///   `spring.datasource.password: …`, `DB_PASS=…`, `-Ddb.password=…`); a YAML key at the start of its line takes
///   the rest of the line (and a `|`/`>` block scalar its indented lines);
/// - command-line flags named like credentials (`--token VALUE`, `--db-password=VALUE`);
/// - the password of a URL (`scheme://user:PASSWORD@host`).
///
/// A match is replaced by a marker `[REDACTED <kind>]`, or `[REDACTED <kind> hmac-sha256:<salt id>:<hex>]`
/// when the redactor was given a ``Redaction`` salt, so that "this value changed" stays decidable inside one
/// evidence store. Markers are never matched again, so scrubbing is idempotent.
public struct Redactor: Sendable {
    /// What a redacted span was.
    public enum Kind: String, Sendable, CaseIterable {
        /// A PEM (or base64-wrapped PEM) private key.
        case privateKey = "private-key"
        /// The token after `Bearer` or `Basic`.
        case bearer
        /// A JSON Web Token.
        case jwt
        /// The value of a credential field such as `password=` or `token:`, or of a credential flag.
        case credential
        /// The password part of a URL.
        case urlPassword = "url-password"
        /// A GitHub token (`ghp_…`, `github_pat_…`).
        case githubToken = "github-token"
        /// A GitLab token (`glpat-…`).
        case gitlabToken = "gitlab-token"
        /// A Slack token (`xoxb-…`, `xoxp-…`).
        case slackToken = "slack-token"
        /// An AWS access key id (`AKIA…`, `ASIA…`).
        case awsAccessKey = "aws-access-key"
    }

    /// The marker prefix every redaction starts with.
    public static let markerPrefix = "[REDACTED "

    /// A redactor whose markers carry no digest (for logs and error text).
    public static let standard = Redactor()

    private let digester: (@Sendable ([UInt8]) -> String)?

    /// A redactor; `digester`, when given, turns the redacted bytes into the `hmac-sha256:…` part of the marker.
    public init(digester: (@Sendable ([UInt8]) -> String)? = nil) {
        self.digester = digester
    }

    /// `text` with every credential replaced by a marker.
    public func scrub(_ text: String) -> String {
        scrubIfNeeded(text) ?? text
    }

    /// `text` with every credential replaced by a marker, or `nil` when it holds none (the fast path: no copy).
    public func scrubIfNeeded(_ text: String) -> String? {
        scrubIfNeeded(text, shortcuts: true)
    }

    /// ``scrubIfNeeded(_:)``, or without `shortcuts` every byte a match can start at tried in full (what the
    /// test of ``hopeless(at:in:)`` holds the shortcuts to).
    func scrubIfNeeded(_ text: String, shortcuts: Bool) -> String? {
        var copy = text
        let result = copy.withUTF8 { buffer -> [UInt8]? in scan(buffer, shortcuts: shortcuts) }
        guard let result else { return nil }
        return String(decoding: result, as: UTF8.self)
    }

    /// Whether `bytes` (UTF-8 text) hold anything this redactor would replace.
    public func wouldScrub(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        firstMatch(in: bytes, from: 0, orWord: nil, shortcuts: true) != nil
    }

    /// Whether `bytes` hold anything this redactor would replace, or the literal `word`: one pass for the
    /// canonical walk, which refuses both.
    func wouldScrub(_ bytes: UnsafeBufferPointer<UInt8>, orHold word: StaticString) -> Bool {
        firstMatch(in: bytes, from: 0, orWord: word, shortcuts: true) != nil
    }

    /// Whether `text` holds anything this redactor would replace.
    public func containsCredential(_ text: String) -> Bool {
        scrubIfNeeded(text) != nil
    }

    // MARK: - Scanner

    private static let markerWord = Array("[REDACTED".utf8)

    /// Bytes at which a match can start: a set lookup keeps the common case (nothing to redact) one pass.
    /// Assignments are found at their separator (`=`, `:`) and looked at backwards for the name.
    private static let interesting = ByteSet(Array("-:=bBeL".utf8) + RedactionRules.tokenFirstBytes)

    private func marker(_ kind: Kind, _ secret: UnsafeBufferPointer<UInt8>.SubSequence) -> [UInt8] {
        var text = Self.markerPrefix + kind.rawValue
        if let digester { text += " " + digester(Array(secret)) }
        text += "]"
        return Array(text.utf8)
    }

    /// Scans `bytes`; returns the scrubbed bytes, or `nil` when nothing matched.
    private func scan(_ bytes: UnsafeBufferPointer<UInt8>, shortcuts: Bool) -> [UInt8]? {
        var out: [UInt8] = []
        var copied = 0  // bytes[..<copied] are already in `out`
        var index = 0
        while let match = firstMatch(in: bytes, from: index, orWord: nil, shortcuts: shortcuts) {
            if out.isEmpty { out.reserveCapacity(bytes.count) }
            out.append(contentsOf: bytes[copied..<match.start])
            out.append(contentsOf: marker(match.kind, bytes[match.start..<match.end]))
            copied = match.end
            index = match.end
        }
        guard copied > 0 else { return nil }
        out.append(contentsOf: bytes[copied..<bytes.count])
        return out
    }

    /// The first match that starts looking at or after `start` (each position in turn, as
    /// ``scan(_:shortcuts:)`` needs), or, when `word` is given, a match of kind `credential` at the first place
    /// `word` stands, if that comes first. With `shortcuts`, positions whose neighbours rule out every match are passed over without a call
    /// (``hopeless(at:in:)``).
    @inline(__always)
    private func firstMatch(in bytes: UnsafeBufferPointer<UInt8>, from start: Int, orWord word: StaticString?, shortcuts: Bool) -> Match? {
        let count = bytes.count
        var stops = Self.interesting
        let wordStart = word?.utf8Start[0]
        if let wordStart { stops.insert(wordStart) }
        var index = start
        while index < count {
            let byte = bytes[index]
            guard stops.contains(byte) else {
                index += 1
                continue
            }
            if let word, byte == wordStart, Self.hasPrefix(word, at: index, in: bytes) {
                return Match(kind: .credential, start: index, end: index + word.utf8CodeUnitCount)
            }
            if Self.interesting.contains(byte), !(shortcuts && Self.hopeless(at: index, in: bytes)) {
                if let match = match(at: index, in: bytes) { return match }
            }
            index += 1
        }
        return nil
    }

    /// Whether the bytes around `index` rule out every match ``match(at:in:)`` looks for there, so that it need
    /// not be called: most strings hold an `e`, a `b`, a `-` or a `:`, few a credential.
    /// - `e`: only `eyJ` starts a JWT; `b`, `B`: only `bearer` and `basic` (any case);
    /// - `-`: a PEM block and a flag both start with `--`;
    /// - `:`: a URL password needs `://`; an assignment a quoted name before it (spaces between allowed) or a
    ///   space after it.
    @inline(__always)
    private static func hopeless(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let next = index + 1 < bytes.count ? bytes[index + 1] : 0
        switch bytes[index] {
        case UInt8(ascii: "e"): return next != UInt8(ascii: "y")
        case UInt8(ascii: "b"), UInt8(ascii: "B"): return next | 0x20 != UInt8(ascii: "e") && next | 0x20 != UInt8(ascii: "a")
        case UInt8(ascii: "-"): return next != UInt8(ascii: "-")
        case UInt8(ascii: ":"):
            if next == UInt8(ascii: "/") || isSpace(next) { return false }
            let previous = index > 0 ? bytes[index - 1] : 0
            return !(isSpace(previous) || isQuote(previous))
        default: return false
        }
    }

    private static func hasPrefix(_ word: StaticString, at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let length = word.utf8CodeUnitCount
        guard index + length <= bytes.count, let base = bytes.baseAddress else { return false }
        return memcmp(base + index, word.utf8Start, length) == 0
    }

    private struct Match {
        var kind: Kind
        var start: Int
        var end: Int
    }

    private func match(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        switch bytes[index] {
        case UInt8(ascii: "-"): return pemPrivateKey(at: index, in: bytes) ?? flag(at: index, in: bytes)
        case UInt8(ascii: ":"): return urlPassword(at: index, in: bytes) ?? assignment(at: index, in: bytes)
        case UInt8(ascii: "="): return assignment(at: index, in: bytes)
        case UInt8(ascii: "L"): if let found = wrappedPrivateKey(at: index, in: bytes) { return found }
        case UInt8(ascii: "e"): return jwt(at: index, in: bytes)
        case UInt8(ascii: "b"), UInt8(ascii: "B"): return bearer(at: index, in: bytes)
        default: break
        }
        return providerToken(at: index, in: bytes)
    }

    private static func isWordByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default: return false
        }
    }

    private static func isTokenByte(_ byte: UInt8) -> Bool {
        isWordByte(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "~") || byte == UInt8(ascii: "+")
            || byte == UInt8(ascii: "/") || byte == UInt8(ascii: "=")
    }

    private static func isBase64URLByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            return true
        default: return false
        }
    }

    private static func isBase64Byte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            return true
        default: return false
        }
    }

    /// Whether `literal` occurs at `index`, compared case-insensitively for ASCII letters when asked.
    private static func hasPrefix(
        _ literal: [UInt8], at index: Int, in bytes: UnsafeBufferPointer<UInt8>, ignoringCase: Bool = false
    ) -> Bool {
        guard index + literal.count <= bytes.count else { return false }
        for offset in 0..<literal.count {
            var byte = bytes[index + offset]
            if ignoringCase, byte >= UInt8(ascii: "A"), byte <= UInt8(ascii: "Z") { byte |= 0x20 }
            if byte != literal[offset] { return false }
        }
        return true
    }

    private static let pemBegin = Array("-----BEGIN ".utf8)
    private static let pemDashes = Array("-----".utf8)
    private static let pemEnd = Array("-----END ".utf8)
    private static let privateKeyLabel = Array("PRIVATE KEY".utf8)

    /// Whether `label` holds `literal` (`PRIVATE KEY` in `RSA PRIVATE KEY`, `PGP PRIVATE KEY BLOCK`).
    private static func contains(_ literal: [UInt8], in label: some Collection<UInt8>) -> Bool {
        Array(label).withUnsafeBufferPointer { ByteSearch.firstIndex(of: literal, in: $0) != nil }
    }

    private func pemPrivateKey(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        guard Self.hasPrefix(Self.pemBegin, at: index, in: bytes) else { return nil }
        let labelStart = index + Self.pemBegin.count
        guard let labelEnd = ByteSearch.firstIndex(of: Self.pemDashes, in: bytes, from: labelStart), labelEnd - labelStart < 64 else {
            return nil
        }
        let label = bytes[labelStart..<labelEnd]
        guard Self.contains(Self.privateKeyLabel, in: label) else { return nil }
        // The block runs to the matching END line; without one, everything after BEGIN is key material.
        var searchFrom = labelEnd + Self.pemDashes.count
        while let end = ByteSearch.firstIndex(of: Self.pemEnd, in: bytes, from: searchFrom) {
            let endLabelStart = end + Self.pemEnd.count
            if let endLabelEnd = ByteSearch.firstIndex(of: Self.pemDashes, in: bytes, from: endLabelStart), endLabelEnd - endLabelStart < 64 {
                return Match(kind: .privateKey, start: index, end: endLabelEnd + Self.pemDashes.count)
            }
            searchFrom = endLabelStart
        }
        return Match(kind: .privateKey, start: index, end: bytes.count)
    }

    /// `-----BEGIN` base64-encoded: the start of kubeconfig `client-key-data` (and of certificates, which are
    /// told apart by decoding the run and looking for `PRIVATE KEY`).
    private static let wrappedPEM = Array("LS0tLS1CRUdJTi".utf8)

    private func wrappedPrivateKey(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        guard Self.hasPrefix(Self.wrappedPEM, at: index, in: bytes) else { return nil }
        if index > 0, Self.isBase64Byte(bytes[index - 1]) { return nil }
        var end = index
        while end < bytes.count, Self.isBase64Byte(bytes[end]) { end += 1 }
        // Only the header is needed to tell a key from a certificate.
        let headerLength = min(end - index, 80) / 4 * 4
        guard let decoded = Data(base64Encoded: Data(bytes[index..<(index + headerLength)])) else { return nil }
        let header = Array(decoded)
        guard let lineEnd = header.dropFirst(5).firstIndex(of: UInt8(ascii: "-")) else { return nil }
        guard Self.contains(Self.privateKeyLabel, in: header[..<lineEnd]) else { return nil }
        return Match(kind: .privateKey, start: index, end: end)
    }

    private static let bearerWord = Array("bearer".utf8)
    private static let basicWord = Array("basic".utf8)

    private func bearer(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        let word: [UInt8]
        if Self.hasPrefix(Self.bearerWord, at: index, in: bytes, ignoringCase: true) {
            word = Self.bearerWord
        } else if Self.hasPrefix(Self.basicWord, at: index, in: bytes, ignoringCase: true) {
            word = Self.basicWord
        } else {
            return nil
        }
        if index > 0, Self.isWordByte(bytes[index - 1]) { return nil }
        var start = index + word.count
        guard start < bytes.count, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") else { return nil }
        while start < bytes.count, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        var end = start
        while end < bytes.count, Self.isTokenByte(bytes[end]) { end += 1 }
        guard end - start >= 8 else { return nil }
        return Match(kind: .bearer, start: start, end: end)
    }

    private static let jwtStart = Array("eyJ".utf8)

    private func jwt(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        guard Self.hasPrefix(Self.jwtStart, at: index, in: bytes) else { return nil }
        if index > 0, Self.isBase64URLByte(bytes[index - 1]) { return nil }
        var end = index
        var dots = 0
        var segmentLength = 0
        while end < bytes.count {
            let byte = bytes[end]
            if Self.isBase64URLByte(byte) {
                segmentLength += 1
            } else if byte == UInt8(ascii: "."), segmentLength >= 4, dots < 2 {
                dots += 1
                segmentLength = 0
            } else {
                break
            }
            end += 1
        }
        guard dots == 2 else { return nil }
        return Match(kind: .jwt, start: index, end: end)
    }

    private func urlPassword(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        guard index + 3 <= bytes.count, bytes[index + 1] == UInt8(ascii: "/"), bytes[index + 2] == UInt8(ascii: "/") else {
            return nil
        }
        var position = index + 3
        var colon: Int?
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "@") { break }
            if byte == UInt8(ascii: "/") || byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\n")
                || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
            {
                return nil
            }
            if byte == UInt8(ascii: ":"), colon == nil { colon = position }
            position += 1
        }
        guard position < bytes.count, let colon, position > colon + 1 else { return nil }
        return Match(kind: .urlPassword, start: colon + 1, end: position)
    }

    // MARK: - Names and values

    /// Bytes a name may hold (`db.password`, `DB_PASS`, `client-key-data`).
    private static func isNameByte(_ byte: UInt8) -> Bool {
        isWordByte(byte) || byte == UInt8(ascii: ".")
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t")
    }

    private static func isQuote(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") || byte == UInt8(ascii: "\\")
    }

    private static let redactedWord = Array("redacted".utf8)
    private static let redactedPlaceholder = Array("<redacted>".utf8)

    /// Whether a value at `start` is a marker written earlier (`[REDACTED …]`, which keeps scrubbing idempotent)
    /// or a placeholder that says a value was taken out (`REDACTED`, `<redacted>`, as a Mermaid chart or an
    /// error message shows them).
    private static func isRedactedAlready(at start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        if bytes[start] == UInt8(ascii: "[") { return hasPrefix(markerWord, at: start, in: bytes) }
        // A marker as markdown escapes it (`\[REDACTED …\]`): already redacted, not a value to redact again.
        if bytes[start] == UInt8(ascii: "\\"), start + 1 < bytes.count, bytes[start + 1] == UInt8(ascii: "[") {
            return hasPrefix(markerWord, at: start + 1, in: bytes)
        }
        if hasPrefix(redactedPlaceholder, at: start, in: bytes, ignoringCase: true) { return true }
        let end = start + redactedWord.count
        return hasPrefix(redactedWord, at: start, in: bytes, ignoringCase: true) && (end == bytes.count || !isWordByte(bytes[end]))
    }

    /// Whether only indentation, a list dash or quotes stand between the start of the line and `index`.
    private static func startsLine(_ index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        var position = index - 1
        while position >= 0 {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { return true }
            guard isSpace(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") else {
                return false
            }
            position -= 1
        }
        return true
    }

    /// The indentation of the line `index` is on.
    private static func indentation(ofLineAt index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int {
        var start = index
        while start > 0, bytes[start - 1] != UInt8(ascii: "\n") { start -= 1 }
        var end = start
        while end < bytes.count, isSpace(bytes[end]) { end += 1 }
        return end - start
    }

    /// `name=value`, `name: value`, `"name":"value"` (found at the separator) where the name is a credential's.
    private func assignment(at separator: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        let count = bytes.count
        let colon = bytes[separator] == UInt8(ascii: ":")
        // `==`, `::`, `!=`, `<=`: comparisons and scopes, not assignments.
        if separator + 1 < count, bytes[separator + 1] == bytes[separator] { return nil }
        if separator > 0, bytes[separator - 1] == bytes[separator] { return nil }
        // Backwards: spaces, the closing quotes of a JSON or YAML key (possibly escaped), then the name.
        var position = separator - 1
        while position >= 0, Self.isSpace(bytes[position]) { position -= 1 }
        let beforeQuotes = position
        while position >= 0, Self.isQuote(bytes[position]) { position -= 1 }
        let quotedName = position != beforeQuotes
        let nameEnd = position + 1
        while position >= 0, Self.isNameByte(bytes[position]) { position -= 1 }
        if colon, !quotedName {
            // An unquoted `name:` is YAML only at the start of a line or inside a flow mapping (`{a: 1, password: x}`).
            // `name:value` without a space is an image tag or a host and port (`ghcr.io/x/token-service:1.2`,
            // `token-service:8080`), and `default/db-secret: …` or `Secret db-secret: …` in a message names an
            // object: neither is an assignment.
            guard separator + 1 < count, Self.isSpace(bytes[separator + 1]) else { return nil }
            var before = position
            while before >= 0, Self.isSpace(bytes[before]) { before -= 1 }
            let flow = before >= 0 && (bytes[before] == UInt8(ascii: "{") || bytes[before] == UInt8(ascii: ","))
            guard flow || Self.startsLine(position + 1, in: bytes) else { return nil }
        }
        var nameStart = position + 1
        while nameStart < nameEnd, bytes[nameStart] == UInt8(ascii: "-") { nameStart += 1 }  // `--db-password=`
        guard nameStart < nameEnd, RedactionRules.isCredentialName(bytes[nameStart..<nameEnd]) else { return nil }

        // Forwards: spaces, opening quotes, the value.
        var start = separator + 1
        while start < count, Self.isSpace(bytes[start]) { start += 1 }
        var quote: UInt8?
        while start < count, Self.isQuote(bytes[start]) {
            if bytes[start] != UInt8(ascii: "\\") { quote = bytes[start] }
            start += 1
        }
        guard start < count else { return nil }
        if Self.isRedactedAlready(at: start, in: bytes) { return nil }
        var end = start
        // A YAML key at the start of its line takes the rest of the line (`password: correct horse`).
        let wholeLine = quote == nil && colon && Self.startsLine(position + 1, in: bytes)
        while end < count {
            let byte = bytes[end]
            if let quote {
                if byte == quote || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\n") { break }
            } else if wholeLine {
                if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") { break }
                if byte == UInt8(ascii: "#"), end > start, Self.isSpace(bytes[end - 1]) { break }  // a YAML comment
            } else if Self.isSpace(byte) || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: ",")
                || byte == UInt8(ascii: "}") || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "\"")
                || byte == UInt8(ascii: "'")
            {
                break
            }
            end += 1
        }
        while wholeLine, end > start, Self.isSpace(bytes[end - 1]) { end -= 1 }
        guard end > start else { return nil }
        if wholeLine, bytes[start] == UInt8(ascii: "|") || bytes[start] == UInt8(ascii: ">"), end - start <= 3 {
            return blockScalar(after: end, keyAt: nameStart, start: start, in: bytes)
        }
        // `token: Bearer abc…`: the credential is the word after the scheme.
        if quote == nil, !wholeLine, end < count, Self.isSpace(bytes[end]),
            Self.hasPrefix(Self.bearerWord, at: start, in: bytes, ignoringCase: true) && end - start == Self.bearerWord.count
                || Self.hasPrefix(Self.basicWord, at: start, in: bytes, ignoringCase: true) && end - start == Self.basicWord.count
        {
            var next = end
            while next < count, Self.isSpace(bytes[next]) { next += 1 }
            while next < count, Self.isTokenByte(bytes[next]) { next += 1 }
            end = next
        }
        return Match(kind: .credential, start: start, end: end)
    }

    /// A YAML block scalar (`password: |`): the indicator and every following line indented deeper than the key.
    private func blockScalar(after indicatorEnd: Int, keyAt key: Int, start: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        let keyIndent = Self.indentation(ofLineAt: key, in: bytes)
        var end = indicatorEnd
        var lineStart = indicatorEnd
        while lineStart < bytes.count, bytes[lineStart] == UInt8(ascii: "\n") || bytes[lineStart] == UInt8(ascii: "\r") {
            lineStart += 1
            var lineEnd = lineStart
            while lineEnd < bytes.count, bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            var indent = lineStart
            while indent < lineEnd, Self.isSpace(bytes[indent]) { indent += 1 }
            let blank = indent == lineEnd || (indent + 1 == lineEnd && bytes[indent] == UInt8(ascii: "\r"))
            if !blank, indent - lineStart <= keyIndent { break }
            if !blank { end = lineEnd }
            lineStart = lineEnd
        }
        return Match(kind: .credential, start: start, end: end)
    }

    /// A command-line flag with its value after a space (`--token VALUE`); `--token=VALUE` is an assignment.
    private func flag(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        let count = bytes.count
        guard index + 2 < count, bytes[index + 1] == UInt8(ascii: "-"), index == 0 || !Self.isWordByte(bytes[index - 1]) else {
            return nil
        }
        var nameEnd = index + 2
        while nameEnd < count, Self.isNameByte(bytes[nameEnd]) { nameEnd += 1 }
        guard nameEnd > index + 2, nameEnd < count, Self.isSpace(bytes[nameEnd]),
            RedactionRules.isCredentialName(bytes[(index + 2)..<nameEnd])
        else { return nil }
        var start = nameEnd
        while start < count, Self.isSpace(bytes[start]) { start += 1 }
        var end = start
        while end < count, !(Self.isSpace(bytes[end]) || bytes[end] == UInt8(ascii: "\n") || bytes[end] == UInt8(ascii: "\r")
            || bytes[end] == UInt8(ascii: "\"") || bytes[end] == UInt8(ascii: "'"))
        {
            end += 1
        }
        guard end > start, bytes[start] != UInt8(ascii: "-"), !Self.isRedactedAlready(at: start, in: bytes) else { return nil }
        return Match(kind: .credential, start: start, end: end)
    }

    /// A provider token recognised by its prefix (``RedactionRules/tokenShapes``), standing alone as a word.
    private func providerToken(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        if index > 0, RedactionRules.isAlphanumeric(bytes[index - 1]) || bytes[index - 1] == UInt8(ascii: "_") { return nil }
        for shape in RedactionRules.tokenShapes where shape.prefix[0] == bytes[index] {
            guard Self.hasPrefix(shape.prefix, at: index, in: bytes) else { continue }
            let bodyStart = index + shape.prefix.count
            var end = bodyStart
            while end < bytes.count, end - bodyStart <= shape.maximumLength, shape.allowed(bytes[end]) { end += 1 }
            let length = end - bodyStart
            guard length >= shape.minimumLength, length <= shape.maximumLength else { continue }
            if end < bytes.count, RedactionRules.isAlphanumeric(bytes[end]) { continue }
            return Match(kind: shape.kind, start: index, end: end)
        }
        return nil
    }
}
