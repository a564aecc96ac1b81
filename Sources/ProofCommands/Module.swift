// ProofCommands: filled by its issue.
