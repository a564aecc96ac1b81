import Foundation
import ProofCore
import Synchronization
import Testing

@testable import ProofCluster

@Suite("HTTP client over libcurl")
struct HTTPClientTests {
    let server: FixtureServer
    init() throws { server = try FixtureServer() }

    func client(_ retry: RetryPolicy = RetryPolicy(initialDelay: .milliseconds(10), maxDelay: .milliseconds(50)))
        -> HTTPClient
    {
        HTTPClient(options: HTTPClientOptions(retry: retry))
    }

    @Test func sendsMethodHeadersAndBody() async throws {
        let request = HTTPRequest(
            method: "PATCH", url: server.http + "/echo?x=1", headers: [HTTPHeader("X-Test", "yes")],
            body: Array(#"{"a":1}"#.utf8))
        let response = try await client().send(request)
        #expect(response.status == 200)
        let echo = try JSON(parsing: response.body)
        #expect(echo["method"] == "PATCH")
        #expect(echo["path"] == "/echo?x=1")
        #expect(echo["body"] == #"{"a":1}"#)
        #expect(echo[path: ["headers", "x-test"]] == "yes")
        #expect(echo[path: ["headers", "expect"]] == nil)
        #expect(response.header("Content-Type") == "application/json")
    }

    @Test func reusesConnections() async throws {
        let http = client()
        let first = try JSON(parsing: try await http.send(HTTPRequest(url: server.http + "/echo")).body)
        let second = try JSON(parsing: try await http.send(HTTPRequest(url: server.http + "/echo")).body)
        #expect(first["clientPort"] != nil)
        #expect(first["clientPort"] == second["clientPort"], "the second request should reuse the pooled connection")
    }

    @Test func decodesGzip() async throws {
        let response = try await client().send(HTTPRequest(url: server.http + "/gzip"))
        let identity = try #require(response.header("x-identity-length").flatMap(Int.init))
        let wire = try #require(response.header("x-wire-length").flatMap(Int.init))
        #expect(response.header("content-encoding") == "gzip")
        #expect(wire < identity / 4)
        #expect(response.body.count == identity)
        #expect(try JSON(parsing: response.body)["items"]?.arrayValue?.count == 2000)
    }

    /// What a ``BodyPrefixReader`` was shown: the body's length at each call.
    final class PrefixCalls: Sendable {
        let lengths = Mutex<[Int]>([])
        func reader(limit: Int, doneAfter calls: Int) -> BodyPrefixReader {
            BodyPrefixReader(limit: limit) { prefix in
                self.lengths.withLock { lengths in
                    lengths.append(prefix.count)
                    return lengths.count >= calls
                }
            }
        }
    }

    @Test("a body prefix reader sees the start of a 2xx answer while it arrives, until it is done or past its limit")
    func bodyPrefixReader() async throws {
        // Done at once: called once, with the first chunk only (libcurl hands over at most 16 KiB at a time).
        let once = PrefixCalls()
        var request = HTTPRequest(url: server.http + "/gzip")
        request.bodyPrefix = once.reader(limit: 1 << 20, doneAfter: 1)
        let whole = try await client().send(request)
        #expect(whole.body.count > 64 * 1024)
        #expect(once.lengths.withLock { $0.count } == 1)
        #expect((once.lengths.withLock { $0.first } ?? .max) <= 16 * 1024)
        // Never done: shown more and more of the body until it reaches the limit, then no more.
        let bounded = PrefixCalls()
        request.bodyPrefix = bounded.reader(limit: 40_000, doneAfter: .max)
        _ = try await client().send(request)
        let lengths = bounded.lengths.withLock { $0 }
        #expect(lengths.count >= 3 && lengths == lengths.sorted())
        let last = lengths.last ?? 0
        #expect(lengths.dropLast().allSatisfy { $0 < 40_000 } && last >= 40_000 && last < whole.body.count)
        // Not a 2xx answer: not shown.
        let refused = PrefixCalls()
        var missing = HTTPRequest(url: server.http + "/status/404")
        missing.bodyPrefix = refused.reader(limit: 1 << 20, doneAfter: .max)
        #expect(try await client().send(missing).status == 404)
        #expect(refused.lengths.withLock { $0.isEmpty })
    }

    @Test func retries429HonouringRetryAfterThenSucceeds() async throws {
        let response = try await client().send(HTTPRequest(url: server.http + "/flaky/r429/2/429"))
        #expect(response.status == 200)
        #expect(try JSON(parsing: response.body)["hits"] == 3)
    }

    @Test func retries503ForIdempotentButNotForPOST() async throws {
        let get = try await client().send(HTTPRequest(url: server.http + "/flaky/get503/2/503"))
        #expect(get.status == 200)
        let post = try await client().send(HTTPRequest(method: "POST", url: server.http + "/flaky/post503/2/503", body: [1]))
        #expect(post.status == 503)
        let count = try JSON(parsing: try await client().send(HTTPRequest(url: server.http + "/count/post503")).body)
        #expect(count["count"] == 1, "a POST that reached the server must not be repeated")
    }

    @Test func retriesAreBoundedInCount() async throws {
        let response = try await client(RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(5)))
            .send(HTTPRequest(url: server.http + "/flaky/bounded/100/503"))
        #expect(response.status == 503)
        let count = try JSON(parsing: try await client().send(HTTPRequest(url: server.http + "/count/bounded")).body)
        #expect(count["count"] == 3)
    }

    @Test func retriesAreBoundedInTime() async throws {
        let started = ContinuousClock.now
        let policy = RetryPolicy(maxAttempts: 100, initialDelay: .milliseconds(100), maxDelay: .milliseconds(100), maxTotal: .milliseconds(400))
        let response = try await client(policy).send(HTTPRequest(url: server.http + "/flaky/timed/1000/503"))
        #expect(response.status == 503)
        let count = try JSON(parsing: try await client().send(HTTPRequest(url: server.http + "/count/timed")).body)
        #expect((count["count"]?.intValue ?? 0) <= 6, "maxTotal, not maxAttempts, must stop the retries")
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func retriesADroppedConnectionForGETOnly() async throws {
        let get = try await client().send(HTTPRequest(url: server.http + "/flakydrop/dropget/1"))
        #expect(get.status == 200)
        await #expect(throws: ClusterError.self) {
            _ = try await client().send(HTTPRequest(method: "POST", url: server.http + "/flakydrop/droppost/1", body: [1]))
        }
    }

    @Test func connectionRefusedIsRetriedThenReported() async throws {
        // A port nobody listens on: take a free one from a fixture, then stop it.
        var closed: FixtureServer? = try FixtureServer()
        let url = closed!.http + "/echo"
        closed = nil
        try await Task.sleep(for: .milliseconds(200))
        let started = ContinuousClock.now
        let error = await #expect(throws: ClusterError.self) {
            _ = try await client(RetryPolicy(maxAttempts: 3, initialDelay: .milliseconds(20)))
                .send(HTTPRequest(method: "POST", url: url, body: [1]))
        }
        #expect(error?.kind == .transport)
        // 7 (refused) normally; under a parallel test run another test's server may briefly take the freed
        // port, and the connection then fails after connecting (52/56) — still a transport failure.
        #expect([7, 52, 56].contains(error?.curlCode ?? 0))
        #expect(error?.description.contains("127.0.0.1") == true)
        if error?.curlCode == 7 {
            // Two retries, each after at least half its backoff step (10 ms, then 20 ms). A POST that reached
            // another test's server (52/56) may have been handled there, so it is rightly not retried.
            #expect(ContinuousClock.now - started >= .milliseconds(30), "connection refused is retried even for POST")
        }
        _ = closed
    }

