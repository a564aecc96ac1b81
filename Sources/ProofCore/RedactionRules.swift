/// The one rule set that decides what is a credential, shared by the string scrubber (``Redactor``), the object
/// normaliser (``Redaction``) and so by every sink: the evidence store, the markdown proof, JUnit and the console.
///
/// Two questions are answered here:
/// - **Is this name a credential's name?** (``isCredentialName(_:)``) For member names (`password`,
///   `clientSecret`), environment variables (`DB_PASS`, `GITHUB_TOKEN`), ConfigMap keys, `key=value` and
///   `key: value` lines (`db.password=…`) and command-line flags (`--db-password=…`, `--token …`).
/// - **Is this value a credential by its shape alone?** (``tokenShapes``) Provider tokens that announce
///   themselves (`ghp_…`, `glpat-…`, `xoxb-…`, `AKIA…`); PEM private keys, `Bearer`/`Basic` credentials, JWTs
///   and URL passwords are recognised by ``Redactor`` itself.
///
/// ``catalog`` lists every rule with an example and the marker it leaves; `docs/evidence-schema.md` shows the
/// same table, and a test keeps the two in step. Pure values, no state.
public enum RedactionRules {
    // MARK: - Names

    /// Words that make a name a credential's wherever they stand (`password`, `DB_PASSWORD`, `clientSecret`).
    static let strongWords: [[UInt8]] = [
        "password", "passwd", "passphrase", "secret", "token", "apikey", "credential", "credentials", "privatekey",
        "accesskey", "secretkey",
    ].map { Array($0.utf8) }
    /// Abbreviations that make a name a credential's only after another word (`DB_PASS`, `GITHUB_PAT`, `DB_PWD`;
    /// not `PWD`, the working directory, nor `pass` or `pat` alone).
    static let weakWords: [[UInt8]] = ["pass", "pwd", "pw", "pat"].map { Array($0.utf8) }
    /// Words that make `… key` a credential's name (`API_KEY`, `accessKey`, `private-key`, `SSH_KEY`).
    static let keyQualifiers: [[UInt8]] = [
        "api", "access", "private", "client", "signing", "encryption", "master", "account", "auth", "session", "shared",
        "ssh", "deploy", "license",
    ].map { Array($0.utf8) }
    /// Last words that make a name *refer to* a credential rather than hold one (`SECRET_NAME`, `tokenFile`,
    /// `passwordSecretRef`, `TOKEN_URL`, `PASSWORD_MIN_LENGTH`, `argocd.argoproj.io/secret-type`).
    static let referenceWords: Set<[UInt8]> = Set([
        "file", "files", "path", "paths", "dir", "directory", "name", "names", "ref", "refs", "reference", "url", "uri",
        "endpoint", "host", "hostname", "port", "user", "username", "login", "id", "ids", "type", "kind", "mode", "length",
        "ttl", "expiry", "expires", "expiration", "timeout", "seconds", "enabled", "disabled", "required", "count", "size",
        "version", "format", "header", "prefix", "suffix", "field", "fields", "namespace", "label", "labels", "selector",
        "class", "store", "mount", "location", "provider", "policy", "rotation",
    ].map { Array($0.utf8) })
    /// First words that make a name refer to an existing object (`existingSecret: mlflow-db`).
    static let referenceFirstWords: Set<[UInt8]> = Set(["existing"].map { Array($0.utf8) })
    /// Whole names (words joined by `_`) that hold a credential though no rule above says so.
    static let exactNames: Set<[UInt8]> = Set(["client_key_data"].map { Array($0.utf8) })

    /// Whether `name` names a credential: it holds a strong word (`password`, `secret`, `token`, …), a weak one
    /// after another word (`DB_PASS`), or `<qualifier> key` (`API_KEY`), and its last word does not make it a
    /// reference (`…_FILE`, `…Name`, `…Ref`, `…_URL`). Words are split at any character that is not a letter or
    /// digit and at camel-case humps; comparison ignores case.
    public static func isCredentialName(_ name: String) -> Bool {
        var copy = name
        return copy.withUTF8 { isCredentialName($0[...]) }
    }

