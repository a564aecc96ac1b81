import ArgumentParser
import Foundation
import ProofCore
import ProofReport
import ProofStore

extension Proof {
    /// `proof diff A B`: a field-level diff of two captures, or of the captures two runs share by label.
    public struct Diff: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "diff",
            abstract: "Show what changed between two captures, or between two runs capture by capture.",
            discussion: """
                A and B are captures (a snapshot id, or RUN:label) or runs (full id, short id or unique prefix); \
                two runs are compared label by label for every capture label both have. Noise is left out by \
                the rules in docs/replay.md (resourceVersion, managedFields, generation, timestamps, what the \
                server rewrites on its own such as Argo CD's reconciledAt or an Event's count, generated name \
                suffixes such as pod-template hashes; uid with --ignore-uid), and a pod re-created under a \
                new random name is matched to its predecessor. Exit 0 when nothing differs, 1 when something \
                does, 2 on bad input.
                """
        )

        /// The first capture or run.
        @Argument(help: "First capture (snapshot id or RUN:label) or run.")
        var first: String
        /// The second capture or run.
        @Argument(help: "Second capture (snapshot id or RUN:label) or run.")
        var second: String

        /// Kinds to compare.
        @Option(name: .customLong("kinds"), parsing: .upToNextOption, help: "Only these kinds (e.g. --kinds Pod Deployment, or Pod,Deployment).")
        var kinds: [String] = []
        /// Namespaces to compare.
        @Option(name: .customLong("namespaces"), parsing: .upToNextOption, help: "Only these namespaces (globs, e.g. '*-dev').")
        var namespaces: [String] = []
        /// Only this label when comparing runs.
        @Option(help: "When comparing two runs, only the capture with this label.")
        var label: String?
        /// Markdown output.
        @Flag(help: "Print markdown instead of plain text.")
        var markdown = false
        /// Ignore uids.
        @Flag(name: .customLong("ignore-uid"), help: "Ignore metadata.uid (a re-created object then shows no change).")
        var ignoreUID = false
        /// Keep generated names.
        @Flag(name: .customLong("keep-generated-names"), help: "Do not mask generated name suffixes and hashes.")
        var keepGeneratedNames = false
        /// The store.
        @OptionGroup var db: EvidenceStoreOption

        public init() {}

        public func run() async throws {
            do {
                let store = try db.open()
                let pairs = try await resolvePairs(store)
                let noise = DiffNoise(ignoreUID: ignoreUID, maskGeneratedNames: !keepGeneratedNames)
                let kindList = kinds.flatMap { $0.split(separator: ",").map(String.init) }
                let namespaceList = namespaces.flatMap { $0.split(separator: ",").map { Glob(String($0)) } }
                var differs = false
                for (index, pair) in pairs.enumerated() {
                    let left = try await store.objects(snapshot: pair.0.id, bodies: true).compactMap(\.body)
                    let right = try await store.objects(snapshot: pair.1.id, bodies: true).compactMap(\.body)
                    let diff = EvidenceDiff.compare(left, right, noise: noise, kinds: kindList, namespaces: namespaceList)
                    differs = differs || !diff.isEmpty
                    let names = (Self.name(pair.0), Self.name(pair.1))
                    if index > 0 { Console.out("") }
                    Console.out(markdown ? diff.renderMarkdown(before: names.0, after: names.1) : diff.renderText(before: names.0, after: names.1), terminator: "")
                }
                if differs { throw ExitCode(1) }
            } catch let error as EvidenceInputError {
                printError("proof diff: \(error)")
                throw ExitCode(2)
            }
        }

        static func name(_ snapshot: SnapshotRecord) -> String {
            "\(snapshot.run.short):\(snapshot.label) (#\(snapshot.id))"
        }

        /// Two captures, or the common labels of two runs.
        func resolvePairs(_ store: EvidenceStore) async throws -> [(SnapshotRecord, SnapshotRecord)] {
            let isCapture = { (text: String) in Int64(text) != nil || text.contains(":") }
            switch (isCapture(first), isCapture(second)) {
            case (true, true):
                return [(try await store.resolveSnapshot(first), try await store.resolveSnapshot(second))]
            case (false, false):
                let left = try await store.snapshots(run: try await store.resolveRun(first).id)
                let right = try await store.snapshots(run: try await store.resolveRun(second).id)
                var pairs: [(SnapshotRecord, SnapshotRecord)] = []
                var seen: Set<String> = []
                for snapshot in left where seen.insert(snapshot.label).inserted && (label == nil || snapshot.label == label) {
                    if let match = right.last(where: { $0.label == snapshot.label }), let mine = left.last(where: { $0.label == snapshot.label }) {
                        pairs.append((mine, match))
                    }
                }
                guard !pairs.isEmpty else {
                    throw EvidenceInputError(
                        label.map { "the runs do not both have a capture '\($0)'" }
                            ?? "the runs share no capture label (\(Set(left.map(\.label)).sorted().joined(separator: ", ")) vs \(Set(right.map(\.label)).sorted().joined(separator: ", ")))")
                }
                return pairs
            default:
                throw EvidenceInputError("compare two captures (snapshot id or RUN:label) or two runs, not one of each")
            }
        }
    }
}
