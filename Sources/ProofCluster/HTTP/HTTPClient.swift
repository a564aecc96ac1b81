import Foundation
import Logging
import ProofCCurl

/// An HTTP/1.1 and HTTP/2 client over libcurl: buffered and streaming requests, TLS with in-memory
/// certificates, gzip, proxies, timeouts and retries.
///
/// Transfers run on their own threads (`curl_easy_perform` blocks), never on Swift's cooperative pool; easy
/// handles are pooled so that connections are reused.
public final class HTTPClient: Sendable {
    /// The settings this client was made with.
    public let options: HTTPClientOptions
    let pool = EasyHandlePool()
    let logger: Logger

    /// Creates a client.
    public init(options: HTTPClientOptions = HTTPClientOptions(), logger: Logger = Logger(label: "proof.http")) {
        self.options = options
        self.logger = logger
    }

    /// Sends a request and buffers the answer, retrying as `options.retry` allows. Any HTTP status is
    /// returned (after retries of 429/5xx ran out); only transport failures throw (`ClusterError`).
    public func send(_ request: HTTPRequest) async throws -> HTTPResponse {
        let policy = options.retry
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            let outcome: Result<HTTPResponse, ClusterError>
            let recording = options.recorder.map { ($0, $0.begin(request, streamed: false)) }
            do {
                outcome = .success(try await perform(request))
            } catch let error as ClusterError {
                outcome = .failure(error)
            }
            if let (recorder, token) = recording { recorder.answer(token, outcome) }
            let delay: Duration?
            switch outcome {
            case .success(let response):
                guard RetryPolicy.isRetryable(status: response.status, idempotent: request.idempotent) else {
                    return response
                }
                let retryAfter = RetryPolicy.retryAfter(
                    response.header("retry-after"), now: Date().timeIntervalSince1970)
                // Never sooner than the server asks, and never sooner than the first backoff step (a
                // `Retry-After: 0` must not turn into a busy loop).
                delay = retryAfter.map { max(policy.initialDelay, min($0, policy.maxRetryAfter)) }
                    ?? policy.backoff(after: attempt)
            case .failure(let error):
                guard error.kind == .transport, let code = error.curlCode,
                    RetryPolicy.isRetryable(curlCode: code, idempotent: request.idempotent)
                else { throw error }
                delay = policy.backoff(after: attempt)
            }
            let elapsed = ContinuousClock.now - started
            guard attempt < policy.maxAttempts, let delay, elapsed + delay <= policy.maxTotal else {
                return try outcome.get()
            }
            logger.debug("retrying \(request) in \(delay) (attempt \(attempt + 1) of \(policy.maxAttempts))")
            do { try await Task.sleep(for: delay) } catch {
                throw ClusterError(kind: .cancelled, message: "cancelled", method: request.method, url: request.url)
            }
        }
    }

    /// Starts a streaming request and returns once a 2xx answer begins; its body is then read line by line.
    /// A non-2xx answer throws `ClusterError` carrying the status and the Kubernetes `Status`; opening is
    /// retried like `send`.
    public func stream(_ request: HTTPRequest) async throws -> HTTPLineStream {
        let policy = options.retry
        let started = ContinuousClock.now
        var attempt = 0
        while true {
            attempt += 1
            var delay: Duration
            let recording = options.recorder.map { ($0, $0.begin(request, streamed: true)) }
            do {
                var stream = try await openStream(request)
                if let (recorder, token) = recording {
                    recorder.answer(token, status: stream.status, headers: stream.headers.map { ($0.name, $0.value) }, body: nil)
                    stream.tap = StreamTap(recorder: recorder, token: token)
                }
                return stream
            } catch let error as ClusterError {
                if let (recorder, token) = recording { recorder.answer(token, .failure(error)) }
                var retryable = false
                delay = policy.backoff(after: attempt)
                if error.kind == .http, let status = error.status {
                    retryable = RetryPolicy.isRetryable(status: status, idempotent: request.idempotent)
                    if let retryAfter = error.retryAfter {
                        delay = max(policy.initialDelay, min(retryAfter, policy.maxRetryAfter))
                    }
                } else if error.kind == .transport, let code = error.curlCode {
                    retryable = RetryPolicy.isRetryable(curlCode: code, idempotent: request.idempotent)
                }
                guard retryable, attempt < policy.maxAttempts,
                    ContinuousClock.now - started + delay <= policy.maxTotal
                else { throw error }
            }
            do { try await Task.sleep(for: delay) } catch {
                throw ClusterError(kind: .cancelled, message: "cancelled", method: request.method, url: request.url)
            }
        }
    }

    // MARK: - One attempt

    /// One buffered transfer on its own thread.
    func perform(_ request: HTTPRequest) async throws -> HTTPResponse {
        try CurlGlobal.requireReady(request)
        let transfer = Transfer(prefixReader: request.bodyPrefix)
        let pool = self.pool
        let options = self.options
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<HTTPResponse, any Error>) in
                let thread = Thread {
                    let handle = pool.take()
                    let result = Self.run(request, on: handle, transfer: transfer, options: options, streaming: false)
                    pool.put(handle)
                    switch result {
                    case .success:
                        continuation.resume(returning: HTTPResponse(
                            status: transfer.status, headers: transfer.headers, body: transfer.body))
                    case .failure(let error):
                        continuation.resume(throwing: error)
                    }
                }
                thread.name = "proof.curl"
                thread.start()
            }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
        }
    }

    /// One streaming transfer on its own thread; returns when the body starts.
    func openStream(_ request: HTTPRequest) async throws -> HTTPLineStream {
        try CurlGlobal.requireReady(request)
        let (lines, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        let sink = LineSink(continuation: continuation, capacity: max(1, options.streamBufferLines))
        let transfer = Transfer(lineSink: sink, idleTimeout: request.idleTimeout ?? options.streamIdleTimeout)
        continuation.onTermination = { _ in transfer.cancelled.store(true, ordering: .relaxed) }
        let options = self.options
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (open: CheckedContinuation<HTTPLineStream, any Error>) in
                transfer.onStart = { status, headers in
                    open.resume(returning: HTTPLineStream(status: status, headers: headers, lines: lines, sink: sink))
                }
                let thread = Thread {
                    // A stream holds its connection for long: it gets its own handle, not a pooled one.
                    let handle = EasyHandle()
                    let result = Self.run(request, on: handle, transfer: transfer, options: options, streaming: true)
                    transfer.flush()
                    if transfer.started {
                        switch result {
                        case .success: continuation.finish()
                        case .failure(let error):
                            // The consumer stopped reading: that is an ordinary end, not an error.
                            if transfer.cancelled.load(ordering: .relaxed) { continuation.finish() } else {
                                continuation.finish(throwing: error)
                            }
                        }
                        return
                    }
                    switch result {
                    case .success where (200..<300).contains(transfer.status):
                        // A 2xx answer with an empty body: an empty stream.
                        continuation.finish()
                        open.resume(returning: HTTPLineStream(
                            status: transfer.status, headers: transfer.headers, lines: lines, sink: sink))
                    case .success:
                        var error = ClusterError.http(
                            method: request.method, url: request.url, status: transfer.status, body: transfer.body)
                        error.retryAfter = RetryPolicy.retryAfter(
                            transfer.headers.first { $0.name == "retry-after" }?.value,
                            now: Date().timeIntervalSince1970)
                        continuation.finish(throwing: error)
                        open.resume(throwing: error)
                    case .failure(let error):
                        continuation.finish(throwing: error)
                        open.resume(throwing: error)
                    }
                }
                thread.name = "proof.curl.stream"
                thread.start()
            }
        } onCancel: {
            transfer.cancelled.store(true, ordering: .relaxed)
        }
    }
}
