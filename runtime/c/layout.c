/*
 * The format of a tensor's elements, as NumPy chooses it from the elements it prints (all of them, or
 * the corners of a summarized tensor): `FloatingFormat` (maxprec, precision 8) and `IntegerFormat`
 * of numpy/_core/arrayprint.py; booleans are `true`/`false`, counted as NumPy's 5-wide words.
 */
#include "charl_rt.h"

#include <inttypes.h>
#include <math.h>
#include <string.h>

enum { EDGE = CHARL_EDGE_ITEMS, PRECISION = CHARL_PRECISION };

/* The elements NumPy looks at: all, or the 3 leading and 3 trailing of each long axis. */
typedef struct {
    const CharlTensor *t;
    bool summarize;
    int64_t pos[CHARL_MAX_RANK]; /* position among the kept indices of each axis */
    bool done;
} Kept;

static int64_t kept_count(const Kept *k, int axis) {
    int64_t n = k->t->sizes[axis];
    return k->summarize && n > 2 * EDGE ? 2 * EDGE : n;
}

static int64_t kept_index(const Kept *k, int axis) {
    int64_t n = k->t->sizes[axis], j = k->pos[axis];
    return k->summarize && n > 2 * EDGE && j >= EDGE ? n - 2 * EDGE + j : j;
}

static void kept_init(Kept *k, const CharlTensor *t, bool summarize) {
    k->t = t;
    k->summarize = summarize;
    k->done = charl_tensor_count(t) == 0;
    for (int a = 0; a < t->rank; a++) {
        k->pos[a] = 0;
    }
}

static void kept_next(Kept *k) {
    for (int a = k->t->rank - 1; a >= 0; a--) {
        if (++k->pos[a] < kept_count(k, a)) {
            return;
        }
        k->pos[a] = 0;
    }
    k->done = true;
}

static const char *kept_ptr(const Kept *k) {
    int64_t offset = 0;
    for (int a = 0; a < k->t->rank; a++) {
        offset += kept_index(k, a) * k->t->strides[a];
    }
    return k->t->base + offset * (int64_t)k->t->itemsize;
}

static CharlFloatBits float_bits(const CharlTensor *t, const char *p) {
    if (t->dtype == CHARL_F32) {
        float x;
        memcpy(&x, p, sizeof x);
        return charl_bits_f32(x);
    }
    double x;
    memcpy(&x, p, sizeof x);
    return charl_bits_f64(x);
}

double charl_float_at(const CharlTensor *t, const char *p) {
    if (t->dtype == CHARL_F32) {
        float x;
        memcpy(&x, p, sizeof x);
        return x;
    }
    double x;
    memcpy(&x, p, sizeof x);
    return x;
}

int64_t charl_int_at(const CharlTensor *t, const char *p) {
    switch (t->dtype) {
    case CHARL_I32: {
        int32_t x;
        memcpy(&x, p, sizeof x);
        return x;
    }
    case CHARL_I64: {
        int64_t x;
        memcpy(&x, p, sizeof x);
        return x;
    }
    default:
        return (int8_t)*p;
    }
}

/* Whether NumPy switches these floats to scientific notation (compared in the array's own type). */
static bool wants_exp(bool f32, double max_abs, double min_abs) {
    if (f32) {
        volatile float hi = (float)max_abs, lo = (float)min_abs;
        volatile float ratio = hi / lo;
        return hi >= 1e6f || lo < 0.0001f || ratio > 1000.0f;
    }
    volatile double ratio = max_abs / min_abs;
    return max_abs >= 1e8 || min_abs < 0.0001 || ratio > 1000.0;
}

/* The widths of the parts of NumPy's first-pass text of every finite element. */
static void measure_floats(CharlLayout *L, const CharlTensor *t, bool summarize) {
    CharlFloatOpts first = {PRECISION, -1, CHARL_TRIM_ZEROS, -1, -1, -1};
    int int_len = 0, frac_len = 0, exp_len = 0;
    char text[CHARL_FLOAT_TEXT];
    Kept k;
    for (kept_init(&k, t, summarize); !k.done; kept_next(&k)) {
        CharlFloatBits bits = float_bits(t, kept_ptr(&k));
        if (bits.special) {
            continue;
        }
        int n = L->exp_format ? charl_format_scientific(text, &bits, &first)
                              : charl_format_positional(text, &bits, &first);
        int dot = (int)(strchr(text, '.') - text);
        char *e = strchr(text, 'e');
        int end = e ? (int)(e - text) : n;
        int_len = dot > int_len ? dot : int_len;
        frac_len = end - dot - 1 > frac_len ? end - dot - 1 : frac_len;
        if (e && n - end - 1 > exp_len) {
            exp_len = n - end - 1;
        }
    }
    if (L->exp_format) {
        int exp_size = exp_len - 1;
        L->opts = (CharlFloatOpts){frac_len, frac_len, CHARL_TRIM_NONE, int_len, exp_size + 2 + frac_len, exp_size};
    } else {
        L->opts = (CharlFloatOpts){PRECISION, 0, CHARL_TRIM_ZEROS, int_len, frac_len, -1};
    }
}

