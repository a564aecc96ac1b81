import ProofCore

/// The Kubernetes objects of a directory source: every document of every manifest file, `kind: List`
/// flattened, in file order.
public struct ManifestSet: Sendable {
    /// One object and the file it came from.
    public struct Entry: Sendable {
        /// The object as written (no defaults applied).
        public var object: JSON
        /// Its file, relative to the repository root.
        public var file: String
    }

    /// The objects, in file then document order.
    public var entries: [Entry]

    /// Decodes `files`; throws for YAML errors and for documents that are not Kubernetes objects.
    public init(files: [GitRepository.ManifestFile]) throws(SimError) {
        var entries: [Entry] = []
        for file in files {
            let documents: [JSON]
            do {
                documents = try YAML.decodeAll(file.text, file: file.path)
            } catch {
                throw SimError.manifest("cannot be parsed: \(error.description)", file: file.path)
            }
            for document in documents {
                for object in Self.flatten(document) {
                    guard case .object = object else {
                        throw SimError.manifest("a document is not a mapping; every document must be a Kubernetes object", file: file.path)
                    }
                    guard object["apiVersion"]?.stringValue?.isEmpty == false, object["kind"]?.stringValue?.isEmpty == false,
                        object[path: ["metadata", "name"]]?.stringValue?.isEmpty == false
                    else {
                        throw SimError.manifest("an object lacks apiVersion, kind or metadata.name", file: file.path)
                    }
                    entries.append(Entry(object: object, file: file.path))
                }
            }
        }
        self.entries = entries
    }

    static func flatten(_ document: JSON) -> [JSON] {
        if document["kind"]?.stringValue?.hasSuffix("List") == true, let items = document["items"]?.arrayValue {
            return items.flatMap(flatten)
        }
        return [document]
    }
}
