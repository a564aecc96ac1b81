import Foundation
import ProofCluster
import ProofCore

/// A scenario file (`apiVersion: proof.gitops/v1alpha1`, `kind: Scenario`), decoded and checked.
///
/// ```swift
/// let scenario = try Scenario.load(path: "scenarios/optional-toggle.yaml")
/// print(scenario.name, scenario.steps.count)
/// ```
public struct Scenario: Sendable {
    /// The only `apiVersion` this harness reads.
    public static let apiVersion = "proof.gitops/v1alpha1"

    /// `metadata.name`: names the proof folder `docs/proof/<name>/`.
    public var name: String
    /// `metadata.description`: one or two sentences for the proof's summary.
    public var description: String
    /// `spec.environment`.
    public var environment: Environment
    /// `spec.timeout`: the whole run (steps and finally).
    public var timeout: Duration
    /// `spec.stepTimeout`: each step unless it sets its own.
    public var stepTimeout: Duration
    /// `spec.capture`.
    public var capture: CaptureSpec
    /// `spec.invariants` plus those of the `spec.include` files, in that order.
    public var invariants: [InvariantSpec]
    /// `spec.include`, as written (relative to the scenario file).
    public var include: [String]
    /// `spec.steps`.
    public var steps: [Step]
    /// `spec.finally`: always run, after the steps, even when they failed or the run was interrupted.
    public var finally: [Step]
    /// The file the scenario came from.
    public var file: String
    /// SHA-256 of the file's text (and of the included files), recorded with the run.
    public var digest: String

    /// The schema of the `metadata` mapping.
    static let metadataSchema = ObjectSchema(
        name: "Metadata", doc: "The scenario's name and description.",
        properties: [
            Property("name", .string("Scenario name, `[a-z0-9-]+`; the proof goes to `docs/proof/<name>/`.", pattern: "^[a-z0-9][a-z0-9-]*$"), required: true),
            Property("description", .string("One or two sentences: what the scenario proves."), required: true),
        ])

    /// The schema of the `spec` mapping.
    static let specSchema = ObjectSchema(
        name: "Spec", doc: "What the scenario records, checks and does.",
        properties: [
            Property("environment", .enum(Environment.self, "The environment the scenario targets; `prod` needs `--allow-prod`."), required: true),
            Property("timeout", .duration("The whole run's limit, steps and finally (default 15m).")),
            Property("stepTimeout", .duration("Each step's limit unless it sets `timeout` (default 2m).")),
            Property("capture", CaptureSpec.schema),
            Property("invariants", .array(.object(InvariantSpec.objectSchema), "Invariants checked at every capture.")),
            Property("include", .strings("Files of shared invariants (relative to this file), e.g. `invariants/baseline.yaml`.")),
            Property("steps", .array(.object(Step.objectSchema), "The steps, in order."), required: true),
            Property("finally", .array(.object(Step.objectSchema), "Steps that always run at the end, even after a failure or Ctrl-C.")),
        ])

    /// The schema of a scenario file.
    public static let objectSchema = ObjectSchema(
        name: "Scenario", doc: "A gitops-proof scenario.",
        properties: [
            Property("apiVersion", .oneOf([apiVersion], "Always `\(apiVersion)`."), required: true),
            Property("kind", .oneOf(["Scenario"], "Always `Scenario`."), required: true),
            Property("metadata", .object(metadataSchema), required: true),
            Property("spec", .object(specSchema), required: true),
        ])

    /// The places the scenario's steps (and `finally` steps) change that look like prod, known before the run
    /// (``StepAction/changedPlaces``), each as `file:line:col: step N (kind) changes 'x-prod'`. `proof run`
    /// refuses the scenario without `--allow-prod` when this is not empty; places only known at the step are
    /// checked there.
    public var prodPlaces: [String] {
        var found: [String] = []
        for (phase, list) in [("step", steps), ("finally step", finally)] {
            for (index, step) in list.enumerated() {
                for place in step.action.changedPlaces where ProdGuard.looksLikeProd(place) {
                    found.append("\(step.location): \(phase) \(index + 1) (\(step.kind)) changes '\(place)', which looks like prod")
                }
            }
        }
        return found
    }

    /// The JSON Schema printed by `proof schema`.
    public static func jsonSchema() -> JSON {
        Schema.object(objectSchema).jsonSchemaDocument(
            id: "https://gitops-proof.invalid/schemas/scenario-v1alpha1.json", title: "gitops-proof Scenario (\(apiVersion))")
    }

