/// The environment a scenario targets; `prod` needs `--allow-prod`.
public enum Environment: String, Sendable, CaseIterable {
    /// The `*-dev` namespaces and the `dev` AppProject.
    case dev
    /// The `*-prod` namespaces and the `prod` AppProject.
    case prod
}
