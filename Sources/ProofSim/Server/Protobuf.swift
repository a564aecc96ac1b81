import Foundation
import ProofCore

/// Just enough of Kubernetes' protobuf encoding (`application/vnd.kubernetes.protobuf`) to accept the bodies
/// kubectl's typed generators send: `kubectl create namespace|configmap|secret` here, and through
/// `ProtobufSchema` `create deployment|service|serviceaccount|job`, `expose` and `auth can-i|whoami`.
///
/// client-go forces protobuf for built-in kinds and never falls back to JSON, so without this those commands
/// could not work. Other kinds get 415 with a message pointing at `kubectl create -f`.
enum Protobuf {
    /// The kinds decoded here.
    static let supportedKinds: Set<String> = ["Namespace", "ConfigMap", "Secret"]

    private struct Reader {
        let bytes: [UInt8]
        var index = 0

        mutating func varint() throws(SimError) -> UInt64 {
            var result: UInt64 = 0
            var shift: UInt64 = 0
            while index < bytes.count {
                let byte = bytes[index]
                index += 1
                result |= UInt64(byte & 0x7f) << shift
                if byte & 0x80 == 0 { return result }
                shift += 7
                if shift > 63 { break }
            }
            throw Protobuf.malformed
        }

        /// The next field: number, wire type, and its payload (bytes for length-delimited, varint otherwise).
        mutating func field() throws(SimError) -> (number: Int, payload: [UInt8], value: UInt64)? {
            guard index < bytes.count else { return nil }
            let key = try varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: return (number, [], try varint())
            case 2:
                let length = Int(try varint())
                guard length >= 0, index + length <= bytes.count else { throw Protobuf.malformed }
                defer { index += length }
                return (number, Array(bytes[index..<index + length]), 0)
            case 1:
                guard index + 8 <= bytes.count else { throw Protobuf.malformed }
                index += 8
                return (number, [], 0)
            case 5:
                guard index + 4 <= bytes.count else { throw Protobuf.malformed }
                index += 4
                return (number, [], 0)
            default: throw Protobuf.malformed
            }
        }
    }

    static let malformed = SimError.badRequest("the protobuf request body is malformed")

    static func fields(_ bytes: [UInt8]) throws(SimError) -> [(number: Int, payload: [UInt8], value: UInt64)] {
        var reader = Reader(bytes: bytes)
        var result: [(number: Int, payload: [UInt8], value: UInt64)] = []
        while let field = try reader.field() { result.append(field) }
        return result
    }

    private static func string(_ bytes: [UInt8]) -> JSON { .string(String(decoding: bytes, as: UTF8.self)) }

    private static func mapEntry(_ bytes: [UInt8], base64: Bool) throws(SimError) -> (String, JSON) {
        var key = ""
        var value: JSON = ""
        for field in try fields(bytes) {
            if field.number == 1 { key = String(decoding: field.payload, as: UTF8.self) }
            if field.number == 2 { value = base64 ? .string(Data(field.payload).base64EncodedString()) : string(field.payload) }
        }
        return (key, value)
    }

    private static func objectMeta(_ bytes: [UInt8]) throws(SimError) -> JSON {
        var meta: [String: JSON] = [:]
        var labels: [String: JSON] = [:]
        var annotations: [String: JSON] = [:]
        var finalizers: [JSON] = []
        for field in try fields(bytes) {
            switch field.number {
            case 1: meta["name"] = string(field.payload)
            case 2: meta["generateName"] = string(field.payload)
            case 3: meta["namespace"] = string(field.payload)
            case 6: meta["resourceVersion"] = string(field.payload)
            case 11: let (k, v) = try mapEntry(field.payload, base64: false); labels[k] = v
            case 12: let (k, v) = try mapEntry(field.payload, base64: false); annotations[k] = v
            case 14: finalizers.append(string(field.payload))
            default: break
            }
        }
        // Go's protobuf encoding writes empty strings (e.g. `generateName`); JSON's omitempty drops them, so a
        // real server never shows `"generateName": ""`.
        meta = meta.filter { $0.value != .string("") }
        if !labels.isEmpty { meta["labels"] = .object(labels) }
        if !annotations.isEmpty { meta["annotations"] = .object(annotations) }
        if !finalizers.isEmpty { meta["finalizers"] = .array(finalizers) }
        return .object(meta)
    }

    /// Decodes a `k8s\0`-prefixed protobuf body into the JSON object it stands for; 415 for other kinds.
    static func decode(_ body: [UInt8]) throws(SimError) -> JSON {
        guard body.count > 4, Array(body.prefix(4)) == [0x6b, 0x38, 0x73, 0x00] else { throw malformed }
        var apiVersion = ""
        var kind = ""
        var raw: [UInt8] = []
        for field in try fields(Array(body.dropFirst(4))) {
            if field.number == 1 {
                for meta in try fields(field.payload) {
                    if meta.number == 1 { apiVersion = String(decoding: meta.payload, as: UTF8.self) }
                    if meta.number == 2 { kind = String(decoding: meta.payload, as: UTF8.self) }
                }
            } else if field.number == 2 {
                raw = field.payload
            }
        }
        if let message = ProtobufSchema.topLevel[kind] {
            var object = try ProtobufSchema.decode(raw, as: message)
            object["apiVersion"] = .string(apiVersion)
            object["kind"] = .string(kind)
            return object
        }
        guard supportedKinds.contains(kind) else {
            throw SimError(code: 415, reason: "UnsupportedMediaType",
                message: "the simulated cluster decodes protobuf only for \((supportedKinds.union(ProtobufSchema.topLevel.keys)).sorted().joined(separator: ", ")), not \(kind): write a manifest and use kubectl create -f or kubectl apply -f")
        }
        var object: JSON = ["apiVersion": .string(apiVersion), "kind": .string(kind)]
        var data: [String: JSON] = [:]
        var binary: [String: JSON] = [:]
        for field in try fields(raw) {
            switch (kind, field.number) {
            case (_, 1): object["metadata"] = try objectMeta(field.payload)
            case ("Namespace", 2):
                let finalizers = try fields(field.payload).filter { $0.number == 1 }.map { string($0.payload) }
                if !finalizers.isEmpty { object["spec"] = ["finalizers": .array(finalizers)] }
            case ("ConfigMap", 2): let (k, v) = try mapEntry(field.payload, base64: false); data[k] = v
            case ("ConfigMap", 3): let (k, v) = try mapEntry(field.payload, base64: true); binary[k] = v
            case ("ConfigMap", 4), ("Secret", 5): object["immutable"] = .bool(field.value != 0)
            case ("Secret", 2): let (k, v) = try mapEntry(field.payload, base64: true); data[k] = v
            case ("Secret", 3): object["type"] = string(field.payload)
            default: break
            }
        }
        if !data.isEmpty { object["data"] = .object(data) }
        if !binary.isEmpty { object["binaryData"] = .object(binary) }
        return object
    }
}
