/// SplitMix64 (Steele, Lea and Flood): a small, fast, deterministic random number generator, so that generated
/// inputs — the fuzz campaign's (`proof-fuzz`) and the property tests' — are reproducible from one seed.
/// Not for anything secret.
///
/// ```swift
/// var random = SplitMix64(seed: 42)
/// let index = Int.random(in: 0..<10, using: &random)
/// ```
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The state; the next number mixes it after adding the golden-ratio increment.
    public var state: UInt64

    /// A generator starting from `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
