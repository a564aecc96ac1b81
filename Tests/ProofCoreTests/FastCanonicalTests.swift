import Foundation
@testable import ProofCore
import Testing

/// ``Redaction/canonicalIfUnchanged(_:apiVersion:kind:)`` against the slow path it stands in for: whenever it
/// answers, its bytes are exactly `normalize(typed(parse(item))).canonicalData`, so every digest stays what it was.
@Suite("Canonical JSON straight from a list item's bytes")
struct FastCanonicalTests {
    static let redaction = Redaction(salt: Array(repeating: 7, count: 32))

    /// The slow path: parse, type as the list's items are typed, normalise, encode.
    static func slow(_ bytes: [UInt8], apiVersion: String = "v1", kind: String = "Pod") throws -> [UInt8] {
        var object = try JSON(parsing: bytes)
        if case .object(var members) = object, members["kind"] == nil || members["apiVersion"] == nil {
            members["apiVersion"] = .string(apiVersion)
            members["kind"] = .string(kind)
            object = .object(members)
        }
        return redaction.normalize(object).canonicalData
    }

    static func fast(_ bytes: [UInt8], apiVersion: String = "v1", kind: String = "Pod") -> [UInt8]? {
        bytes.withUnsafeBufferPointer { redaction.canonicalIfUnchanged($0, apiVersion: apiVersion, kind: kind) }
    }

