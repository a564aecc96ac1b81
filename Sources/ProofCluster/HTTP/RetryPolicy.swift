import Foundation

/// When to repeat a failed request: 429 (honouring `Retry-After`), 5xx and connection failures, with
/// jittered exponential backoff bounded in attempts and in total time.
///
/// A request that is not idempotent (POST, PATCH) is only repeated when it cannot have reached the server:
/// a refused connection, or a 429 (the server rejected it before handling it).
public struct RetryPolicy: Sendable {
    /// Attempts in all, the first included; 1 disables retries.
    public var maxAttempts: Int
    /// The first backoff delay; later ones double up to `maxDelay`.
    public var initialDelay: Duration
    /// The largest backoff delay.
    public var maxDelay: Duration
    /// No retry starts after this much time since the first attempt.
    public var maxTotal: Duration
    /// The longest `Retry-After` honoured.
    public var maxRetryAfter: Duration

    /// Creates a policy.
    public init(
        maxAttempts: Int = 5, initialDelay: Duration = .milliseconds(200), maxDelay: Duration = .seconds(5),
        maxTotal: Duration = .seconds(30), maxRetryAfter: Duration = .seconds(30)
    ) {
        self.maxAttempts = maxAttempts
        self.initialDelay = initialDelay
        self.maxDelay = maxDelay
        self.maxTotal = maxTotal
        self.maxRetryAfter = maxRetryAfter
    }

    /// Never retry.
    public static let none = RetryPolicy(maxAttempts: 1)

    /// The backoff before attempt `attempt + 1` (attempt counts from 1): full jitter over an exponential cap.
    func backoff(after attempt: Int) -> Duration {
        let cap = min(maxDelay, initialDelay * Int(1 << min(attempt - 1, 20)))
        let fraction = Double.random(in: 0.5...1.0)
        return cap * fraction
    }

    /// True for HTTP statuses worth repeating.
    static func isRetryable(status: Int, idempotent: Bool) -> Bool {
        if status == 429 { return true }
        return idempotent && [500, 502, 503, 504].contains(status)
    }

    /// True for libcurl failures worth repeating; `idempotent` allows those where the request may have been sent.
    static func isRetryable(curlCode: Int, idempotent: Bool) -> Bool {
        // 5 proxy not resolved, 6 host not resolved, 7 connect failed: nothing was sent.
        if [5, 6, 7].contains(curlCode) { return true }
        // 16 HTTP/2, 18 partial file, 28 timeout, 52 empty reply, 55 send, 56 receive, 92 HTTP/2 stream.
        return idempotent && [16, 18, 28, 52, 55, 56, 92].contains(curlCode)
    }

    /// Parses `Retry-After` (delta seconds, or an HTTP date).
    static func retryAfter(_ value: String?, now: Double) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value) { return .milliseconds(Int64(max(0, seconds) * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: value) else { return nil }
        return .milliseconds(Int64(max(0, date.timeIntervalSince1970 - now) * 1000))
    }
}
