/*
 * .npy headers: versions 1.0 to 3.0 parsed (the Python dict literal NumPy writes, read leniently),
 * checked against a declared type, and the version 1.0 header np.save writes, byte for byte.
 */
#include "charl_rt.h"

#include <inttypes.h>
#include <string.h>

static const unsigned char MAGIC[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};

size_t charl_npy_header_size(const unsigned char *prefix, size_t n, const CharlNpyCheck *c) {
    if (n < 8 || memcmp(prefix, MAGIC, sizeof MAGIC) != 0) {
        charl_fail(c->where, "%s is not a .npy file", c->subject);
    }
    int major = prefix[6], minor = prefix[7];
    if (major < 1 || major > 3 || minor != 0) {
        charl_fail(c->where, "%s is a version %d.%d .npy file; versions 1.0 to 3.0 can be read", c->subject, major,
                   minor);
    }
    size_t fixed = major == 1 ? 10 : 12;
    if (n < fixed) {
        charl_fail(c->where, "%s is truncated (in its header)", c->subject);
    }
    size_t len = major == 1 ? (size_t)prefix[8] | (size_t)prefix[9] << 8
                            : (size_t)prefix[8] | (size_t)prefix[9] << 8 | (size_t)prefix[10] << 16 |
                                  (size_t)prefix[11] << 24;
    return fixed + len;
}

/* A cursor over the header's Python dict literal. */
typedef struct {
    const char *p, *end;
    const CharlNpyCheck *c;
} Cursor;

static CHARL_NORETURN void malformed(const Cursor *k, const char *why) {
    charl_fail(k->c->where, "%s has a malformed header: %s", k->c->subject, why);
}

static void skip_space(Cursor *k) {
    while (k->p < k->end && (*k->p == ' ' || *k->p == '\t' || *k->p == '\n' || *k->p == '\r')) {
        k->p++;
    }
}

static bool accept(Cursor *k, char ch) {
    skip_space(k);
    if (k->p < k->end && *k->p == ch) {
        k->p++;
        return true;
    }
    return false;
}

static void expect(Cursor *k, char ch, const char *why) {
    if (!accept(k, ch)) {
        malformed(k, why);
    }
}

/* A quoted string (no escapes) into out[cap]. */
static void parse_string(Cursor *k, char *out, size_t cap) {
    skip_space(k);
    if (k->p >= k->end || (*k->p != '\'' && *k->p != '"')) {
        malformed(k, "expected a quoted string");
    }
    char quote = *k->p++;
    size_t n = 0;
    while (k->p < k->end && *k->p != quote) {
        if (n + 1 >= cap) {
            malformed(k, "a string is too long");
        }
        out[n++] = *k->p++;
    }
    if (k->p >= k->end) {
        malformed(k, "unterminated string");
    }
    k->p++;
    out[n] = '\0';
}

static bool parse_bool(Cursor *k) {
    skip_space(k);
    size_t left = (size_t)(k->end - k->p);
    if (left >= 4 && memcmp(k->p, "True", 4) == 0) {
        k->p += 4;
        return true;
    }
    if (left >= 5 && memcmp(k->p, "False", 5) == 0) {
        k->p += 5;
        return false;
    }
    malformed(k, "fortran_order is neither True nor False");
}

static void parse_shape(Cursor *k, CharlNpyHeader *h) {
    expect(k, '(', "the shape is not a tuple");
    h->rank = 0;
    while (!accept(k, ')')) {
        skip_space(k);
        if (k->p >= k->end || *k->p < '0' || *k->p > '9') {
            malformed(k, "a dimension of the shape is not a non-negative integer");
        }
        int64_t d = 0;
        while (k->p < k->end && *k->p >= '0' && *k->p <= '9') {
            if (d > (INT64_MAX - 9) / 10) {
                malformed(k, "a dimension of the shape is too large");
            }
            d = d * 10 + (*k->p++ - '0');
        }
        if (k->p < k->end && *k->p == 'L') {
            k->p++;
        }
        if (h->rank == CHARL_MAX_RANK) {
            malformed(k, "the shape has too many dimensions");
        }
        h->shape[h->rank++] = d;
        if (!accept(k, ',')) {
            expect(k, ')', "the shape is not a tuple");
            break;
        }
    }
}

