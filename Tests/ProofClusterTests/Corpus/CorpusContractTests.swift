import Foundation
import ProofCore
import ProofSim
import Testing

@testable import ProofCluster

/// Issue 11 §7, real samples as the contract: bodies real Loki and kube-apiserver servers wrote
/// (`Fixtures/corpus/`, sources in `Fixtures/corpus/SOURCES.md`) served verbatim over loopback HTTP and read
/// by the harness's own clients; and the simulated Loki's answers held against their shape.
@Suite("Real Loki and kube-apiserver bodies as the contract")
struct CorpusContractTests {
    static let corpus = Fixtures.directory + "/corpus"

    static func sample(_ name: String) throws -> JSON {
        try JSON(parsing: Array(try Data(contentsOf: URL(fileURLWithPath: corpus + "/" + name))))
    }

    /// A Loki client whose every request is answered with `file` (under `corpus/loki/`) and `status`.
    static func loki(_ server: FixtureServer, _ file: String, status: Int = 200) -> LokiClient {
        LokiClient(transport: .direct(HTTPClient(), baseURL: "\(server.http)/corpus/\(status)/loki/\(file)"))
    }

    @Test("streams, matrix, vector, scalar and labels bodies decode")
    func lokiBodiesDecode() async throws {
        let server = try FixtureServer()
        let now = Date()
        let streams = try await Self.loki(server, "query_range-streams-oteldb-lokiproxy-testdata.json")
            .queryRange("{job=\"x\"}", start: now, end: now)
        #expect(streams.resultType == "streams")
        #expect(streams.streams.count == 74)
        let raw = try Self.sample("loki/query_range-streams-oteldb-lokiproxy-testdata.json")
        let rawLines = (raw[path: ["data", "result"]]?.arrayValue ?? []).reduce(0) { $0 + ($1["values"]?.arrayValue?.count ?? 0) }
        #expect(rawLines > 0 && streams.entryCount == rawLines, "every entry decodes, none dropped")
        #expect(streams.streams.allSatisfy { !$0.labels.isEmpty })

        let matrix = try await Self.loki(server, "query_range-matrix-oteldb-lokiproxy-testdata.json")
            .queryRange("count_over_time({job=\"x\"}[1m])", start: now, end: now, step: .seconds(60))
        #expect(matrix.resultType == "matrix")
        let rawPoints = (matrix.data["result"]?.arrayValue ?? []).reduce(0) { $0 + ($1["values"]?.arrayValue?.count ?? 0) }
        #expect(!matrix.series.isEmpty && rawPoints > 0 && matrix.series.reduce(0) { $0 + $1.points.count } == rawPoints)

        let vector = try await Self.loki(server, "query-vector-oteldb-lokiproxy-testdata.json").query("count_over_time({job=\"x\"}[1m])")
        #expect(vector.series == [LokiSeries(labels: [:], points: [.init(seconds: 1688734616.097, value: 4)])])

        // Loki answers a scalar expression with `result` as the point itself; this used to be "not a Loki query result".
        let scalar = try await Self.loki(server, "query-scalar-oteldb-lokiproxy-testdata.json").query("5")
        #expect(scalar.resultType == "scalar")
        #expect(scalar.series == [LokiSeries(labels: [:], points: [.init(seconds: 1688879688.235, value: 5)])])

        let labels = try await Self.loki(server, "labels-loki-2.9.3-issue-12185.json").labels()
        #expect(labels.count == 14 && labels.first == "account" && labels.last == "stream")
    }

