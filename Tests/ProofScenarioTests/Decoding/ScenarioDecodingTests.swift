import Foundation
import ProofCore
import Testing

@testable import ProofScenario

/// Decoding errors are located (file:line:col), name the place in words, and say what was expected.
@Suite struct ScenarioDecodingTests {
    static let header = """
        apiVersion: proof.gitops/v1alpha1
        kind: Scenario
        metadata: {name: t, description: A test.}
        spec:
          environment: dev

        """

    func problems(_ text: String) -> [String] {
        do {
            _ = try Scenario.decode(text, file: "t.yaml")
            return []
        } catch let error as ScenarioError {
            return error.problems.map(\.description)
        } catch {
            return ["unexpected: \(error)"]
        }
    }

    @Test func theRunnersCaptureLabelsAreReserved() {
        let found = problems(Self.header + """
              steps:
                - capture: {label: before}
                - capture: {label: failed-step}
            """)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("t.yaml:8:") == true, "\(found)")
        #expect(found.first?.contains("capture label 'failed-step' is taken by the runner") == true, "\(found)")
    }

    @Test func unknownKeyInAStepIsLocatedAndListsTheAllowedKeys() {
        let found = problems(Self.header + """
              steps:
                - sleep: {duration: 1s}
                - wait:
                    absent: {kind: Pod, namespace: x}
                    colour: red
            """)
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("t.yaml:10:") == true, "\(found)")
        #expect(found.first?.contains(": unknown key 'colour' in step 2 (wait); expected one of exists, absent,") == true, "\(found)")
    }

    @Test func unknownKeyGetsADidYouMeanHint() {
        let found = problems(Self.header + """
              stepTimout: 30s
              steps: [{sleep: {duration: 1s}}]
            """)
        #expect(found.first?.contains("unknown key 'stepTimout'") == true)
        #expect(found.first?.contains("did you mean 'stepTimeout'") == true)
        #expect(found.first?.hasPrefix("t.yaml:6:3:") == true)
    }

    @Test func wrongTypesSayWhatWasExpected() {
        let found = problems(Self.header + """
              timeout: [1, 2]
              steps:
                - scale: {target: {kind: Deployment, name: x}, replicas: many}
                - sleep: {duration: soon}
            """)
        #expect(found.contains { $0.hasPrefix("t.yaml:6:12: expected a duration like '30s', '2m' or '1h30m' for 'spec.timeout', found a list") })
        #expect(found.contains { $0.contains("expected an integer for") && $0.contains("replicas") && $0.contains("found a string") })
        #expect(found.contains { $0.contains("found 'soon'") })
    }

    @Test func everyBrokenStepIsReportedNotJustTheFirst() {
        let found = problems(Self.header + """
              steps:
                - sleep: {}
                - nosuchstep: {}
                - sleep: {duration: 1s}
                  wait: {exists: {kind: Pod}}
            """)
        #expect(found.count == 4, "\(found)")
        #expect(found.contains { $0.contains("missing key 'duration' in step 1 (sleep)") })
        #expect(found.contains { $0.contains("unknown key 'nosuchstep'") })
        #expect(found.contains { $0.contains("step 2 (?) needs exactly one of") })
        #expect(found.contains { $0.contains("use exactly one of") })
    }

    @Test func wrongApiVersionMissingSpecAndBadEnvironment() {
        #expect(problems("apiVersion: v2\nkind: Scenario\nmetadata: {name: t, description: d}\nspec: {environment: dev, steps: []}").first?
            .contains("unsupported apiVersion 'v2'") == true)
        #expect(problems("apiVersion: proof.gitops/v1alpha1\nkind: Scenario\nmetadata: {name: t, description: d}").first?
            .contains("missing key 'spec' in the scenario") == true)
        #expect(problems(Self.header.replacingOccurrences(of: "dev", with: "staging") + "  steps: []").first?
            .contains("'staging' is not valid for 'spec.environment'; expected one of 'dev', 'prod'") == true)
    }

    @Test func invariantsNamingACaptureNoStepTakesAreRejected() {
        let found = problems(Self.header + """
              invariants:
                - id: kept
                  description: d
                  namespaceKept: {names: [a], since: before-x}
              steps: [{capture: {label: after-x}}]
            """)
        #expect(found.contains { $0.contains("refers to capture 'before-x', which no step takes") })
    }

    @Test func yamlSyntaxErrorsAreLocated() {
        let found = problems("apiVersion: [\n")
        #expect(found.first?.hasPrefix("t.yaml:") == true)
    }

    @Test func validStepsDecodeToTypedValues() throws {
        let scenario = try Scenario.decode(Self.header + """
              stepTimeout: 45s
              steps:
                - name: bump
                  git: {file: a.yaml, set: {spec.replicas: 2}, message: bump}
                - wait: {app: {name: "feast-*", revision: "{{commit}}", min: 2}}
                  timeout: 1m30s
                - http:
                    service: {namespace: fastapi-dev, name: fastapi, port: 8080}
                    path: /v1/models/champion
                    json: {version: "2"}
                    eventually: 10s
            """, file: "t.yaml")
        #expect(scenario.stepTimeout == .seconds(45))
        #expect(scenario.steps.map(\.kind) == ["git", "wait", "http"])
        #expect(scenario.steps[0].name == "bump")
        #expect(scenario.steps[1].timeout == .seconds(90))
        let http = try #require(scenario.steps[2].action as? HTTPStep)
        #expect(http.port == "8080")
        #expect(http.eventually == .seconds(10))
        guard case .objects(let target, .app(_, _, let revision, let min)) = (scenario.steps[1].action as! WaitStep).goal else {
            Issue.record("expected an app wait")
            return
        }
        #expect(target.name == "feast-*" && revision == "{{commit}}" && min == 2)
    }

    @Test func durationsParseLikeGo() {
        #expect(YAMLNode.parseDuration("1h30m") == .seconds(5400))
        #expect(YAMLNode.parseDuration("500ms") == .milliseconds(500))
        #expect(YAMLNode.parseDuration("1.5s") == .milliseconds(1500))
        #expect(YAMLNode.parseDuration("10") == nil)
        #expect(YAMLNode.parseDuration("5x") == nil)
    }
}
