import Foundation
import ProofCore

/// A condition over the set of objects a target selects, judged after every watch event.
public enum WaitCondition: Sendable {
    /// At least one object matches.
    case exists
    /// No object matches (objects being deleted still count until they are gone).
    case absent
    /// Every matching object (and at least one) has `path` equal to `value`.
    case fieldEquals(path: String, value: JSON)
    /// Every matching object (and at least one) has `path` whose text matches the regex.
    case fieldMatches(path: String, pattern: String)
    /// The number of matching objects is within bounds.
    case count(min: Int?, max: Int?, equal: Int?)
    /// Every matching Application (at least `min`) is at the sync/health states (and revision prefix).
    case app(sync: [String], health: [String], revision: String?, min: Int)
    /// Every matching workload has finished rolling out (all replicas updated, ready and available).
    case rollout

    /// Judges `objects`: whether the condition holds, and if not, how the state differs. The condition is
    /// judged on the objects as they are; a value the difference shows is read from the object as `redaction`
    /// normalises it (`data.password is "[REDACTED secret-value …]"`), so the message never holds a credential.
    public func judge(_ objects: [JSON], redaction: Redaction) -> (holds: Bool, difference: String) {
        func shown(_ object: JSON, _ path: String) -> String {
            (redaction.normalize(object).value(atDottedPath: path) ?? .null).canonicalString
        }
        func name(_ object: JSON) -> String {
            [object[path: ["metadata", "namespace"]]?.stringValue, object[path: ["metadata", "name"]]?.stringValue]
                .compactMap { $0 }.joined(separator: "/")
        }
        switch self {
        case .exists:
            return (!objects.isEmpty, objects.isEmpty ? "no matching object exists yet" : "")
        case .absent:
            return (objects.isEmpty, objects.isEmpty ? "" : "still present: " + objects.map(name).joined(separator: ", "))
        case .fieldEquals(let path, let value):
            if objects.isEmpty { return (false, "no matching object") }
            let wrong = objects.filter { !HTTPStep.equal($0.value(atDottedPath: path) ?? .null, value) }
            return (wrong.isEmpty, wrong.map { "\(name($0)): \(path) is \(shown($0, path)), expected \(value.canonicalString)" }.joined(separator: "; "))
        case .fieldMatches(let path, let pattern):
            if objects.isEmpty { return (false, "no matching object") }
            let wrong = objects.filter { object in
                let value = object.value(atDottedPath: path) ?? .null
                return (value.stringValue ?? value.canonicalString).range(of: pattern, options: .regularExpression) == nil
            }
            return (wrong.isEmpty, wrong.map { "\(name($0)): \(path) is \(shown($0, path)), expected to match /\(pattern)/" }.joined(separator: "; "))
        case .count(let min, let max, let equal):
            let n = objects.count
            var problems: [String] = []
            if let min, n < min { problems.append("\(n) < min \(min)") }
            if let max, n > max { problems.append("\(n) > max \(max)") }
            if let equal, n != equal { problems.append("\(n) ≠ \(equal)") }
            return (problems.isEmpty, problems.isEmpty ? "" : "count is \(n): " + problems.joined(separator: ", "))
        case .app(let sync, let health, let revision, let min):
            var problems: [String] = []
            if objects.count < min { problems.append("\(objects.count) matching app(s), expected at least \(min)") }
            for app in objects {
                let s = app[path: ["status", "sync", "status"]]?.stringValue ?? "-"
                let h = app[path: ["status", "health", "status"]]?.stringValue ?? "-"
                let r = app[path: ["status", "sync", "revision"]]?.stringValue ?? "-"
                var wrong: [String] = []
                if !sync.contains(s) { wrong.append("sync \(s) (want \(sync.joined(separator: "|")))") }
                if !health.contains(h) { wrong.append("health \(h) (want \(health.joined(separator: "|")))") }
                if let revision, !r.hasPrefix(revision) { wrong.append("revision \(r.prefix(12)) (want \(revision.prefix(12)))") }
                if !wrong.isEmpty { problems.append("\(name(app)): " + wrong.joined(separator: ", ")) }
            }
            return (problems.isEmpty, problems.joined(separator: "; "))
        case .rollout:
            if objects.isEmpty { return (false, "no matching workload") }
            let problems = objects.compactMap { object -> String? in
                let reason = Self.rolloutProblem(object)
                return reason.map { "\(name(object)): \($0)" }
            }
            return (problems.isEmpty, problems.joined(separator: "; "))
        }
    }

    /// Why a Deployment/StatefulSet/DaemonSet has not finished rolling out, or `nil` when it has.
    static func rolloutProblem(_ object: JSON) -> String? {
        let status = object["status"] ?? [:]
        func int(_ json: JSON?, _ key: String) -> Int64 { json?[key]?.intValue ?? 0 }
        let generation = object[path: ["metadata", "generation"]]?.intValue ?? 0
        let observed = int(status, "observedGeneration")
        if observed < generation { return "observedGeneration \(observed) < generation \(generation)" }
        switch object["kind"]?.stringValue {
        case "DaemonSet":
            let desired = int(status, "desiredNumberScheduled")
            let updated = int(status, "updatedNumberScheduled"), ready = int(status, "numberReady")
            return updated == desired && ready == desired ? nil : "updated \(updated), ready \(ready) of \(desired)"
        case "StatefulSet":
            let want = object[path: ["spec", "replicas"]]?.intValue ?? 1
            let ready = int(status, "readyReplicas"), updated = int(status, "updatedReplicas")
            let current = status["currentRevision"]?.stringValue, update = status["updateRevision"]?.stringValue
            if ready != want { return "ready \(ready) of \(want)" }
            if let update, current != update, updated != want { return "updated \(updated) of \(want) (revision \(update))" }
            return nil
        default:
            let want = object[path: ["spec", "replicas"]]?.intValue ?? 1
            let total = int(status, "replicas"), updated = int(status, "updatedReplicas")
            let available = int(status, "availableReplicas"), ready = int(status, "readyReplicas")
            if updated < want { return "updated \(updated) of \(want)" }
            if total > updated { return "\(total - updated) old replica(s) pending termination" }
            if available < want || ready < want { return "available \(available), ready \(ready) of \(want)" }
            return nil
        }
    }
}
