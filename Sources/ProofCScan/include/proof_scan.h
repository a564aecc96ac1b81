#ifndef PROOF_SCAN_H
#define PROOF_SCAN_H

#include <stddef.h>
#include <stdint.h>

/// What proof_skip_extent answers when it finds no end: the input ended outside a string, inside one, or the
/// brackets nested deeper than allowed.
enum {
    PROOF_SCAN_END_OF_INPUT = -1,
    PROOF_SCAN_UNTERMINATED_STRING = -2,
    PROOF_SCAN_TOO_DEEP = -3,
};

/// The position just past the JSON object or array whose opening bracket is at `bytes[start]`, found by its
/// brackets alone: strings are passed over by their quotes (a quote after an odd run of backslashes is inside
/// the string), and nothing else is checked. `limit` is how many levels may be open at once. For a valid
/// value this is exactly where the value ends; for an invalid one it is some position or one of the codes above.
/// Reads 64 bytes at a time (SSE2 where the compiler has it).
ptrdiff_t proof_skip_extent(const uint8_t *bytes, size_t count, size_t start, int limit);

/// The position just past the JSON value at `bytes[start]` (whitespace before it skipped), checked as a JSON
/// parser checks it, or -1 when this does not vouch for it: a strict subset of valid JSON, refusing besides
/// every invalid text any string with a `\u` escape or a byte outside printable ASCII, and any nesting deeper
/// than `limit` levels. Whatever it accepts, a parser accepts and ends at the same place; what it refuses may be
/// valid (the caller then takes its slower way). For the members a capture drops unread (`managedFields`).
ptrdiff_t proof_skip_checked(const uint8_t *bytes, size_t count, size_t start, int limit);

#endif