    @Test func overallTimeout() async throws {
        let error = await #expect(throws: ClusterError.self) {
            _ = try await client(.none).send(HTTPRequest(url: server.http + "/slow/3", timeout: .milliseconds(300)))
        }
        #expect(error?.curlCode == 28)
    }

    @Test func errorNamesURLWithoutCredentialsStatusAndReason() async throws {
        let url = "http://alice:s3cret@127.0.0.1:\(server.port)/status/404"
        let response = try await client().send(HTTPRequest(url: url))
        let error = ClusterError.http(method: "GET", url: url, status: response.status, body: response.body)
        #expect(error.description == "GET http://127.0.0.1:\(server.port)/status/404: HTTP 404 NotFound: fixture status 404")
        #expect(!error.description.contains("s3cret"))
        #expect(error.isNotFound)
    }

    @Test func streamsLinesSplitAcrossChunks() async throws {
        let stream = try await client().stream(HTTPRequest(url: server.http + "/stream/20"))
        #expect(stream.status == 200)
        var indexes: [Int64] = []
        for try await line in stream { indexes.append(try JSON(parsing: line)["index"]?.intValue ?? -1) }
        #expect(indexes == Array(0..<20))
    }

    @Test func quietStreamOpensBeforeItsFirstLine() async throws {
        let started = ContinuousClock.now
        let stream = try await client().stream(HTTPRequest(url: server.http + "/stream-quiet"))
        #expect(ContinuousClock.now - started < .milliseconds(1200), "opening waits for headers, not for data")
        var lines: [JSON] = []
        for try await line in stream { lines.append(try JSON(parsing: line)) }
        #expect(lines == [["late": true]])
    }

    @Test func streamOpeningFailureCarriesStatus() async throws {
        let error = await #expect(throws: ClusterError.self) {
            _ = try await client(.none).stream(HTTPRequest(url: server.http + "/status/410"))
        }
        #expect(error?.status == 410)
        #expect(error?.isGone == true)
    }

    @Test func streamIdleTimeout() async throws {
        let stream = try await client().stream(HTTPRequest(url: server.http + "/stream-then-hang", idleTimeout: .seconds(1)))
        var lines = 0
        let error = await #expect(throws: ClusterError.self) {
            for try await _ in stream { lines += 1 }
        }
        #expect(lines == 1)
        #expect(error?.message.contains("idle") == true)
    }

    @Test func streamBuffersBoundedAndStopsWhenReaderLeaves() async throws {
        let http = HTTPClient(options: HTTPClientOptions(streamBufferLines: 4))
        let stream = try await http.stream(HTTPRequest(url: server.http + "/stream-forever"))
        var iterator = stream.makeAsyncIterator()
        _ = try await iterator.next()
        // A reader that stops: the server cannot get far ahead (4 buffered lines + socket buffers), where an
        // unbounded reader would take thousands of 256 KiB lines in a second.
        try await Task.sleep(for: .seconds(1))
        let counter = HTTPClient()
        let sent = try JSON(parsing: try await counter.send(HTTPRequest(url: server.http + "/count/forever")).body)["count"]?.intValue ?? 0
        #expect(sent > 1)
        #expect(sent < 120, "the transfer must pause while the reader is slow (server wrote \(sent) lines)")
        _ = try await iterator.next()
        _ = iterator
    }
}
