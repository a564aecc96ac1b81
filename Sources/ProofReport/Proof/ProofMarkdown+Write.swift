import Foundation

extension ProofMarkdown {
    /// Renders the proof of `input` into `directory/<scenario>/<time>-<id>.md` and regenerates the index;
    /// returns the proof's path.
    @discardableResult
    public static func write(_ input: ProofInput, directory: String) throws -> String {
        let url = URL(fileURLWithPath: directory).appendingPathComponent(input.relativePath)
        do {
            try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
            try render(input).write(to: url, atomically: true, encoding: .utf8)
        } catch {
            throw ReportError("cannot write the proof \(url.path): \(error.localizedDescription)")
        }
        try ProofIndex.write(directory: directory)
        return url.path
    }
}
