import Foundation
import ProofCore

/// One fault the simulated API server injects into matching requests.
///
/// A rule matches a request by method (`nil` = any) and path glob (`*` = one path segment's characters,
/// `**` = anything, including `/`), and applies to the next `count` matching requests (`nil` = until
/// cleared). Spec form (for `--fault` and docs): comma-separated `key=value` pairs, for example
/// `status=503,path=/api/v1/namespaces/*/pods,method=GET,count=3`, `status=429,retry-after=2`,
/// `latency=250ms,path=/apis/**`, `drop-watch=5,path=/apis/apps/v1/**`, `gone,path=/api/v1/pods`.
public struct FaultRule: Sendable, Equatable {
    /// What the rule does to a matching request.
    public enum Action: Sendable, Equatable {
        /// Answer with this HTTP status (a `Status` body), with `Retry-After` when given (429/503).
        case status(code: Int, retryAfterSeconds: Int?)
        /// Delay the response by this many milliseconds, then serve it normally.
        case latency(milliseconds: Int)
        /// For watches: end the stream after this many events.
        case dropWatch(afterEvents: Int)
        /// For watches: answer 410 Gone (`Expired`) as if the resourceVersion were compacted away.
        case gone
    }

    /// HTTP method to match, uppercase; `nil` matches any.
    public var method: String?
    /// Path glob; `**` matches every path.
    public var path: String
    /// The fault.
    public var action: Action
    /// How many more matching requests it applies to; `nil` = unlimited.
    public var count: Int?

    /// Creates a rule.
    public init(method: String? = nil, path: String = "**", action: Action, count: Int? = nil) {
        self.method = method?.uppercased()
        self.path = path
        self.action = action
        self.count = count
    }

    /// Parses the spec form (see the type's documentation); throws 400 BadRequest describing the mistake.
    public init(spec: String) throws(SimError) {
        var method: String?
        var path = "**"
        var action: Action?
        var count: Int?
        var retryAfter: Int?
        for part in spec.split(separator: ",") {
            let pieces = part.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            let key = pieces[0].lowercased()
            let value = pieces.count > 1 ? pieces[1] : ""
            func int(_ text: String) throws(SimError) -> Int {
                guard let number = Int(text.hasSuffix("ms") ? String(text.dropLast(2)) : text), number >= 0 else {
                    throw .badRequest("fault spec \"\(spec)\": \(key) needs a non-negative number, got \"\(text)\"")
                }
                return number
            }
            switch key {
            case "method": method = value
            case "path": path = value
            case "count": count = try int(value)
            case "status": action = .status(code: try int(value), retryAfterSeconds: nil)
            case "retry-after", "retryafter": retryAfter = try int(value)
            case "latency":
                if value.hasSuffix("s") && !value.hasSuffix("ms"), let seconds = Double(value.dropLast()) {
                    action = .latency(milliseconds: Int(seconds * 1000))
                } else {
                    action = .latency(milliseconds: try int(value))
                }
            case "drop-watch", "dropwatch": action = .dropWatch(afterEvents: try int(value))
            case "gone": action = .gone
            default:
                throw .badRequest("fault spec \"\(spec)\": unknown key \"\(key)\"; use status, retry-after, latency, drop-watch, gone, method, path, count")
            }
        }
        guard var action else {
            throw .badRequest("fault spec \"\(spec)\" names no fault: add status=CODE, latency=MS, drop-watch=N or gone")
        }
        if case .status(let code, _) = action {
            guard (400...599).contains(code) else { throw .badRequest("fault spec \"\(spec)\": status must be 400-599") }
            action = .status(code: code, retryAfterSeconds: retryAfter ?? (code == 429 ? 1 : nil))
        }
        self.init(method: method, path: path, action: action, count: count)
    }

    /// Decodes the JSON form used by `POST /_sim/faults`:
    /// `{"method","path","count","status","retryAfter","latencyMs","dropWatchAfter","gone"}`.
    public init(json: JSON) throws(SimError) {
        var parts: [String] = []
        if let method = json["method"]?.stringValue { parts.append("method=\(method)") }
        if let path = json["path"]?.stringValue { parts.append("path=\(path)") }
        if let count = json["count"]?.intValue { parts.append("count=\(count)") }
        if let status = json["status"]?.intValue { parts.append("status=\(status)") }
        if let retry = json["retryAfter"]?.intValue { parts.append("retry-after=\(retry)") }
        if let latency = json["latencyMs"]?.intValue { parts.append("latency=\(latency)") }
        if let drop = json["dropWatchAfter"]?.intValue { parts.append("drop-watch=\(drop)") }
        if json["gone"]?.boolValue == true { parts.append("gone") }
        try self.init(spec: parts.joined(separator: ","))
    }

    /// The JSON form (as `GET /_sim/faults` lists it).
    public var json: JSON {
        var object: JSON = ["path": .string(path)]
        if let method { object["method"] = .string(method) }
        if let count { object["count"] = .int(Int64(count)) }
        switch action {
        case .status(let code, let retry):
            object["status"] = .int(Int64(code))
            if let retry { object["retryAfter"] = .int(Int64(retry)) }
        case .latency(let ms): object["latencyMs"] = .int(Int64(ms))
        case .dropWatch(let n): object["dropWatchAfter"] = .int(Int64(n))
        case .gone: object["gone"] = true
        }
        return object
    }

    /// Whether `path` matches the glob `pattern`.
    public static func glob(_ pattern: String, matches path: String) -> Bool {
        let p = Array(pattern.utf8), s = Array(path.utf8)
        func match(_ i: Int, _ j: Int) -> Bool {
            if i == p.count { return j == s.count }
            if p[i] == UInt8(ascii: "*") {
                let doubleStar = i + 1 < p.count && p[i + 1] == UInt8(ascii: "*")
                let next = doubleStar ? i + 2 : i + 1
                var k = j
                while true {
                    if match(next, k) { return true }
                    if k == s.count || (!doubleStar && s[k] == UInt8(ascii: "/")) { return false }
                    k += 1
                }
            }
            return j < s.count && p[i] == s[j] && match(i + 1, j + 1)
        }
        return match(0, 0)
    }
}
