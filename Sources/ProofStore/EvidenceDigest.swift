import ProofCore

/// How the store's digests are computed, as pure functions, so that `proof verify` can recompute every one
/// from the rows and a reader can check a chain without trusting the stored digests.
///
/// All digests are lowercase hex SHA-256. JSON is canonical (``ProofCore/JSON/canonicalData``). Timestamps
/// enter digests as the stored text (``Timestamp``). The layout is version 1 (`"v":1`); a change is a new
/// version, never an edit.
public enum EvidenceDigest {
    /// The ordering key of a member: `apiVersion \t kind \t namespace \t name` as UTF-8 bytes.
    public static func memberKey(_ identity: ObjectIdentity) -> [UInt8] {
        var key: [UInt8] = []
        key.reserveCapacity(identity.apiVersion.utf8.count + identity.kind.utf8.count + identity.namespace.utf8.count + identity.name.utf8.count + 3)
        key.append(contentsOf: identity.apiVersion.utf8)
        key.append(0x09)
        key.append(contentsOf: identity.kind.utf8)
        key.append(0x09)
        key.append(contentsOf: identity.namespace.utf8)
        key.append(0x09)
        key.append(contentsOf: identity.name.utf8)
        return key
    }

    /// The snapshot digest: SHA-256 over one line per member, `apiVersion \t kind \t namespace \t name \t
    /// objectDigest \n`, the lines ordered by their bytes. Any added, removed or changed object changes it.
    public static func members(_ members: [(identity: ObjectIdentity, digest: String)]) -> String {
        let keyed = members.map { (key: memberKey($0.identity), digest: $0.digest) }
            .sorted { ByteOrder.precedes($0.key, $1.key) }
        return Self.members(sortedKeys: keyed)
    }

    /// ``members(_:)`` over keys already in order.
    static func members(sortedKeys: [(key: [UInt8], digest: String)]) -> String {
        members(sortedKeys, key: \.key, digest: \.digest)
    }

    /// ``members(_:)`` over a snapshot's members already in key order (a capture's whole membership: hashed as
    /// its lines are written, a chunk at a time, with no list of keys made first).
    static func members(sorted members: [SnapshotMember]) -> String {
        // Each field read in place: a member taken out whole would retain (and release) all its references.
        members.withUnsafeBufferPointer { buffer in
            Self.members(buffer.indices, key: { buffer[$0].key }, digest: { buffer[$0].digest })
        }
    }

    /// The lines `key \t digest \n` of `items`, in their order, hashed through a 64 KB buffer.
    private static func members<Items: Collection>(_ items: Items, key: (Items.Element) -> [UInt8], digest: (Items.Element) -> String) -> String {
        var stream = Digest.Stream()
        var buffer: [UInt8] = []
        buffer.reserveCapacity(1 << 16)
        for item in items {
            buffer.append(contentsOf: key(item))
            buffer.append(0x09)
            var text = digest(item)
            text.withUTF8 { buffer.append(contentsOf: $0) }
            buffer.append(0x0A)
            if buffer.count >= (1 << 16) - 512 {
                buffer.withUnsafeBytes { stream.update($0) }
                buffer.removeAll(keepingCapacity: true)
            }
        }
        buffer.withUnsafeBytes { stream.update($0) }
        return stream.hex()
    }

    /// SHA-256 of the canonical JSON array of `{apiVersion, kind, namespace, message}`, in stored order.
    public static func errors(_ errors: [ListingError]) -> String {
        JSON.array(errors.map { ["apiVersion": .string($0.apiVersion), "kind": .string($0.kind), "namespace": .string($0.namespace), "message": .string($0.message)] }).digest
    }

    /// SHA-256 of the canonical JSON array of `{name, query, start, end, status, result, error}` (timestamps as
    /// stored text, `null` when absent), in stored order.
    public static func loki(_ samples: [LokiSample]) -> String {
        JSON.array(samples.map { sample in
            [
                "name": .string(sample.name), "query": .string(sample.query),
                "start": sample.start.map { .string(Timestamp.format($0)) } ?? .null,
                "end": sample.end.map { .string(Timestamp.format($0)) } ?? .null,
                "status": .string(sample.error == nil ? "ok" : "error"),
                "result": sample.result ?? .null, "error": sample.error.map(JSON.string) ?? .null,
            ]
        }).digest
    }

    /// The first link of a run's chain: SHA-256 of canonical
    /// `{v:1, run, scenario, scenarioDigest, environment, cluster, command, harnessVersion, attributes, startedAt}`.
    public static func genesis(run: RunID, info: RunInfo, startedAt: String) -> String {
        let optional = { (value: String?) -> JSON in value.map(JSON.string) ?? .null }
        return JSON.object([
            "v": 1, "run": .string(run.rawValue), "scenario": .string(info.scenario),
            "scenarioDigest": optional(info.scenarioDigest), "environment": optional(info.environment),
            "cluster": optional(info.cluster), "command": optional(info.command),
            "harnessVersion": optional(info.harnessVersion), "attributes": info.attributes,
            "startedAt": .string(startedAt),
        ]).digest
    }

    /// A snapshot's chain link: SHA-256 of canonical
    /// `{v:1, run, seq, label, step, takenAt, objectCount, objects, errors, loki, previous}`.
    public static func chain(
        run: RunID, sequence: Int, label: String, step: Int?, takenAt: String, objectCount: Int, objects: String,
        errors: String, loki: String, previous: String
    ) -> String {
        JSON.object([
            "v": 1, "run": .string(run.rawValue), "seq": .int(Int64(sequence)), "label": .string(label),
            "step": step.map { .int(Int64($0)) } ?? .null, "takenAt": .string(takenAt),
            "objectCount": .int(Int64(objectCount)), "objects": .string(objects), "errors": .string(errors),
            "loki": .string(loki), "previous": .string(previous),
        ]).digest
    }

    /// The chain link of a stored snapshot, recomputed from its fields.
    public static func chain(of snapshot: SnapshotRecord) -> String {
        chain(
            run: snapshot.run, sequence: snapshot.sequence, label: snapshot.label, step: snapshot.step,
            takenAt: Timestamp.format(snapshot.takenAt), objectCount: snapshot.objectCount, objects: snapshot.digest,
            errors: snapshot.errorsDigest, loki: snapshot.lokiDigest, previous: snapshot.previousDigest)
    }
}
