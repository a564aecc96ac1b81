import Foundation
import ProofCCurl
import Synchronization

/// The state of one transfer, shared with libcurl's callbacks through an `Unmanaged` pointer.
///
/// `@unchecked Sendable`: the mutable fields are touched only by the thread running `curl_easy_perform`
/// (callbacks run on it) until perform returns; the result is handed to other threads only after that, through
/// a continuation, which orders the accesses. `cancelled` is atomic; `lineSink` is itself `Sendable`.
final class Transfer: @unchecked Sendable {
    var status = 0
    var headers: [HTTPHeader] = []
    var body: [UInt8] = []
    var lastActivity = ContinuousClock.now
    var idleTimedOut = false
    /// Set from any thread to abort the transfer at the next callback.
    let cancelled = Atomic<Bool>(false)
    /// Streams only: where lines go once a 2xx answer starts.
    let lineSink: LineSink?
    let idleTimeout: Duration?
    /// Streams only: called once when a 2xx body begins (or the transfer ends), with status and headers.
    var onStart: ((Int, [HTTPHeader]) -> Void)?
    var started = false
    private var pending: [UInt8] = []
    /// Buffered transfers only: shown the body so far after each chunk of a 2xx answer, until it is done.
    private var prefixReader: BodyPrefixReader?

    init(lineSink: LineSink? = nil, idleTimeout: Duration? = nil, prefixReader: BodyPrefixReader? = nil) {
        self.lineSink = lineSink
        self.idleTimeout = idleTimeout
        self.prefixReader = prefixReader
    }

    /// Handles a chunk of body; returns false to abort.
    func receive(_ data: UnsafeRawBufferPointer) -> Bool {
        if cancelled.load(ordering: .relaxed) { return false }
        lastActivity = .now
        guard let lineSink, (200..<300).contains(status) else {
            if body.isEmpty, let length = contentLength, length > 0, length < 1 << 30 {
                body.reserveCapacity(length)
            }
            body.append(contentsOf: data)
            if let reader = prefixReader, (200..<300).contains(status) {
                if body.withUnsafeBufferPointer(reader.read) || body.count >= reader.limit { prefixReader = nil }
            }
            return true
        }
        if !started {
            started = true
            onStart?(status, headers)
        }
        var start = data.startIndex
        for index in data.indices where data[index] == UInt8(ascii: "\n") {
            pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[start..<index]))
            start = index + 1
            if pending.last == UInt8(ascii: "\r") { pending.removeLast() }
            if !pending.isEmpty {
                guard lineSink.deliver(pending, cancelled: cancelled) else { return false }
                pending.removeAll(keepingCapacity: true)
            }
            lastActivity = .now
        }
        pending.append(contentsOf: UnsafeRawBufferPointer(rebasing: data[start...]))
        return true
    }

    /// Delivers a last line without a newline, when the stream ends.
    func flush() {
        if let lineSink, started, !pending.isEmpty {
            _ = lineSink.deliver(pending, cancelled: cancelled)
            pending.removeAll()
        }
    }

    /// Handles one header line (status lines included).
    func receiveHeader(_ line: String) {
        lastActivity = .now
        let trimmed = Self.trimmingSpace(line[...])
        if trimmed.isEmpty {
            // The end of a header block. A 2xx stream starts here, before its first byte, so that opening a
            // quiet watch or log returns at once. (1xx blocks are skipped; a proxy's CONNECT answer never
            // reaches this callback: CURLOPT_SUPPRESS_CONNECT_HEADERS.)
            if lineSink != nil, (200..<300).contains(status), !started {
                started = true
                onStart?(status, headers)
            }
            return
        }
        if trimmed.hasPrefix("HTTP/") {
            // A new response (after 100 Continue or a proxy's CONNECT answer): start over.
            headers.removeAll()
            let parts = trimmed.split(separator: " ")
            if parts.count >= 2, let code = Int(parts[1]) { status = code }
            return
        }
        guard let colon = trimmed.firstIndex(of: ":") else { return }
        let name = trimmed[..<colon].lowercased()
        let value = String(Self.trimmingSpace(trimmed[trimmed.index(after: colon)...]))
        headers.append(HTTPHeader(name, value))
    }

    /// `text` without the spaces, tabs, CRs and LFs around it: HTTP's optional whitespace (RFC 9110 OWS is
    /// space and tab) and the line's end. Byte by byte, without Foundation (a header line per response header).
    static func trimmingSpace(_ text: Substring) -> Substring {
        func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A }
        guard let first = text.utf8.firstIndex(where: { !isSpace($0) }), let last = text.utf8.lastIndex(where: { !isSpace($0) }) else {
            return text[text.endIndex...]
        }
        return text[first...last]
    }

    /// Progress tick (about once a second, even when idle): false aborts.
    func tick() -> Bool {
        if cancelled.load(ordering: .relaxed) { return false }
        if let idleTimeout, ContinuousClock.now - lastActivity > idleTimeout {
            idleTimedOut = true
            return false
        }
        return true
    }

    private var contentLength: Int? {
        headers.first { $0.name == "content-length" }.flatMap { Int($0.value) }
    }
}

/// libcurl callbacks; the context pointer is an unretained `Transfer`.
enum TransferCallbacks {
    static let write: proof_curl_data_callback = { data, size, count, context in
        guard let context else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard let data, length > 0 else { return length }
        return transfer.receive(UnsafeRawBufferPointer(start: data, count: length)) ? length : 0
    }

    static let header: proof_curl_data_callback = { data, size, count, context in
        guard let context else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
        let length = size * count
        guard let data, length > 0 else { return length }
        let bytes = UnsafeRawBufferPointer(start: data, count: length)
        transfer.receiveHeader(String(decoding: bytes, as: UTF8.self))
        return length
    }

    static let progress: proof_curl_xferinfo_callback = { context, _, _, _, _ in
        guard let context else { return 0 }
        let transfer = Unmanaged<Transfer>.fromOpaque(context).takeUnretainedValue()
        return transfer.tick() ? 0 : 1
    }
}

/// The producer side of a line stream, with bounded buffering: the transfer thread waits while
/// `capacity` lines are unread (it is a dedicated thread, so waiting blocks nothing else).
final class LineSink: Sendable {
    let continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation
    let slots: DispatchSemaphore

    init(continuation: AsyncThrowingStream<[UInt8], any Error>.Continuation, capacity: Int) {
        self.continuation = continuation
        // Start at 0 and add the slots by signalling: libdispatch traps when a semaphore is released with a
        // value below its initial one, which happens here whenever the reader leaves with lines unread.
        self.slots = DispatchSemaphore(value: 0)
        for _ in 0..<capacity { slots.signal() }
    }

    /// Waits for room, then yields; false when the consumer went away.
    func deliver(_ line: [UInt8], cancelled: borrowing Atomic<Bool>) -> Bool {
        while slots.wait(timeout: .now() + .milliseconds(200)) == .timedOut {
            if cancelled.load(ordering: .relaxed) { return false }
        }
        if cancelled.load(ordering: .relaxed) { return false }
        if case .terminated = continuation.yield(line) { return false }
        return true
    }
}
