import Foundation

/// One HTTP request and its answer, kept for the cassette mode (`proof run --record-http`): the client's
/// recorder (`CassetteRecorder`) produces it as seen on the wire, credentials included, and the evidence store
/// writes it (`EvidenceStore.recordHTTPExchange`).
///
/// Before writing, the store strips credentials: `Authorization`, `Proxy-Authorization`, `Cookie`,
/// `Set-Cookie` and `X-Auth-Token` values become markers, other header values and the URL are scrubbed, and a
/// body that parses as JSON is normalised like an object (Secrets in lists and watch events are redacted)
/// and stored canonically; any other body is scrubbed as text. Replays therefore serve redacted bodies.
public struct HTTPExchange: Sendable, Hashable {
    /// One chunk of a streamed answer (one watch event).
    public struct StreamEvent: Sendable, Hashable {
        /// Milliseconds after the request started.
        public var offsetMilliseconds: Int
        /// The chunk (normalised like a body).
        public var body: [UInt8]

        /// A chunk.
        public init(offsetMilliseconds: Int, body: [UInt8]) {
            self.offsetMilliseconds = offsetMilliseconds
            self.body = body
        }
    }

    /// Position in the run, from 1; assigned by the store (ignored when writing).
    public var sequence: Int
    /// When the request started.
    public var startedAt: Date
    /// How long it took, in milliseconds.
    public var durationMilliseconds: Int
    /// `GET`, `PATCH`…
    public var method: String
    /// The URL, without credentials.
    public var url: String
    /// Request headers in order.
    public var requestHeaders: [[String]]
    /// The request body.
    public var requestBody: [UInt8]?
    /// The HTTP status (`nil` when no answer came).
    public var status: Int?
    /// Response headers in order.
    public var responseHeaders: [[String]]
    /// The response body (for a stream, `nil`, and the chunks are in `streamEvents`).
    public var responseBody: [UInt8]?
    /// The chunks of a streamed answer.
    public var streamEvents: [StreamEvent]
    /// The transport error, when there was no answer; for a stream that broke, why; for a stream the client
    /// stopped reading (or that was still open when the run was stored), ``streamLeftOpen``.
    public var error: String?

    /// The `error` of a stream the server never ended: the client stopped reading it, or it was still open when
    /// the exchanges were stored. A replay keeps such a stream open until the client closes it, where a stream
    /// the server ended is ended at its recorded time (and the client reconnects, as it did).
    public static let streamLeftOpen = "stream left open: the client stopped reading; the server had not ended it"
    /// SHA-256 of the stored request body; assigned by the store.
    public var requestDigest: String?
    /// SHA-256 of the stored response body; assigned by the store.
    public var responseDigest: String?

    /// An exchange to record.
    public init(
        startedAt: Date, durationMilliseconds: Int, method: String, url: String, requestHeaders: [[String]] = [],
        requestBody: [UInt8]? = nil, status: Int?, responseHeaders: [[String]] = [], responseBody: [UInt8]? = nil,
        streamEvents: [StreamEvent] = [], error: String? = nil
    ) {
        self.sequence = 0
        self.startedAt = startedAt
        self.durationMilliseconds = durationMilliseconds
        self.method = method
        self.url = url
        self.requestHeaders = requestHeaders
        self.requestBody = requestBody
        self.status = status
        self.responseHeaders = responseHeaders
        self.responseBody = responseBody
        self.streamEvents = streamEvents
        self.error = error
    }
}
