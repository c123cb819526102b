#include "json.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

#define MAX_DEPTH 512

typedef struct {
    const char *p, *end;
    const char *err;
} reader;

static void skip_ws(reader *r) {
    while (r->p < r->end && (*r->p == ' ' || *r->p == '\t' || *r->p == '\n' || *r->p == '\r')) r->p++;
}

static bool fail(reader *r, const char *msg) {
    if (!r->err) r->err = msg;
    return false;
}

static int hexval(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static bool parse_string(reader *r) {
    r->p++; // opening quote
    while (r->p < r->end) {
        unsigned char c = (unsigned char)*r->p;
        if (c == '"') {
            r->p++;
            return true;
        }
        if (c < 0x20) return fail(r, "control character in string");
        if (c == '\\') {
            if (++r->p >= r->end) break;
            char e = *r->p;
            if (e == 'u') {
                if (r->end - r->p < 5) return fail(r, "truncated \\u escape");
                for (int i = 1; i <= 4; i++)
                    if (hexval(r->p[i]) < 0) return fail(r, "bad \\u escape");
                r->p += 5;
                continue;
            }
            if (!strchr("\"\\/bfnrt", e)) return fail(r, "bad escape");
        }
        r->p++;
    }
    return fail(r, "unterminated string");
}

static bool parse_number(reader *r) {
    const char *p = r->p;
    if (p < r->end && *p == '-') p++;
    if (p >= r->end) return fail(r, "bad number");
    if (*p == '0') p++;
    else if (*p >= '1' && *p <= '9') while (p < r->end && *p >= '0' && *p <= '9') p++;
    else return fail(r, "bad number");
    if (p < r->end && *p == '.') {
        p++;
        if (p >= r->end || *p < '0' || *p > '9') return fail(r, "bad number");
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    }
    if (p < r->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < r->end && (*p == '+' || *p == '-')) p++;
        if (p >= r->end || *p < '0' || *p > '9') return fail(r, "bad number");
        while (p < r->end && *p >= '0' && *p <= '9') p++;
    }
    r->p = p;
    return true;
}

static bool parse_literal(reader *r, const char *lit) {
    size_t n = strlen(lit);
    if ((size_t)(r->end - r->p) < n || memcmp(r->p, lit, n) != 0) return fail(r, "unexpected token");
    r->p += n;
    return true;
}

static bool parse_value(reader *r, json_value *out, int depth) {
    skip_ws(r);
    if (r->p >= r->end) return fail(r, "unexpected end of input");
    if (depth > MAX_DEPTH) return fail(r, "nesting too deep");
    const char *start = r->p;
    json_type type;
    switch (*r->p) {
    case '{':
        type = JSON_OBJECT;
        r->p++;
        skip_ws(r);
        if (r->p < r->end && *r->p == '}') {
            r->p++;
            break;
        }
        for (;;) {
            skip_ws(r);
            if (r->p >= r->end || *r->p != '"') return fail(r, "expected a member name");
            if (!parse_string(r)) return false;
            skip_ws(r);
            if (r->p >= r->end || *r->p != ':') return fail(r, "expected ':'");
            r->p++;
            if (!parse_value(r, NULL, depth + 1)) return false;
            skip_ws(r);
            if (r->p < r->end && *r->p == ',') {
                r->p++;
                continue;
            }
            if (r->p < r->end && *r->p == '}') {
                r->p++;
                break;
            }
            return fail(r, "expected ',' or '}'");
        }
        break;
    case '[':
        type = JSON_ARRAY;
        r->p++;
        skip_ws(r);
        if (r->p < r->end && *r->p == ']') {
            r->p++;
            break;
        }
        for (;;) {
            if (!parse_value(r, NULL, depth + 1)) return false;
            skip_ws(r);
            if (r->p < r->end && *r->p == ',') {
                r->p++;
                continue;
            }
            if (r->p < r->end && *r->p == ']') {
                r->p++;
                break;
            }
            return fail(r, "expected ',' or ']'");
        }
        break;
    case '"':
        type = JSON_STRING;
        if (!parse_string(r)) return false;
        break;
    case 't':
        type = JSON_TRUE;
        if (!parse_literal(r, "true")) return false;
        break;
    case 'f':
        type = JSON_FALSE;
        if (!parse_literal(r, "false")) return false;
        break;
    case 'n':
        type = JSON_NULL;
        if (!parse_literal(r, "null")) return false;
        break;
    default:
        type = JSON_NUMBER;
        if (!parse_number(r)) return false;
    }
    if (out) {
        out->type = type;
        out->start = start;
        out->len = (size_t)(r->p - start);
    }
    return true;
}

