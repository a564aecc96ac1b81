import ProofCluster
import ProofCore

/// `wait`: waits — by watching, not polling — until a condition holds: `exists`, `absent`, `field`, `count`,
/// `app` (Argo CD Synced/Healthy, optionally at a revision), `rollout`; or, polling on an interval, `loki`.
/// A wait that times out fails the run (exit 3) and records the last state it saw and how it differs.
///
/// ```yaml
/// - wait: {absent: {kind: Application, namespace: argocd, name: "feast-*"}}
/// - wait: {app: {name: fastapi-dev, revision: "{{commit}}"}}
///   timeout: 90s
/// ```
public struct WaitStep: StepAction {
    /// The YAML key.
    public static let kind = "wait"
    /// What to wait for.
    public enum Goal: Sendable {
        /// A condition over objects.
        case objects(ObjectTarget, WaitCondition)
        /// Loki: namespace/service of Loki, query, minimum, interval.
        case loki(namespace: String, service: String, query: String, minimum: Double, interval: Duration)
    }
    /// What to wait for.
    public var goal: Goal

    static let fieldSchema = ObjectSchema(
        name: "WaitField", doc: "Every matching object has a field equal to a value or matching a regex.",
        properties: ObjectTarget.properties + [
            Property("path", .string("Dotted path (`status.phase`, `spec.containers.0.image`)."), required: true),
            Property("equals", .any("The value (compared as JSON; numbers numerically).")),
            Property("matches", .string("A regular expression over the value's text.")),
        ])
    static let countSchema = ObjectSchema(
        name: "WaitCount", doc: "The number of matching objects is within bounds.",
        properties: ObjectTarget.properties + [
            Property("min", .integer("At least this many.", minimum: 0)),
            Property("max", .integer("At most this many.", minimum: 0)),
            Property("equal", .integer("Exactly this many.", minimum: 0)),
        ])
    static let appSchema = ObjectSchema(
        name: "WaitApp", doc: "Argo CD Applications reach sync/health states.",
        properties: [
            Property("name", .string("Application name or glob."), required: true),
            Property("namespace", .string("Namespace (default `argocd`).")),
            Property("sync", .oneOf([.string(), .strings()], "Wanted sync status(es) (default Synced).")),
            Property("health", .oneOf([.string(), .strings()], "Wanted health status(es) (default Healthy).")),
            Property("revision", .string("`status.sync.revision` must start with this (`{{commit}}` = the last git step's commit).")),
            Property("min", .integer("At least this many apps must match (default 1).", minimum: 0)),
        ])
    static let lokiSchema = ObjectSchema(
        name: "WaitLoki", doc: "A Loki metric query reaches a minimum (polled).",
        properties: [
            Property("environment", .enum(Environment.self, "The platform Loki of this environment (default: the scenario's).")),
            Property("namespace", .string("Namespace of Loki's Service (overrides environment).")),
            Property("service", .string("Loki's Service name (overrides environment).")),
            Property("query", .string("An instant metric LogQL query."), required: true),
            Property("min", .number("The sum of the query's values must reach this (default 1).")),
            Property("interval", .duration("How often to ask (default 1s).")),
        ])
    static let objectSchema = ObjectSchema(
        name: "WaitStep", doc: "Wait for a condition (watched; Loki polled).",
        properties: [
            Property("exists", .object(ObjectTarget.objectSchema, "At least one matching object exists.")),
            Property("absent", .object(ObjectTarget.objectSchema, "No matching object exists (being deleted still counts).")),
            Property("field", .object(fieldSchema)),
            Property("count", .object(countSchema)),
            Property("app", .object(appSchema)),
            Property("rollout", .object(ObjectTarget.objectSchema, "Deployments/StatefulSets/DaemonSets have finished rolling out.")),
            Property("loki", .object(lokiSchema)),
        ],
        exactlyOneOf: ["exists", "absent", "field", "count", "app", "rollout", "loki"])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        let key = object.presentKeys[0]
        let body = try object.required(key)
        switch key {
        case "exists": goal = .objects(try ObjectTarget(from: body), .exists)
        case "absent": goal = .objects(try ObjectTarget(from: body), .absent)
        case "rollout": goal = .objects(try ObjectTarget(from: body), .rollout)
        case "field":
            let reader = try body.object(Self.fieldSchema)
            let path = try reader.string("path")
            let condition: WaitCondition
            switch (reader.node("equals"), try reader.string("matches", default: nil)) {
            case (let equals?, nil): condition = .fieldEquals(path: path, value: equals.json())
            case (nil, let pattern?): condition = .fieldMatches(path: path, pattern: pattern)
            default: throw ScenarioError.invalid(at: body.location, "\(body.context) needs exactly one of 'equals' or 'matches'")
            }
            goal = .objects(try ObjectTarget(reader: reader), condition)
        case "count":
            let reader = try body.object(Self.countSchema)
            let (min, max, equal) = (try reader.int("min"), try reader.int("max"), try reader.int("equal"))
            if min == nil && max == nil && equal == nil {
                throw ScenarioError.invalid(at: body.location, "\(body.context) needs at least one of 'min', 'max', 'equal'")
            }
            goal = .objects(try ObjectTarget(reader: reader), .count(min: min, max: max, equal: equal))
        case "app":
            let reader = try body.object(Self.appSchema)
            let target = ObjectTarget(
                kind: "Application", apiVersion: "argoproj.io/v1alpha1", namespace: try reader.string("namespace", default: "argocd"),
                name: try reader.string("name"))
            let sync = try reader.strings("sync"), health = try reader.strings("health")
            goal = .objects(target, .app(
                sync: sync.isEmpty ? ["Synced"] : sync, health: health.isEmpty ? ["Healthy"] : health,
                revision: try reader.string("revision", default: nil), min: try reader.int("min") ?? 1))
        default:
            let reader = try body.object(Self.lokiSchema)
            let environment = try reader.enumValue("environment", as: Environment.self)?.rawValue ?? "{{environment}}"
            goal = .loki(
                namespace: try reader.string("namespace", default: nil) ?? "baseline-\(environment)",
                service: try reader.string("service", default: nil) ?? "loki-\(environment)",
                query: try reader.string("query"), minimum: try reader.optional("min")?.double() ?? 1,
                interval: try reader.positiveDuration("interval") ?? .seconds(1))
        }
    }

    /// What it does.
    public var summary: String {
        switch goal {
        case .objects(let target, let condition):
            switch condition {
            case .exists: return "wait until \(target) exists"
            case .absent: return "wait until \(target) is gone"
            case .fieldEquals(let path, let value): return "wait until \(target) has \(path) = \(value.canonicalString)"
            case .fieldMatches(let path, let pattern): return "wait until \(target) has \(path) ~ /\(pattern)/"
            case .count: return "wait for the count of \(target)"
            case .app(let sync, let health, let revision, _):
                return "wait until app \(target.name ?? "") is \(sync.joined(separator: "|"))+\(health.joined(separator: "|"))" + (revision.map { " at \($0)" } ?? "")
            case .rollout: return "wait for the rollout of \(target)"
            }
        case .loki(_, _, let query, let minimum, _): return "wait until Loki \(query) ≥ \(minimum)"
        }
    }

    /// Waits.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        let session = context.session
        let progress: @Sendable (String) async -> Void = { await session.progress($0) }
        switch goal {
        case .objects(var target, var condition):
            if let name = target.name { target.name = await context.substitute(name) }
            if case .app(let sync, let health, let revision?, let min) = condition {
                condition = .app(sync: sync, health: health, revision: await context.substitute(revision), min: min)
            }
            let type = try await context.resource(target)
            let objects = try await ObjectWaiter(client: context.client, redaction: session.store.redaction).wait(
                for: target, condition, type: type, timeout: context.timeout, progress: progress)
            return .passed("\(objects.count) object(s) matched", detail: ["objects": .array(objects.map(ObjectWaiter.summary))])
        case .loki(let namespace, let service, let query, let minimum, let interval):
            let loki = LokiClient(
                kubernetes: context.client, namespace: await context.substitute(namespace), service: await context.substitute(service))
            let value = try await LokiWaiter(loki: loki).wait(
                query: await context.substitute(query), minimum: minimum, interval: interval, timeout: context.timeout, progress: progress)
            return .passed("Loki answered \(value)", detail: ["value": .double(value)])
        }
    }
}
