import ProofCore
import Synchronization

/// The live set of injected faults of a simulated cluster, shared by the HTTP layer, tests (Swift), the
/// `--fault` flag and the admin endpoint `POST/GET/DELETE /_sim/faults`.
///
/// Lock rule: one `Mutex` over the rules, held only to read or change them (matching is pure); the actions it returns
/// are carried out after it is released.
public final class FaultSwitchboard: Sendable {
    private let rules = Mutex<[FaultRule]>([])

    /// An empty switchboard.
    public init(_ rules: [FaultRule] = []) { self.rules.withLock { $0 = rules } }

    /// Adds a rule.
    public func add(_ rule: FaultRule) { rules.withLock { $0.append(rule) } }

    /// Removes every rule.
    public func clear() { rules.withLock { $0.removeAll() } }

    /// The rules still active.
    public var active: [FaultRule] { rules.withLock { $0 } }

    /// The actions that apply to this request, consuming one use of each matching counted rule. Rules that
    /// only make sense for watches (`dropWatch`, `gone`) match only when `isWatch`.
    func actions(method: String, path: String, isWatch: Bool) -> [FaultRule.Action] {
        rules.withLock { rules in
            var result: [FaultRule.Action] = []
            for index in rules.indices {
                let rule = rules[index]
                if let ruleMethod = rule.method, ruleMethod != "*", ruleMethod != method { continue }
                if !FaultRule.glob(rule.path, matches: path) { continue }
                switch rule.action {
                case .dropWatch, .gone: if !isWatch { continue }
                default: break
                }
                if let count = rule.count, count <= 0 { continue }
                result.append(rule.action)
                if let count = rule.count { rules[index].count = count - 1 }
            }
            rules.removeAll { ($0.count ?? 1) <= 0 }
            return result
        }
    }
}
