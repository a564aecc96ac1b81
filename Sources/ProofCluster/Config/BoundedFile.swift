import Foundation

/// Reads input files (scenarios, included invariants, kubeconfigs and the certificate files they name) only
/// when they are regular files of a bounded size: `/dev/zero`, a FIFO or a multi-gigabyte file named by mistake
/// or malice is refused with a reason instead of hanging or exhausting memory.
public enum BoundedFile {
    /// The largest input file read: 4 MiB (the largest shipped manifest file is a few hundred KiB).
    public static let defaultLimit = 4 << 20

    /// The file's bytes, or why it cannot be read (`missing`, `not a regular file`, `larger than 4 MiB`).
    public static func read(_ path: String, limit: Int = defaultLimit) -> Result<Data, BoundedFileError> {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else { return .failure(.init("no such file")) }
        guard attributes[.type] as? FileAttributeType == .typeRegular else { return .failure(.init("not a regular file")) }
        if let size = attributes[.size] as? Int, size > limit {
            return .failure(.init("larger than \(limit >> 20) MiB (\(size) bytes)"))
        }
        guard let data = FileManager.default.contents(atPath: path) else { return .failure(.init("cannot be read")) }
        return .success(data)
    }
}

/// Why ``BoundedFile`` refused a file, as a phrase for a message (`config.yaml: not a regular file`).
public struct BoundedFileError: Error, Sendable, CustomStringConvertible {
    /// The reason, e.g. `not a regular file`.
    public var description: String
    init(_ description: String) { self.description = description }
}
