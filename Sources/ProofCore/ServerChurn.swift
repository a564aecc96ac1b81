/// What a Kubernetes API server, its controllers and Argo CD rewrite in an object on their own, with nobody
/// asking for a change, beyond the bookkeeping every object has (`resourceVersion`, `managedFields`,
/// `generation`, `observedGeneration`) and beyond members whose name ends in `Time`/`Timestamp` (a diff drops
/// those by its timestamp rule). Two captures of an untouched cluster differ in these fields, so `proof diff`
/// (`DiffNoise`) and the `unchanged` invariant leave them out; the table of every such field, with what diff,
/// `unchanged` and replay do with it, is in `docs/replay.md` ("What a server changes by itself").
///
/// | kind | field | why it changes |
/// | --- | --- | --- |
/// | `argoproj.io` Application | `status.reconciledAt`, `status.observedAt` | stamped at every reconciliation (every 3 min at least) |
/// | core or `events.k8s.io` Event | `count`, `lastTimestamp`, `series`, `deprecatedCount`, `deprecatedLastTimestamp` | the same event happening again bumps its count instead of making a new Event |
/// | `coordination.k8s.io` Lease | `spec.renewTime` | the holder renews it every few seconds (node heartbeats, leader election) |
/// | any object | annotation `endpoints.kubernetes.io/last-change-trigger-time` | the endpoints controller stamps the last pod change it saw |
public enum ServerChurn {
    /// The annotation the endpoints controller stamps with the time of the last change it reacted to.
    public static let endpointsTriggerAnnotation = "endpoints.kubernetes.io/last-change-trigger-time"

    /// The paths of `object` that churn by themselves, by its group and kind (see the type's table).
    public static func paths(of object: JSON) -> [[String]] {
        let kind = object["kind"]?.stringValue ?? ""
        let apiVersion = object["apiVersion"]?.stringValue ?? ""
        let group = apiVersion.contains("/") ? String(apiVersion.prefix { $0 != "/" }) : ""
        var paths: [[String]] = [["metadata", "annotations", endpointsTriggerAnnotation]]
        switch (group, kind) {
        case ("argoproj.io", "Application"):
            paths += [["status", "reconciledAt"], ["status", "observedAt"]]
        case ("", "Event"), ("events.k8s.io", "Event"):
            paths += [["count"], ["lastTimestamp"], ["series"], ["deprecatedCount"], ["deprecatedLastTimestamp"]]
        case ("coordination.k8s.io", "Lease"):
            paths += [["spec", "renewTime"]]
        default:
            break
        }
        return paths
    }

    /// `object` without the fields that churn by themselves. Only members that are there are removed (no
    /// empty parents are added); an annotation map left empty is removed too.
    public static func strip(_ object: JSON) -> JSON {
        var result = object
        for path in paths(of: object) where result[path: path] != nil {
            result.set(nil, at: path)
        }
        if result[path: ["metadata", "annotations"]]?.objectValue?.isEmpty == true, object[path: ["metadata", "annotations"]]?.objectValue?.isEmpty == false {
            result.set(nil, at: ["metadata", "annotations"])
        }
        return result
    }
}
