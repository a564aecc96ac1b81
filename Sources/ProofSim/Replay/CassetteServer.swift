import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTLS
import Logging
import NIOCore
import ProofCore
import Synchronization

/// Serves a recorded run's HTTP exchanges back over HTTPS on 127.0.0.1 (`proof sim serve --replay RUN`), so a
/// scenario can be re-run offline and deterministically against exactly what the cluster answered.
///
/// A request is answered by the earliest unserved exchange with the same method, path and query (clock-
/// dependent query parameters ignored, see ``HTTPExchange/volatileParameters``); exchanges with different
/// keys may interleave (watches run beside reads), but each key is served in recorded order. A streamed
/// answer replays its lines at their recorded offsets and stays open as long as it did; one the server never
/// ended (``HTTPExchange/streamLeftOpen``) stays open until the client closes it. A request that has no
/// unserved exchange gets a Kubernetes `Status` 500 naming the request that was expected next.
public final class CassetteServer: Sendable {
    /// The base URL (`https://127.0.0.1:PORT`).
    public let url: String
    /// The bearer token clients must send.
    public let token: String
    /// The CA certificate (PEM) clients must trust.
    public let caPEM: String
    let state: CassetteState
    private let server: Task<Void, Never>

    private init(url: String, token: String, caPEM: String, state: CassetteState, server: Task<Void, Never>) {
        self.url = url
        self.token = token
        self.caPEM = caPEM
        self.state = state
        self.server = server
    }

    /// Starts serving `entries` (in recorded order). `pace` scales the recorded delays of streamed lines and
    /// stream ends (1 = as recorded, 0 = no waiting).
    public static func start(entries: [HTTPExchange], port: Int = 0, token: String? = nil, pace: Double = 1) async throws -> CassetteServer {
        let token = token ?? (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
        let state = CassetteState(entries: entries)
        let certificate = try ServingCertificate.generate()
        let (bound, continuation) = AsyncStream.makeStream(of: Result<Int, any Error>.self)
        var logger = Logger(label: "proof-sim-cassette")
        logger.logLevel = .critical
        let app = Application(
            responder: CassetteResponder(state: state, token: token, pace: max(0, pace)),
            server: try .tls(.http1(), tlsConfiguration: certificate.tlsConfiguration()),
            configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil),
            onServerRunning: { channel in continuation.yield(.success(channel.localAddress?.port ?? 0)) },
            logger: logger)
        let server = Task {
            do { try await app.run() } catch { continuation.yield(.failure(error)) }
            continuation.finish()
        }
        var boundPort = 0
        for await result in bound {
            boundPort = try result.get()
            break
        }
        return CassetteServer(url: "https://127.0.0.1:\(boundPort)", token: token, caPEM: certificate.caPEM, state: state, server: server)
    }

    /// Stops serving.
    public func stop() async {
        server.cancel()
        _ = await server.value
    }

    /// Exchanges served so far.
    public var served: Int { state.progress.served }
    /// Exchanges in the cassette.
    public var total: Int { state.progress.total }
    /// Requests answered with a 500 because the cassette held no matching exchange (method, path, what was
    /// expected).
    public var unexpected: [String] { state.progress.unexpected }

    /// A kubeconfig for this server (cluster, user and context `proof-sim-replay`).
    public func kubeconfig() -> String {
        """
        apiVersion: v1
        kind: Config
        clusters:
        - name: proof-sim-replay
          cluster:
            server: \(url)
            certificate-authority-data: \(Data(caPEM.utf8).base64EncodedString())
        users:
        - name: proof-sim-replay
          user:
            token: \(token)
        contexts:
        - name: proof-sim-replay
          context:
            cluster: proof-sim-replay
            user: proof-sim-replay
        current-context: proof-sim-replay
        preferences: {}

        """
    }

    /// Writes ``kubeconfig()`` to `path` with mode 0600.
    public func writeKubeconfig(to path: String) throws {
        let file = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600])
        try Data(kubeconfig().utf8).write(to: file)
    }
}

/// Which exchanges were served; shared by the responder's concurrent requests under a mutex.
///
/// Lock rule: `consumed` and `log` are `Mutex`es held only to mark or count an exchange; the response is written
/// after the lock is released.
final class CassetteState: Sendable {
    struct Progress {
        var total: Int
        var served: Int
        var unexpected: [String]
    }

    let entries: [HTTPExchange]
    let keys: [String]
    private let consumed: Mutex<[Bool]>
    private let log: Mutex<(served: Int, unexpected: [String])> = Mutex((0, []))

    init(entries: [HTTPExchange]) {
        self.entries = entries
        self.keys = entries.map(\.key)
        self.consumed = Mutex(Array(repeating: false, count: entries.count))
    }

