import Foundation
import ProofCore
import ProofStore

/// The short markdown page `proof capture` writes: where the snapshot is, counts per kind and namespace, the
/// digests, what could not be listed, the Argo CD application tree and a table per Loki query.
///
/// A pure function of the values given, so it can be snapshot-tested with a fixed fixture.
public struct CaptureSummary: Sendable {
    /// The run id.
    public var run: String
    /// The snapshot's sequence in the run.
    public var sequence: Int
    /// The snapshot label.
    public var label: String
    /// The cluster, without credentials.
    public var cluster: String
    /// When the snapshot was taken.
    public var takenAt: Date
    /// The snapshot digest (over the member list).
    public var digest: String
    /// The snapshot's chain digest.
    public var chainDigest: String
    /// The evidence store path.
    public var database: String
    /// New object bodies written by this capture, if known.
    public var newBodies: Int?
    /// Objects per kind, then per namespace (`""` = cluster-scoped).
    public var counts: [String: [String: Int]]
    /// Kinds that could not be listed.
    public var listingErrors: [ListingError]
    /// The Loki samples.
    public var lokiSamples: [LokiSample]
    /// The captured Applications and AppProjects.
    public var argoCD: [JSON]

    /// A summary.
    public init(
        run: String, sequence: Int, label: String, cluster: String, takenAt: Date, digest: String, chainDigest: String,
        database: String, newBodies: Int?, counts: [String: [String: Int]], listingErrors: [ListingError],
        lokiSamples: [LokiSample], argoCD: [JSON]
    ) {
        self.run = run
        self.sequence = sequence
        self.label = label
        self.cluster = cluster
        self.takenAt = takenAt
        self.digest = digest
        self.chainDigest = chainDigest
        self.database = database
        self.newBodies = newBodies
        self.counts = counts
        self.listingErrors = listingErrors
        self.lokiSamples = lokiSamples
        self.argoCD = argoCD
    }

    /// Total objects.
    public var objectCount: Int { counts.values.reduce(0) { $0 + $1.values.reduce(0, +) } }

    /// The markdown page, scrubbed by ``Redactor/standard``.
    public func markdown() -> String {
        var lines: [String] = []
        let time = Self.timestamp(takenAt)
        lines.append("# Capture \(Markdown.escape(label, as: .code)) — \(time)")
        lines.append("")
        lines.append("| | |")
        lines.append("| --- | --- |")
        lines.append("| run | \(Self.code(run)) (snapshot \(sequence)) |")
        lines.append("| cluster | \(Self.escape(cluster)) |")
        lines.append("| taken at | \(time) |")
        lines.append("| objects | \(objectCount) in \(counts.count) kinds\(newBodies.map { " (\($0) new bodies)" } ?? "") |")
        lines.append("| listing errors | \(listingErrors.count) |")
        lines.append("| snapshot digest | `\(digest)` |")
        lines.append("| chain digest | `\(chainDigest)` |")
        lines.append("| evidence | \(Self.code(database)) — \(Self.code("proof show --db \(database) \(run)")) |")
        lines.append("")
        lines.append("## Objects per kind")
        lines.append("")
        lines.append("| kind | objects | namespaces |")
        lines.append("| --- | ---: | --- |")
        for kind in counts.keys.sorted() {
            let byNamespace = counts[kind] ?? [:]
            let total = byNamespace.values.reduce(0, +)
            let namespaced = byNamespace.keys.filter { !$0.isEmpty }.count
            lines.append("| \(Self.escape(kind)) | \(total) | \(Array(byNamespace.keys) == [""] ? "cluster-scoped" : "\(namespaced)") |")
        }
        var perNamespace: [String: [String: Int]] = [:]
        for (kind, byNamespace) in counts {
            for (namespace, count) in byNamespace where !namespace.isEmpty { perNamespace[namespace, default: [:]][kind] = count }
        }
        lines.append("")
        lines.append("## Objects per namespace")
        lines.append("")
        lines.append("| namespace | objects | by kind |")
        lines.append("| --- | ---: | --- |")
        for namespace in perNamespace.keys.sorted() {
            let kinds = perNamespace[namespace] ?? [:]
            let detail = kinds.keys.sorted().map { "\(Self.escape($0)) \(kinds[$0]!)" }.joined(separator: ", ")
            lines.append("| \(Self.escape(namespace)) | \(kinds.values.reduce(0, +)) | \(detail) |")
        }
        lines.append("")
        lines.append("## Listing errors")
        lines.append("")
        if listingErrors.isEmpty {
            lines.append("Every kind was listed.")
        } else {
            lines.append("| kind | apiVersion | namespace | error |")
            lines.append("| --- | --- | --- | --- |")
            for error in listingErrors {
                lines.append(
                    "| \(Self.escape(error.kind)) | \(Self.escape(error.apiVersion.isEmpty ? "—" : error.apiVersion)) | \(Self.escape(error.namespace.isEmpty ? "all" : error.namespace)) | \(Self.escape(error.message)) |")
            }
        }
        lines.append("")
        let apps = argoCD.filter { $0["kind"]?.stringValue == "Application" }
        let projects = argoCD.filter { $0["kind"]?.stringValue == "AppProject" }
        lines.append(AppTree(applications: apps, projects: projects).markdown(level: 2).trimmingCharacters(in: .newlines))
        lines.append("")
        lines.append("## Loki")
        if lokiSamples.isEmpty {
            lines.append("")
            lines.append("No Loki queries were run.")
        }
        for sample in lokiSamples {
            lines.append("")
            lines.append("### \(Self.escape(sample.name))")
            lines.append("")
            lines += lokiTable(sample)
        }
        // The capture page's choke point (its objects and errors may come straight from the capture).
        return Redactor.standard.scrub(lines.joined(separator: "\n") + "\n")
    }

