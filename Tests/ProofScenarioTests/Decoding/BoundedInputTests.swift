import Foundation
import ProofCore
import Testing

@testable import ProofScenario

/// Bounded input: alias bombs, deep nesting, absurd or zero durations, duplicate labels and names, malformed
/// globs and globs where one name is needed are located lint errors, never a crash or gigabytes of memory.
@Suite struct BoundedInputTests {
    func problems(_ steps: String, spec: String = "") -> [String] {
        let text = """
            apiVersion: proof.gitops/v1alpha1
            kind: Scenario
            metadata: {name: t, description: A test.}
            spec:
              environment: dev
            \(spec)  steps:
            \(steps)
            """
        return ScenarioDecodingTests().problems(text)
    }

    /// `levels` anchors, each a list of ten aliases of the one before: 10^levels scalars once expanded.
    static func laughs(levels: Int) -> String {
        var text = "x-lol0: &lol0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        for level in 1...levels {
            text += "x-lol\(level): &lol\(level) [" + Array(repeating: "*lol\(level - 1)", count: 10).joined(separator: ", ") + "]\n"
        }
        return text
    }

    @Test func aBillionLaughsScenarioIsRefusedLocated() {
        // Inside inline manifest data, where any value is accepted: only the bound can refuse it.
        let bomb = Self.laughs(levels: 5).split(separator: "\n").map { "              " + $0 }.joined(separator: "\n")
        let found = problems("""
                - apply:
                    manifests:
                      - apiVersion: v1
                        kind: ConfigMap
                        metadata: {name: x, namespace: default}
                        data:
            \(bomb)
            """)
        #expect(found.count == 1, "\(found)")
        #expect(found.first?.hasPrefix("t.yaml:") == true)
        #expect(found.first?.contains("expands to more than 20000 YAML nodes") == true, "\(found)")
    }

    @Test func deepNestingIsRefused() throws {
        let deep = String(repeating: "[", count: 80) + "1" + String(repeating: "]", count: 80)
        let found = problems("    - apply: {manifests: [{apiVersion: v1, kind: ConfigMap, metadata: {name: x}, data: \(deep)}]}")
        #expect(found.first?.contains("nests deeper than 64 levels") == true, "\(found)")
    }

    @Test func manifestsHaveTheirOwnBound() throws {
        #expect(throws: YAMLError.self) { try YAML.decodeAll(Self.laughs(levels: 6), file: "m.yaml") }
        #expect(try YAML.decodeAll(Self.laughs(levels: 3), file: "m.yaml").count == 1, "10^3 expanded nodes are fine")
    }

    @Test func absurdDurationsAreLocatedErrorsNotCrashes() {
        for written in ["10000000000000h", "99999999999999999999ms", "9000h", "40000000000"] {
            let found = problems("    - sleep: {duration: 1ms}", spec: "  timeout: \(written)\n")
            #expect(found.count == 1, "\(written): \(found)")
            #expect(found.first?.hasPrefix("t.yaml:6:") == true, "\(found)")
            #expect(found.first?.contains("longer than the longest allowed") == true, "\(written): \(found)")
        }
    }

    @Test func zeroTimeoutsAreLintErrors() {
        #expect(problems("    - sleep: {duration: 1ms}", spec: "  timeout: 0\n").first?.contains("must be longer than 0") == true)
        #expect(problems("    - sleep: {duration: 1ms}", spec: "  stepTimeout: 0s\n").first?.contains("must be longer than 0") == true)
        let step = problems("    - sleep: {duration: 1ms}\n      timeout: 0ms")
        #expect(step.first?.contains("must be longer than 0") == true, "\(step)")
        #expect(problems("    - sleep: {duration: 1ms}", spec: "  timeout: -5s\n").count == 1, "negative durations stay errors")
    }

    @Test func duplicateCaptureLabelsAndStepNamesAreLintErrors() {
        let labels = problems("    - capture: {label: before}\n    - capture: {label: before}")
        #expect(labels.contains { $0.hasPrefix("t.yaml:8:") && $0.contains("capture label 'before' is taken twice") }, "\(labels)")
        let names = problems("""
                - name: settle
                  sleep: {duration: 1ms}
                - name: settle
                  sleep: {duration: 2ms}
            """)
        #expect(names.contains { $0.hasPrefix("t.yaml:9:") && $0.contains("step name 'settle' is used twice") }, "\(names)")
        #expect(problems("    - sleep: {duration: 1ms}\n    - sleep: {duration: 1ms}").isEmpty, "unnamed steps may repeat")
    }

    @Test func malformedGlobsAreLintErrors() {
        let open = problems("    - wait: {absent: {kind: Application, namespace: argocd, name: \"feast-[abc\"}}")
        #expect(open.first?.contains("has a '[' that is never closed") == true, "\(open)")
        let reversed = problems("    - delete: {target: {kind: Pod, namespace: \"ns-[z-a]\"}}")
        #expect(reversed.first?.contains("reversed range 'z-a'") == true, "\(reversed)")
    }

    @Test func aGlobWhereOneNameIsNeededIsALintError() {
        let scale = problems("    - scale: {target: {kind: Deployment, namespace: fastapi-dev, name: \"*\"}, replicas: 2}")
        #expect(scale.first?.contains("must name one workload") == true, "\(scale)")
        let sync = problems("    - sync: {app: \"feast-*\"}")
        #expect(sync.first?.contains("must name one Application, not a glob") == true, "\(sync)")
        let patch = problems("    - patch: {target: {kind: ConfigMap, namespace: \"*-dev\", name: x}, patch: {data: {a: \"1\"}}}")
        #expect(patch.first?.contains("must name one object") == true, "\(patch)")
    }
}
