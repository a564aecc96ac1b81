import Foundation
import ProofFuzz

/// `proof-fuzz --corpus DIR [--runs N] [--seed S] [--max-length BYTES]`: the seeded fuzz campaign over the
/// scenario and kubeconfig decoders (scripts/fuzz.sh). Exit 0 when no input crashed or went over 1 s or
/// 200 MB; 1 (with the input written to `fuzz-finding.yaml`) otherwise; 2 for bad arguments.
/// `proof-fuzz --input FILE` runs one input (a finding) ten times and prints its CPU and wall time.
@main
enum FuzzDriver {
    static func main() {
        var arguments = Array(CommandLine.arguments.dropFirst())
        func value(_ flag: String) -> String? {
            guard let index = arguments.firstIndex(of: flag), index + 1 < arguments.count else { return nil }
            defer { arguments.removeSubrange(index...(index + 1)) }
            return arguments[index + 1]
        }
        if let file = value("--input") {
            guard let data = FileManager.default.contents(atPath: file) else { exit(2) }
            let report = Campaign().replay([UInt8](data), times: 10, directory: FileManager.default.temporaryDirectory.path)
            print("proof-fuzz: \(file): \(report)")
            exit(report.overLimit == nil ? 0 : 1)
        }
        guard let corpusDirectory = value("--corpus") else {
            FileHandle.standardError.write(Data("usage: proof-fuzz --corpus DIR [--runs N] [--seed S] [--max-length BYTES]\n".utf8))
            exit(2)
        }
        let runs = value("--runs").flatMap(Int.init) ?? 1_000_000
        let seed = value("--seed").flatMap(UInt64.init) ?? 1
        let maxLength = value("--max-length").flatMap(Int.init) ?? 8192
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: corpusDirectory)) ?? []).sorted()
        let corpus = names.compactMap { FileManager.default.contents(atPath: corpusDirectory + "/" + $0).map { [UInt8]($0) } }
        guard !corpus.isEmpty else {
            FileHandle.standardError.write(Data("proof-fuzz: no seed files in \(corpusDirectory)\n".utf8))
            exit(2)
        }
        let sandbox = FileManager.default.temporaryDirectory.appendingPathComponent("proof-fuzz-\(UUID().uuidString)").path
        try? FileManager.default.createDirectory(atPath: sandbox, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: sandbox) }
        print("proof-fuzz: \(corpus.count) seed files, seed \(seed), \(runs) inputs of at most \(maxLength) bytes")
        var generator = SeededGenerator(corpus: corpus, seed: seed, maxLength: maxLength)
        let report = Campaign().run(&generator, runs: runs, directory: sandbox, progressEvery: max(runs / 20, 1)) { print("  \($0)") }
        print("proof-fuzz: \(report)")
        if let finding = report.overLimit {
            FileManager.default.createFile(atPath: "fuzz-finding.yaml", contents: Data(finding.input))
            print("proof-fuzz: the input is in fuzz-finding.yaml")
            exit(1)
        }
    }
}
