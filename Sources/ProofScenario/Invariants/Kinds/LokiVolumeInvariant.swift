import ProofCore
import ProofStore

/// `lokiVolume`: Loki holds at least `min` lines per namespace (from the capture's Loki samples), and with
/// `nonDecreasing` never fewer than at an earlier capture within the window.
public struct LokiVolumeInvariant: Invariant {
    public static let kind = "lokiVolume"
    /// The mapping this kind accepts (decoding and `proof schema`).
    public static let schema = ObjectSchema(name: "LokiVolumeInvariant", doc: "Loki holds logs per namespace, and (optionally) the count never goes down.", properties: [
        Property("namespaces", .oneOf([.string(), .strings()], "The namespaces whose volume is checked."), required: true),
        Property("sample", .string("The capture's Loki sample name per namespace (default `lines-{namespace}`).")),
        Property("min", .integer("At least this many lines (default 1).", minimum: 0)),
        Property("nonDecreasing", .boolean("Never fewer than at an earlier capture (default false).")),
        Property("window", .integer("With nonDecreasing: compare with the last N captures (default every earlier one).", minimum: 1)),
    ])
    /// The namespaces.
    public var namespaces: [String]
    /// The sample name template; `{namespace}` is replaced.
    public var sample: String
    /// Minimum lines.
    public var min: Int
    /// Whether the volume must never go down.
    public var nonDecreasing: Bool
    /// How many earlier captures the non-decreasing check looks back over; `nil` = all.
    public var window: Int?

    /// A `lokiVolume` invariant.
    public init(namespaces: [String], sample: String = "lines-{namespace}", min: Int = 1, nonDecreasing: Bool = false, window: Int? = nil) {
        self.namespaces = namespaces
        self.sample = sample
        self.min = min
        self.nonDecreasing = nonDecreasing
        self.window = window
    }

    public init(fields: InvariantFields) throws(ScenarioError) {
        let namespaces = try fields.stringList("namespaces")
        guard !namespaces.isEmpty else { throw fields.invalid("namespaces", "give at least one namespace") }
        self.init(
            namespaces: namespaces, sample: try fields.optionalString("sample") ?? "lines-{namespace}",
            min: try fields.optionalInt("min") ?? 1, nonDecreasing: try fields.optionalBool("nonDecreasing") ?? false,
            window: try fields.optionalInt("window", minimum: 1))
    }

    /// The number a Loki sample's result holds: the sum over a vector, a scalar's value, the sum of each
    /// matrix series' last value, or the number of log lines of a streams result; `0` for an empty result.
    public static func volume(of result: JSON) -> Double? {
        func number(_ pair: JSON?) -> Double? {
            guard let value = pair?[1] else { return nil }
            return value.stringValue.flatMap(Double.init) ?? value.doubleValue
        }
        let items = result["result"]
        switch result["resultType"]?.stringValue {
        case "vector": return (items?.arrayValue ?? []).reduce(0) { $0 + (number($1["value"]) ?? 0) }
        case "scalar": return number(items) ?? 0
        case "matrix": return (items?.arrayValue ?? []).reduce(0) { $0 + (number($1["values"]?.arrayValue?.last) ?? 0) }
        case "streams": return Double((items?.arrayValue ?? []).reduce(0) { $0 + ($1["values"]?.arrayValue?.count ?? 0) })
        default: return nil
        }
    }

    func sampleName(_ namespace: String) -> String {
        // A plain-ASCII template (no CR, so every byte is one Character) is split on its UTF-8 bytes; any other
        // template goes through Foundation, as before.
        let placeholder = Array("{namespace}".utf8)
        let template = Array(sample.utf8)
        guard template.allSatisfy({ $0 < 0x80 && $0 != 0x0D }) else {
            return sample.replacingOccurrences(of: "{namespace}", with: namespace)
        }
        var result = ""
        var start = 0
        var index = 0
        while index + placeholder.count <= template.count {
            if template[index..<index + placeholder.count].elementsEqual(placeholder) {
                result += String(decoding: template[start..<index], as: UTF8.self) + namespace
                index += placeholder.count
                start = index
            } else {
                index += 1
            }
        }
        return result + String(decoding: template[start...], as: UTF8.self)
    }

    struct Missing: Error { var message: String }

    /// The volume the sample `name` of `state` records.
    func volume(_ state: CapturedState, sample name: String) -> Result<Double, Missing> {
        guard let sample = state.lokiSample(named: name) else { return .failure(Missing(message: "capture '\(state.label)' has no Loki sample '\(name)'")) }
        if let error = sample.error { return .failure(Missing(message: "Loki sample '\(name)' of capture '\(state.label)' failed: \(error)")) }
        guard let result = sample.result, let value = Self.volume(of: result) else {
            return .failure(Missing(message: "Loki sample '\(name)' of capture '\(state.label)' has no numeric result"))
        }
        return .success(value)
    }

    public func evaluate(in context: EvaluationContext) -> InvariantEvaluation {
        var problems: [InvariantEvaluation.Problem] = []
        var volumes: [String: JSON] = [:]
        let lookBack = window.map { Array(context.earlier.suffix($0)) } ?? context.earlier
        for namespace in namespaces {
            let identity = ObjectIdentity(apiVersion: "v1", kind: "Namespace", namespace: "", name: namespace)
            let value: Double
            let name = sampleName(namespace)
            switch volume(context.current, sample: name) {
            case .failure(let missing): problems.append(.error(missing.message, object: identity)); continue
            case .success(let number): value = number
            }
            volumes[namespace] = Self.json(value)
            let evidence: JSON = ["sample": .string(name)]
            if value < Double(min) {
                problems.append(
                    .failed(
                        "Loki holds \(Self.format(value)) lines for \(namespace), expected at least \(min)",
                        expected: ["min": .int(Int64(min))], actual: ["lines": Self.json(value)], object: identity, evidence: evidence))
            }
            guard nonDecreasing else { continue }
            for earlier in lookBack {
                guard case .success(let old) = volume(earlier, sample: name), value < old else { continue }
                problems.append(
                    .failed(
                        "Loki volume for \(namespace) went down from \(Self.format(old)) at '\(earlier.label)' to \(Self.format(value))",
                        expected: ["atLeast": Self.json(old), "since": .string(earlier.label)], actual: ["lines": Self.json(value)],
                        object: identity, evidence: evidence))
                break
            }
        }
        return InvariantEvaluation(
            problems: problems, summary: "Loki volume ≥ \(min)\(nonDecreasing ? ", non-decreasing" : "") in \(namespaces.count) namespace(s)",
            expected: ["min": .int(Int64(min)), "nonDecreasing": .bool(nonDecreasing)], actual: .object(volumes))
    }

    static func json(_ value: Double) -> JSON { value == value.rounded() && abs(value) < 1e15 ? .int(Int64(value)) : .double(value) }
    static func format(_ value: Double) -> String { json(value).canonicalString }
}