    /// A pod as an API server lists it (no `kind`/`apiVersion`, managedFields with escaped keys, members not in
    /// canonical order).
    static let pod = #"""
        {"metadata":{"name":"web-7d9f-abcde","generateName":"web-7d9f-","namespace":"fastapi-dev","uid":"5f0c9a2e-1111-4c1e-9a55-0123456789ab","resourceVersion":"48213","creationTimestamp":"2026-12-06T01:02:03Z","labels":{"app":"web","pod-template-hash":"7d9f"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9f","uid":"aa","controller":true,"blockOwnerDeletion":true}],"managedFields":[{"manager":"kube-controller-manager","operation":"Update","apiVersion":"v1","time":"2026-12-06T01:02:03Z","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:status":{"f:conditions":{"k:{\"type\":\"Ready\"}":{".":{},"f:status":{}}}}}}]},
         "spec":{"containers":[{"name":"web","image":"ghcr.io/example/mlp-fastapi:1.0.0","args":["--port","8080","--log-level=info"],"env":[{"name":"MODEL_NAME","value":"resnet"},{"name":"DB_PASSWORD","valueFrom":{"secretKeyRef":{"name":"db","key":"password"}}}],"resources":{"limits":{"cpu":"500m","memory":"256Mi"}},"ports":[{"containerPort":8080,"protocol":"TCP"}]}],"nodeName":"proof-sim-worker","restartPolicy":"Always","terminationGracePeriodSeconds":30},
         "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True","lastTransitionTime":"2026-12-06T01:02:05Z"}],"podIP":"10.244.1.7","startTime":"2026-12-06T01:02:03Z","containerStatuses":[{"name":"web","ready":true,"restartCount":0,"state":{"running":{"startedAt":"2026-12-06T01:02:04Z"}}}]}}
        """#

    @Test("a listed pod: the same bytes as the slow path, managedFields dropped, typed, members in canonical order")
    func listedPod() throws {
        let bytes = Array(Self.pod.utf8)
        let fast = try #require(Self.fast(bytes), "a plain pod takes the fast path")
        #expect(fast == (try Self.slow(bytes)))
        let text = String(decoding: fast, as: UTF8.self)
        #expect(text.hasPrefix(#"{"apiVersion":"v1","kind":"Pod","metadata":{"creationTimestamp""#))
        #expect(!text.contains("managedFields"))
        // With its own kind and apiVersion it is not re-typed.
        let typed = Array((#"{"kind":"Pod","apiVersion":"v1","# + Self.pod.dropFirst(1)).utf8)
        #expect(Self.fast(typed, apiVersion: "x/v9", kind: "Other") == (try Self.slow(typed, apiVersion: "x/v9", kind: "Other")))
        #expect(Self.fast(typed, apiVersion: "x/v9", kind: "Other") == fast)
    }

    @Test("typed from a listed type whose names need escaping or are not ASCII: the slow path's bytes", arguments: [
        ("example.com/v1", "Widget"), ("example.com/v1", #"Wid"get"#), (#"ex\ample/v1"#, "Widget"), ("example.com/v1", "Wídget"),
        ("example.com/v1", "Wid\tget"), ("", ""),
    ])
    func typedWithAwkwardNames(apiVersion: String, kind: String) throws {
        let bytes = Array(#"{"metadata":{"name":"w","namespace":"n","uid":"u","resourceVersion":"1"},"spec":{"size":3}}"#.utf8)
        let fast = try #require(Self.fast(bytes, apiVersion: apiVersion, kind: kind))
        #expect(fast == (try Self.slow(bytes, apiVersion: apiVersion, kind: kind)))
    }

    @Test("an object applied with kubectl: its last-applied-configuration document is kept, from bytes")
    func lastApplied() throws {
        let text = #"{"metadata":{"name":"web","namespace":"fastapi-dev","uid":"u","resourceVersion":"3","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":{\"annotations\":{},\"name\":\"web\"},\"spec\":{\"replicas\":2,\"template\":{\"spec\":{\"containers\":[{\"args\":[\"--port\",\"8080\"],\"name\":\"web\"}]}}}}\n"}},"spec":{"replicas":2}}"#
        let bytes = Array(text.utf8)
        let fast = try #require(Self.fast(bytes, apiVersion: "apps/v1", kind: "Deployment"))
        #expect(fast == (try Self.slow(bytes, apiVersion: "apps/v1", kind: "Deployment")))
    }

    @Test("what a rule may change goes the slow way", arguments: [
        #"{"kind":"Secret","apiVersion":"v1","metadata":{"name":"s"},"data":{"a":"YQ=="}}"#,
        #"{"metadata":{"name":"a"},"spec":{"env":[{"name":"DB_PASSWORD","value":"hunter2"}]}}"#,
        #"{"metadata":{"name":"a"},"spec":{"password":"hunter2"}}"#,
        #"{"metadata":{"name":"a"},"spec":{"args":["--token","abc"]}}"#,
        #"{"metadata":{"name":"a"},"data":{"k":"-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----"}}"#,
        #"{"metadata":{"name":"a","annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"kind\":\"Pod\",\"spec\":{\"password\":\"x\"}}\n"}}}"#,
        #"{"metadata":{"name":"a"},"data":{"x":"kind: Secret\ndata:\n  a: b"}}"#,
        #"{"metadata":{"name":"a"},"spec":{"ratio":0.5}}"#,
        #"{"metadata":{"name":"a"},"spec":{"n":-0}}"#,
        #"{"metadata":{"name":"a"},"spec":{"n":12345678901234567890}}"#,
        #"{"metadata":{"name":"a\u00e9"}}"#,
        #"{"metadata":{"name":"a\/b"}}"#,
        #"{"metadata":{"name":"é"}}"#,
        #"{"metadata":{"name":"a","name":"b"}}"#,
        #"{"kind":"Pod","metadata":{"name":"a"}}"#,
        #"{"kind":7,"apiVersion":"v1","metadata":{"name":"a"}}"#,
        #"[1]"#,
    ])
    func slowCases(_ text: String) throws {
        let bytes = Array(text.utf8)
        #expect(Self.fast(bytes) == nil, "\(text)")
        if text.hasPrefix("{") { _ = try Self.slow(bytes) }
        #expect(Self.fast(bytes, kind: "Secret") == nil)
    }

    @Test("an item listed as Secrets never takes the fast path")
    func listedSecrets() {
        #expect(Self.fast(Array(#"{"metadata":{"name":"s"},"type":"Opaque"}"#.utf8), kind: "Secret") == nil)
        #expect(Self.fast(Array(#"{"metadata":{"name":"s"},"type":"Opaque"}"#.utf8), kind: "ConfigMap") != nil)
    }

    /// Kubernetes-flavoured objects with every shape a rule reacts to, in random order and spacing: whenever the
    /// fast path answers, it answers the slow path's bytes, and it answers for a good share of them.
    @Test("generated objects: the fast path answers the slow path's bytes or nothing")
    func generated() throws {
        var generator = KubeObjectGenerator(random: SplitMix64(seed: 1206))
        var answered = 0
        let total = 6_000
        for _ in 0..<total {
            let bytes = Array(generator.item().utf8)
            let slow: [UInt8]
            do {
                slow = try Self.slow(bytes)
            } catch {
                Issue.record("\(error): \(String(decoding: bytes, as: UTF8.self))")
                return
            }
            if let fast = Self.fast(bytes) {
                answered += 1
                // The version read on the way is the one the typed, decoded item holds.
                let typed = try JSON(parsing: slow)
                var expected: ObjectVersion?
                if let identity = ObjectIdentity(object: typed), let uid = typed[path: ["metadata", "uid"]]?.stringValue, !uid.isEmpty,
                    let resourceVersion = typed[path: ["metadata", "resourceVersion"]]?.stringValue, !resourceVersion.isEmpty
                {
                    expected = ObjectVersion(identity: identity, uid: uid, resourceVersion: resourceVersion)
                }
                let read = bytes.withUnsafeBufferPointer { Self.redaction.canonicalVersionIfUnchanged($0, apiVersion: "v1", kind: "Pod") }
                #expect(read?.version == expected && (read == nil || read?.body == fast), "\(String(decoding: bytes, as: UTF8.self))")
                #expect(fast == slow, "\(String(decoding: bytes, as: UTF8.self))\nfast: \(String(decoding: fast, as: UTF8.self))\nslow: \(String(decoding: slow, as: UTF8.self))")
            }
        }
        #expect(answered * 5 > total, "the fast path answered \(answered) of \(total)")
        #expect(answered * 5 < total * 4, "the generator reaches the slow path too (\(total - answered) of \(total))")
    }
}

/// Random list items made of Kubernetes-like members, mostly harmless, sometimes holding what redaction or
/// typing changes.
struct KubeObjectGenerator {
    var random: SplitMix64

    mutating func pick<T>(_ choices: [T]) -> T { choices.randomElement(using: &random)! }
    mutating func chance(_ n: Int) -> Bool { Int.random(in: 0..<n, using: &random) == 0 }

    mutating func space() -> String { chance(4) ? pick([" ", "\n  ", "\t"]) : "" }

    mutating func string() -> String {
        if chance(30) {
            return pick([
                #""--token""#, #""-p""#, #""--password=x""#, #""ghp_0123456789abcdefghijklmnopqrstuvwxyzAB""#,
                #""-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----""#, #""{\"kind\":\"Secret\"}""#, #""[1,2]""#,
                #""  {\"a\":1}""#, #""kind: Secret""#, #""[REDACTED credential hmac-sha256:x:y]""#, #""a\u0041""#, #""a\/b""#,
                #""é""#, #""Bearer abcdefghijklmnopqrstuvwxyz0123456789""#, #""postgres://u:pw@db:5432/x""#,
                #""eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.abcdefghijklmnop""#,
            ])
        }
        if chance(8) {
            // A document in a string, as last-applied-configuration holds one; some are changed by normalising.
            return pick([
                #""{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":{\"name\":\"x\",\"annotations\":{}},\"data\":{\"a\":\"b\"}}\n""#,
                #"" {\"spec\":{\"replicas\":2,\"args\":[\"--port\",\"80\"]}}""#, #""[1,\"x\",{\"a\":null}]""#,
                #""{\"data\":{\"password\":\"hunter2\"}}""#, #""{\"metadata\":{\"managedFields\":[]}}""#,
                #""{\"kind\":\"Pod\",\"metadata\":{\"name\":\"p\",\"managedFields\":[{\"manager\":\"m\"}]}}""#,
                #""{\"kind\":\"Secret\",\"data\":{}}""#, #""{\"a\":\"\\u0041\"}""#, #""{\"a\":\"{\\\"b\\\":1}\"}""#,
                #""{\"a\":\"{\\\"token\\\":\\\"x\\\"}\"}""#, #""{\"a\":1.5}""#, #""{\"env\":[{\"name\":\"API_TOKEN\",\"value\":\"x\"}]}""#,
                #""{\"type\":\"ADDED\",\"object\":{\"kind\":\"Pod\"}}""#, #""{not json""#, #""{\"a\":1} trailing""#,
            ])
        }
        let pieces = ["web", "a", "-", "Running", "10.0.0.1", "\\n", "\\\"", "\\\\", "\\t", " ", "2026-12-06T01:02:03Z", "x", "web", "a", "--"]
        return "\"" + (0..<Int.random(in: 0...4, using: &random)).map { _ in pick(pieces) }.joined() + "\""
    }

    mutating func name() -> String {
        if chance(6) {
            return pick(["password", "token", "apiKey", "managedFields", "kind", "apiVersion", "client_key_data", "DB_PASS"])
        }
        return pick([
            "name", "value", "image", "args", "env", "labels", "selector", "secretName", "tokenFile", "data", "spec", "status",
            "a", "b", "z", "A", "items", "phase", "metadata", "f:a", "k:{\\\"type\\\":\\\"Ready\\\"}",
        ])
    }

    mutating func number() -> String {
        chance(4) ? pick(["1234567890123456789", "1.5", "1e3", "-0", "2.0"]) : pick(["0", "7", "-3", "8080", "123456789012345678", "10", "-12"])
    }

    mutating func value(depth: Int) -> String {
        switch Int.random(in: 0..<(depth > 4 ? 4 : 8), using: &random) {
        case 0, 1: return string()
        case 2: return number()
        case 3: return pick(["true", "false", "null"])
        case 4, 5: return object(depth: depth + 1)
        case 6:
            // An environment variable, sometimes named like a credential.
            let variable = pick(["MODEL", "DB_PASSWORD", "API_TOKEN", "HOME", "SECRET_NAME"])
            return #"{"name":"\#(variable)","value":\#(string())}"#
        default:
            let count = Int.random(in: 0...4, using: &random)
            return "[" + (0..<count).map { _ in space() + value(depth: depth + 1) + space() }.joined(separator: ",") + "]"
        }
    }

    mutating func object(depth: Int) -> String {
        var members = (0..<Int.random(in: 0...4, using: &random)).map { _ in space() + "\"\(name())\"" + space() + ":" + space() + value(depth: depth + 1) }
        if let first = members.first, chance(20) { members.append(first) }
        return "{" + members.joined(separator: ",") + space() + "}"
    }

    /// One item: usually `metadata` (sometimes with managedFields), sometimes `kind`/`apiVersion`, and a few
    /// other members.
    mutating func item() -> String {
        var members: [String] = []
        var metadata = [#""name":"obj-\#(Int.random(in: 0..<100, using: &random))""#]
        if !chance(8) { metadata.append(#""uid":"u-\#(Int.random(in: 0..<9, using: &random))""#) }
        metadata.append(chance(8) ? #""resourceVersion":"""# : #""resourceVersion":"9""#)
        if chance(2) { metadata.append(#""namespace":"ns-a""#) }
        if chance(2) { metadata.append(#""managedFields":[{"manager":"m","fieldsV1":{"f:spec":{"k:{\"port\":80}":{}}},"password":"x"}]"#) }
        if chance(3) { metadata.append(chance(6) ? #""labels":{"app":"web","token":"abc"}"# : #""labels":{"app":"web","tier":"api"}"#) }
        if chance(8) { metadata.append(#""annotations":{"kubectl.kubernetes.io/last-applied-configuration":"{\"a\":1}"}"#) }
        metadata.shuffle(using: &random)
        members.append(#""metadata":{"# + metadata.joined(separator: ",") + "}")
        // Both or neither, as a server sends them; now and then one alone, a Secret or a number.
        let typed = chance(3)
        if typed != chance(10) { members.append(#""kind":"# + (chance(8) ? pick([#""Secret""#, "3"]) : pick([#""Pod""#, #""ConfigMap""#]))) }
        if typed { members.append(#""apiVersion":"# + pick([#""v1""#, #""apps/v1""#])) }
        for _ in 0..<Int.random(in: 0...4, using: &random) { members.append("\"\(name())\":" + value(depth: 1)) }
        members.shuffle(using: &random)
        return space() + "{" + members.joined(separator: "," + space()) + "}" + space()
    }
}

/// The first test of a credential name, dispatched on the first byte, against the loop over fragments it replaced.
@Suite("Credential-word pre-check")
struct CredentialWordPrecheckTests {
    static func reference(_ bytes: [UInt8]) -> Bool {
        let fragments = ["pas", "pw", "tok", "sec", "key", "pat", "cred"].map { Array($0.utf8) }
        for index in bytes.indices {
            for fragment in fragments where index + fragment.count <= bytes.count {
                if (0..<fragment.count).allSatisfy({ bytes[index + $0] | 0x20 == fragment[$0] }) { return true }
            }
        }
        return false
    }

    @Test("random names over letters that start and miss the fragments: the same answer as the reference")
    func matchesReference() {
        var random = SplitMix64(seed: 77)
        let alphabet = Array("pPaAsStTwWoOkKeEcCyYrRdD_-0xP@`{".utf8)
        var positives = 0
        for _ in 0..<20_000 {
            // Up to 40 bytes: names of nine or more are passed over eight bytes at a time where they can be.
            let name = (0..<Int(random.next() % 41)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
            let expected = Self.reference(name)
            // The name inside other bytes too, as the scrubber passes it: only the slice counts.
            let padded = Array("tok".utf8) + name + Array("pas".utf8)
            let actual = name.withUnsafeBufferPointer { RedactionRules.mayHoldCredentialWord($0[...]) }
            let inside = padded.withUnsafeBufferPointer { RedactionRules.mayHoldCredentialWord($0[3..<(3 + name.count)]) }
            #expect(actual == expected, "\(String(decoding: name, as: UTF8.self))")
            #expect(inside == expected, "\(String(decoding: name, as: UTF8.self)) in \(String(decoding: padded, as: UTF8.self))")
            if expected { positives += 1 }
        }
        #expect(positives > 300, "\(positives) of 20,000 hold a fragment")
        // Long names with one fragment at every place, and with none.
        for length in 9...40 {
            let filler = Array(repeating: UInt8(ascii: "x"), count: length)
            #expect(!RedactionRules.isCredentialName(String(decoding: filler, as: UTF8.self)))
            for fragment in ["pas", "pw", "tok", "sec", "key", "pat", "cred", "PAS", "Cred"] {
                for place in 0...(length - fragment.utf8.count) {
                    var name = filler
                    name.replaceSubrange(place..<(place + fragment.utf8.count), with: Array(fragment.utf8))
                    #expect(name.withUnsafeBufferPointer { RedactionRules.mayHoldCredentialWord($0[...]) }, "\(String(decoding: name, as: UTF8.self))")
                }
            }
        }
    }
}

/// The redactor passes over an `e`, `b`, `-` or `:` whose neighbours rule out every match; these tests hold that
/// to trying each of them in full.
@Suite("Redactor shortcuts")
struct RedactorShortcutTests {
    /// Pieces of credentials and of the text around them, so that generated strings put every shortcut's byte
    /// next to what would and would not make a match.
    static let pieces = [
        "e", "ey", "eyJ", "eyJhbGciOi", ".", "b", "B", "be", "Bearer", "basic", "BASIC", " ", "\t", "-", "--", "-----BEGIN ",
        "PRIVATE KEY", "-----", "-----END ", ":", "://", "@", "/", "=", "==", "\"", "'", "\\", "password", "token", "db.",
        "x", "9", "\n", "{", ",", "ghp_", "AKIA", "LS0tLS1CRUdJTi", "abcdefgh12345678", "12:30", "a-b",
        "password: hunter22", "\"token\":\"abc\"", "Bearer abcdefghij", "eyJhbGciOi.eyJzdWIiOi.c2lnbmF0dXJl",
        "https://u:pw@h", "--token s3cr3t", "key=v",
    ]

    @Test("generated strings: scrubbing with the shortcuts gives what trying every byte gives")
    func shortcutsChangeNothing() {
        var random = SplitMix64(seed: 2026)
        let redactor = Redactor(digester: { "d\($0.count)" })
        var scrubbed = 0
        for _ in 0..<30_000 {
            let text = (0..<Int(1 + random.next() % 12)).map { _ in Self.pieces[Int(random.next() % UInt64(Self.pieces.count))] }.joined()
            let full = redactor.scrubIfNeeded(text, shortcuts: false)
            #expect(redactor.scrubIfNeeded(text, shortcuts: true) == full, "\(text)")
            var bytes = Array(text.utf8)
            let would = bytes.withUnsafeMutableBufferPointer { redactor.wouldScrub(UnsafeBufferPointer($0)) }
            let wouldOrSecret = bytes.withUnsafeMutableBufferPointer { redactor.wouldScrub(UnsafeBufferPointer($0), orHold: "ey") }
            #expect(would == (full != nil), "\(text)")
            #expect(wouldOrSecret == (full != nil || text.contains("ey")), "\(text)")
            if full != nil { scrubbed += 1 }
        }
        #expect(scrubbed > 5_000 && scrubbed < 25_000, "\(scrubbed) of 30,000 hold a credential")
    }
}
