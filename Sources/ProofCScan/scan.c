#include "proof_scan.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/// Bit i of each mask is byte i of a 64-byte block.
typedef struct {
    uint64_t quote, backslash, open, close;
} masks;

static masks classify(const uint8_t *block) {
    masks m = {0, 0, 0, 0};
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\');
    // '{' is '[' | 0x20 and '}' is ']' | 0x20: one comparison each after setting that bit.
    const __m128i fold = _mm_set1_epi8(0x20), open = _mm_set1_epi8('{'), close = _mm_set1_epi8('}');
    for (int part = 0; part < 4; part++) {
        __m128i bytes = _mm_loadu_si128((const __m128i *)(block + 16 * part));
        __m128i folded = _mm_or_si128(bytes, fold);
        int shift = 16 * part;
        m.quote |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, quote)) << shift;
        m.backslash |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, backslash)) << shift;
        m.open |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, open)) << shift;
        m.close |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(folded, close)) << shift;
    }
#else
    for (int i = 0; i < 64; i++) {
        uint8_t byte = block[i], folded = byte | 0x20;
        uint64_t bit = (uint64_t)1 << i;
        if (byte == '"') m.quote |= bit;
        if (byte == '\\') m.backslash |= bit;
        if (folded == '{') m.open |= bit;
        if (folded == '}') m.close |= bit;
    }
#endif
    return m;
}

/// The bytes escaped by a backslash: those after an odd run of backslashes (the run may begin in an earlier
/// block: `*carry` says the first byte of this one is escaped, and is set for the next).
static uint64_t escaped_bytes(uint64_t backslash, uint64_t *carry) {
    const uint64_t even = 0x5555555555555555ULL;
    backslash &= ~*carry;  // an escaped backslash escapes nothing
    uint64_t follows = (backslash << 1) | *carry;
    // Runs that start on an odd bit: adding them to the backslashes carries through each run, so the bit after
    // a run is set when the run's length and its start's parity disagree.
    uint64_t odd_starts = backslash & ~even & ~follows;
    uint64_t sum;
    *carry = __builtin_add_overflow(odd_starts, backslash, &sum) ? 1 : 0;
    uint64_t invert = sum << 1;
    return (even ^ invert) & follows;
}

/// Bit i set when an odd number of bits 0…i of `x` are (which bytes lie inside a string, quotes marking).
static uint64_t prefix_xor(uint64_t x) {
    x ^= x << 1;
    x ^= x << 2;
    x ^= x << 4;
    x ^= x << 8;
    x ^= x << 16;
    x ^= x << 32;
    return x;
}

ptrdiff_t proof_skip_extent(const uint8_t *bytes, size_t count, size_t start, int limit) {
    uint64_t escape_carry = 0, in_string_carry = 0;
    long level = 0;
    size_t position = start;
    uint8_t tail[64];
    while (position < count) {
        const uint8_t *block = bytes + position;
        size_t available = count - position;
        if (available < 64) {
            // Padding with spaces, which are none of the bytes looked for.
            memset(tail, ' ', sizeof tail);
            memcpy(tail, block, available);
            block = tail;
        }
        masks m = classify(block);
        uint64_t escaped = escaped_bytes(m.backslash, &escape_carry);
        uint64_t quotes = m.quote & ~escaped;
        uint64_t in_string = prefix_xor(quotes) ^ in_string_carry;
        in_string_carry = (uint64_t)((int64_t)in_string >> 63);
        uint64_t open = m.open & ~in_string, close = m.close & ~in_string;
        if (available < 64) {
            uint64_t valid = ((uint64_t)1 << available) - 1;
            open &= valid;
            close &= valid;
        }
        if (close == 0) {
            // Only openings here: no end in this block.
            level += __builtin_popcountll(open);
            if (level > limit) return PROOF_SCAN_TOO_DEEP;
        } else {
            uint64_t brackets = open | close;
            while (brackets != 0) {
                int bit = __builtin_ctzll(brackets);
                uint64_t mask = (uint64_t)1 << bit;
                if (open & mask) {
                    if (++level > limit) return PROOF_SCAN_TOO_DEEP;
                } else if (--level == 0) {
                    return (ptrdiff_t)(position + (size_t)bit + 1);
                }
                brackets &= brackets - 1;
            }
        }
        position += 64;
    }
    return in_string_carry ? PROOF_SCAN_UNTERMINATED_STRING : PROOF_SCAN_END_OF_INPUT;
}
