import Foundation
import ProofCore

/// How the cassette server (`proof sim serve --replay RUN`) matches a request to a recorded ``HTTPExchange``.
extension HTTPExchange {
    /// Query parameters whose values depend on the wall clock and are ignored when matching (Loki's
    /// `start`/`end`/`time`, log `sinceTime`/`sinceSeconds`, and watch `timeoutSeconds`, which clients randomise).
    public static let volatileParameters: Set<String> = ["start", "end", "time", "since", "sinceTime", "sinceSeconds", "timeoutSeconds"]

    /// The matching key of a request: method, path and the sorted query without volatile parameters. A watch's
    /// `resourceVersion` is volatile too: a watch reopened after the server ended it resumes from the last
    /// version it read, and which bookmark came last before the end depends on timing.
    public static func key(method: String, path: String, query: String?) -> String {
        var pairs: [String] = []
        let parts = (query ?? "").split(separator: "&").filter { !$0.isEmpty }
        let isWatch = parts.contains { $0 == "watch=1" || $0 == "watch=true" }
        for part in parts {
            let name = part.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
            let decoded = name.removingPercentEncoding ?? name
            if volatileParameters.contains(decoded) || (isWatch && decoded == "resourceVersion") { continue }
            pairs.append(String(part))
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
