import ProofCore

/// What an invariant is evaluated against: the current capture and the run's earlier captures, in order.
/// Nothing else — no cluster, no clock — so evaluation is a pure function of recorded evidence.
public struct EvaluationContext: Sendable {
    /// The capture being judged.
    public var current: CapturedState
    /// The run's captures before it, oldest first.
    public var earlier: [CapturedState]

    /// A context.
    public init(current: CapturedState, earlier: [CapturedState]) {
        self.current = current
        self.earlier = earlier
    }

    /// The most recent earlier capture labelled `label` (or the current one if it carries that label and no
    /// earlier one does — an invariant then compares the capture with itself, which holds trivially).
    public func capture(labeled label: String) -> CapturedState? {
        earlier.last { $0.label == label }
    }

    /// The run's first capture (the current one when it is the first).
    public var first: CapturedState { earlier.first ?? current }
}
