import Foundation

/// One HTTP exchange as the client saw it on the wire (for the cassette mode, `proof run --record-http`):
/// the request, the answer, and for a streamed answer each line as it arrived. Credentials are still in it:
/// the evidence store strips them when it is written (`EvidenceStore.recordHTTPExchange`).
public struct RecordedExchange: Sendable, Hashable {
    /// One line of a streamed answer (one watch event).
    public struct Chunk: Sendable, Hashable {
        /// Milliseconds after the request started.
        public var offsetMilliseconds: Int
        /// The line, without its line break.
        public var body: [UInt8]
    }

    /// Order of the request in the recording, from 1.
    public var sequence: Int
    /// When the request started.
    public var startedAt: Date
    /// Milliseconds until the answer was complete (for a stream: until it ended or the reader stopped).
    public var durationMilliseconds: Int
    /// The method.
    public var method: String
    /// The absolute URL.
    public var url: String
    /// Request headers in order, as `[name, value]`.
    public var requestHeaders: [[String]]
    /// The request body.
    public var requestBody: [UInt8]?
    /// The status, `nil` when no answer came.
    public var status: Int?
    /// Response headers in order.
    public var responseHeaders: [[String]]
    /// The buffered body (`nil` for a stream).
    public var responseBody: [UInt8]?
    /// The lines of a streamed answer.
    public var chunks: [Chunk]
    /// Whether the answer was read as a stream.
    public var streamed: Bool
    /// The transport error, when there was no answer.
    public var error: String?
}
