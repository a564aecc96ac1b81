/// A scenario-language value that decodes itself from a located YAML node and declares its schema.
///
/// The invariants decoder plugs in here: an invariant spec type conforms, gives its ``schema`` (used by
/// `proof schema` and by the unknown-key check) and reads its keys through ``YAMLNode/object(_:)``.
/// Throw ``ScenarioError`` (``ScenarioError/invalid(at:_:)``) for anything wrong, located at the node.
public protocol NodeDecodable: Sendable {
    /// The schema of the value; for mappings, the allowed keys.
    static var schema: Schema { get }
    /// Decodes the value, throwing a located ``ScenarioError`` when the node does not fit.
    init(from node: YAMLNode) throws
}
