import ProofCore

extension EvaluationContext {
    /// An `error` problem when the current capture could not list what `match` selects.
    func listingProblem(for match: ObjectMatch) -> InvariantEvaluation.Problem? {
        current.listingError(for: match).map { error in
            .error(
                "capture '\(current.label)' could not list \(error.kind)\(error.namespace.isEmpty ? "" : " in \(error.namespace)"): \(error.message)",
                expected: match.json)
        }
    }

    /// Evidence naming the objects judged: `{"objects": {"Kind/ns/name": "<digest>"}}` (at most 50).
    func digests(_ objects: [JSON]) -> JSON {
        var members: [String: JSON] = [:]
        for object in objects.prefix(50) { members[object.identityValue.description] = .string(object.digest) }
        return ["objects": .object(members)]
    }

    /// `digests(current.objects(matching: match))`, with the body digests computed once per capture and match.
    func digests(matching match: ObjectMatch) -> JSON {
        let objects = current.objects(matching: match)
        let bodyDigests = current.bodyDigests(matching: match)
        var members: [String: JSON] = [:]
        for (object, digest) in zip(objects, bodyDigests).prefix(50) { members[object.identityValue.description] = .string(digest) }
        return ["objects": .object(members)]
    }
}
