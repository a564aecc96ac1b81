import ProofCore

/// The evaluation entry point: judges a list of invariants at one capture, given the run's earlier captures.
/// A pure function of its inputs (`proof replay` calls it with captures read back from the store).
public enum InvariantEvaluator {
    /// One result per applicable invariant: a single `held` finding, or its failures/errors. Invariants whose
    /// `at:` excludes the capture, or whose `since:` capture has not been taken yet, give no result.
    public static func evaluate(_ specs: [InvariantSpec], in context: EvaluationContext) -> [Finding] {
        specs.flatMap { evaluate($0, in: context) }
    }

    /// The results of one invariant at `context.current`.
    public static func evaluate(_ spec: InvariantSpec, in context: EvaluationContext) -> [Finding] {
        guard spec.applies(to: context.current.label, after: context.earlier.map(\.label)) else { return [] }
        if let since = spec.invariant.since, context.capture(labeled: since) == nil { return [] }
        let evaluation = spec.invariant.evaluate(in: context)
        let kind = spec.kind
        guard !evaluation.problems.isEmpty else {
            return [
                Finding(
                    invariantID: spec.id, invariantKind: kind, status: .held, expected: evaluation.expected,
                    actual: evaluation.actual, message: evaluation.summary, evidence: evidence(evaluation.evidence, context)),
            ]
        }
        return evaluation.problems.map { problem in
            Finding(
                invariantID: spec.id, invariantKind: kind, status: problem.status, expected: problem.expected,
                actual: problem.actual, object: problem.object, message: problem.message,
                evidence: evidence(problem.evidence, context))
        }
    }

    /// Evaluates every capture of a run in order (what a replay does): results paired with their capture.
    public static func evaluateRun(_ specs: [InvariantSpec], captures: [CapturedState]) -> [(capture: CapturedState, findings: [Finding])] {
        captures.indices.map { index in
            let context = EvaluationContext(current: captures[index], earlier: Array(captures[..<index]))
            return (captures[index], evaluate(specs, in: context))
        }
    }

    private static func evidence(_ extra: JSON?, _ context: EvaluationContext) -> JSON {
        var result: [String: JSON] = ["capture": .string(context.current.label)]
        if case .object(let members)? = extra { result.merge(members) { _, new in new } }
        return .object(result)
    }
}
