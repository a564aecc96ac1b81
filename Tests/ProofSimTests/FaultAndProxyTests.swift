import Foundation
import ProofCore
import ProofSim
import Testing

/// A service handler that echoes what it got.
struct EchoHandler: SimServiceHandler {
    func handle(_ request: ServiceRequest) async throws -> ServiceResponse {
        .json(["method": .string(request.method), "path": .string(request.path), "query": .string(request.query ?? ""),
            "service": .string(request.service), "port": .string(request.port ?? "")])
    }
}

/// The fault switchboard (Swift, flag spec and admin endpoint) and the service proxy.
@Suite("fault switchboard and service proxy")
struct FaultAndProxyTests {
    @Test("status faults apply to the next K matching requests, with Retry-After for 429")
    func statusFaults() async throws {
        try await SimFixture.withCluster { cluster, client in
            cluster.faults.add(try FaultRule(spec: "status=503,method=GET,path=/api/v1/namespaces/*/pods,count=2"))
            #expect(try await client.request("GET", "/api/v1/namespaces/airflow-dev/pods").status == 503)
            #expect(try await client.request("GET", "/api/v1/namespaces").status == 200, "other paths are untouched")
            #expect(try await client.request("GET", "/api/v1/namespaces/baseline-dev/pods").status == 503)
            #expect(try await client.request("GET", "/api/v1/namespaces/airflow-dev/pods").status == 200, "count is used up")

            cluster.faults.add(try FaultRule(spec: "status=429,retry-after=3,path=/apis/**,count=1"))
            let throttled = try await client.request("GET", "/apis/apps/v1/deployments")
            #expect(throttled.status == 429)
            #expect(throttled.headers["retry-after"] == "3")
            #expect(throttled.json["reason"]?.stringValue == "TooManyRequests")
        }
    }

    @Test("latency faults slow responses down")
    func latency() async throws {
        try await SimFixture.withCluster({ $0.faults = [try! FaultRule(spec: "latency=400ms,path=/api/v1/nodes,count=1")] }) { _, client in
            let start = ContinuousClock.now
            let status = try await client.request("GET", "/api/v1/nodes").status
            #expect(status == 200)
            #expect(ContinuousClock.now - start >= .milliseconds(400))
        }
    }

    @Test("watch faults: dropped after N events, forced 410; the admin endpoint arms and clears them")
    func watchFaults() async throws {
        try await SimFixture.withCluster { _, client in
            let armed = try await client.request("POST", "/_sim/faults", body: ["path": "/api/v1/events", "dropWatchAfter": 2, "count": 1])
            #expect(armed.status == 201)
            let dropped = try await client.request("GET", "/api/v1/events?watch=1&timeoutSeconds=5")
            #expect(dropped.lines.count == 2, "\(dropped.text)")

            _ = try await client.request("POST", "/_sim/faults", body: ["path": "/api/v1/pods", "gone": true])
            #expect(try await client.request("GET", "/api/v1/pods?watch=1").status == 410)
            #expect(try await client.request("GET", "/api/v1/pods").status == 200, "410 faults hit only watches")
            let listed = try await client.request("GET", "/_sim/faults").json["faults"]?.arrayValue ?? []
            #expect(listed.count == 1)
            #expect(try await client.request("DELETE", "/_sim/faults", token: "wrong").status == 401)
            #expect(try await client.request("DELETE", "/_sim/faults").status == 200)
            #expect(try await client.request("GET", "/api/v1/pods?watch=1&timeoutSeconds=1").status == 200)
        }
    }

    @Test("the fault spec form rejects nonsense with a message saying what to do")
    func specErrors() {
        #expect(throws: SimError.self) { try FaultRule(spec: "path=/api") }
        #expect(throws: SimError.self) { try FaultRule(spec: "status=200") }
        #expect(throws: SimError.self) { try FaultRule(spec: "colour=blue") }
        #expect(FaultRule.glob("/api/v1/namespaces/*/pods", matches: "/api/v1/namespaces/x/pods"))
        #expect(!FaultRule.glob("/api/v1/namespaces/*/pods", matches: "/api/v1/namespaces/x/y/pods"))
        #expect(FaultRule.glob("/apis/**", matches: "/apis/apps/v1/deployments"))
    }

    @Test("service proxy reaches the handler only while a Ready pod backs the Service")
    func serviceProxy() async throws {
        try await SimFixture.withCluster { cluster, client in
            cluster.services.register(namespace: "baseline-dev", name: "loki", EchoHandler())
            let ok = try await client.request("GET", "/api/v1/namespaces/baseline-dev/services/loki:3100/proxy/loki/api/v1/labels?since=1h")
            #expect(ok.status == 200)
            #expect(ok.json["path"]?.stringValue == "/loki/api/v1/labels")
            #expect(ok.json["query"]?.stringValue == "since=1h")
            #expect(ok.json["port"]?.stringValue == "3100")

            cluster.services.register(namespace: "baseline-dev", name: "nothing-behind", EchoHandler())
            let noEndpoints = try await client.request("GET", "/api/v1/namespaces/baseline-dev/services/nothing-behind/proxy/")
            #expect(noEndpoints.status == 503)
            #expect(noEndpoints.json["message"]?.stringValue?.contains("no endpoints available") == true)

            // Scale Loki to zero: the proxy refuses once its pod is gone.
            _ = try await client.request("PATCH", "/apis/apps/v1/namespaces/baseline-dev/statefulsets/loki/scale",
                body: ["spec": ["replicas": 0]], contentType: "application/merge-patch+json")
            let down = await eventually {
                (try? await client.request("GET", "/api/v1/namespaces/baseline-dev/services/loki:3100/proxy/ready").status) == 503
            }
            #expect(down)
        }
    }
}
