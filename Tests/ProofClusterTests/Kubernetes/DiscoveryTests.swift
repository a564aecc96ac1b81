import Foundation
import ProofCore
import Testing

@testable import ProofCluster

@Suite("resource resolution and small parsers")
struct DiscoveryTests {
    let discovery = Discovery(
        resources: [
            ResourceType(group: "", version: "v1", name: "pods", kind: "Pod", namespaced: true, shortNames: ["po"]),
            ResourceType(group: "apps", version: "v1", name: "deployments", kind: "Deployment", namespaced: true, shortNames: ["deploy"]),
            ResourceType(group: "argoproj.io", version: "v1alpha1", name: "applications", kind: "Application", namespaced: true, shortNames: ["app", "apps"]),
            ResourceType(group: "", version: "v1", name: "namespaces", kind: "Namespace", namespaced: false, shortNames: ["ns"]),
            ResourceType(group: "autoscaling", version: "v2", name: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true),
            ResourceType(group: "autoscaling", version: "v1", name: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler", namespaced: true),
        ],
        preferredVersions: ["": "v1", "apps": "v1", "argoproj.io": "v1alpha1", "autoscaling": "v2"])

    @Test func resolvesNamesLikeKubectl() {
        #expect(discovery.resource(named: "po")?.kind == "Pod")
        #expect(discovery.resource(named: "Pod")?.name == "pods")
        #expect(discovery.resource(named: "pod")?.name == "pods")
        #expect(discovery.resource(named: "deployments.apps")?.kind == "Deployment")
        #expect(discovery.resource(named: "applications.argoproj.io")?.group == "argoproj.io")
        #expect(discovery.resource(named: "hpa") == nil)
        #expect(discovery.resource(named: "horizontalpodautoscalers")?.version == "v2")
    }

    @Test func resolvesKindsByVersion() {
        #expect(discovery.resource(apiVersion: "autoscaling/v1", kind: "HorizontalPodAutoscaler")?.version == "v1")
        #expect(discovery.resource(apiVersion: nil, kind: "HorizontalPodAutoscaler")?.version == "v2")
        #expect(discovery.resource(apiVersion: "v1", kind: "Deployment") == nil)
    }

    @Test func aggregatedDocumentsGiveEachGroupVersionPreferredFirst() throws {
        let document = try JSON(parsing: #"""
            {"kind":"APIGroupDiscoveryList","apiVersion":"apidiscovery.k8s.io/v2","metadata":{},"items":[
              {"metadata":{"name":"autoscaling","creationTimestamp":null},"versions":[
                {"version":"v2","freshness":"Current","resources":[
                  {"resource":"horizontalpodautoscalers","responseKind":{"group":"autoscaling","version":"v2","kind":"HorizontalPodAutoscaler"},
                   "scope":"Namespaced","singularResource":"horizontalpodautoscaler","shortNames":["hpa"],"verbs":["get","list","watch"],
                   "subresources":[{"subresource":"status","responseKind":{"group":"autoscaling","version":"v2","kind":"HorizontalPodAutoscaler"},"verbs":["get"]}]},
                  {"resource":"broken","scope":"Cluster","verbs":["get"]}]},
                {"version":"v1","resources":[
                  {"resource":"horizontalpodautoscalers","responseKind":{"group":"autoscaling","version":"v1","kind":"HorizontalPodAutoscaler"},
                   "scope":"Namespaced","singularResource":"horizontalpodautoscaler","verbs":["get"]}]}]},
              {"metadata":{"name":"metrics.k8s.io","creationTimestamp":null},"versions":[
                {"version":"v1beta1","freshness":"Stale","resources":[]}]}]}
            """#)
        let entries = KubernetesClient.aggregatedGroupVersions(document)
        #expect(entries.map { "\($0.group)/\($0.version)" } == ["autoscaling/v2", "autoscaling/v1", "metrics.k8s.io/v1beta1"])
        let v2 = try entries[0].result.get()
        #expect(v2 == [ResourceType(group: "autoscaling", version: "v2", name: "horizontalpodautoscalers", kind: "HorizontalPodAutoscaler",
            namespaced: true, singularName: "horizontalpodautoscaler", verbs: ["get", "list", "watch"], shortNames: ["hpa"])],
            "a resource without a responseKind is left out; subresources are not resources")
        #expect(try entries[1].result.get().first?.namespaced == true)
        guard case .failure(let stale) = entries[2].result else {
            Issue.record("a Stale version is a failure")
            return
        }
        #expect(stale.description.contains("metrics.k8s.io/v1beta1"))
    }

    @Test func paths() {
        let pods = discovery.resource(named: "pods")!
        #expect(pods.collectionPath(namespace: nil) == "/api/v1/pods")
        #expect(pods.collectionPath(namespace: "a") == "/api/v1/namespaces/a/pods")
        #expect(pods.objectPath(name: "p", namespace: "a", subresource: "log") == "/api/v1/namespaces/a/pods/p/log")
        let namespaces = discovery.resource(named: "ns")!
        #expect(namespaces.objectPath(name: "a", namespace: "ignored") == "/api/v1/namespaces/a")
        #expect(discovery.resource(named: "deploy")!.collectionPath(namespace: "x") == "/apis/apps/v1/namespaces/x/deployments")
    }

    @Test func urlRedactionAndRouting() {
        #expect(ClusterError.redactedURL("https://u:p@host:1/a?b=c@d") == "https://host:1/a?b=c@d")
        #expect(ClusterError.redactedURL("https://host/x") == "https://host/x")
        let target = URLTarget("https://[::1]:6443/api")!
        #expect(target.host == "::1")
        #expect(target.port == 6443)
        #expect(target.bracketedHost == "[::1]")
        #expect(URLTarget("https://10.0.0.1/api")!.replacingHost(with: "kubernetes") == "https://kubernetes:443/api")
    }

    @Test func retryAfterForms() {
        #expect(RetryPolicy.retryAfter("2", now: 0) == .seconds(2))
        #expect(RetryPolicy.retryAfter("Thu, 01 Jan 1970 00:00:10 GMT", now: 4) == .seconds(6))
        #expect(RetryPolicy.retryAfter("soon", now: 0) == nil)
        #expect(RetryPolicy.isRetryable(status: 429, idempotent: false))
        #expect(!RetryPolicy.isRetryable(status: 503, idempotent: false))
        #expect(RetryPolicy.isRetryable(curlCode: 7, idempotent: false))
        #expect(!RetryPolicy.isRetryable(curlCode: 56, idempotent: false))
        #expect(!RetryPolicy.isRetryable(curlCode: 60, idempotent: true))
    }

    @Test func queryEncoding() {
        #expect(KubernetesClient.encode("app in (a,b),!tier") == "app%20in%20%28a%2Cb%29%2C%21tier")
    }
}
