import Foundation
import ProofFuzz
import Testing

/// A short seeded run of the fuzz target (the full campaign is `scripts/fuzz.sh`, 1,000,000 inputs): the
/// committed seed corpus loads, and a few thousand hostile inputs neither crash the decoders nor hang them.
@Suite struct FuzzSmokeTests {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fuzz/corpus").path

    @Test func aSeededSmokeOfTheFuzzTargetFindsNothing() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.corpus).sorted()
        let seeds = names.compactMap { FileManager.default.contents(atPath: Self.corpus + "/" + $0).map { [UInt8]($0) } }
        #expect(seeds.count >= 10, "the seed corpus is committed under Fuzz/corpus")
        let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("proof-fuzz-smoke-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: sandbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sandbox) }
        var generator = SeededGenerator(corpus: seeds, seed: 42)
        var campaign = Campaign()
        // Not a speed check (that is scripts/fuzz.sh): only a hang or runaway memory stops the smoke.
        campaign.timeLimit = .seconds(30)
        campaign.memoryLimitBytes = 2 << 30
        let report = campaign.run(&generator, runs: 500, directory: sandbox)
        #expect(report.overLimit == nil, "\(report)")
        #expect(report.inputs == 500)
        #expect((report.outcomes[.refused] ?? 0) > 0 && (report.outcomes[.scenario] ?? 0) + (report.outcomes[.kubeconfig] ?? 0) > 0,
            "hostile inputs are refused and lightly mutated seeds still decode: \(report)")
    }
}
