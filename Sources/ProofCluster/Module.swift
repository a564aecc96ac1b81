// ProofCluster: filled by its issue.
