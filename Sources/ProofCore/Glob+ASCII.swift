extension Glob {
    /// A glob compiled to ASCII bytes: decides `matches` on a name's UTF-8 bytes when the name is plain ASCII.
    ///
    /// Why this gives the same result as the `Character` matcher: in a name made only of ASCII bytes other than
    /// CR, every byte is one `Character` (the only grapheme cluster of several ASCII scalars is CR LF), and an
    /// ASCII `Character` is canonically equivalent only to itself. The pattern qualifies when each literal is one
    /// such byte; each `[set]` is turned into a 128-bit table by asking the `Character` set about every ASCII
    /// byte, so ranges keep their exact `Character` ordering. Names with any other byte return `nil` (the caller
    /// then uses the `Character` matcher).
    struct ASCIIMatcher: Sendable, Hashable {
        /// One pattern element over bytes.
        enum Byte: Sendable, Hashable {
            case literal(UInt8)
            case any
            case star
            /// Bit `b` of `low` (b < 64) or of `high` (b - 64) is set when byte `b` is in the set.
            case set(low: UInt64, high: UInt64)

            func matches(_ byte: UInt8) -> Bool {
                switch self {
                case .literal(let expected): return byte == expected
                case .any: return true
                case .star: return false
                case .set(let low, let high):
                    return byte < 64 ? (low >> UInt64(byte)) & 1 == 1 : (high >> UInt64(byte - 64)) & 1 == 1
                }
            }
        }

        /// Shapes decided without the general loop.
        enum Shape: Sendable, Hashable {
            /// `*`: every name (ASCII or not).
            case anything
            /// Only literals: the name is exactly these bytes.
            case exact([UInt8])
            /// `prefix*suffix` (either may be empty): literals around one star.
            case around(prefix: [UInt8], suffix: [UInt8])
            /// Anything else (`?`, sets, several stars).
            case general
        }

        let bytes: [Byte]
        let shape: Shape

        /// `nil` when some literal or set member cannot be decided on ASCII bytes.
        init?(elements: [Glob.Element]) {
            var bytes: [Byte] = []
            bytes.reserveCapacity(elements.count)
            for element in elements {
                switch element {
                case .literal(let character):
                    guard let byte = Self.byte(of: character) else { return nil }
                    bytes.append(.literal(byte))
                case .any: bytes.append(.any)
                case .star: bytes.append(.star)
                case .set:
                    var low: UInt64 = 0
                    var high: UInt64 = 0
                    for byte in UInt8(0)..<128 where byte != 0x0D && element.matches(Character(Unicode.Scalar(byte))) {
                        if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
                    }
                    bytes.append(.set(low: low, high: high))
                }
            }
            self.bytes = bytes
            self.shape = Self.shape(of: bytes)
        }

        /// The byte of a one-byte ASCII `Character` other than CR.
        static func byte(of character: Character) -> UInt8? {
            let utf8 = character.utf8
            guard utf8.count == 1, let byte = utf8.first, byte < 0x80, byte != 0x0D else { return nil }
            return byte
        }

        private static func shape(of bytes: [Byte]) -> Shape {
            if bytes == [.star] { return .anything }
            var prefix: [UInt8] = []
            var suffix: [UInt8] = []
            var stars = 0
            for byte in bytes {
                switch byte {
                case .literal(let value): if stars == 0 { prefix.append(value) } else { suffix.append(value) }
                case .star: stars += 1
                case .any, .set: return .general
                }
            }
            switch stars {
            case 0: return .exact(prefix)
            case 1: return .around(prefix: prefix, suffix: suffix)
            default: return .general
            }
        }

        /// Whether `name` matches; `nil` when `name` is not plain ASCII (or not stored contiguously).
        func matches(_ name: String) -> Bool? {
            if case .anything = shape { return true }
            return name.utf8.withContiguousStorageIfAvailable { text -> Bool? in
                for byte in text where byte >= 0x80 || byte == 0x0D { return nil }
                switch shape {
                case .anything: return true
                case .exact(let literal): return text.elementsEqual(literal)
                case .around(let prefix, let suffix):
                    guard text.count >= prefix.count + suffix.count else { return false }
                    return text.prefix(prefix.count).elementsEqual(prefix) && text.suffix(suffix.count).elementsEqual(suffix)
                case .general: return matchesGeneral(text)
                }
            } ?? nil
        }

        /// `Glob.wildcardMatch` over bytes.
        private func matchesGeneral(_ text: UnsafeBufferPointer<UInt8>) -> Bool {
            Glob.wildcardMatch(bytes, text, isStar: { $0 == .star }, matches: { $0.matches($1) })
        }
    }
}