    @Test("Loki's text/plain 400s become an HTTP error quoting Loki's text")
    func lokiErrorsQuoteLoki() async throws {
        let server = try FixtureServer()
        for (file, text) in [
            ("error-400-parse-error-body-issue-2862.txt", "parse error at line 1, col 21: syntax error: unexpected )"),
            ("error-400-bad-end-param-body-tumf-grafana-loki-mcp-17.txt",
                "could not parse 'end' parameter: strconv.ParseInt: parsing \"2025-05-27T14:59:33.073316\": invalid syntax"),
        ] {
            let error = await #expect(throws: ClusterError.self) {
                _ = try await Self.loki(server, file, status: 400).queryRange("{", start: Date(), end: Date())
            }
            #expect(error?.kind == .http && error?.status == 400 && error?.message == text, "\(String(describing: error))")
            #expect(error?.description.hasSuffix(": HTTP 400: " + text) == true, "\(String(describing: error))")
        }
    }

    @Test("every real Status body becomes a ClusterError with its code, reason and message naming the object")
    func kubeStatusBodies() async throws {
        let server = try FixtureServer()
        let cases: [(file: String, code: Int, reason: String, names: [String])] = [
            ("status-404-notfound-pods-grafana.json", 404, "NotFound", ["pods", "grafana"]),
            ("status-409-alreadyexists-configmap.json", 409, "AlreadyExists", ["configmaps", "nifi-apache-configmap-opnfv06"]),
            ("status-409-alreadyexists-openshift-template-with-group.json", 409, "AlreadyExists",
                ["templates.template.openshift.io", "hono-tenant"]),
            ("status-409-conflict-openshift-buildconfig.json", 409, "Conflict", ["buildconfig", "docker-hello-world-master"]),
            ("status-410-expired-continue-token.json", 410, "Expired", ["continue parameter is too old"]),
            ("status-422-invalid-deployment-causes.json", 422, "Invalid",
                ["Deployment.apps", "main-testfnbasicgpusupport", "spec.template.spec.containers[0].resources.limits"]),
        ]
        for item in cases {
            let client = KubernetesClient(config: ClusterConfig(server: "\(server.http)/corpus/\(item.code)/kube/\(item.file)"))
            let error = await #expect(throws: ClusterError.self) { _ = try await client.json(path: "/api/v1/namespaces/x/pods/y") }
            let body = try Self.sample("kube/" + item.file)
            #expect(error?.kind == .http && error?.status == item.code && error?.reason == item.reason, "\(item.file)")
            #expect(error?.message == body["message"]?.stringValue, "\(item.file)")
            let text = error?.description ?? ""
            #expect(text.contains("HTTP \(item.code) \(item.reason): "), "\(item.file): \(text)")
            for name in item.names { #expect(text.contains(name), "\(item.file): \(text) lacks \(name)") }
            #expect(error?.isNotFound == (item.code == 404) && error?.isConflict == (item.code == 409)
                && error?.isGone == (item.code == 410), "\(item.file)")
        }
    }

    /// The real watch ERROR line (HTTP 200, a 410 Expired Status inside) is what the simulated cluster sends for a
    /// compacted resourceVersion; `SimulatedClusterTests.watchRelistsOnAnErrorEventHolding410` shows the
    /// watch re-lists on it.
    @Test("the simulated watch ERROR/410 line has the real line's shape")
    func watchErrorLineShape() async throws {
        let real = try Self.sample("kube/watch-event-error-410-expired.json")
        #expect(real["type"] == "ERROR" && real[path: ["object", "code"]] == 410)
        try await withSimulatedCluster { cluster, client in
            let cms = try await client.resource(named: "configmaps")
            let initial = try await client.list(cms, namespace: "default")
            _ = try await client.create(configMap("moved-on"))
            cluster.state.compactEventLog()
            let raw = try await client.send(path: "/api/v1/namespaces/default/configmaps",
                query: [("watch", "1"), ("resourceVersion", initial.resourceVersion)])
            #expect(raw.status == 200)
            let line = try #require(String(decoding: raw.body, as: UTF8.self).split(separator: "\n").first)
            let simulated = try JSON(parsing: Array(line.utf8))
            let differences = JSON.shapeDifferences(real, simulated)
            #expect(differences.isEmpty, "\(differences)")
            #expect(simulated[path: ["object", "reason"]] == "Expired")
        }
    }

    /// `sample` with each result's `stream`/`metric` label set emptied: label names are data (each stream has
    /// its own), so the shape asks only for an object there, whose values the caller checks are strings.
    static func withoutLabelNames(_ sample: JSON) -> JSON {
        guard let result = sample[path: ["data", "result"]]?.arrayValue else { return sample }
        var copy = sample
        copy.set(.array(result.map { item in
            var item = item
            for key in ["stream", "metric"] where item[key] != nil { item.set(.object([:]), at: [key]) }
            return item
        }), at: ["data", "result"])
        return copy
    }

    @Test("the simulated Loki's streams, matrix, vector, labels and 400 have the real bodies' shape")
    func simulatedLokiShapes() async throws {
        try await LokiPlatform.with { platform in
            // Whole seconds, as the samples' queries were: Loki writes a whole-second point time as an integer.
            let now = Date(timeIntervalSince1970: (Date().timeIntervalSince1970).rounded(.down))
            try await platform.loki.push([LokiLogStream(labels: ["job": "corpus", "namespace": "airflow-dev"],
                entries: [.init(date: now.addingTimeInterval(-30), line: "one"), .init(date: now.addingTimeInterval(-20), line: "two")])])
            func body(_ path: String, _ query: [(String, String)]) async throws -> (Int, [UInt8]) {
                let response = try await platform.loki.send(path: path, query: query)
                return (response.status, response.body)
            }
            let start = LokiClient.nanoseconds(now.addingTimeInterval(-300))
            let end = LokiClient.nanoseconds(now.addingTimeInterval(60))
            let checks: [(file: String, path: String, query: [(String, String)])] = [
                ("query_range-streams-oteldb-lokiproxy-testdata.json", "/loki/api/v1/query_range",
                    [("query", "{job=\"corpus\"}"), ("start", start), ("end", end)]),
                ("query_range-matrix-oteldb-lokiproxy-testdata.json", "/loki/api/v1/query_range",
                    [("query", "count_over_time({job=\"corpus\"}[1m])"), ("start", start), ("end", end), ("step", "60")]),
                ("query-vector-oteldb-lokiproxy-testdata.json", "/loki/api/v1/query",
                    [("query", "count_over_time({job=\"corpus\"}[5m])"), ("time", end)]),
                ("labels-loki-2.9.3-issue-12185.json", "/loki/api/v1/labels", [("start", start), ("end", end)]),
            ]
            for check in checks {
                let (status, bytes) = try await body(check.path, check.query)
                #expect(status == 200, "\(check.path): \(String(decoding: bytes, as: UTF8.self))")
                let simulated = try JSON(parsing: bytes)
                let differences = JSON.shapeDifferences(Self.withoutLabelNames(try Self.sample("loki/" + check.file)), simulated)
                #expect(differences.isEmpty, "\(check.file): \(differences)")
                for item in simulated[path: ["data", "result"]]?.arrayValue ?? [] {
                    let labels = item["stream"] ?? item["metric"]
                    #expect(labels?.objectValue?.values.allSatisfy { $0.stringValue != nil } == true, "\(check.file): \(item)")
                }
                #expect(check.path.hasSuffix("labels") || simulated[path: ["data", "result"]]?.arrayValue?.isEmpty == false,
                    "\(check.file): the pushed lines are found")
            }
            // Loki's errors are text/plain, one line starting "parse error at line 1, col N:".
            let (status, bytes) = try await body("/loki/api/v1/query_range", [("query", "sum(count_over_time({job=\"corpus\"}[1m])))"),
                ("start", start), ("end", end)])
            let text = String(decoding: bytes, as: UTF8.self)
            #expect(status == 400)
            #expect((try? JSON(parsing: bytes)) == nil, "not JSON: \(text)")
            let real = try String(contentsOfFile: Self.corpus + "/loki/error-400-parse-error-body-issue-2862.txt", encoding: .utf8)
            #expect(real.hasPrefix("parse error at line 1, col "))
            #expect(text.hasPrefix("parse error at line 1, col "), "\(text)")
        }
    }
}
