// ProofReport: filled by its issue.
