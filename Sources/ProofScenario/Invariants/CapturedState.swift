import Foundation
import ProofCore
import ProofStore

/// One capture as invariants see it: its label and time, the objects it recorded (normalised bodies), its
/// Loki samples and the kinds it could not list. Built from the evidence store alone, so a replay evaluates
/// exactly what a live run evaluated.
public struct CapturedState: Sendable {
    /// The capture's label (`before-detach`).
    public var label: String
    /// Its position in the run, from 1.
    public var sequence: Int
    /// When it was taken.
    public var takenAt: Date
    /// The store-local snapshot id, when it came from a store.
    public var snapshot: SnapshotID?
    /// Every recorded object body.
    public let objects: [JSON]
    /// The Loki samples recorded with it.
    public var lokiSamples: [LokiSample]
    /// The kinds (and namespaces) it could not list.
    public var listingErrors: [ListingError]
    /// Objects by kind, for fast selection.
    let byKind: [String: [JSON]]
    /// Selections and spec digests derived from `objects`, shared by copies of this capture.
    let memo = CaptureMemo()

    /// A capture from values (tests, and the runner when it holds the objects already).
    public init(
        label: String, sequence: Int, takenAt: Date = Date(timeIntervalSince1970: 0), snapshot: SnapshotID? = nil,
        objects: [JSON], lokiSamples: [LokiSample] = [], listingErrors: [ListingError] = []
    ) {
        self.label = label
        self.sequence = sequence
        self.takenAt = takenAt
        self.snapshot = snapshot
        self.objects = objects
        self.lokiSamples = lokiSamples
        self.listingErrors = listingErrors
        self.byKind = Dictionary(grouping: objects, by: { $0["kind"]?.stringValue ?? "" })
    }

    /// Reads one stored snapshot (objects with bodies, Loki samples, listing errors).
    public static func load(from store: EvidenceStore, snapshot record: SnapshotRecord) async throws -> CapturedState {
        let objects = try await store.objects(snapshot: record.id, bodies: true).compactMap(\.body)
        return CapturedState(
            label: record.label, sequence: record.sequence, takenAt: record.takenAt, snapshot: record.id,
            objects: objects, lokiSamples: try await store.lokiSamples(snapshot: record.id),
            listingErrors: try await store.listingErrors(snapshot: record.id))
    }

    /// Reads every capture of a run, in order.
    public static func loadAll(from store: EvidenceStore, run: RunID) async throws -> [CapturedState] {
        var states: [CapturedState] = []
        for record in try await store.snapshots(run: run) {
            states.append(try await load(from: store, snapshot: record))
        }
        return states
    }

    /// The objects of `kind` (any version).
    public func objects(ofKind kind: String) -> [JSON] { byKind[kind] ?? [] }

    /// The objects `match` selects, sorted by identity (computed once per capture and match).
    public func objects(matching match: ObjectMatch) -> [JSON] {
        memo.selection(match) {
            objects(ofKind: match.kind).filter(match.matches)
                .map { (namespace: $0.namespaceValue, name: $0.nameValue, object: $0) }
                .sorted { ($0.namespace, $0.name) < ($1.namespace, $1.name) }
                .map(\.object)
        }
    }

    /// The spec digests (``UnchangedInvariant/specDigest(_:)``) of `objects(matching: match)`, in that order,
    /// computed once per capture and match.
    func specDigests(matching match: ObjectMatch) -> [String] {
        memo.specDigests(match, of: objects(matching: match), digest: UnchangedInvariant.specDigest)
    }

    /// The body digests (`JSON.digest`) of the first 50 of `objects(matching: match)`, in that order, computed once
    /// per capture and match (evidence of `present`).
    func bodyDigests(matching match: ObjectMatch) -> [String] {
        let selection = objects(matching: match)
        return memo.derived(.init(name: "bodyDigests", match: match)) { selection.prefix(50).map(\.digest) }
    }

    /// The Namespace objects with their names, in capture order, derived once per capture (`namespaceKept`).
    var namespacesByName: [(name: String, object: JSON)] {
        memo.derived(.init(name: "namespacesByName")) { objects(ofKind: "Namespace").map { ($0.nameValue, $0) } }
    }

    /// The listing error that makes `match` unanswerable at this capture, if any.
    public func listingError(for match: ObjectMatch) -> ListingError? {
        listingErrors.first { error in
            error.kind == match.kind && (error.namespace.isEmpty || match.namespace?.matches(error.namespace) ?? true)
        }
    }

    /// The Loki sample named `name`.
    public func lokiSample(named name: String) -> LokiSample? {
        lokiSamples.first { $0.name == name }
    }
}

extension JSON {
    /// `metadata.name` or `""`.
    var nameValue: String { self[path: "metadata", "name"]?.stringValue ?? "" }
    /// `metadata.namespace` or `""`.
    var namespaceValue: String { self[path: "metadata", "namespace"]?.stringValue ?? "" }
    /// `metadata.uid`.
    var uidValue: String? { self[path: "metadata", "uid"]?.stringValue }
    /// `metadata.labels` as strings.
    var labelsValue: [String: String] {
        (self[path: "metadata", "labels"]?.objectValue ?? [:]).compactMapValues(\.stringValue)
    }
    /// The identity, or a best effort one when apiVersion/kind are missing.
    var identityValue: ObjectIdentity {
        ObjectIdentity(object: self)
            ?? ObjectIdentity(
                apiVersion: self["apiVersion"]?.stringValue ?? "", kind: self["kind"]?.stringValue ?? "",
                namespace: namespaceValue, name: nameValue)
    }
}
