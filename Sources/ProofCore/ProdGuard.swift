/// The one rule for "looks like prod", used by every check of the prod guard: the kubeconfig's cluster name,
/// its server's host, the context name and namespace (`proof run`), and every namespace a step changes.
///
/// A name looks like prod when one of its words is `prod`, `prd` or `production`, starts with `prod` followed
/// by digits (`prod2`), or ends in `prod` (`eksprod`, `feature-store-prod`). Words are split at anything that
/// is not a letter or a digit (`-`, `.`, `_`, `:`, `/`, `@`), so `api.prod.example.com`,
/// `gke_acme_europe-west1_prod-1` and `feature-store-prod` look like prod, while `product-catalog`,
/// `reproduce` and `kind-mlp` do not. The comparison ignores case.
public enum ProdGuard {
    /// Whether `name` (a cluster, context, host or namespace name) looks like prod.
    public static func looksLikeProd(_ name: String) -> Bool {
        let words = name.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) })
        return words.contains { word in
            if word == "prod" || word == "prd" || word == "production" || word.hasSuffix("prod") { return true }
            guard word.hasPrefix("prod") else { return false }
            let rest = word.dropFirst(4)
            return !rest.isEmpty && rest.allSatisfy(\.isNumber)
        }
    }
}