static void parse_descr(Cursor *k, CharlNpyHeader *h) {
    skip_space(k);
    if (k->p < k->end && *k->p == '[') {
        charl_fail(k->c->where, "%s holds a structured array, expected %s", k->c->subject, k->c->expected);
    }
    parse_string(k, h->descr, sizeof h->descr);
    const char *d = h->descr;
    h->order = *d == '<' || *d == '>' || *d == '|' || *d == '=' ? *d++ : '|';
    h->kind = *d ? *d++ : '?';
    h->itemsize = 0;
    while (*d >= '0' && *d <= '9' && h->itemsize < 100000) {
        h->itemsize = h->itemsize * 10 + (*d++ - '0');
    }
    if (*d != '\0') {
        h->kind = '?'; /* a dtype with parameters (datetime units, ...) */
    }
}

void charl_npy_parse(const unsigned char *bytes, size_t n, CharlNpyHeader *h, const CharlNpyCheck *c) {
    size_t start = bytes[6] == 1 ? 10 : 12;
    Cursor k = {(const char *)bytes + start, (const char *)bytes + n, c};
    bool seen_descr = false, seen_order = false, seen_shape = false;
    expect(&k, '{', "it is not a dict");
    while (!accept(&k, '}')) {
        char key[32];
        parse_string(&k, key, sizeof key);
        expect(&k, ':', "expected ':' after a key");
        if (strcmp(key, "descr") == 0) {
            parse_descr(&k, h);
            seen_descr = true;
        } else if (strcmp(key, "fortran_order") == 0) {
            h->fortran = parse_bool(&k);
            seen_order = true;
        } else if (strcmp(key, "shape") == 0) {
            parse_shape(&k, h);
            seen_shape = true;
        } else {
            malformed(&k, "unknown key");
        }
        if (!accept(&k, ',')) {
            expect(&k, '}', "expected ',' or '}'");
            break;
        }
    }
    if (!(seen_descr && seen_order && seen_shape)) {
        malformed(&k, "descr, fortran_order or shape is missing");
    }
    h->data_offset = n;
}

static const char *kind_name(char kind, int itemsize, char *scratch) {
    switch (kind) {
    case 'f':
        snprintf(scratch, 32, "float%d", itemsize * 8);
        return scratch;
    case 'i':
        snprintf(scratch, 32, "int%d", itemsize * 8);
        return scratch;
    case 'u':
        snprintf(scratch, 32, "uint%d", itemsize * 8);
        return scratch;
    case 'c':
        snprintf(scratch, 32, "complex%d", itemsize * 8);
        return scratch;
    case 'b':
        return itemsize == 1 ? "bool" : NULL;
    default:
        return NULL;
    }
}

void charl_npy_describe(CharlBuf *out, const CharlNpyHeader *h) {
    char scratch[32];
    const char *name = kind_name(h->kind, h->itemsize, scratch);
    if (h->order == '>' && h->itemsize > 1) {
        charl_buf_puts(out, "big-endian ");
    }
    if (name != NULL) {
        charl_buf_puts(out, name);
    } else {
        charl_buf_printf(out, "dtype '%s'", h->descr);
    }
    charl_buf_puts(out, " [");
    for (int i = 0; i < h->rank; i++) {
        charl_buf_printf(out, i ? ", %" PRId64 : "%" PRId64, h->shape[i]);
    }
    charl_buf_putc(out, ']');
    if (h->fortran) {
        charl_buf_puts(out, " in Fortran order");
    }
}

