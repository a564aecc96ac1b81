import ProofCore

/// The one error type of `ProofScenario`: a scenario that cannot be read, or a run that cannot go on.
///
/// Invariants that do not hold are *findings* (values), never this error. What the command does with an
/// error follows `code`: ``Code/invalidInput`` maps to exit 2, the others to exit 3.
public struct ScenarioError: Error, Sendable, CustomStringConvertible {
    /// What kind of failure this is.
    public enum Code: String, Sendable {
        /// The scenario (or an argument) is wrong: fix the file. Exit 2.
        case invalidInput
        /// The run could not go on: cluster unreachable, a request refused, a command that failed. Exit 3.
        case cannotExecute
        /// A wait or the run ran out of time. Exit 3.
        case timedOut
        /// The run was interrupted (SIGINT/cancellation). Exit 3.
        case aborted
    }

    /// What kind of failure this is.
    public var code: Code
    /// Every problem found; decoding collects several before giving up, runtime errors carry one.
    public var problems: [DecodingProblem]
    /// Structured detail for the evidence (a timed-out wait's last state and how it differs).
    public var detail: JSON?

    /// Creates an error with several located problems.
    public init(code: Code, problems: [DecodingProblem], detail: JSON? = nil) {
        self.code = code
        self.problems = problems
        self.detail = detail
    }

    /// Creates an error with one problem.
    public init(_ code: Code, at location: SourceLocation? = nil, _ message: String) {
        self.init(code: code, problems: [DecodingProblem(location: location, message: message)])
    }

    /// A decoding error at `location`.
    public static func invalid(at location: SourceLocation?, _ message: String) -> ScenarioError {
        ScenarioError(.invalidInput, at: location, message)
    }

    /// One line per problem, each `file:line:col: message`.
    public var description: String {
        problems.map(\.description).joined(separator: "\n")
    }
}

extension ScenarioError {
    /// Runs `body` for every element, collecting the problems of all failing elements before throwing, so that
    /// one run of `proof lint` reports every broken step rather than the first.
    public static func collecting<Element, Result>(
        _ elements: [Element], _ body: (Int, Element) throws -> Result
    ) throws -> [Result] {
        var results: [Result] = []
        var problems: [DecodingProblem] = []
        for (index, element) in elements.enumerated() {
            do {
                results.append(try body(index, element))
            } catch let error as ScenarioError {
                problems.append(contentsOf: error.problems)
            }
        }
        if !problems.isEmpty { throw ScenarioError(code: .invalidInput, problems: problems) }
        return results
    }
}