static void float_layout(CharlLayout *L, const CharlTensor *t, bool summarize) {
    bool any_finite = false, any_special = false, neg_inf = false, any_nonzero = false;
    double max_abs = 0, min_abs = 0;
    Kept k;
    for (kept_init(&k, t, summarize); !k.done; kept_next(&k)) {
        double x = charl_float_at(t, kept_ptr(&k));
        if (!isfinite(x)) {
            any_special = true;
            neg_inf = neg_inf || (isinf(x) && x < 0);
            continue;
        }
        any_finite = true;
        if (x != 0) {
            double a = fabs(x);
            max_abs = !any_nonzero || a > max_abs ? a : max_abs;
            min_abs = !any_nonzero || a < min_abs ? a : min_abs;
            any_nonzero = true;
        }
    }
    L->exp_format = any_nonzero && wants_exp(t->dtype == CHARL_F32, max_abs, min_abs);
    if (any_finite) {
        measure_floats(L, t, summarize);
    } else {
        L->opts = (CharlFloatOpts){PRECISION, -1, CHARL_TRIM_ZEROS, 0, 0, -1};
    }
    if (any_special) {
        int offset = L->opts.pad_right + 1;
        int need = 3 + (neg_inf ? 1 : 0) - offset;
        L->opts.pad_left = need > L->opts.pad_left ? need : L->opts.pad_left;
    }
}

static int decimal_len(int64_t x) {
    char text[32];
    return snprintf(text, sizeof text, "%" PRId64, x);
}

static void int_layout(CharlLayout *L, const CharlTensor *t, bool summarize) {
    int64_t lo = 0, hi = 0;
    bool first = true;
    Kept k;
    for (kept_init(&k, t, summarize); !k.done; kept_next(&k)) {
        int64_t x = charl_int_at(t, kept_ptr(&k));
        lo = first || x < lo ? x : lo;
        hi = first || x > hi ? x : hi;
        first = false;
    }
    int a = decimal_len(hi), b = decimal_len(lo);
    L->width = a > b ? a : b;
}

int charl_element_text(const CharlTensor *t, const CharlLayout *L, const char *p, char *word, int *vlen) {
    int n;
    if (t->dtype == CHARL_I1) {
        n = snprintf(word, CHARL_FLOAT_TEXT, "%s", *p ? "true" : "false");
        *vlen = 5;
        return n;
    }
    if (t->dtype != CHARL_F32 && t->dtype != CHARL_F64) {
        n = snprintf(word, CHARL_FLOAT_TEXT, "%*" PRId64, L->width, charl_int_at(t, p));
    } else {
        CharlFloatBits bits = float_bits(t, p);
        if (bits.special) {
            const char *name = bits.special == 2 ? "nan" : (bits.negative ? "-inf" : "inf");
            int pad = L->opts.pad_left + L->opts.pad_right + 1 - (int)strlen(name);
            n = snprintf(word, CHARL_FLOAT_TEXT, "%*s%s", pad > 0 ? pad : 0, "", name);
        } else if (L->exp_format) {
            n = charl_format_scientific(word, &bits, &L->opts);
        } else {
            n = charl_format_positional(word, &bits, &L->opts);
        }
    }
    *vlen = n;
    return n;
}

void charl_layout(CharlLayout *L, const CharlTensor *t, bool summarize) {
    *L = (CharlLayout){false, {PRECISION, -1, CHARL_TRIM_ZEROS, -1, -1, -1}, 0};
    if (t->dtype == CHARL_F32 || t->dtype == CHARL_F64) {
        float_layout(L, t, summarize);
    } else if (t->dtype != CHARL_I1) {
        int_layout(L, t, summarize);
    }
}