static bool dtype_matches(const CharlNpyHeader *h, int dtype) {
    static const char kinds[] = {'f', 'f', 'i', 'i', 'b', 'i'};
    return h->kind == kinds[dtype] && (size_t)h->itemsize == charl_dtype_size(dtype);
}

/* A Fortran-order file whose layout is the C layout too (at most one dimension longer than 1). */
static bool fortran_is_c(const CharlNpyHeader *h) {
    int long_dims = 0;
    for (int i = 0; i < h->rank; i++) {
        long_dims += h->shape[i] > 1;
    }
    return long_dims <= 1;
}

static CHARL_NORETURN void mismatch(const CharlNpyHeader *h, const CharlNpyCheck *c, const char *advice) {
    CharlBuf held = {0};
    charl_npy_describe(&held, h);
    charl_fail(c->where, "%s holds %s, expected %s%s", c->subject, held.data, c->expected, advice);
}

void charl_npy_check(const CharlNpyHeader *h, const CharlNpyCheck *c) {
    bool shape_ok = h->rank == c->rank;
    for (int i = 0; shape_ok && i < h->rank; i++) {
        shape_ok = c->shape[i] < 0 || c->shape[i] == h->shape[i];
    }
    if (!dtype_matches(h, c->dtype) || !shape_ok) {
        mismatch(h, c, "");
    }
    if (h->order == '>' && h->itemsize > 1) {
        mismatch(h, c,
                 "; only little-endian .npy files can be read (save it with `a.astype(a.dtype.newbyteorder('<'))`)");
    }
    if (h->fortran && !fortran_is_c(h)) {
        mismatch(h, c, "; only C-order .npy files can be read (save `np.ascontiguousarray(a)`)");
    }
}

void charl_npy_check_dest(const CharlNpyHeader *h, const CharlTensor *t, const CharlNpyCheck *c) {
    bool ok = t->rank == h->rank;
    for (int i = 0; ok && i < t->rank; i++) {
        ok = t->sizes[i] == h->shape[i];
    }
    if (!ok) {
        CharlBuf held = {0};
        charl_npy_describe(&held, h);
        charl_fail(c->where, "%s holds %s, but its destination has a different shape (it changed since it was opened?)",
                   c->subject, held.data);
    }
}

uint64_t charl_npy_data_bytes(const CharlNpyHeader *h) {
    uint64_t n = (uint64_t)h->itemsize;
    for (int i = 0; i < h->rank; i++) {
        n *= (uint64_t)h->shape[i];
    }
    return n;
}

void charl_npy_header_for(CharlBuf *out, const CharlTensor *t) {
    static const char *const descrs[] = {"<f4", "<f8", "<i4", "<i8", "|b1", "|i1"};
    CharlBuf dict = {0};
    charl_buf_printf(&dict, "{'descr': '%s', 'fortran_order': False, 'shape': (", descrs[t->dtype]);
    for (int i = 0; i < t->rank; i++) {
        charl_buf_printf(&dict, i ? ", %" PRId64 : "%" PRId64, t->sizes[i]);
    }
    charl_buf_puts(&dict, t->rank == 1 ? ",), }" : "), }");
    if (t->rank > 0) {
        charl_buf_spaces(&dict, (size_t)(21 - snprintf(NULL, 0, "%" PRId64, t->sizes[0])));
    }
    size_t hlen = dict.len + 1;
    size_t pad = 64 - (6 + 2 + 2 + hlen) % 64;
    unsigned char prefix[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, 0, 0};
    prefix[8] = (unsigned char)((hlen + pad) & 0xff);
    prefix[9] = (unsigned char)((hlen + pad) >> 8);
    charl_buf_put(out, (const char *)prefix, sizeof prefix);
    charl_buf_put(out, dict.data, dict.len);
    charl_buf_spaces(out, pad);
    charl_buf_putc(out, '\n');
    charl_buf_free(&dict);
}
