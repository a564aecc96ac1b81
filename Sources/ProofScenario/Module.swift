// ProofScenario: filled by its issue.