    /// ``isCredentialName(_:)`` over UTF-8 bytes (the scrubber's hot path: no allocation for most names).
    public static func isCredentialName(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard !bytes.isEmpty, bytes.count <= 128, mayHoldCredentialWord(bytes) else { return false }
        var words: [[UInt8]] = []
        var current: [UInt8] = []
        var previous: UInt8 = 0
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            let upper = isUpper(byte), lower = isLower(byte), digit = isDigit(byte)
            if upper || lower || digit {
                // A hump: `dbPassword` → db|Password; `oauth2Token` → oauth2|Token; `APIKey` → API|Key.
                let next = index + 1 < bytes.endIndex ? bytes[index + 1] : 0
                if upper, !current.isEmpty, isLower(previous) || isDigit(previous) || (isUpper(previous) && isLower(next)) {
                    words.append(current)
                    current = []
                }
                current.append(upper ? byte | 0x20 : byte)
            } else if !current.isEmpty {
                words.append(current)
                current = []
            }
            previous = byte
            index += 1
        }
        if !current.isEmpty { words.append(current) }
        return isCredentialName(words: words)
    }

    /// The decision over lower-cased words.
    static func isCredentialName(words: [[UInt8]]) -> Bool {
        guard let last = words.last else { return false }
        var joined: [UInt8] = []
        for (index, word) in words.enumerated() {
            if index > 0 { joined.append(UInt8(ascii: "_")) }
            joined += word
        }
        if exactNames.contains(joined) { return true }
        if referenceWords.contains(last) || referenceFirstWords.contains(words[0]) { return false }
        for (index, word) in words.enumerated() {
            if strongWords.contains(word) { return true }
            if index > 0, weakWords.contains(word) { return true }
            if word == keyWord, index > 0, keyQualifiers.contains(words[index - 1]) { return true }
        }
        return false
    }

    private static let keyWord = Array("key".utf8)
    /// Whether `bytes` hold one of the substrings every credential name holds (`pas`sword, `pw`d, `tok`en,
    /// `sec`ret, `key`, `pat`, `cred`ential): a cheap first test that rejects almost every member name without
    /// splitting it.
    ///
    /// Compared as `byte | 0x20` (ASCII case folded), dispatched on the first byte: this runs for every member
    /// name of every captured object.
    static func mayHoldCredentialWord(_ bytes: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        guard let base = bytes.base.baseAddress else { return false }
        let end = base + bytes.endIndex
        func at(_ position: UnsafePointer<UInt8>, _ letter: Unicode.Scalar) -> Bool {
            position < end && position.pointee | 0x20 == UInt8(ascii: letter)
        }
        var position = base + bytes.startIndex
        // Eight places at a time while each one's next byte is inside the name: every fragment starts with one of
        // the pairs `pw pa to se ke cr`, so a word with none of them starting in it is passed over whole, and the
        // bytes from the first word with one are looked at one by one below.
        while end - position >= 9 {
            let here = UnsafeRawPointer(position).loadUnaligned(as: UInt64.self) | Self.foldWord
            let next = UnsafeRawPointer(position + 1).loadUnaligned(as: UInt64.self) | Self.foldWord
            func at(_ word: UInt64, _ letter: Unicode.Scalar) -> UInt64 { zeroBytes(word ^ (0x0101_0101_0101_0101 &* UInt64(letter.value))) }
            let pairs = (at(here, "p") & (at(next, "w") | at(next, "a"))) | (at(here, "t") & at(next, "o"))
                | ((at(here, "s") | at(here, "k")) & at(next, "e")) | (at(here, "c") & at(next, "r"))
            if pairs != 0 { break }
            position += 8
        }
        while position < end {
            let folded = position.pointee | 0x20
            if credentialWordStarts.contains(folded) {
                switch folded {
                case UInt8(ascii: "p"):  // pas, pat, pw
                    if at(position + 1, "w") || (at(position + 1, "a") && (at(position + 2, "s") || at(position + 2, "t"))) { return true }
                case UInt8(ascii: "t"):  // tok
                    if at(position + 1, "o") && at(position + 2, "k") { return true }
                case UInt8(ascii: "s"):  // sec
                    if at(position + 1, "e") && at(position + 2, "c") { return true }
                case UInt8(ascii: "k"):  // key
                    if at(position + 1, "e") && at(position + 2, "y") { return true }
                default:  // cred
                    if at(position + 1, "r") && at(position + 2, "e") && at(position + 3, "d") { return true }
                }
            }
            position += 1
        }
        return false
    }

    /// ASCII case folded in eight bytes at once (`byte | 0x20`, as ``mayHoldCredentialWord(_:)`` compares).
    private static let foldWord: UInt64 = 0x2020_2020_2020_2020

    /// The high bit of each byte of `word` that is zero, and of no other (exact: no borrow crosses bytes).
    @inline(__always)
    private static func zeroBytes(_ word: UInt64) -> UInt64 {
        ~(((word & 0x7F7F_7F7F_7F7F_7F7F) &+ 0x7F7F_7F7F_7F7F_7F7F) | word) & 0x8080_8080_8080_8080
    }

    /// The first letters (folded) of the words ``mayHoldCredentialWord(_:)`` looks for.
    private static let credentialWordStarts = ByteSet("ptskc".utf8)

    /// Whether `byte` is an ASCII upper-case letter.
    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    /// Whether `byte` is an ASCII lower-case letter.
    static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    /// Whether `byte` is an ASCII digit.
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    /// Whether `byte` is an ASCII letter or digit (the scrubber's word boundary for provider tokens).
    static func isAlphanumeric(_ byte: UInt8) -> Bool { isUpper(byte) || isLower(byte) || isDigit(byte) }

    /// Member names whose values are label values (`metadata.labels`, selectors): never replaced for their
    /// key's sake, since invariants and selectors read them (their values are still scrubbed as text).
    public static let labelMaps: Set<String> = ["labels", "matchLabels", "selector", "nodeSelector"]

    /// Whether `key` is one of ``labelMaps`` (compared without hashing: this runs for every member of every object).
    @inline(__always)
    public static func isLabelMap(_ key: String) -> Bool {
        switch key.utf8.count {
        case 6: key == "labels"
        case 8: key == "selector"
        case 11: key == "matchLabels"
        case 12: key == "nodeSelector"
        default: false
        }
    }

    // MARK: - Value shapes

    /// A provider token recognised by its prefix and alphabet.
    public struct TokenShape: Sendable {
        /// The marker kind (`github-token`).
        public var kind: Redactor.Kind
        /// The literal prefix (`ghp_`), compared exactly.
        public var prefix: [UInt8]
        /// Whether a byte may follow the prefix.
        public var allowed: @Sendable (UInt8) -> Bool
        /// The fewest bytes after the prefix.
        public var minimumLength: Int
        /// The most bytes after the prefix (a longer run is not this shape).
        public var maximumLength: Int
    }

    /// The provider token shapes, tried wherever a string has a byte that is not a letter or digit (or its start)
    /// before the prefix.
    public static let tokenShapes: [TokenShape] = {
        let alphanumeric: @Sendable (UInt8) -> Bool = { isAlphanumeric($0) }
        let word: @Sendable (UInt8) -> Bool = { isAlphanumeric($0) || $0 == UInt8(ascii: "_") }
        let dashed: @Sendable (UInt8) -> Bool = { isAlphanumeric($0) || $0 == UInt8(ascii: "_") || $0 == UInt8(ascii: "-") }
        let upperOrDigit: @Sendable (UInt8) -> Bool = { isUpper($0) || ($0 >= 0x30 && $0 <= 0x39) }
        var shapes: [TokenShape] = []
        for prefix in ["ghp_", "gho_", "ghu_", "ghs_", "ghr_"] {
            shapes.append(TokenShape(kind: .githubToken, prefix: Array(prefix.utf8), allowed: alphanumeric, minimumLength: 20, maximumLength: 255))
        }
        shapes.append(TokenShape(kind: .githubToken, prefix: Array("github_pat_".utf8), allowed: word, minimumLength: 22, maximumLength: 255))
        for prefix in ["glpat-", "gldt-", "glrt-", "glptt-"] {
            shapes.append(TokenShape(kind: .gitlabToken, prefix: Array(prefix.utf8), allowed: dashed, minimumLength: 10, maximumLength: 255))
        }
        for prefix in ["xoxb-", "xoxp-", "xoxa-", "xoxr-", "xoxs-"] {
            shapes.append(TokenShape(kind: .slackToken, prefix: Array(prefix.utf8), allowed: dashed, minimumLength: 10, maximumLength: 255))
        }
        for prefix in ["AKIA", "ASIA"] {
            shapes.append(TokenShape(kind: .awsAccessKey, prefix: Array(prefix.utf8), allowed: upperOrDigit, minimumLength: 16, maximumLength: 16))
        }
        return shapes
    }()

    /// First bytes of ``tokenShapes`` prefixes (the scrubber looks closer only there).
    static let tokenFirstBytes: Set<UInt8> = Set(tokenShapes.map { $0.prefix[0] })

    // MARK: - The catalog

    /// One documented rule: what it recognises, an example, and the marker the example leaves.
    public struct Rule: Sendable {
        /// The shape, as the documentation names it.
        public var shape: String
        /// An example input (a string, or for object rules a compact JSON object).
        public var example: String
        /// The marker kind the example's credential becomes (`[REDACTED <kind>]`).
        public var kind: String
        /// Whether the rule applies to objects (``Redaction``) rather than to every string (``Redactor``).
        public var objectRule: Bool
    }

    /// Every rule, in the order `docs/evidence-schema.md` lists them. Each example is redacted by the rule set
    /// (a test checks it), and the credential part of each example starts with `s3cr3t`, `ghp_`, … so the test
    /// can see it gone.
    public static let catalog: [Rule] = [
        Rule(shape: "Secret `data`/`stringData` values", example: #"{"kind":"Secret","data":{"k":"czNjcjN0"}}"#, kind: "secret-value", objectRule: true),
        Rule(shape: "`last-applied-configuration` (any object) and any string that is a JSON document", example: #"{"kind":"ConfigMap","metadata":{"annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Secret\",\"data\":{\"k\":\"czNjcjN0\"}}"}}}"#, kind: "secret-value", objectRule: true),
        Rule(shape: "a YAML Secret manifest inside a string", example: #"{"kind":"ConfigMap","data":{"s.yaml":"kind: Secret\ndata:\n  k: czNjcjN0\n"}}"#, kind: "embedded-secret", objectRule: true),
        Rule(shape: "string member named like a credential", example: #"{"kind":"ConfigMap","data":{"GITHUB_TOKEN":"s3cr3t"}}"#, kind: "credential", objectRule: true),
        Rule(shape: "environment variable named like a credential", example: #"{"kind":"Pod","spec":{"containers":[{"env":[{"name":"DB_PASS","value":"s3cr3t"}]}]}}"#, kind: "credential", objectRule: true),
        Rule(shape: "argument after a credential flag", example: #"{"kind":"Pod","spec":{"containers":[{"args":["--token","s3cr3t"]}]}}"#, kind: "credential", objectRule: true),
        Rule(shape: "`name=value` / `name: value` with a credential name", example: "db.password=s3cr3t", kind: "credential", objectRule: false),
        Rule(shape: "credential flag", example: "--db-password=s3cr3t --token s3cr3t", kind: "credential", objectRule: false),
        Rule(shape: "PEM private key (any `… PRIVATE KEY …` label, also base64-wrapped)", example: "-----BEGIN OPENSSH PRIVATE KEY-----\ns3cr3t\n-----END OPENSSH PRIVATE KEY-----", kind: "private-key", objectRule: false),
        Rule(shape: "`Bearer` / `Basic` credentials", example: "Authorization: Bearer s3cr3t0123456789", kind: "bearer", objectRule: false),
        Rule(shape: "JSON Web Token", example: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJzM2NyM3QifQ.s3cr3tsignature", kind: "jwt", objectRule: false),
        Rule(shape: "URL password", example: "postgres://mlflow:s3cr3t@db:5432/mlflow", kind: "url-password", objectRule: false),
        Rule(shape: "GitHub token (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`)", example: "ghp_0123456789abcdefghijklmnopqrstuvwxyz", kind: "github-token", objectRule: false),
        Rule(shape: "GitLab token (`glpat-`, `gldt-`, `glrt-`, `glptt-`)", example: "glpat-0123456789abcdefghij", kind: "gitlab-token", objectRule: false),
        Rule(shape: "Slack token (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`)", example: "xoxb-123456789012-s3cr3t0123", kind: "slack-token", objectRule: false),
        Rule(shape: "AWS access key id (`AKIA…`, `ASIA…`)", example: "AKIAIOSFODNN7EXAMPLE", kind: "aws-access-key", objectRule: false),
    ]
}
