/// Shape comparison of JSON documents: same keys and JSON types, values ignored. The contract tests use it
/// to hold what the simulated cluster writes against bodies real servers wrote (issue 11 §7).
extension JSON {
    /// Every key of `sample` (recursively; arrays by their first element) is in `actual` with the same JSON
    /// type (an integer stands in for a double); returns the paths that differ, empty when the shapes agree.
    /// With `sharedKeysOnly`, a key `actual` lacks (or an empty array) is not a difference: only the keys both
    /// have must agree in type (for objects such as an Application, whose real samples carry far more).
    public static func shapeDifferences(_ sample: JSON, _ actual: JSON?, _ path: String = "", sharedKeysOnly: Bool = false) -> [String] {
        guard let actual else { return sharedKeysOnly ? [] : ["\(path.isEmpty ? "." : path): missing"] }
        switch (sample, actual) {
        case (.object(let expected), .object(let got)):
            return expected.keys.sorted().flatMap {
                shapeDifferences(expected[$0]!, got[$0], path + "." + $0, sharedKeysOnly: sharedKeysOnly)
            }
        case (.array(let expected), .array(let got)):
            guard let first = expected.first else { return [] }
            return shapeDifferences(first, got.first, path + "[0]", sharedKeysOnly: sharedKeysOnly)
        case (.string, .string), (.int, .int), (.bool, .bool), (.null, .null), (.double, .double), (.double, .int):
            return []
        default:
            return ["\(path): \(sample) vs \(actual)"]
        }
    }
}
