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
/// - Every string of every object goes through a ``Redactor`` (private keys, bearer tokens, JWTs, URL
///   passwords, `password:`-style fields), and string members named like credentials (``Redactor/credentialKeys``)
///   are replaced by a salted marker, as is the `value` of an environment variable whose name says it holds a
///   credential (`MINIO_ROOT_PASSWORD`, `API_TOKEN`; not `…_FILE` or `…_PATH`).
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

    private static let credentialKeyBytes: [[UInt8]] = Redactor.credentialKeys.map { Array($0.utf8) }
    private static let credentialKeyLengths: Set<Int> = Set(Redactor.credentialKeys.map(\.utf8.count))

    private static let credentialVariableWords = ["PASSWORD", "PASSWD", "TOKEN", "SECRET", "API_KEY", "APIKEY", "ACCESS_KEY", "PRIVATE_KEY", "CREDENTIAL"]

    /// Whether an environment variable's name says it holds a credential.
    private static func isCredentialVariable(_ name: String) -> Bool {
        let upper = name.uppercased()
        return credentialVariableWords.contains { upper.contains($0) } && !upper.hasSuffix("_FILE") && !upper.hasSuffix("_PATH")
    }

    /// Whether a member name is a credential key, compared ASCII-case-insensitively without allocating
    /// (this runs for every member of every object).
    private static func isCredentialKey(_ key: String) -> Bool {
        let utf8 = key.utf8
        guard credentialKeyLengths.contains(utf8.count) else { return false }
        outer: for candidate in credentialKeyBytes where candidate.count == utf8.count {
            for (byte, expected) in zip(utf8, candidate) {
                let folded = (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte | 0x20 : byte
                if folded != expected { continue outer }
            }
            return true
        }
        return false
    }

    /// `value` with credentials scrubbed from every string and credential-named string members replaced by a
    /// marker; `nil` when nothing changed (so unchanged subtrees are never copied).
    private func scrubbed(_ value: JSON) -> JSON? {
        switch value {
        case .string(let text):
            return redactor.scrubIfNeeded(text).map(JSON.string)
        case .array(let items):
            var copy: [JSON]?
            for (index, item) in items.enumerated() {
                if let replaced = scrubbed(item) {
                    if copy == nil { copy = items }
                    copy![index] = replaced
                }
            }
            return copy.map(JSON.array)
        case .object(let members):
            var copy: [String: JSON]?
            // A container environment variable named like a credential (`MINIO_ROOT_PASSWORD`, `API_TOKEN`)
            // carries one in plain text in `value`.
            if members.count <= 3, case .string(let name)? = members["name"], case .string(let text)? = members["value"],
                !text.isEmpty, !Self.isMarker(text), Self.isCredentialVariable(name)
            {
                copy = members
                copy!["value"] = .string(marker(kind: "credential", value: Array(text.utf8)))
            }
            for (key, member) in members where !(copy != nil && key == "value") {
                var replaced: JSON?
                if case .string(let text) = member, !text.isEmpty, !Self.isMarker(text),
                    Self.isCredentialKey(key)
                {
                    replaced = .string(marker(kind: "credential", value: Array(text.utf8)))
                } else {
                    replaced = scrubbed(member)
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
