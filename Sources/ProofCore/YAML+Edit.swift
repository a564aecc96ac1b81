import Yams

extension YAML {
    /// Replaces one scalar of a YAML text in place — comments, key order, quoting and indentation untouched —
    /// the way a person edits a GitOps file (`image: …:1.0.0` → `image: …:1.1.0`).
    ///
    /// `document` counts non-empty documents as ``decodeAll(_:file:)`` does; `path` holds mapping keys and list
    /// indexes. Returns `nil` when the edit cannot be made in place: the path does not lead to a one-line
    /// scalar (a missing key, a list or mapping, a block or multi-line scalar), `value` is not a scalar, or the
    /// edited text would not read back as exactly the old documents with that one value changed. Callers then
    /// rewrite the document instead.
    public static func replacingScalar(in text: String, document: Int, path: [String], with value: JSON) -> String? {
        guard let rendered = scalarText(value) else { return nil }
        guard let (target, inFlow) = scalarNode(in: text, document: document, path: path), let mark = target.mark,
            [.plain, .singleQuoted, .doubleQuoted].contains(target.style)
        else { return nil }
        let scalars = Array(text.unicodeScalars)
        guard let start = offset(of: mark, in: scalars), let end = scalarEnd(scalars, from: start, style: target.style, inFlow: inFlow)
        else { return nil }
        let replacement: String
        switch target.style {
        case .doubleQuoted: replacement = doubleQuoted(value) ?? rendered
        case .singleQuoted: replacement = value.stringValue.map { "'" + $0.replacingOccurrences(of: "'", with: "''") + "'" } ?? rendered
        default: replacement = rendered
        }
        var edited = String.UnicodeScalarView()
        edited.append(contentsOf: scalars[..<start])
        edited.append(contentsOf: replacement.unicodeScalars)
        edited.append(contentsOf: scalars[end...])
        let result = String(edited)
        // The edit is kept only if it changed exactly that value.
        guard var expected = try? decodeAll(text), expected.indices.contains(document),
            let changed = expected[document].replacing(at: path[...], with: value),
            (try? decodeAll(result)) == { expected[document] = changed; return expected }()
        else { return nil }
        return result
    }

    /// The scalar node at `path` of non-empty document `document`, and whether it sits in a flow collection.
    private static func scalarNode(in text: String, document: Int, path: [String]) -> (Node.Scalar, Bool)? {
        guard var sequence = try? Yams.compose_all(yaml: text) else { return nil }
        var index = 0
        while let node = sequence.next() {
            if (try? json(from: node, file: "")) == .null { continue }  // decodeAll skips empty documents too
            defer { index += 1 }
            guard index == document else { continue }
            var current = node
            var inFlow = false
            for component in path {
                switch current {
                case .mapping(let mapping):
                    inFlow = inFlow || mapping.style == .flow || opensFlow(mapping.mark, in: text)
                    guard let child = mapping.first(where: { $0.key.string == component })?.value else { return nil }
                    current = child
                case .sequence(let list):
                    inFlow = inFlow || list.style == .flow || opensFlow(list.mark, in: text)
                    guard let position = Int(component), list.indices.contains(position) else { return nil }
                    current = list[position]
                default:
                    return nil
                }
            }
            guard case .scalar(let scalar) = current else { return nil }
            return (scalar, inFlow)
        }
        return nil
    }

    /// Whether the collection starting at `mark` is written in flow style (`{…}` / `[…]`); composed nodes do not
    /// always keep the style.
    private static func opensFlow(_ mark: Mark?, in text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard let mark, let start = offset(of: mark, in: scalars) else { return false }
        return scalars[start] == "{" || scalars[start] == "["
    }

    /// The index in `scalars` of a 1-based line/column mark (libyaml counts columns in Unicode scalars).
    private static func offset(of mark: Mark, in scalars: [Unicode.Scalar]) -> Int? {
        var line = 1
        var index = 0
        while line < mark.line {
            guard let newline = scalars[index...].firstIndex(of: "\n") else { return nil }
            index = newline + 1
            line += 1
        }
        let position = index + mark.column - 1
        return position < scalars.count ? position : nil
    }

    /// One past the last scalar of the value starting at `start`; `nil` when it runs over a line end.
    private static func scalarEnd(_ scalars: [Unicode.Scalar], from start: Int, style: Node.Scalar.Style, inFlow: Bool) -> Int? {
        var index = start
        switch style {
        case .doubleQuoted, .singleQuoted:
            let quote: Unicode.Scalar = style == .doubleQuoted ? "\"" : "'"
            guard scalars[index] == quote else { return nil }
            index += 1
            while index < scalars.count, scalars[index] != "\n" {
                if style == .doubleQuoted, scalars[index] == "\\" { index += 2; continue }
                if scalars[index] == quote {
                    if style == .singleQuoted, index + 1 < scalars.count, scalars[index + 1] == "'" { index += 2; continue }
                    return index + 1
                }
                index += 1
            }
            return nil
        default:
            while index < scalars.count, scalars[index] != "\n", scalars[index] != "\r" {
                if scalars[index] == "#", index > start, scalars[index - 1] == " " || scalars[index - 1] == "\t" { break }
                if inFlow, [",", "]", "}"].contains(scalars[index]) { break }
                index += 1
            }
            while index > start, scalars[index - 1] == " " || scalars[index - 1] == "\t" { index -= 1 }
            // A plain scalar continued on the next line is not a one-line value.
            return index > start ? index : nil
        }
    }

    /// A scalar value as YAML text: plain when it reads back as the same value, else double-quoted.
    private static func scalarText(_ value: JSON) -> String? {
        switch value {
        case .bool(let flag): return flag ? "true" : "false"
        case .int(let number): return String(number)
        case .double(let number): return number.isFinite ? String(number) : nil
        case .string(let string):
            if !string.isEmpty, !string.contains(where: { $0.isNewline }), (try? decode("k: \(string)")) == ["k": value] {
                return string
            }
            return doubleQuoted(value)
        default: return nil
        }
    }

    /// A string as a double-quoted YAML scalar (a JSON string literal is one).
    private static func doubleQuoted(_ value: JSON) -> String? {
        guard case .string = value else { return nil }
        return value.canonicalString
    }
}

extension JSON {
    /// A copy with `value` replacing the existing value at `path`; `nil` when the path does not exist.
    fileprivate func replacing(at path: ArraySlice<String>, with value: JSON) -> JSON? {
        guard let first = path.first else { return value }
        switch self {
        case .object(var members):
            guard let child = members[first]?.replacing(at: path.dropFirst(), with: value) else { return nil }
            members[first] = child
            return .object(members)
        case .array(var items):
            guard let index = Int(first), items.indices.contains(index),
                let child = items[index].replacing(at: path.dropFirst(), with: value)
            else { return nil }
            items[index] = child
            return .array(items)
        default:
            return nil
        }
    }
}
