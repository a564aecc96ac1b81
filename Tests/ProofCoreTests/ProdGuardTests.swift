import ProofCore
import Testing

/// The one "looks like prod" rule (docs/scenarios.md, "The prod guard").
@Suite struct ProdGuardTests {
    @Test(arguments: [
        "prod", "PROD", "feature-store-prod", "kind-prod", "eksprod", "prod2", "production", "prd",
        "api.prod.example.com", "k8s-production.internal", "gke_acme_europe-west1_prod-1", "arn:aws:eks:eu-west-1:1:cluster/prod",
        "core/envs/prod/fastapi/fastapi.yaml",
    ])
    func looksLikeProd(_ name: String) {
        #expect(ProdGuard.looksLikeProd(name))
    }

    @Test(arguments: [
        "kind-mlp", "feature-store-dev", "product-catalog", "products.example.com", "reproduce", "127.0.0.1", "default",
        "argocd", "baseline-dev", "staging", "",
    ])
    func doesNotLookLikeProd(_ name: String) {
        #expect(!ProdGuard.looksLikeProd(name))
    }
}
