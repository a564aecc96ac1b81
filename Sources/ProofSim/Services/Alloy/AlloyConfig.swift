/// What the simulated Alloy reads from its `config.alloy` (River syntax): the namespaces
/// `discovery.kubernetes` is limited to, the relabel rules that name the stream labels, the `loki.write`
/// endpoint URL, its `tenant_id` and `external_labels`.
public struct AlloyConfig: Sendable, Equatable {
    /// Namespaces to collect from; `nil` when the config has no `namespaces { names = […] }` (all namespaces).
    public var namespaces: [String]?
    /// `(source meta label, target label)` of each `rule` (default action `replace`).
    public var rules: [(source: String, target: String)]
    /// The push URL of the first `loki.write` endpoint.
    public var url: String?
    /// `tenant_id` of the endpoint, sent as `X-Scope-OrgID`.
    public var tenant: String?
    /// `external_labels` added to every stream.
    public var externalLabels: [String: String]

    public static func == (lhs: AlloyConfig, rhs: AlloyConfig) -> Bool {
        lhs.namespaces == rhs.namespaces && lhs.url == rhs.url && lhs.tenant == rhs.tenant
            && lhs.externalLabels == rhs.externalLabels && lhs.rules.elementsEqual(rhs.rules) { $0 == $1 }
    }

    /// Parses the parts of `text` the simulation uses; anything else is ignored.
    public init(parsing text: String) {
        let body = Self.stripComments(text)
        namespaces = nil
        if let block = Self.block(named: "namespaces", in: body), let list = Self.assignment("names", in: block) {
            namespaces = Self.strings(list)
        }
        rules = []
        var rest = Substring(body)
        while let range = rest.range(of: "rule") {
            rest = rest[range.upperBound...]
            guard let open = rest.firstIndex(where: { !$0.isWhitespace }), rest[open] == "{" else { continue }
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let block = String(rest[rest.index(after: open)..<close])
            if let source = Self.assignment("source_labels", in: block).flatMap({ Self.strings($0).first }),
                let target = Self.assignment("target_label", in: block).flatMap({ Self.strings($0).first })
            {
                rules.append((source, target))
            }
            rest = rest[close...]
        }
        url = Self.assignment("url", in: body).flatMap { Self.strings($0).first }
        tenant = Self.assignment("tenant_id", in: body).flatMap { Self.strings($0).first }
        externalLabels = [:]
        if let block = Self.assignment("external_labels", in: body) {
            for line in block.split(whereSeparator: { $0 == "," || $0 == "\n" }) {
                let parts = line.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, let value = Self.strings(String(parts[1])).first else { continue }
                let key = parts[0].trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "{"))
                    .trimmingCharacters(in: .whitespaces)
                if !key.isEmpty { externalLabels[key] = value }
            }
        }
    }

    /// The stream labels for a container of a pod: each rule's target gets the meta label's value.
    public func labels(namespace: String, pod: String, container: String, podLabels: [String: String]) -> [String: String] {
        var labels = externalLabels
        for rule in rules {
            let value: String?
            switch rule.source {
            case "__meta_kubernetes_namespace": value = namespace
            case "__meta_kubernetes_pod_name": value = pod
            case "__meta_kubernetes_pod_container_name": value = container
            default:
                let prefix = "__meta_kubernetes_pod_label_"
                if rule.source.hasPrefix(prefix) {
                    let wanted = String(rule.source.dropFirst(prefix.count))
                    value = podLabels.first { Self.sanitize($0.key) == wanted }?.value
                } else {
                    value = nil
                }
            }
            if let value, !value.isEmpty { labels[rule.target] = value }
        }
        if labels.isEmpty { labels = ["namespace": namespace, "pod": pod, "container": container] }
        return labels
    }

    /// Prometheus-style label sanitising: every character outside `[a-zA-Z0-9_]` becomes `_`.
    static func sanitize(_ name: String) -> String {
        // Kubernetes label keys are ASCII ([A-Za-z0-9._/-]); anything else becomes one `_` per Unicode scalar.
        var out = [UInt8]()
        out.reserveCapacity(name.utf8.count)
        for character in name.unicodeScalars {
            let value = character.value
            let kept = (value >= 0x30 && value <= 0x39) || (value >= 0x41 && value <= 0x5A) || (value >= 0x61 && value <= 0x7A)
            out.append(kept ? UInt8(value) : UInt8(ascii: "_"))
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func stripComments(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var inString = false
            var previous: Character = " "
            for index in line.indices {
                let character = line[index]
                if character == "\"" { inString.toggle() }
                if !inString, character == "/", previous == "/" { return line[..<line.index(before: index)] }
                previous = character
            }
            return line
        }.joined(separator: "\n")
    }

    /// The text between the braces of `name {`.
    static func block(named name: String, in text: String) -> String? {
        var rest = Substring(text)
        while let range = rest.range(of: name) {
            rest = rest[range.upperBound...]
            guard let open = rest.firstIndex(where: { !$0.isWhitespace }), rest[open] == "{" else { continue }
            var depth = 0
            for index in rest[open...].indices {
                if rest[index] == "{" { depth += 1 }
                if rest[index] == "}" {
                    depth -= 1
                    if depth == 0 { return String(rest[rest.index(after: open)..<index]) }
                }
            }
            return nil
        }
        return nil
    }

    /// The value text of `key = …` (up to the end of a bracketed/braced value or the line).
    static func assignment(_ key: String, in text: String) -> String? {
        var rest = Substring(text)
        while let range = rest.range(of: key) {
            let before = range.lowerBound == rest.startIndex ? " " : rest[rest.index(before: range.lowerBound)]
            rest = rest[range.upperBound...]
            guard before.isWhitespace || before == "{" else { continue }
            let afterKey = rest.drop(while: { $0 == " " || $0 == "\t" })
            guard afterKey.first == "=" else { continue }
            let value = afterKey.dropFirst().drop(while: { $0 == " " || $0 == "\t" })
            guard let first = value.first else { return nil }
            let closer: Character? = first == "[" ? "]" : (first == "{" ? "}" : nil)
            if let closer, let end = value.firstIndex(of: closer) { return String(value[...end]) }
            return String(value.prefix(while: { $0 != "\n" }))
        }
        return nil
    }

    /// The double-quoted strings in `text`.
    static func strings(_ text: String) -> [String] {
        var result: [String] = []
        var current: String?
        for character in text {
            if character == "\"" {
                if let value = current {
                    result.append(value)
                    current = nil
                } else {
                    current = ""
                }
            } else if current != nil {
                current!.append(character)
            }
        }
        return result
    }
}

import Foundation
