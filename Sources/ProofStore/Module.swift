// ProofStore: filled by its issue.
