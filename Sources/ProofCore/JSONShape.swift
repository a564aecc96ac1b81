/// Shape comparison of JSON documents: same keys and JSON types, values ignored. The contract tests use it
/// to hold what the simulated cluster writes against bodies real servers wrote (issue 11 §7).
extension JSON {
    /// Every key of `sample` (recursively; arrays by their first element) is in `actual` with the same JSON
    /// type (an integer stands in for a double); returns the paths that differ, empty when the shapes agree.
    public static func shapeDifferences(_ sample: JSON, _ actual: JSON?, _ path: String = "") -> [String] {
        guard let actual else { return ["\(path.isEmpty ? "." : path): missing"] }
        switch (sample, actual) {
        case (.object(let expected), .object(let got)):
            return expected.keys.sorted().flatMap { shapeDifferences(expected[$0]!, got[$0], path + "." + $0) }
        case (.array(let expected), .array(let got)):
            guard let first = expected.first else { return [] }
            return shapeDifferences(first, got.first, path + "[0]")
        case (.string, .string), (.int, .int), (.bool, .bool), (.null, .null), (.double, .double), (.double, .int):
            return []
        default:
            return ["\(path): \(sample) vs \(actual)"]
        }
    }
}
