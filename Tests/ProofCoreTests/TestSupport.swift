import ProofCore

/// Parses JSON text written in a test; the tests' literals are valid, so a failure is a test bug.
func json(_ text: String) -> JSON {
    do {
        return try JSON(parsing: text)
    } catch {
        fatalError("bad JSON literal in test: \(error): \(text)")
    }
}
