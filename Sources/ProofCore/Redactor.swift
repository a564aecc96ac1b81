import Foundation

/// Scrubs credential-shaped text out of strings, so that log lines, HTTP exchanges, error messages and object
/// fields can be kept as evidence without the credentials they happen to carry.
///
/// It recognises, anywhere in a string:
/// - PEM private keys (`-----BEGIN … PRIVATE KEY-----` … `-----END … PRIVATE KEY-----`), also base64-wrapped
///   once as kubeconfig `client-key-data` holds them (`LS0tLS1CRUdJTi…`);
/// - `Bearer <token>` and `Basic <credentials>` (8 or more token characters);
/// - JSON Web Tokens (`eyJ….eyJ….…`), which is what service-account tokens are;
/// - credential fields written as `key: value`, `key=value` or `"key":"value"` for the keys in
///   ``credentialKeys`` (`client-key-data`, `token`, `password`, …), the key standing alone (not a suffix of a
///   longer word such as `service-account-token`);
/// - command-line flags named like those keys (`--token VALUE`, `--password=VALUE`);
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
        /// The value of a credential field such as `password=` or `token:`.
        case credential
        /// The password part of a URL.
        case urlPassword = "url-password"
    }

    /// Field names whose value is a credential (compared case-insensitively, as whole words).
    public static let credentialKeys: [String] = [
        "client-key-data", "client-key", "client-secret", "client_secret", "password", "passwd", "token",
        "id-token", "id_token", "access-token", "access_token", "refresh-token", "refresh_token", "api-key",
        "api_key", "apikey", "secret-key", "secret_key", "aws_secret_access_key", "bearer-token", "bearer_token",
    ]

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
        var copy = text
        let result = copy.withUTF8 { buffer -> [UInt8]? in scan(buffer) }
        guard let result else { return nil }
        return String(decoding: result, as: UTF8.self)
    }

    /// Whether `text` holds anything this redactor would replace.
    public func containsCredential(_ text: String) -> Bool {
        scrubIfNeeded(text) != nil
    }

    // MARK: - Scanner

    private static let markerWord = Array("[REDACTED".utf8)
    private static let credentialKeyBytes: [[UInt8]] = credentialKeys.map { Array($0.utf8) }

    /// Bytes at which a match can start: a table lookup keeps the common case (nothing to redact) one pass.
    private static let interesting: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for byte in "-:bBeL".utf8 { table[Int(byte)] = true }
        for key in credentialKeys {
            let first = key.utf8.first!
            table[Int(first)] = true
            table[Int(first & ~0x20)] = true  // upper case
        }
        return table
    }()

    private func marker(_ kind: Kind, _ secret: UnsafeBufferPointer<UInt8>.SubSequence) -> [UInt8] {
        var text = Self.markerPrefix + kind.rawValue
        if let digester { text += " " + digester(Array(secret)) }
        text += "]"
        return Array(text.utf8)
    }

    /// Scans `bytes`; returns the scrubbed bytes, or `nil` when nothing matched.
    private func scan(_ bytes: UnsafeBufferPointer<UInt8>) -> [UInt8]? {
        var out: [UInt8] = []
        var copied = 0  // bytes[..<copied] are already in `out`
        var index = 0
        let count = bytes.count
        let interesting = Self.interesting
        while index < count {
            let byte = bytes[index]
            guard interesting[Int(byte)] else {
                index += 1
                continue
            }
            if let match = match(at: index, in: bytes) {
                if out.isEmpty { out.reserveCapacity(count) }
                out.append(contentsOf: bytes[copied..<match.start])
                out.append(contentsOf: marker(match.kind, bytes[match.start..<match.end]))
                copied = match.end
                index = match.end
            } else {
                index += 1
            }
        }
        guard copied > 0 else { return nil }
        out.append(contentsOf: bytes[copied..<count])
        return out
    }

    private struct Match {
        var kind: Kind
        var start: Int
        var end: Int
    }

    private func match(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        switch bytes[index] {
        case UInt8(ascii: "-"): return pemPrivateKey(at: index, in: bytes)
        case UInt8(ascii: ":"): return urlPassword(at: index, in: bytes)
        case UInt8(ascii: "L"):
            if let found = wrappedPrivateKey(at: index, in: bytes) { return found }
        case UInt8(ascii: "e"):
            if let found = jwt(at: index, in: bytes) { return found }
        default: break
        }
        if let found = bearer(at: index, in: bytes) { return found }
        return credentialField(at: index, in: bytes)
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

    private static func find(_ literal: [UInt8], from index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Int? {
        guard literal.count <= bytes.count else { return nil }
        var position = index
        while position + literal.count <= bytes.count {
            if bytes[position] == literal[0], hasPrefix(literal, at: position, in: bytes) { return position }
            position += 1
        }
        return nil
    }

    private static let pemBegin = Array("-----BEGIN ".utf8)
    private static let pemDashes = Array("-----".utf8)
    private static let pemEnd = Array("-----END ".utf8)
    private static let privateKeyLabel = Array("PRIVATE KEY".utf8)

    private func pemPrivateKey(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        guard Self.hasPrefix(Self.pemBegin, at: index, in: bytes) else { return nil }
        let labelStart = index + Self.pemBegin.count
        guard let labelEnd = Self.find(Self.pemDashes, from: labelStart, in: bytes), labelEnd - labelStart < 64 else {
            return nil
        }
        let label = bytes[labelStart..<labelEnd]
        guard label.count >= Self.privateKeyLabel.count, Array(label.suffix(Self.privateKeyLabel.count)) == Self.privateKeyLabel
        else { return nil }
        // The block runs to the matching END line; without one, everything after BEGIN is key material.
        var searchFrom = labelEnd + Self.pemDashes.count
        while let end = Self.find(Self.pemEnd, from: searchFrom, in: bytes) {
            let endLabelStart = end + Self.pemEnd.count
            if let endLabelEnd = Self.find(Self.pemDashes, from: endLabelStart, in: bytes), endLabelEnd - endLabelStart < 64 {
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
        let label = header[..<lineEnd]
        guard label.count >= Self.privateKeyLabel.count, Array(label.suffix(Self.privateKeyLabel.count)) == Self.privateKeyLabel
        else { return nil }
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

    private func credentialField(at index: Int, in bytes: UnsafeBufferPointer<UInt8>) -> Match? {
        // A command-line flag (`--token VALUE`, `--password=VALUE`) also takes a space as its separator.
        let isFlag =
            index >= 2 && bytes[index - 1] == UInt8(ascii: "-") && bytes[index - 2] == UInt8(ascii: "-")
            && (index == 2 || !Self.isWordByte(bytes[index - 3]))
        if !isFlag, index > 0, Self.isWordByte(bytes[index - 1]) || bytes[index - 1] == UInt8(ascii: ".") { return nil }
        for key in Self.credentialKeyBytes where Self.hasPrefix(key, at: index, in: bytes, ignoringCase: true) {
            var position = index + key.count
            if isFlag, position < bytes.count, bytes[position] == UInt8(ascii: " ") {
                while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
                var end = position
                while end < bytes.count, !(bytes[end] == UInt8(ascii: " ") || bytes[end] == UInt8(ascii: "\n")) { end += 1 }
                guard end > position, bytes[position] != UInt8(ascii: "-"), bytes[position] != UInt8(ascii: "[") else { return nil }
                return Match(kind: .credential, start: position, end: end)
            }
            // Closing quotes of a JSON or YAML key (possibly escaped inside a JSON string), then the separator.
            while position < bytes.count, [UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\")].contains(bytes[position]) {
                position += 1
            }
            while position < bytes.count, bytes[position] == UInt8(ascii: " ") { position += 1 }
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") || bytes[position] == UInt8(ascii: "=") else {
                continue
            }
            position += 1
            while position < bytes.count, bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t") {
                position += 1
            }
            var quote: UInt8?
            while position < bytes.count, [UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: "\\")].contains(bytes[position]) {
                if bytes[position] != UInt8(ascii: "\\") { quote = bytes[position] }
                position += 1
            }
            let start = position
            var end = start
            while end < bytes.count {
                let byte = bytes[end]
                if let quote {
                    if byte == quote || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "\n") { break }
                } else if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
                    || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "}")
                    || byte == UInt8(ascii: ";") || byte == UInt8(ascii: "&") || byte == UInt8(ascii: "\"")
                    || byte == UInt8(ascii: "'")
                {
                    break
                }
                end += 1
            }
            guard end > start else { return nil }
            // A marker written earlier is left alone, which keeps scrubbing idempotent.
            if bytes[start] == UInt8(ascii: "["), Self.hasPrefix(Self.markerWord, at: start, in: bytes) { return nil }
            return Match(kind: .credential, start: start, end: end)
        }
        return nil
    }
}
