import Foundation
import ProofCore
import Testing

@testable import ProofSim

@Suite("LogQL parser and evaluator of the simulated Loki")
struct LogQLTests {
    @Test func parsesSelectorsFiltersAndAggregations() throws {
        let log = try LogQLParser.parse(#"{namespace="airflow-dev", app!="x", pod=~"air.+", container!~"side.*"} |= "served" != "error" |~ "seq=1[0-9]" !~ "warn""#)
        guard case .log(let selector) = log else { Issue.record("not a log query"); return }
        #expect(selector.matchers.map(\.op) == [.equal, .notEqual, .regex, .notRegex])
        #expect(selector.stages.count == 4)

        let metric = try LogQLParser.parse(#"sum by (namespace) (count_over_time({env="dev"} |= "x" [5m]))"#)
        guard case .vector(let vector) = metric, case .range(let range) = vector.inner else { Issue.record("shape"); return }
        #expect(vector.grouping == .by(["namespace"]))
        #expect(range.function == .countOverTime && range.rangeNanoseconds == 300_000_000_000)

        let trailing = try LogQLParser.parse(#"sum(rate({env="dev"}[1m30s])) without (pod, container)"#)
        guard case .vector(let without) = trailing, case .range(let rate) = without.inner else { Issue.record("shape"); return }
        #expect(without.grouping == .without(["pod", "container"]) && rate.rangeNanoseconds == 90_000_000_000)
        #expect(try LogQLParser.parse(#"bytes_over_time({a="b"}[1h])"#).isMetric)
    }

    @Test func malformedQueriesGiveLokiStyleParseErrors() {
        let cases: [(String, String)] = [
            (#"{app="foo""#, "parse error at line 1, col 11: syntax error: unexpected $end, expecting } or ,"),
            (#"{app="foo"} |= test"#, "parse error at line 1, col 16: syntax error: unexpected IDENTIFIER, expecting STRING"),
            (#"rate({app="foo"}[5minutes])"#, "parse error at line 1, col 18: not a valid duration string: \"5minutes\""),
            (#"{app=}"#, "parse error at line 1, col 6: syntax error: unexpected }, expecting STRING"),
            (#"{app="x"} |= "unterminated"#, "parse error at line 1, col 14: literal not terminated"),
            (#"sum({app="x"})"#, "parse error at line 1, col 14: syntax error: unexpected ), expecting a metric expression inside sum(…)"),
            ("", "parse error at line 1, col 1: syntax error: unexpected $end, expecting { or ("),
        ]
        for (query, message) in cases {
            #expect(throws: SimError(code: 400, reason: "BadRequest", message: message), "\(query)") {
                _ = try LogQLParser.parse(query)
            }
        }
        let empty = #expect(throws: SimError.self) { _ = try LogQLParser.parse(#"{app=~".*"}"#) }
        #expect(empty?.message.hasPrefix("parse error : queries require at least one regexp or equality matcher") == true)
        let regex = #expect(throws: SimError.self) { _ = try LogQLParser.parse(#"{app=~"(unclosed"}"#) }
        #expect(regex?.code == 400)
    }

    @Test func evaluatesCountsRatesAndGrouping() throws {
        let store = LokiStore()
        let second: Int64 = 1_000_000_000
        let base: Int64 = 1_800_000_000 * second
        for (index, namespace) in ["a-dev", "a-dev", "b-dev"].enumerated() {
            store.append(tenant: "fake", labels: ["namespace": namespace, "pod": "p\(index)"],
                entries: (0..<10).map { LokiEntry(timestamp: base + Int64($0) * second, line: $0 % 2 == 0 ? "even \($0)" : "odd \($0)") })
        }
        let count = try LogQLEvaluator.instant(try LogQLParser.parse(#"sum by (namespace) (count_over_time({namespace=~".+-dev"}[1m]))"#),
            store: store, tenant: "fake", time: base + 59 * second)
        #expect(count.map(\.labels) == [["namespace": "a-dev"], ["namespace": "b-dev"]])
        #expect(count.map { $0.points.last!.value } == [20, 10])

        let evens = try LogQLEvaluator.instant(try LogQLParser.parse(#"count_over_time({namespace="b-dev"} |= "even" [1m])"#),
            store: store, tenant: "fake", time: base + 59 * second)
        #expect(evens.first?.points.first?.value == 5)
        let rate = try LogQLEvaluator.instant(try LogQLParser.parse(#"sum(rate({namespace="b-dev"}[10s]))"#),
            store: store, tenant: "fake", time: base + 9 * second)
        #expect(rate.first?.points.first?.value == 1)
        let bytes = try LogQLEvaluator.instant(try LogQLParser.parse(#"sum(bytes_over_time({namespace="b-dev"} |~ "odd [13]$" [1m]))"#),
            store: store, tenant: "fake", time: base + 59 * second)
        #expect(bytes.first?.points.first?.value == 10)

        let steps = try LogQLEvaluator.range(try LogQLParser.parse(#"count_over_time({pod="p2"}[2s])"#), store: store, tenant: "fake",
            start: base, end: base + 4 * second, step: 2 * second)
        #expect(steps.first?.points.map(\.value) == [1, 2, 2])

        let lines = try LogQLEvaluator.logs(LogSelector(matchers: [LabelMatcher(name: "pod", op: .equal, value: "p0")], stages: []),
            store: store, tenant: "fake", start: base, end: base + 100 * second, limit: 3, direction: .backward)
        #expect(lines.first?.entries.map(\.line) == ["odd 9", "even 8", "odd 7"])
        let other = try LogQLEvaluator.logs(LogSelector(matchers: [LabelMatcher(name: "pod", op: .equal, value: "p0")], stages: []),
            store: store, tenant: "other", start: base, end: base + 100 * second, limit: 3, direction: .backward)
        #expect(other.isEmpty)
    }

    @Test func logfmtLabelFiltersAndRetention() throws {
        let store = LokiStore()
        store.append(tenant: "fake", labels: ["app": "x"], entries: [
            LokiEntry(timestamp: 10, line: #"level=info msg="ok""#), LokiEntry(timestamp: 20, line: #"level=warn msg="slow down""#),
            LokiEntry(timestamp: 20, line: #"level=warn msg="slow down""#),
        ])
        #expect(store.entryCount == 2, "an identical re-sent entry is dropped")
        guard case .log(let selector) = try LogQLParser.parse(#"{app="x"} | logfmt | level="warn""#) else { return }
        let result = try LogQLEvaluator.logs(selector, store: store, tenant: "fake", start: 0, end: 100, limit: 10, direction: .forward)
        #expect(result.count == 1 && result[0].labels["msg"] == "slow down" && result[0].entries.count == 1)
        store.applyRetention(olderThan: 15)
        #expect(store.entryCount == 1)
    }

    /// The API server's timestamp shape is read without Foundation; every other shape still goes through it.
    @Test func rfc3339FastPathAgreesWithFoundation() {
        var random = SplitMix64(seed: 11)
        for _ in 0..<3_000 {
            // 1900-01-01 .. 2200-01-01, any second.
            let seconds = Int64.random(in: -2_208_988_800..<7_258_291_200, using: &random)
            let text = SimState.timestamp(Date(timeIntervalSince1970: TimeInterval(seconds)))
            #expect(LokiTime.utcSeconds(text) == seconds, "\(text)")
            #expect(LokiTime.rfc3339(text) == seconds * 1_000_000_000, "\(text)")
        }
        for shape in ["2026-02-30T00:00:00Z", "2025-02-29T00:00:00Z", "2026-02-01T00:00:00+01:00", "2026-13-01T00:00:00Z", "2026-1-01T00:00:00Z", "2026-01-01T00:00:00.5Z", "2026-01-01 00:00:00Z"] {
            #expect(LokiTime.utcSeconds(shape) == nil, "\(shape)")
        }
        #expect(LokiTime.rfc3339("2026-01-01T00:00:00.5Z") == 1_767_225_600_500_000_000)
    }

    @Test func alloyConfigOfThePlatformParses() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
        let text = try String(contentsOf: root.appendingPathComponent("scenarios/platform/baseline/envs/dev/baseline/logging/alloy.yaml"),
            encoding: .utf8)
        let documents = try YAML.decodeAll(text)
        let config = try #require(documents.first { $0["kind"]?.stringValue == "ConfigMap" }?[path: ["data", "config.alloy"]]?.stringValue)
        let alloy = AlloyConfig(parsing: config)
        #expect(alloy.namespaces == ["airflow-dev", "mlflow-dev", "fastapi-dev", "triton-dev", "feature-store-dev"])
        #expect(alloy.url == "http://loki-dev.baseline-dev.svc.cluster.local:3100/loki/api/v1/push")
        #expect(alloy.externalLabels == ["env": "dev"])
        #expect(alloy.labels(namespace: "mlflow-dev", pod: "mlflow-1", container: "mlflow", podLabels: ["app.kubernetes.io/name": "mlflow"])
            == ["env": "dev", "namespace": "mlflow-dev", "pod": "mlflow-1", "container": "mlflow", "app": "mlflow"])
    }

    @Test("Alloy's push body written straight from its streams is the canonical JSON of the same push as a tree")
    func alloyPushBodyIsCanonicalJSON() throws {
        let streams: [(labels: [String: String], lines: [PodLogLine])] = [
            (["namespace": "triton-dev", "pod": "triton-0", "container": "triton", "app": "tr\"iton", "Z_last": "é ✓"],
                [PodLogLine(nanoseconds: 1_700_000_000_000_000_001, line: "level=info msg=\"served\" path=/v1\\x\ttab"),
                 PodLogLine(nanoseconds: 1_700_000_001_000_000_000, line: "control \u{01} and newline\n")]),
            (["a": ""], []),
            (["env": "dev"], [PodLogLine(nanoseconds: 0, line: "")]),
        ]
        for count in 0...streams.count {
            let chosen = Array(streams.prefix(count))
            let tree: JSON = ["streams": .array(chosen.map { stream in
                ["stream": .object(stream.labels.mapValues { .string($0) }),
                    "values": .array(stream.lines.map { [.string(String($0.nanoseconds)), .string($0.line)] })]
            })]
            #expect(AlloyShipper.pushBody(chosen) == tree.canonicalData, "\(count) streams")
            #expect(try JSON(parsing: AlloyShipper.pushBody(chosen)) == tree)
        }
    }
}