    /// A table for one Loki sample.
    func lokiTable(_ sample: LokiSample) -> [String] {
        var lines = [Markdown.escape(sample.query, as: .code) + (sample.start.map { " over \(Self.timestamp($0)) – \(sample.end.map(Self.timestamp) ?? "")" } ?? ""), ""]
        if let result = sample.result, result["ready"] != nil {
            lines.append("| ready | HTTP status | message |")
            lines.append("| --- | ---: | --- |")
            lines.append("| \(result["ready"]?.boolValue == true ? "yes" : "**no**") | \(result["status"]?.intValue.map(String.init) ?? "—") | \(Self.escape(result["message"]?.stringValue ?? "")) |")
            if let error = sample.error { lines += ["", "**Outage:** \(Self.escape(error))"] }
            return lines
        }
        if let error = sample.error {
            lines.append("| outcome | detail |")
            lines.append("| --- | --- |")
            lines.append("| **error** | \(Self.escape(error)) |")
            return lines
        }
        let result = sample.result ?? .null
        let type = result["resultType"]?.stringValue ?? "?"
        let items = result["result"]?.arrayValue ?? []
        if items.isEmpty {
            lines.append("| series | value |")
            lines.append("| --- | ---: |")
            lines.append("| (no data) | 0 |")
            return lines
        }
        switch type {
        case "streams":
            lines.append("| stream | lines |")
            lines.append("| --- | ---: |")
            for item in items {
                lines.append("| \(Self.labels(item["stream"])) | \(item["values"]?.arrayValue?.count ?? 0) |")
            }
        default:
            lines.append("| series | value |")
            lines.append("| --- | ---: |")
            for item in items {
                let value = item["value"]?.arrayValue?.last?.stringValue
                    ?? item["values"]?.arrayValue?.last?.arrayValue?.last?.stringValue ?? "—"
                lines.append("| \(Self.labels(item["metric"])) | \(Self.escape(value)) |")
            }
        }
        return lines
    }

    static func labels(_ value: JSON?) -> String {
        let labels = (value?.objectValue ?? [:]).compactMapValues(\.stringValue)
        if labels.isEmpty { return "{}" }
        return code("{" + labels.keys.sorted().map { "\($0)=\"\(labels[$0]!)\"" }.joined(separator: ", ") + "}")
    }

    /// Text in a table cell or heading (``Markdown/escape(_:as:)``, home directories as `~`).
    static func escape(_ text: String) -> String { Markdown.escape(Markdown.homeRelative(text)) }

    /// A code span in a table cell.
    static func code(_ text: String) -> String { Markdown.escape(Markdown.homeRelative(text), as: .tableCode) }

    /// `2026-11-27T11:24:10Z`.
    public static func timestamp(_ date: Date) -> String {
        Timestamp.formatSeconds(date)
    }
}