    var progress: Progress {
        log.withLock { Progress(total: entries.count, served: $0.served, unexpected: $0.unexpected) }
    }

    /// The next unserved exchange for `key`, marked served; or the description of what was expected.
    func take(key: String) -> Result<HTTPExchange, CassetteMiss> {
        let outcome: Result<HTTPExchange, CassetteMiss> = consumed.withLock { consumed in
            if let index = keys.indices.first(where: { !consumed[$0] && keys[$0] == key }) {
                consumed[index] = true
                return .success(entries[index])
            }
            if let next = consumed.firstIndex(of: false) {
                return .failure(CassetteMiss(expected: "\(keys[next]) (exchange \(entries[next].sequence) of \(entries.count))"))
            }
            return .failure(CassetteMiss(expected: nil))
        }
        log.withLock { log in
            switch outcome {
            case .success: log.served += 1
            case .failure(let miss): log.unexpected.append("\(key), expected \(miss.expected ?? "nothing: the cassette is exhausted")")
            }
        }
        return outcome
    }
}

/// No exchange matched.
struct CassetteMiss: Error {
    /// The next unserved exchange, `nil` when all were served.
    var expected: String?
}

struct CassetteResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let state: CassetteState
    let token: String
    let pace: Double

    func respond(to request: Request, context: Context) async throws -> Response {
        guard request.headers[.authorization] == "Bearer \(token)" else {
            return Self.status(401, reason: "Unauthorized", message: "Unauthorized: send the bearer token of the replay kubeconfig")
        }
        let key = HTTPExchange.key(method: request.method.rawValue, path: request.uri.path, query: request.uri.query)
        switch state.take(key: key) {
        case .failure(let miss):
            let expected = miss.expected.map { "expected \($0)" } ?? "every recorded exchange was already served"
            return Self.status(500, reason: "InternalError", message: "cassette replay: unexpected request \(key); \(expected)")
        case .success(let entry):
            return answer(entry)
        }
    }

    func answer(_ entry: HTTPExchange) -> Response {
        guard let status = entry.status else {
            return Self.status(503, reason: "ServiceUnavailable", message: "cassette replay: the recorded request got no answer (\(entry.error ?? "transport error"))")
        }
        var headers = HTTPFields()
        for pair in entry.responseHeaders where pair.count == 2 {
            let name = pair[0].lowercased()
            // Lengths and encodings are the server's to set; credentials were replaced by markers.
            if ["content-length", "transfer-encoding", "content-encoding", "connection", "set-cookie"].contains(name) { continue }
            if let field = HTTPField.Name(pair[0]) { headers.append(HTTPField(name: field, value: pair[1])) }
        }
        // A streamed answer: its lines (none for a quiet watch), then open until it ended.
        if !entry.streamEvents.isEmpty || (entry.responseBody == nil && (200..<300).contains(status)) {
            let chunks = entry.streamEvents
            let pace = pace
            let end = entry.durationMilliseconds
            let leftOpen = entry.error == HTTPExchange.streamLeftOpen
            let body = ResponseBody { writer in
                let start = ContinuousClock.now
                for chunk in chunks {
                    try await Self.sleep(until: start, offset: chunk.offsetMilliseconds, pace: pace)
                    var buffer = ByteBuffer()
                    buffer.writeBytes(chunk.body)
                    buffer.writeInteger(UInt8(ascii: "\n"))
                    try await writer.write(buffer)
                }
                if leftOpen {
                    // The server never ended it: open until the client closes it (or the replay stops).
                    while !Task.isCancelled { try await Task.sleep(for: .seconds(3600)) }
                }
                try await Self.sleep(until: start, offset: end, pace: pace)
                try await writer.finish(nil)
            }
            return Response(status: .init(code: status), headers: headers, body: body)
        }
        return Response(status: .init(code: status), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: entry.responseBody ?? [])))
    }

    static func sleep(until start: ContinuousClock.Instant, offset: Int, pace: Double) async throws {
        guard pace > 0 else { return }
        let target = start + .milliseconds(Int64(Double(offset) * pace))
        if target > .now { try await Task.sleep(until: target) }
    }

    static func status(_ code: Int, reason: String, message: String) -> Response {
        let status: JSON = [
            "kind": "Status", "apiVersion": "v1", "metadata": [:], "status": "Failure", "message": .string(message),
            "reason": .string(reason), "code": .int(Int64(code)),
        ]
        var buffer = ByteBuffer()
        buffer.writeBytes(status.canonicalData)
        return Response(status: .init(code: code), headers: [.contentType: "application/json"], body: .init(byteBuffer: buffer))
    }
}
