import ProofCore

/// A streaming HTTP response read line by line (a watch, a followed log), with bounded buffering: the
/// transfer pauses while `HTTPClientOptions.streamBufferLines` lines wait to be read.
///
/// Stop reading (or cancel the reading task) to close the connection.
public struct HTTPLineStream: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    /// The HTTP status of the response (2xx).
    public let status: Int
    /// The response headers, names lowercased.
    public let headers: [HTTPHeader]
    let lines: AsyncThrowingStream<[UInt8], any Error>
    let sink: LineSink
    /// Where each line is recorded (cassette mode).
    var tap: StreamTap? = nil

    /// Iterates the lines (without their line breaks; empty lines are skipped).
    public struct AsyncIterator: AsyncIteratorProtocol {
        var base: AsyncThrowingStream<[UInt8], any Error>.AsyncIterator
        let sink: LineSink
        let tap: StreamTap?

        /// The next line, or `nil` at the end of the stream; throws `ClusterError` when the transfer broke.
        public mutating func next() async throws -> [UInt8]? {
            let line: [UInt8]?
            do { line = try await base.next() } catch {
                tap?.end(error: error is CancellationError || Task.isCancelled ? HTTPExchange.streamLeftOpen : "\(error)")
                throw error
            }
            if let line {
                sink.slots.signal()
                tap?.line(line)
            } else {
                // The end of a stream read by a cancelled task is the client's doing, not the server's.
                tap?.end(error: Task.isCancelled ? HTTPExchange.streamLeftOpen : nil)
            }
            return line
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(base: lines.makeAsyncIterator(), sink: sink, tap: tap)
    }
}