    /// Reads and decodes a scenario file (and its includes); every problem is reported, located.
    public static func load(path: String) throws -> Scenario {
        let data: Data
        switch BoundedFile.read(path) {
        case .success(let bytes): data = bytes
        case .failure(let reason):
            throw ScenarioError.invalid(at: SourceLocation(file: path, line: 0, column: 0), "cannot read the file: \(reason)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ScenarioError.invalid(at: SourceLocation(file: path, line: 0, column: 0), "cannot read the file: not UTF-8")
        }
        return try decode(text, file: path)
    }

    /// Decodes a scenario from its text; `file` locates errors and anchors `include` paths.
    public static func decode(_ text: String, file: String) throws -> Scenario {
        let root = try YAMLNode.parse(text, file: file).described(as: "the scenario")
        let object = try root.object(objectSchema)
        var problems: [DecodingProblem] = []
        func attempt<T>(_ body: () throws -> T) -> T? {
            do { return try body() } catch let error as ScenarioError {
                problems.append(contentsOf: error.problems)
                return nil
            } catch {
                problems.append(DecodingProblem(location: root.location, message: "\(error)"))
                return nil
            }
        }
        let apiVersionNode = try object.required("apiVersion")
        if try apiVersionNode.string() != apiVersion {
            problems.append(DecodingProblem(location: apiVersionNode.location, message: "unsupported apiVersion '\(try apiVersionNode.string())'; expected '\(apiVersion)'"))
        }
        let kindNode = try object.required("kind")
        if try kindNode.string() != "Scenario" {
            problems.append(DecodingProblem(location: kindNode.location, message: "kind must be 'Scenario', found '\(try kindNode.string())'"))
        }
        let metadata = attempt { try object.required("metadata").object(metadataSchema) }
        let name = attempt { try metadata?.string("name") } ?? nil
        if let name, name.range(of: "^[a-z0-9][a-z0-9-]*$", options: .regularExpression) == nil, let node = metadata?.optional("name") {
            problems.append(DecodingProblem(location: node.location, message: "metadata.name '\(name)' must be lowercase letters, digits and '-'"))
        }
        let description = attempt { try metadata?.string("description") } ?? nil
        guard let spec = attempt({ try object.required("spec").object(specSchema) }) else {
            throw ScenarioError(code: .invalidInput, problems: problems)
        }
        let environment = attempt { try spec.enumValue("environment", as: Environment.self) } ?? nil
        let timeout = attempt { try spec.positiveDuration("timeout") } ?? nil
        let stepTimeout = attempt { try spec.positiveDuration("stepTimeout") } ?? nil
        let capture = attempt { try spec.decode("capture", as: CaptureSpec.self) } ?? nil
        var invariants: [InvariantSpec] = attempt {
            guard let node = spec.optional("invariants") else { return [] }
            return try InvariantSpec.decodeList(node)
        } ?? []
        let include = attempt { try spec.strings("include") } ?? []
        var digestInput = text
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        for (index, relative) in include.enumerated() {
            let path = relative.hasPrefix("/") ? relative : base.appendingPathComponent(relative).path
            let location = (try? spec.required("include").sequence()[index].location) ?? root.location
            guard case .success(let data) = BoundedFile.read(path), let included = String(data: data, encoding: .utf8) else {
                problems.append(DecodingProblem(location: location, message: "cannot read included invariants file '\(relative)' (looked at \(path))"))
                continue
            }
            digestInput += "\n---\n" + included
            if let specs = attempt({ try InvariantSpec.decodeFile(included, file: path) }) { invariants += specs }
        }
        var seen: Set<String> = []
        for invariant in invariants where !seen.insert(invariant.id).inserted {
            problems.append(DecodingProblem(location: root.location, message: "invariant id '\(invariant.id)' is declared twice (scenario and includes together)"))
        }
        let steps: [Step] = attempt {
            try ScenarioError.collecting(try spec.required("steps").sequence()) { index, node in try Step.decode(node, index: index, phase: "main") }
        } ?? []
        let finally: [Step] = attempt {
            guard let node = spec.optional("finally") else { return [Step]() }
            return try ScenarioError.collecting(try node.sequence()) { index, node in try Step.decode(node, index: index, phase: "finally") }
        } ?? []
        // Labels named by invariants (`since:`) must be captures the scenario takes.
        let reserved = ["start", "end", InvariantSpec.failedStepLabel]
        for step in steps + finally {
            if let label = (step.action as? CaptureStep)?.label, reserved.contains(label) {
                problems.append(DecodingProblem(location: step.location, message: "capture label '\(label)' is taken by the runner (\(reserved.joined(separator: ", ")) are reserved); choose another"))
            }
        }
        // A capture label or a step name written twice makes `since:` and the proof ambiguous.
        var labelsSeen: Set<String> = []
        var namesSeen: Set<String> = []
        for step in steps + finally {
            if let label = (step.action as? CaptureStep)?.label, !labelsSeen.insert(label).inserted {
                problems.append(DecodingProblem(location: step.location, message: "capture label '\(label)' is taken twice; each capture needs its own label"))
            }
            if let nameLocation = step.nameLocation, !namesSeen.insert(step.name).inserted {
                problems.append(DecodingProblem(location: nameLocation, message: "step name '\(step.name)' is used twice; name each step differently"))
            }
        }
        let labels = Set(reserved + (steps + finally).compactMap { ($0.action as? CaptureStep)?.label })
        for invariant in invariants {
            for label in invariant.referencedCaptures where !labels.contains(label) {
                problems.append(DecodingProblem(location: root.location, message: "invariant '\(invariant.id)' refers to capture '\(label)', which no step takes; captures: \(labels.sorted().joined(separator: ", "))"))
            }
        }
        guard problems.isEmpty, let name, let description, let environment else {
            throw ScenarioError(code: .invalidInput, problems: problems)
        }
        return Scenario(
            name: name, description: description, environment: environment, timeout: timeout ?? .seconds(900),
            stepTimeout: stepTimeout ?? .seconds(120), capture: capture ?? CaptureSpec(), invariants: invariants,
            include: include, steps: steps, finally: finally, file: file, digest: Digest.sha256Hex(Array(digestInput.utf8)))
    }
}
