/// One recorded HTTP exchange the cassette server answers with (`proof sim serve --replay RUN`). A value copy
/// of the evidence store's exchange, so the simulator does not depend on the store.
public struct CassetteEntry: Sendable, Hashable {
    /// One line of a streamed answer.
    public struct Chunk: Sendable, Hashable {
        /// Milliseconds after the request started.
        public var offsetMilliseconds: Int
        /// The line (a watch event), without its line break.
        public var body: [UInt8]

        /// A chunk.
        public init(offsetMilliseconds: Int, body: [UInt8]) {
            self.offsetMilliseconds = offsetMilliseconds
            self.body = body
        }
    }

    /// Position in the recording, from 1.
    public var sequence: Int
    /// The method.
    public var method: String
    /// The recorded URL (only its path and query are matched).
    public var url: String
    /// The status; `nil` when the recorded request got no answer (served as a 503).
    public var status: Int?
    /// Response headers, `[name, value]`.
    public var headers: [[String]]
    /// The buffered body.
    public var body: [UInt8]?
    /// The lines of a streamed answer.
    public var chunks: [Chunk]
    /// How long the exchange lasted, in milliseconds (a stream stays open this long).
    public var durationMilliseconds: Int
    /// The recorded transport error.
    public var error: String?

    /// An entry.
    public init(
        sequence: Int, method: String, url: String, status: Int?, headers: [[String]] = [], body: [UInt8]? = nil,
        chunks: [Chunk] = [], durationMilliseconds: Int = 0, error: String? = nil
    ) {
        self.sequence = sequence
        self.method = method
        self.url = url
        self.status = status
        self.headers = headers
        self.body = body
        self.chunks = chunks
        self.durationMilliseconds = durationMilliseconds
        self.error = error
    }

    /// Query parameters whose values depend on the wall clock and are ignored when matching (Loki's
    /// `start`/`end`/`time`, log `sinceTime`/`sinceSeconds`, and watch `timeoutSeconds`, which clients randomise).
    public static let volatileParameters: Set<String> = ["start", "end", "time", "since", "sinceTime", "sinceSeconds", "timeoutSeconds"]

    /// The matching key of a request: method, path and the sorted query without volatile parameters.
    public static func key(method: String, path: String, query: String?) -> String {
        var pairs: [String] = []
        for part in (query ?? "").split(separator: "&") where !part.isEmpty {
            let name = part.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            if !volatileParameters.contains(name.removingPercentEncoding ?? name) { pairs.append(String(part)) }
        }
        pairs.sort()
        return method.uppercased() + " " + path + (pairs.isEmpty ? "" : "?" + pairs.joined(separator: "&"))
    }

    /// This entry's matching key.
    public var key: String {
        let (path, query) = Self.split(url)
        return Self.key(method: method, path: path, query: query)
    }

    /// Path and query of an absolute or relative URL.
    static func split(_ url: String) -> (String, String?) {
        var rest = Substring(url)
        if let scheme = rest.range(of: "://") {
            rest = rest[scheme.upperBound...]
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        if let mark = rest.firstIndex(of: "?") {
            return (String(rest[..<mark]), String(rest[rest.index(after: mark)...]))
        }
        return (String(rest), nil)
    }
}

import Foundation
