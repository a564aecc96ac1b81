import ArgumentParser
import ProofScenario

extension Proof {
    /// `proof schema`: prints the JSON Schema of scenario files (for editors: yaml-language-server, VS Code).
    public struct Schema: AsyncParsableCommand {
        public static let configuration = CommandConfiguration(
            commandName: "schema",
            abstract: "Print the JSON Schema of scenario files.",
            discussion: """
                Built from the same declarations the decoder uses, so it cannot drift from what `proof lint` accepts. \
                Use it with yaml-language-server: `# yaml-language-server: $schema=scenario.schema.json`.
                """)

        public init() {}

        public func run() async throws {
            print(Scenario.jsonSchema().prettyString())
        }
    }
}
