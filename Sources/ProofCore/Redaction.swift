import Crypto
import Foundation

/// The normalisation every Kubernetes object goes through before it is hashed and kept as evidence.
///
/// - `metadata.managedFields` is dropped (server bookkeeping, large, never evidence of anything).
/// - For a core `Secret` (`apiVersion: v1`, `kind: Secret`; and every item of a `SecretList`), each value of
///   `data` and `stringData` is replaced by a marker `[REDACTED secret-value hmac-sha256:<salt id>:<hex>]`: the
///   keys stay, and the value becomes HMAC-SHA-256 keyed with the store's salt over the value's bytes (the
///   base64-decoded bytes for `data`, the UTF-8 bytes for `stringData`, so one value digests the same in both).
///   Within one store "changed / unchanged" therefore stays provable; the value itself is not kept.
/// - The `kubectl.kubernetes.io/last-applied-configuration` annotation of a Secret is parsed and redacted the
///   same way (and re-encoded canonically); when it does not parse it is replaced wholly by a marker.
/// - Every string of every object goes through the rules of ``RedactionRules`` (see `docs/evidence-schema.md`):
///   - a string that is itself a JSON document (the `last-applied-configuration` annotation of **any** object,
///     a manifest kept in an annotation or a ConfigMap) is parsed, normalised as a document (a Secret in it as a
///     Secret) and re-encoded canonically when anything in it was redacted; a string holding a YAML Secret
///     manifest with values is replaced wholly by an `embedded-secret` marker;
///   - any other string goes through a ``Redactor`` (private keys, bearer tokens, JWTs, provider tokens, URL
///     passwords, `password=`-style assignments and credential flags);
///   - a string member named like a credential (``RedactionRules/isCredentialName(_:)``: `password`,
///     `clientSecret`, a ConfigMap key `GITHUB_TOKEN`) is replaced by a salted marker, except inside label maps
///     (``RedactionRules/labelMaps``), as is the `value` of an environment variable (`{name, value}`) whose name
///     is a credential's (`MINIO_ROOT_PASSWORD`, `DB_PASS`; not `…_FILE` or `…_NAME`), and the element after a
///     credential flag in an argument list (`["--token", "…"]`).
///
/// Normalisation is idempotent (markers are recognised and kept), so replayed evidence normalises to itself.
/// The salt is not a secret from whoever holds the store (it is kept in it): it defeats precomputed tables and
/// correlation across stores, not a brute-force guess of a weak value by someone holding the file.
public struct Redaction: Sendable {
    /// The salt, 32 random bytes per evidence store.
    public let salt: [UInt8]
    /// A short public name of the salt (16 hex digits), written into every marker so that markers from two
    /// stores are never compared as if they were comparable.
    public let saltID: String
    /// The string scrubber, with markers digested under this salt.
    public let redactor: Redactor

    /// The annotation `kubectl apply` keeps the last applied manifest in.
    public static let lastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration"

    /// A normaliser with the given salt.
    public init(salt: [UInt8]) {
        self.salt = salt
        let saltID = String(Digest.sha256Hex(Array("proof.gitops/salt-id\n".utf8) + salt).prefix(16))
        self.saltID = saltID
        let key = salt
        self.redactor = Redactor(digester: { bytes in
            "hmac-sha256:\(saltID):\(Redaction.hmacHex(bytes, key: key))"
        })
    }

