import ArgumentParser
import Foundation
import ProofStore

extension Proof {
    /// `proof merge A.sqlite B.sqlite … --into C.sqlite`: combines evidence stores (CI shards) into one, copying
    /// each run the target lacks and sharing object bodies.
    public struct Merge: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "merge",
            abstract: "Combine evidence stores (e.g. CI shards) into one, without duplicating object bodies.",
            discussion: """
                Each run the target does not hold yet is copied with all its rows in one transaction; runs it \
                already holds (same id) are skipped. Digests, chains and seals stay valid (`proof verify`). \
                The target is created when missing. Exit 0 when every source merged, 2 on bad input.
                """
        )

        /// The stores to read.
        @Argument(help: "Evidence stores to merge from.")
        var sources: [String] = []

        /// The store to write.
        @Option(name: .customLong("into"), help: "The evidence store to merge into (created when missing).")
        var into: String

        public init() {}

        public func validate() throws {
            guard !sources.isEmpty else { throw ValidationError("name at least one store to merge from") }
            let target = URL(fileURLWithPath: into).standardizedFileURL.path
            for source in sources {
                guard FileManager.default.fileExists(atPath: source) else {
                    throw ValidationError("no evidence store at \(source)")
                }
                guard URL(fileURLWithPath: source).standardizedFileURL.path != target else {
                    throw ValidationError("\(source) is also the --into target; merge into another file")
                }
            }
        }

        public func run() async throws {
            let store: EvidenceStore
            do { store = try EvidenceStore.open(path: into) } catch {
                printError("proof merge: \(error.message)")
                throw ExitCode(2)
            }
            var added = 0
            var skipped = 0
            var bodies = 0
            var shared = 0
            for source in sources {
                do {
                    let referenced = try await Self.referencedBodies(EvidenceStore.open(path: source))
                    let result = try await store.merge(from: source)
                    added += result.runsAdded.count
                    skipped += result.runsSkipped.count
                    bodies += result.newBodies
                    shared += max(0, referenced - result.newBodies)
                    Console.out(
                        "\(source): \(result.runsAdded.count) runs added, \(result.runsSkipped.count) skipped (already present), "
                            + "\(result.newBodies) new bodies, \(max(0, referenced - result.newBodies)) shared")
                    for run in result.runsSkipped { Console.out("  skipped \(run)") }
                } catch let error as StoreError {
                    printError("proof merge: \(source): \(error.message)")
                    throw ExitCode(2)
                }
            }
            Console.out("merged into \(into): \(added) runs added, \(skipped) skipped, \(bodies) new bodies, \(shared) bodies shared (stored once)")
        }

        /// The number of distinct object bodies a store's runs reference (members and watch events).
        static func referencedBodies(_ store: EvidenceStore) async throws -> Int {
            var digests: Set<String> = []
            for run in try await store.runs() {
                for snapshot in try await store.snapshots(run: run.id) {
                    for member in try await store.objects(snapshot: snapshot.id, bodies: false) { digests.insert(member.digest) }
                }
                for event in try await store.watchEvents(run: run.id) {
                    if let digest = event.objectDigest { digests.insert(digest) }
                }
            }
            return digests.count
        }
    }
}