bool json_parse(const char *text, size_t len, json_value *out, const char **err) {
    reader r = {text, text + len, NULL};
    json_value v;
    if (!parse_value(&r, &v, 0)) {
        if (err) *err = r.err ? r.err : "invalid JSON";
        return false;
    }
    skip_ws(&r);
    if (r.p != r.end) {
        if (err) *err = "trailing data after the JSON value";
        return false;
    }
    if (out) *out = v;
    return true;
}

/// Compares a (validated) string token with a plain key; escapes in the token never match.
static bool key_equals(const char *tok, size_t toklen, const char *key) {
    size_t n = strlen(key);
    return toklen == n + 2 && memcmp(tok + 1, key, n) == 0 && memchr(tok + 1, '\\', n) == NULL;
}

bool json_member(json_value object, const char *key, json_value *out) {
    if (object.type != JSON_OBJECT) return false;
    reader r = {object.start + 1, object.start + object.len - 1, NULL};
    bool found = false;
    for (;;) {
        skip_ws(&r);
        if (r.p >= r.end || *r.p != '"') break;
        const char *k = r.p;
        if (!parse_string(&r)) break;
        size_t klen = (size_t)(r.p - k);
        skip_ws(&r);
        r.p++; // ':'
        json_value v;
        if (!parse_value(&r, &v, 1)) break;
        if (key_equals(k, klen, key)) {
            *out = v;
            found = true;
        }
        skip_ws(&r);
        if (r.p < r.end && *r.p == ',') r.p++;
    }
    return found;
}

static void put_utf8(buf_t *b, uint32_t cp) {
    char tmp[4];
    size_t n;
    if (cp < 0x80) tmp[0] = (char)cp, n = 1;
    else if (cp < 0x800) tmp[0] = (char)(0xC0 | (cp >> 6)), tmp[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        tmp[0] = (char)(0xE0 | (cp >> 12)), tmp[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), tmp[2] = (char)(0x80 | (cp & 0x3F)), n = 3;
    else
        tmp[0] = (char)(0xF0 | (cp >> 18)), tmp[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        tmp[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), tmp[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    buf_append(b, tmp, n);
}

static uint32_t hex4(const char *p) {
    return (uint32_t)(hexval(p[0]) << 12 | hexval(p[1]) << 8 | hexval(p[2]) << 4 | hexval(p[3]));
}

bool json_decode_string(json_value v, char **out, size_t *outlen) {
    if (v.type != JSON_STRING) return false;
    buf_t b = {0};
    buf_reserve(&b, v.len);
    const char *p = v.start + 1, *end = v.start + v.len - 1;
    while (p < end) {
        if (*p != '\\') {
            buf_append(&b, p, 1);
            p++;
            continue;
        }
        p++;
        char e = *p++;
        switch (e) {
        case 'b': buf_append(&b, "\b", 1); break;
        case 'f': buf_append(&b, "\f", 1); break;
        case 'n': buf_append(&b, "\n", 1); break;
        case 'r': buf_append(&b, "\r", 1); break;
        case 't': buf_append(&b, "\t", 1); break;
        case 'u': {
            uint32_t cp = hex4(p);
            p += 4;
            if (cp >= 0xD800 && cp <= 0xDBFF && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
                uint32_t lo = hex4(p + 2);
                if (lo >= 0xDC00 && lo <= 0xDFFF) {
                    cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    p += 6;
                }
            }
            if (cp >= 0xD800 && cp <= 0xDFFF) cp = 0xFFFD; // lone surrogate
            put_utf8(&b, cp);
            break;
        }
        default: buf_append(&b, &e, 1);
        }
    }
    buf_reserve(&b, 0);
    b.data[b.len] = 0;
    *out = b.data;
    if (outlen) *outlen = b.len;
    return true;
}

bool json_get_uint(json_value v, int64_t *out) {
    if (v.type != JSON_NUMBER) return false;
    char tmp[64];
    if (v.len >= sizeof tmp) return false;
    memcpy(tmp, v.start, v.len);
    tmp[v.len] = 0;
    if (tmp[0] == '-') return false;
    char *end;
    double d = strtod(tmp, &end);
    if (*end || !(d >= 0) || d >= 9.2e18) return false;
    int64_t whole = (int64_t)d;
    *out = (double)whole < d ? whole + 1 : whole;
    return true;
}