    /// 32 bytes from the system's cryptographic random source.
    public static func generateSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }

    /// Lowercase hex HMAC-SHA-256 of `bytes` under `key`.
    public static func hmacHex(_ bytes: [UInt8], key: [UInt8]) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: bytes, using: SymmetricKey(data: key))
        return Digest.hex(Array(code))
    }

    /// The marker that stands for a redacted value: `[REDACTED <kind> hmac-sha256:<salt id>:<hex>]`.
    public func marker(kind: String, value: [UInt8]) -> String {
        "\(Redactor.markerPrefix)\(kind) hmac-sha256:\(saltID):\(Self.hmacHex(value, key: salt))]"
    }

    /// Whether `text` is a redaction marker.
    public static func isMarker(_ text: String) -> Bool {
        text.hasPrefix(Redactor.markerPrefix) && text.hasSuffix("]")
    }

    /// Whether `object` is a core Secret.
    public static func isSecret(_ object: JSON) -> Bool {
        guard object["kind"]?.stringValue == "Secret" else { return false }
        let apiVersion = object["apiVersion"]?.stringValue ?? "v1"
        return apiVersion == "v1"
    }

    // MARK: - Objects

    /// One Kubernetes object, normalised and redacted (see the type's documentation).
    public func normalize(_ object: JSON) -> JSON {
        normalize(object, treatAsSecret: Self.isSecret(object))
    }

    /// Any document the harness may keep: one object, a list (`items`, with `SecretList` items treated as
    /// Secrets even though list items carry no `kind`), a watch event (`{"type","object"}`), an array of those,
    /// or anything else (whose strings are scrubbed).
    public func normalizeDocument(_ document: JSON) -> JSON {
        switch document {
        case .array(let items):
            return .array(items.map(normalizeDocument))
        case .object(var members):
            if let kind = members["kind"]?.stringValue {
                if kind.hasSuffix("List"), case .array(let items)? = members["items"] {
                    let secrets = kind == "SecretList" && (members["apiVersion"]?.stringValue ?? "v1") == "v1"
                    members["items"] = .array(items.map { item in
                        normalize(item, treatAsSecret: secrets || Self.isSecret(item))
                    })
                    members["metadata"] = members["metadata"].map { scrubbed($0) ?? $0 }
                    return .object(members)
                }
                return normalize(document)
            }
            if members["type"]?.stringValue != nil, let object = members["object"] {
                members["object"] = normalize(object)
                return .object(members)
            }
            return scrubbed(document) ?? document
        default:
            return scrubbed(document) ?? document
        }
    }

    private func normalize(_ object: JSON, treatAsSecret: Bool) -> JSON {
        guard case .object(var members) = object else { return scrubbed(object) ?? object }
        if case .object(var metadata)? = members["metadata"] {
            var changed = metadata.removeValue(forKey: "managedFields") != nil
            if treatAsSecret, case .object(var annotations)? = metadata["annotations"],
                let lastApplied = annotations[Self.lastAppliedAnnotation]?.stringValue, !Self.isMarker(lastApplied)
            {
                annotations[Self.lastAppliedAnnotation] = .string(redactLastApplied(lastApplied))
                metadata["annotations"] = .object(annotations)
                changed = true
            }
            if changed { members["metadata"] = .object(metadata) }
        }
        if treatAsSecret {
            redactSecretValues(&members)
        }
        let result = JSON.object(members)
        return scrubbed(result) ?? result
    }

    /// Replaces the values of `data` and `stringData` by salted markers.
    private func redactSecretValues(_ members: inout [String: JSON]) {
        for field in ["data", "stringData"] {
            guard let value = members[field], !value.isNull else { continue }
            guard case .object(let entries) = value else {
                members[field] = .string(marker(kind: "secret-value", value: value.canonicalData))
                continue
            }
            var redacted: [String: JSON] = [:]
            redacted.reserveCapacity(entries.count)
            for (key, entry) in entries {
                if let text = entry.stringValue, Self.isMarker(text) {
                    redacted[key] = entry
                    continue
                }
                let bytes: [UInt8]
                if field == "data", let text = entry.stringValue, let decoded = Data(base64Encoded: text) {
                    bytes = Array(decoded)
                } else if let text = entry.stringValue {
                    bytes = Array(text.utf8)
                } else {
                    bytes = entry.canonicalData
                }
                redacted[key] = .string(marker(kind: "secret-value", value: bytes))
            }
            members[field] = .object(redacted)
        }
    }

    private func redactLastApplied(_ text: String) -> String {
        guard let parsed = try? JSON(parsing: text), case .object = parsed else {
            return marker(kind: "last-applied-configuration", value: Array(text.utf8))
        }
        return normalize(parsed, treatAsSecret: true).canonicalString
    }

    // MARK: - Strings

    /// Whether `text` is a command-line flag without its value that names a credential (`--token`, `-password`;
    /// not `--token=…`, which the ``Redactor`` handles, nor `--token-file`).
    static func isCredentialFlag(_ text: String) -> Bool {
        guard text.hasPrefix("-"), text.utf8.count <= 128, !text.utf8.contains(UInt8(ascii: "=")) else { return false }
        let name = text.drop { $0 == "-" }
        guard name.utf8.count >= 2, name.utf8.allSatisfy({ RedactionRules.isAlphanumeric($0) || $0 == 0x2D || $0 == 0x5F || $0 == 0x2E })
        else { return false }
        return RedactionRules.isCredentialName(String(name))
    }

    private static let kindWord = Array("kind:".utf8)
    private static let secretWord = Array("Secret".utf8)

    /// Whether `text` has a line `kind: Secret` (also quoted): one pass over the bytes, no copy (this runs for
    /// every string of every object).
    static func saysKindSecret(_ text: String) -> Bool {
        var copy = text
        return copy.withUTF8 { bytes in
            guard bytes.count >= 12 else { return false }
            var index = 0
            while index + kindWord.count <= bytes.count {
                guard bytes[index] == UInt8(ascii: "k"), bytes[index..<(index + kindWord.count)].elementsEqual(kindWord) else {
                    index += 1
                    continue
                }
                var position = index + kindWord.count
                while position < bytes.count, bytes[position] == 0x20 || bytes[position] == 0x22 || bytes[position] == 0x27 { position += 1 }
                if position + secretWord.count <= bytes.count, bytes[position..<(position + secretWord.count)].elementsEqual(secretWord) {
                    let end = position + secretWord.count
                    if end == bytes.count || [0x0A, 0x0D, 0x20, 0x22, 0x27].contains(bytes[end]) { return true }
                }
                index += 1
            }
            return false
        }
    }

    /// A string that is itself a document: a JSON object or array is normalised as a document (``normalizeDocument(_:)``)
    /// and re-encoded canonically only if that changed anything; a YAML text holding a Secret manifest with values
    /// (or one that says `kind: Secret` but cannot be read) is replaced whole. `.none` when `text` is no document.
    private func embeddedDocument(_ text: String) -> String?? {
        guard let first = text.utf8.first(where: { $0 != 0x20 && $0 != 0x0A && $0 != 0x0D && $0 != 0x09 }) else { return .none }
        if first == UInt8(ascii: "{") || first == UInt8(ascii: "["), let parsed = try? JSON(parsing: text) {
            let normalized = normalizeDocument(parsed)
            return .some(normalized == parsed ? nil : normalized.canonicalString)
        }
        guard Self.saysKindSecret(text) else { return .none }
        guard let documents = try? YAML.decodeAll(text) else {
            return .some(marker(kind: "embedded-secret", value: Array(text.utf8)))
        }
        let holdsValues = documents.contains { document in
            Self.isSecret(document) && ["data", "stringData"].contains { field in
                guard let value = document[field] else { return false }
                if case .object(let entries) = value { return entries.values.contains { !($0.stringValue.map(Self.isMarker) ?? false) } }
                return !value.isNull
            }
        }
        return holdsValues ? .some(marker(kind: "embedded-secret", value: Array(text.utf8))) : .none
    }

    /// `value` with credentials scrubbed from every string and credential-named string members replaced by a
    /// marker; `nil` when nothing changed (so unchanged subtrees are never copied). In a label map
    /// (`labelValues`) member names are not looked at.
    private func scrubbed(_ value: JSON, labelValues: Bool = false) -> JSON? {
        switch value {
        case .string(let text):
            if let document = embeddedDocument(text) { return document.map(JSON.string) }
            return redactor.scrubIfNeeded(text).map(JSON.string)
        case .array(let items):
            var copy: [JSON]?
            var afterFlag = false
            for (index, item) in items.enumerated() {
                // `["--token", "VALUE"]`: the argument after a credential flag is the credential.
                if afterFlag, case .string(let text) = item, !text.isEmpty, !text.hasPrefix("-"), !Self.isMarker(text) {
                    if copy == nil { copy = items }
                    copy![index] = .string(marker(kind: "credential", value: Array(text.utf8)))
                    afterFlag = false
                    continue
                }
                if case .string(let text) = item { afterFlag = Self.isCredentialFlag(text) } else { afterFlag = false }
                if let replaced = scrubbed(item) {
                    if copy == nil { copy = items }
                    copy![index] = replaced
                }
            }
            return copy.map(JSON.array)
        case .object(let members):
            var copy: [String: JSON]?
            // A container environment variable named like a credential (`MINIO_ROOT_PASSWORD`, `DB_PASS`)
            // carries one in plain text in `value`.
            if !labelValues, members.count <= 3, case .string(let name)? = members["name"], case .string(let text)? = members["value"],
                !text.isEmpty, !Self.isMarker(text), RedactionRules.isCredentialName(name)
            {
                copy = members
                copy!["value"] = .string(marker(kind: "credential", value: Array(text.utf8)))
            }
            for (key, member) in members where !(copy != nil && key == "value") {
                var replaced: JSON?
                if !labelValues, case .string(let text) = member, !text.isEmpty, !Self.isMarker(text),
                    RedactionRules.isCredentialName(key)
                {
                    replaced = .string(marker(kind: "credential", value: Array(text.utf8)))
                } else {
                    replaced = scrubbed(member, labelValues: RedactionRules.isLabelMap(key))
                }
                if let replaced {
                    if copy == nil { copy = members }
                    copy![key] = replaced
                }
            }
            return copy.map(JSON.object)
        default:
            return nil
        }
    }
}
