/// A label or field selector that could not be parsed or is not supported, with the message the Kubernetes
/// API server gives in its 400 Bad Request `Status`.
public struct SelectorError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The selector text (or a rendering of the JSON selector) that failed.
    public var selector: String
    /// The API server's wording: what is wrong and where in the selector.
    public var message: String

    /// Makes an error; see the properties.
    public init(selector: String, message: String) {
        self.selector = selector
        self.message = message
    }

    /// The message, as the API server would put it in its `Status`.
    public var description: String { message }
}
