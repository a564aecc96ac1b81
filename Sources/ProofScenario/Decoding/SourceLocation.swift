/// A place in a scenario file: file, one-based line and column.
///
/// Printed as `file:line:col`, the form editors and CI annotations jump to.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file path (or a description such as `<inline>`).
    public var file: String
    /// One-based line; 0 when unknown.
    public var line: Int
    /// One-based column; 0 when unknown.
    public var column: Int

    /// Creates a location.
    public init(file: String, line: Int, column: Int) {
        self.file = file
        self.line = line
        self.column = column
    }

    /// `file:line:col`, or just `file` when the position is unknown.
    public var description: String {
        line > 0 ? "\(file):\(line):\(column)" : file
    }
}
