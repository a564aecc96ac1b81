/// Shorthands for the built-in resource types, for in-sim controllers: `BuiltIn.pods`, `BuiltIn.deployments`, ….
public enum BuiltIn {
    private static func find(_ group: String, _ resource: String) -> ResourceType {
        ResourceRegistry.builtIn.first { $0.group == group && $0.resource == resource }!
    }
    /// core v1 namespaces.
    public static let namespaces = find("", "namespaces")
    /// core v1 nodes.
    public static let nodes = find("", "nodes")
    /// core v1 pods.
    public static let pods = find("", "pods")
    /// core v1 services.
    public static let services = find("", "services")
    /// core v1 endpoints.
    public static let endpoints = find("", "endpoints")
    /// core v1 configmaps.
    public static let configMaps = find("", "configmaps")
    /// core v1 secrets.
    public static let secrets = find("", "secrets")
    /// core v1 serviceaccounts.
    public static let serviceAccounts = find("", "serviceaccounts")
    /// core v1 persistentvolumeclaims.
    public static let persistentVolumeClaims = find("", "persistentvolumeclaims")
    /// core v1 persistentvolumes.
    public static let persistentVolumes = find("", "persistentvolumes")
    /// core v1 events.
    public static let events = find("", "events")
    /// apps/v1 deployments.
    public static let deployments = find("apps", "deployments")
    /// apps/v1 replicasets.
    public static let replicaSets = find("apps", "replicasets")
    /// apps/v1 statefulsets.
    public static let statefulSets = find("apps", "statefulsets")
    /// apps/v1 daemonsets.
    public static let daemonSets = find("apps", "daemonsets")
    /// apiextensions.k8s.io/v1 customresourcedefinitions.
    public static let customResourceDefinitions = find("apiextensions.k8s.io", "customresourcedefinitions")
    /// batch/v1 jobs.
    public static let jobs = find("batch", "jobs")
    /// batch/v1 cronjobs.
    public static let cronJobs = find("batch", "cronjobs")
    /// storage.k8s.io/v1 storageclasses.
    public static let storageClasses = find("storage.k8s.io", "storageclasses")
    /// argoproj.io/v1alpha1 applications, for reading (lists and gets are keyed by resource and group). The
    /// type is served from Argo CD's CustomResourceDefinition: write through `state.registry`'s type so the
    /// CRD's schema is checked.
    public static let applications = ResourceType(group: "argoproj.io", version: "v1alpha1", resource: "applications",
        kind: "Application", namespaced: true, shortNames: ["app", "apps"], categories: ["argoproj"])
    /// argoproj.io/v1alpha1 appprojects, for reading (see `applications`).
    public static let appProjects = ResourceType(group: "argoproj.io", version: "v1alpha1", resource: "appprojects",
        kind: "AppProject", namespaced: true, shortNames: ["appproj", "appprojs"], categories: ["argoproj"])
}
