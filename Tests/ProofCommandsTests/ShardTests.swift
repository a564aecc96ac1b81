import ArgumentParser
import Foundation
import Testing

@testable import ProofCommands

/// `proof run --shard I/N`: a stable split of the scenario files by name, each file in exactly one shard.
@Suite struct ShardTests {
    static let files = ["/a/scenarios/rollback.yaml", "/a/scenarios/deploy.yaml", "/a/scenarios/pod-restart.yaml",
        "/a/scenarios/optional-toggle.yaml", "/a/scenarios/env-isolation.yaml", "/a/scenarios/baseline-always-on.yaml"]

    @Test func parsesIOverNAndRefusesAnythingElse() throws {
        #expect(Shard(argument: "2/3") == Shard(argument: "2/3"))
        #expect(Shard(argument: "2/3")?.index == 2 && Shard(argument: "2/3")?.count == 3)
        for bad in ["0/3", "4/3", "1/0", "1", "a/b", "1/2/3", "-1/2", "/2", "1/"] {
            #expect(Shard(argument: bad) == nil, "\(bad)")
        }
        #expect(throws: (any Error).self) { try Proof.Run.parse(["scenarios/", "--shard", "3/2"]) }
        #expect(try Proof.Run.parse(["scenarios/", "--shard", "1/2"]).shard == Shard(argument: "1/2"))
    }

    @Test func everyFileIsInExactlyOneShardWhateverTheOrderGiven() throws {
        let shards = (1...4).map { Shard(argument: "\($0)/4")! }
        let split = shards.map { $0.select(Self.files) }
        #expect(split.flatMap { $0 }.sorted() == Self.files.sorted())
        #expect(Set(split.flatMap { $0 }).count == Self.files.count, "no file in two shards")
        #expect(split.map(\.count).max()! - split.map(\.count).min()! <= 1, "\(split.map(\.count))")
        // Stable: the same split from the files in another order (another machine's directory listing).
        #expect(shards.map { $0.select(Self.files.reversed()) } == split)
        // By name: the first shard of two takes the 1st, 3rd and 5th names in order.
        #expect(Shard(argument: "1/2")!.select(Self.files).map { ($0 as NSString).lastPathComponent }
            == ["baseline-always-on.yaml", "env-isolation.yaml", "pod-restart.yaml"])
        #expect(Shard(argument: "1/1")!.select(Self.files).count == Self.files.count)
    }
}
