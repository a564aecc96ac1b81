import ProofReport
import ProofStore

/// The seam between `proof verify` and the markdown proof renderer: re-renders a run's proof from the store
/// alone, exactly as `proof run` wrote it (`ProofMarkdown.render` is a pure function of `ProofInput`), in the
/// proof format the file names in its header (proofs written before a layout change keep verifying).
enum VerifyRendering {
    /// The markdown the store gives for `run` in `format`. `databasePath` is the store path as the proof's
    /// re-check command names it (the `--db` value as typed).
    static func render(store: EvidenceStore, run: RunID, databasePath: String, format: ProofFormat = .current) async throws -> String? {
        ProofMarkdown.render(try await ProofInput.load(from: store, run: run, databasePath: databasePath), format: format)
    }
}
