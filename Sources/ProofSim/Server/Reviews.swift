import ProofCore

/// The self-subject reviews a real API server answers without storing anything: `SelfSubjectReview`
/// (`kubectl auth whoami`), `SelfSubjectAccessReview` (`kubectl auth can-i VERB RESOURCE`) and
/// `SelfSubjectRulesReview` (`kubectl auth can-i --list`).
///
/// The simulated cluster has one bearer token with full access, so the user is a cluster admin (as kind's
/// `kubernetes-admin` in `system:masters`) and every access review is allowed.
enum Reviews {
    /// The user behind the simulated cluster's token.
    static let username = "kubernetes-admin"
    /// Its groups: `system:masters` bypasses authorization, as on a kind cluster.
    static let groups: [JSON] = ["system:masters", "system:authenticated"]

    /// Whether `resource` is a review (created and answered, never stored).
    static func isReview(_ resource: ResourceType) -> Bool {
        (resource.group == "authentication.k8s.io" || resource.group == "authorization.k8s.io")
            && resource.resource.hasPrefix("selfsubject")
    }

    /// The answered review for the posted `object` (its `status` filled in), or 400 when it lacks its spec.
    static func answer(_ object: JSON, as resource: ResourceType) throws(SimError) -> JSON {
        var review = object
        review["apiVersion"] = .string(resource.apiVersion)
        review["kind"] = .string(resource.kind)
        if review["metadata"] == nil || review["metadata"]?.isNull == true { review["metadata"] = [:] }
        switch resource.resource {
        case "selfsubjectreviews":
            review["status"] = ["userInfo": ["username": .string(username), "groups": .array(groups)]]
        case "selfsubjectaccessreviews":
            let spec = object["spec"]
            guard spec?["resourceAttributes"] != nil || spec?["nonResourceAttributes"] != nil else {
                throw SimError(code: 422, reason: "Invalid",
                    message: "SelfSubjectAccessReview.authorization.k8s.io \"\" is invalid: spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified",
                    details: ["group": "authorization.k8s.io", "kind": "SelfSubjectAccessReview",
                        "causes": [["reason": "FieldValueInvalid", "field": "spec.resourceAttributes",
                            "message": "Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified"]]])
            }
            review["status"] = ["allowed": true]
        case "selfsubjectrulesreviews":
            review["status"] = [
                "resourceRules": [["verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]]],
                "nonResourceRules": [["verbs": ["*"], "nonResourceURLs": ["*"]]],
                "incomplete": false,
            ]
        default:
            throw .methodNotAllowed("\(resource.resource) cannot be created")
        }
        return review
    }
}
