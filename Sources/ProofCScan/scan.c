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
/// block: `*carry` says the first byte of this one is escaped, and is set for the next). The technique of
/// simdjson's first stage (Langdale and Lemire, "Parsing Gigabytes of JSON per Second"), as is the prefix XOR below.
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

// MARK: - A checked skip (proof_skip_checked)

static size_t skip_space(const uint8_t *bytes, size_t count, size_t i) {
    while (i < count && (bytes[i] == ' ' || bytes[i] == '\n' || bytes[i] == '\r' || bytes[i] == '\t')) i++;
    return i;
}

/// Past the string whose opening quote is at `i`, or `count + 1` when it is not vouched for: a byte below 0x20
/// or above 0x7E, an escape other than `\" \\ \/ \b \f \n \r \t`, or no closing quote.
static size_t skip_string(const uint8_t *bytes, size_t count, size_t i) {
    i++;
    for (;;) {
#if defined(__SSE2__)
        const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20),
                      del = _mm_set1_epi8(0x7F);
        while (i + 16 <= count) {
            __m128i v = _mm_loadu_si128((const __m128i *)(bytes + i));
            // Signed: bytes of 0x80 and more are negative, so below 0x20 too.
            __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                        _mm_or_si128(_mm_cmplt_epi8(v, space), _mm_cmpeq_epi8(v, del)));
            int mask = _mm_movemask_epi8(stop);
            if (mask != 0) {
                i += (size_t)__builtin_ctz((unsigned)mask);
                break;
            }
            i += 16;
        }
#endif
        while (i < count && bytes[i] != '"' && bytes[i] != '\\' && bytes[i] >= 0x20 && bytes[i] < 0x7F) i++;
        if (i >= count) return count + 1;
        uint8_t byte = bytes[i];
        if (byte == '"') return i + 1;
        if (byte != '\\' || i + 1 >= count) return count + 1;
        switch (bytes[i + 1]) {
        case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            i += 2;
            break;
        default:
            return count + 1;
        }
    }
}

/// Past a member's name at `i`, its colon and the blanks after it (at its value), or `count + 1`.
static size_t skip_key(const uint8_t *bytes, size_t count, size_t i) {
    if (i >= count || bytes[i] != '"') return count + 1;
    i = skip_string(bytes, count, i);
    if (i > count) return i;
    i = skip_space(bytes, count, i);
    if (i >= count || bytes[i] != ':') return count + 1;
    return skip_space(bytes, count, i + 1);
}

static int is_digit(uint8_t byte) { return byte >= '0' && byte <= '9'; }

/// Past the number at `i` (JSON's grammar), or `count + 1`.
static size_t skip_number(const uint8_t *bytes, size_t count, size_t i) {
    if (bytes[i] == '-') i++;
    if (i >= count || !is_digit(bytes[i])) return count + 1;
    if (bytes[i] == '0') {
        i++;
    } else {
        while (i < count && is_digit(bytes[i])) i++;
    }
    if (i < count && bytes[i] == '.') {
        size_t digits = ++i;
        while (i < count && is_digit(bytes[i])) i++;
        if (i == digits) return count + 1;
    }
    if (i < count && (bytes[i] == 'e' || bytes[i] == 'E')) {
        i++;
        if (i < count && (bytes[i] == '+' || bytes[i] == '-')) i++;
        size_t digits = i;
        while (i < count && is_digit(bytes[i])) i++;
        if (i == digits) return count + 1;
    }
    return i;
}

static size_t skip_literal(const uint8_t *bytes, size_t count, size_t i, const char *word, size_t length) {
    if (count - i < length || memcmp(bytes + i, word, length) != 0) return count + 1;
    return i + length;
}

ptrdiff_t proof_skip_checked(const uint8_t *bytes, size_t count, size_t start, int limit) {
    enum { max_levels = 64 };
    // The open containers, innermost last: 1 an object, 0 an array.
    uint8_t objects[max_levels];
    int levels = 0;
    if (limit > max_levels) limit = max_levels;
    size_t i = skip_space(bytes, count, start);
    for (;;) {
        // A value at `i`.
        if (i >= count) return -1;
        switch (bytes[i]) {
        case '{':
        case '[': {
            int object = bytes[i] == '{';
            if (levels >= limit) return -1;
            objects[levels++] = (uint8_t)object;
            i = skip_space(bytes, count, i + 1);
            if (i < count && bytes[i] == (object ? '}' : ']')) {
                levels--;
                i++;
                break;
            }
            if (object) {
                i = skip_key(bytes, count, i);
                if (i > count) return -1;
            }
            continue;  // the first element or member's value
        }
        case '"': i = skip_string(bytes, count, i); break;
        case 't': i = skip_literal(bytes, count, i, "true", 4); break;
        case 'f': i = skip_literal(bytes, count, i, "false", 5); break;
        case 'n': i = skip_literal(bytes, count, i, "null", 4); break;
        default:
            if (bytes[i] != '-' && !is_digit(bytes[i])) return -1;
            i = skip_number(bytes, count, i);
        }
        if (i > count) return -1;
        // After a value: the end, or what follows it in its container.
        for (;;) {
            if (levels == 0) return (ptrdiff_t)i;
            i = skip_space(bytes, count, i);
            if (i >= count) return -1;
            int object = objects[levels - 1];
            if (bytes[i] == (object ? '}' : ']')) {
                levels--;
                i++;
                continue;
            }
            if (bytes[i] != ',') return -1;
            i = skip_space(bytes, count, i + 1);
            if (object) {
                i = skip_key(bytes, count, i);
                if (i > count) return -1;
            }
            break;  // the next value
        }
    }
}
