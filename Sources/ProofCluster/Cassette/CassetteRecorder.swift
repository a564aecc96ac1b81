import Foundation
import ProofCore
import Synchronization

/// Collects every HTTP exchange an ``HTTPClient`` makes while it is set as `HTTPClientOptions.recorder`
/// (`proof run --record-http`): each attempt of a buffered request, and each streamed answer line by line.
///
/// ```swift
/// let recorder = CassetteRecorder()
/// var options = HTTPClientOptions(); options.recorder = recorder
/// let client = KubernetesClient(config: config, options: options)
/// … run …
/// for exchange in recorder.exchanges() { … store.recordHTTPExchange(…) }
/// ```
public final class CassetteRecorder: Sendable {
    private struct Entry {
        var exchange: HTTPExchange
        /// Whether the answer is read as a stream (its lines go to `streamEvents`, not `responseBody`).
        var streamed: Bool
        var started: ContinuousClock.Instant
        var open: Bool
    }

    private let entries = Mutex<[Entry]>([])

    /// An empty recorder.
    public init() {}

    /// A token for one exchange in flight.
    public struct Token: Sendable, Hashable {
        let index: Int
    }

    /// Notes a request as it starts; returns the token to complete it with.
    public func begin(method: String, url: String, headers: [(String, String)], body: [UInt8]?, streamed: Bool) -> Token {
        let exchange = HTTPExchange(
            startedAt: Date(), durationMilliseconds: 0, method: method, url: url, requestHeaders: headers.map { [$0.0, $0.1] },
            requestBody: body, status: nil)
        return entries.withLock { entries in
            entries.append(Entry(exchange: exchange, streamed: streamed, started: .now, open: true))
            return Token(index: entries.count - 1)
        }
    }

    /// Completes an exchange with its answer (or the transport error). For a stream this records the
    /// headers; lines follow with ``append(_:line:)`` and the end with ``end(_:error:)``.
    public func answer(_ token: Token, status: Int?, headers: [(String, String)], body: [UInt8]?, error: String? = nil) {
        entries.withLock { entries in
            var entry = entries[token.index]
            entry.exchange.status = status
            entry.exchange.responseHeaders = headers.map { [$0.0, $0.1] }
            entry.exchange.responseBody = entry.streamed && error == nil && status.map({ (200..<300).contains($0) }) == true ? nil : body
            entry.exchange.error = error
            if !entry.streamed || entry.exchange.responseBody != nil || error != nil {
                entry.exchange.durationMilliseconds = Self.milliseconds(since: entry.started)
                entry.open = false
            }
            entries[token.index] = entry
        }
    }

    /// Records one line of a streamed answer.
    public func append(_ token: Token, line: [UInt8]) {
        entries.withLock { entries in
            entries[token.index].exchange.streamEvents.append(
                HTTPExchange.StreamEvent(offsetMilliseconds: Self.milliseconds(since: entries[token.index].started), body: line))
        }
    }

    /// Records the end of a streamed answer (`error` when it broke).
    public func end(_ token: Token, error: String? = nil) {
        entries.withLock { entries in
            guard entries[token.index].open else { return }
            entries[token.index].exchange.durationMilliseconds = Self.milliseconds(since: entries[token.index].started)
            if let error { entries[token.index].exchange.error = error }
            entries[token.index].open = false
        }
    }

    /// Every exchange so far, in the order the requests started, numbered from 1. Streams still open are
    /// given as they are now (their duration runs to this moment) and marked ``HTTPExchange/streamLeftOpen``.
    public func exchanges() -> [HTTPExchange] {
        entries.withLock { entries in
            entries.enumerated().map { index, entry in
                var exchange = entry.exchange
                exchange.sequence = index + 1
                if entry.open {
                    exchange.durationMilliseconds = Self.milliseconds(since: entry.started)
                    if entry.streamed, exchange.status != nil { exchange.error = exchange.error ?? HTTPExchange.streamLeftOpen }
                }
                return exchange
            }
        }
    }

    /// How many exchanges were recorded.
    public var count: Int { entries.withLock { $0.count } }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }
}

/// Records the lines of one streamed answer into a ``CassetteRecorder``.
struct StreamTap: Sendable {
    let recorder: CassetteRecorder
    let token: CassetteRecorder.Token

    func line(_ bytes: [UInt8]) { recorder.append(token, line: bytes) }
    func end(error: String?) { recorder.end(token, error: error) }
}

extension CassetteRecorder {
    /// Notes an ``HTTPRequest`` as it starts.
    func begin(_ request: HTTPRequest, streamed: Bool) -> Token {
        begin(method: request.method, url: request.url, headers: request.headers.map { ($0.name, $0.value) }, body: request.body, streamed: streamed)
    }

    /// Completes a buffered exchange with its outcome.
    func answer(_ token: Token, _ outcome: Result<HTTPResponse, ClusterError>) {
        switch outcome {
        case .success(let response):
            answer(token, status: response.status, headers: response.headers.map { ($0.name, $0.value) }, body: response.body)
        case .failure(let error):
            // A non-2xx stream opening carries its status; a transport failure has none.
            answer(token, status: error.status, headers: [], body: error.status == nil ? nil : Array(error.message.utf8), error: error.status == nil ? error.message : nil)
        }
    }
}
