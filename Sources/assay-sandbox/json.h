// A minimal JSON reader for request lines: validates one value and looks up members by key
// without building a tree. Depth is bounded, so hostile nesting cannot exhaust the stack.
#ifndef ASSAY_SANDBOX_JSON_H
#define ASSAY_SANDBOX_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { JSON_INVALID, JSON_OBJECT, JSON_ARRAY, JSON_STRING, JSON_NUMBER, JSON_TRUE, JSON_FALSE, JSON_NULL } json_type;

typedef struct {
    json_type type;
    const char *start; // first byte of the value's text
    size_t len;        // length of the value's text
} json_value;

/// Parses exactly one JSON value in text[0..len) (surrounding whitespace allowed).
/// On failure returns false and points *err at a static message.
bool json_parse(const char *text, size_t len, json_value *out, const char **err);

/// Looks up `key` among the members of an object value (last occurrence wins).
bool json_member(json_value object, const char *key, json_value *out);

/// Decodes a string value into a malloc'd, NUL-terminated UTF-8 string; *outlen (if not NULL)
/// gets the byte length, which counts embedded NULs. Returns false for non-strings.
bool json_decode_string(json_value v, char **out, size_t *outlen);

/// Reads a number value as a non-negative integer (fractions are rounded up, so `2.5` ms
/// becomes 3). Returns false for non-numbers, negatives and values above INT64_MAX.
bool json_get_uint(json_value v, int64_t *out);

#endif
