import Foundation

/// Paths in this repository's checkout, for tests that run its scripts or load its platform.
enum Repository {
    /// The checkout's root (four levels up from this file: the file, Support, ProofSimTests, Tests).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    /// The path of `relative` in the checkout.
    static func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }
}
