// ProofSim: filled by its issue.
