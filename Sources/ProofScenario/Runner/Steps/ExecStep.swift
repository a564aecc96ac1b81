import ProofCore

/// `exec`: runs a local command with a timeout (swift-subprocess) and checks its exit code. The variable
/// `KUBECONFIG` points at the run's cluster when the run made one.
///
/// ```yaml
/// - exec: {command: [kubectl, get, pods, -A], expectExit: 0}
/// ```
public struct ExecStep: StepAction {
    /// The YAML key.
    public static let kind = "exec"
    /// The program and its arguments.
    public var command: [String]
    /// Extra environment variables.
    public var env: [String: String]
    /// The expected exit code.
    public var expectExit: Int
    /// A substring standard output must contain.
    public var expectOutput: String?

    static let objectSchema = ObjectSchema(
        name: "ExecStep", doc: "Run a local command.",
        properties: [
            Property("command", .strings("The program (looked up in PATH) and its arguments."), required: true),
            Property("env", .map(.string(), "Extra environment variables.")),
            Property("expectExit", .integer("The expected exit code (default 0).")),
            Property("expectOutput", .string("Text standard output must contain.")),
        ])
    /// The schema.
    public static var schema: Schema { .object(objectSchema) }

    /// Decodes the step.
    public init(from node: YAMLNode) throws {
        let object = try node.object(Self.objectSchema)
        command = try object.required("command").strings()
        guard !command.isEmpty else { throw ScenarioError.invalid(at: node.location, "\(node.context): 'command' is empty") }
        var env: [String: String] = [:]
        if let map = object.optional("env") {
            guard case .mapping(let entries) = map.content else { throw map.typeMismatch(expected: "a mapping") }
            for entry in entries { env[entry.key] = try entry.value.string() }
        }
        self.env = env
        expectExit = try object.int("expectExit") ?? 0
        expectOutput = try object.string("expectOutput", default: nil)
    }

    /// What it does.
    public var summary: String { "exec \(command.joined(separator: " "))" }

    /// The namespaces its arguments name (`-n X`, `--namespace X`, `--namespace=X`), for the prod guard; what
    /// the command does otherwise is not inspected.
    public var changedPlaces: [String] { Self.namespaces(in: command).filter(ProdGuard.isStatic) }

    /// The values of `-n`/`--namespace` options among `arguments`.
    static func namespaces(in arguments: [String]) -> [String] {
        var found: [String] = []
        for (index, argument) in arguments.enumerated() {
            if argument == "-n" || argument == "--namespace", index + 1 < arguments.count {
                found.append(arguments[index + 1])
            } else if argument.hasPrefix("--namespace=") {
                found.append(String(argument.dropFirst("--namespace=".count)))
            }
        }
        return found
    }

    /// Runs it.
    public func execute(in context: StepContext) async throws -> StepOutcome {
        var arguments: [String] = []
        for argument in command { arguments.append(await context.substitute(argument)) }
        try context.guardProd(Self.namespaces(in: arguments), what: "exec \(arguments.first ?? "")")
        var environment = env
        if let kubeconfig = await context.session.kubeconfigPath, environment["KUBECONFIG"] == nil {
            environment["KUBECONFIG"] = kubeconfig
        }
        let result = try await ExternalCommand.run(arguments, in: context.scenarioDirectory, environment: environment, timeout: context.timeout)
        let detail: JSON = [
            "exitCode": .int(Int64(result.exitCode)), "stdout": .string(String(result.output.suffix(4000))),
            "stderr": .string(String(result.error.suffix(4000))),
        ]
        if Int(result.exitCode) != expectExit {
            return .failed("exit code \(result.exitCode), expected \(expectExit): \(result.error.suffix(300))", detail: detail)
        }
        if let expectOutput, !result.output.contains(expectOutput) {
            return .failed("standard output does not contain '\(expectOutput)'", detail: detail)
        }
        return .passed("exit \(result.exitCode)", detail: detail)
    }
}
