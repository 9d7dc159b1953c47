/*
 * Floats as NumPy formats them: Dragon4's digits (dragon4.c) laid out in positional or scientific
 * notation with NumPy's trimming and padding rules, and NumPy's choice between the two for scalars.
 */
#include "charl_rt.h"

#include <math.h>
#include <string.h>

/* A bounded writer into out[CHARL_FLOAT_TEXT]. */
typedef struct {
    char *out;
    int len;
} Text;

static void put(Text *t, char c) {
    if (t->len < CHARL_FLOAT_TEXT - 1) {
        t->out[t->len++] = c;
    }
}

static void put_n(Text *t, char c, int n) {
    for (int i = 0; i < n; i++) {
        put(t, c);
    }
}

static int finish(Text *t) {
    t->out[t->len] = '\0';
    return t->len;
}

static int special(char *out, const CharlFloatBits *x) {
    Text t = {out, 0};
    if (x->special == 1 && x->negative) {
        put(&t, '-');
    }
    const char *word = x->special == 1 ? "inf" : "nan";
    for (const char *p = word; *p; p++) {
        put(&t, *p);
    }
    return finish(&t);
}

/* Removes trailing zeros of the fraction (and then the point, or not, as `trim` says). */
static void trim_fraction(Text *t, int *frac, CharlTrim trim) {
    if (trim == CHARL_TRIM_NONE || *frac <= 0) {
        return;
    }
    while (t->out[t->len - 1] == '0') {
        t->len--;
        (*frac)--;
    }
    if (t->out[t->len - 1] == '.') {
        if (trim == CHARL_TRIM_LEAVE_ONE_ZERO) {
            put(t, '0');
            (*frac)++;
        } else if (trim == CHARL_TRIM_DPT_ZEROS) {
            t->len--;
        }
    }
}

int charl_format_positional(char *out, const CharlFloatBits *x, const CharlFloatOpts *o) {
    if (x->special) {
        return special(out, x);
    }
    char digits[CHARL_FLOAT_TEXT];
    int exp10, sign = x->negative ? 1 : 0;
    int n = charl_dragon4(x, CHARL_CUT_FRACTION, o->precision, o->min_digits, digits, 350, &exp10);
    Text t = {out, 0};
    if (sign) {
        put(&t, '-');
    }
    int whole, frac = 0;
    if (exp10 >= 0) {
        whole = exp10 + 1;
        for (int i = 0; i < n && i < whole; i++) {
            put(&t, digits[i]);
        }
        put_n(&t, '0', whole - n);
        if (n > whole) {
            put(&t, '.');
            for (int i = whole; i < n; i++) {
                put(&t, digits[i]);
            }
            frac = n - whole;
        }
    } else {
        whole = 1;
        put(&t, '0');
        put(&t, '.');
        put_n(&t, '0', -(exp10 + 1));
        for (int i = 0; i < n; i++) {
            put(&t, digits[i]);
        }
        frac = n - (exp10 + 1);
    }
    if (o->trim != CHARL_TRIM_DPT_ZEROS && frac == 0) {
        put(&t, '.');
    }
    int wanted = o->min_digits < 0 ? 0 : o->min_digits;
    if (o->trim == CHARL_TRIM_LEAVE_ONE_ZERO && frac == 0) {
        put(&t, '0');
        frac++;
    } else if (o->trim == CHARL_TRIM_NONE && wanted > frac) {
        put_n(&t, '0', wanted - frac);
        frac = wanted;
    }
    trim_fraction(&t, &frac, o->trim);
    if (o->pad_right >= frac) {
        if (o->trim == CHARL_TRIM_DPT_ZEROS && frac == 0) {
            put(&t, ' ');
        }
        put_n(&t, ' ', o->pad_right - frac);
    }
    int shift = o->pad_left - (whole + sign);
    if (shift > 0 && t.len + shift < CHARL_FLOAT_TEXT) {
        memmove(out + shift, out, (size_t)t.len);
        memset(out, ' ', (size_t)shift);
        t.len += shift;
    }
    return finish(&t);
}

int charl_format_scientific(char *out, const CharlFloatBits *x, const CharlFloatOpts *o) {
    if (x->special) {
        return special(out, x);
    }
    Text t = {out, 0};
    int leftchars = 1 + (x->negative ? 1 : 0);
    put_n(&t, ' ', o->pad_left - leftchars);
    if (x->negative) {
        put(&t, '-');
    }
    char digits[CHARL_FLOAT_TEXT];
    int exp10;
    int most = o->precision < 0 ? -1 : o->precision + 1, least = o->min_digits < 0 ? -1 : o->min_digits + 1;
    int n = charl_dragon4(x, CHARL_CUT_TOTAL, most, least, digits, 350, &exp10);
    put(&t, digits[0]);
    int frac = n - 1;
    if (frac > 0) {
        put(&t, '.');
        for (int i = 1; i < n; i++) {
            put(&t, digits[i]);
        }
    }
    if (o->trim != CHARL_TRIM_DPT_ZEROS && frac == 0) {
        put(&t, '.');
    }
    int wanted = o->min_digits < 0 ? 0 : o->min_digits;
    if (o->trim == CHARL_TRIM_LEAVE_ONE_ZERO && frac == 0) {
        put(&t, '0');
        frac++;
    } else if (o->trim == CHARL_TRIM_NONE && wanted > frac) {
        put_n(&t, '0', wanted - frac);
        frac = wanted;
    }
    if (o->trim != CHARL_TRIM_NONE && frac > 0) {
        while (t.out[t.len - 1] == '0') {
            t.len--;
        }
        if (o->trim == CHARL_TRIM_LEAVE_ONE_ZERO && t.out[t.len - 1] == '.') {
            put(&t, '0');
        }
    }
    put(&t, 'e');
    put(&t, exp10 < 0 ? '-' : '+');
    int e = exp10 < 0 ? -exp10 : exp10;
    int min_exp = o->exp_digits < 0 ? 2 : (o->exp_digits > 5 ? 5 : o->exp_digits);
    char e_digits[8];
    int en = 0;
    do {
        e_digits[en++] = (char)('0' + e % 10);
        e /= 10;
    } while (e != 0);
    put_n(&t, '0', min_exp - en);
    while (en > 0) {
        put(&t, e_digits[--en]);
    }
    return finish(&t);
}

/* The IEEE-754 fields of a float whose bits are `u`, with `mant` stored mantissa bits and an
 * exponent bias of `bias` (f32: 23 and 127; f64: 52 and 1023). */
static CharlFloatBits ieee_bits(uint64_t u, int mant, int exp_bits, int bias) {
    uint64_t frac = u & ((1ull << mant) - 1);
    uint32_t biased = (uint32_t)((u >> mant) & ((1u << exp_bits) - 1));
    CharlFloatBits b = {0, 0, 0, false, ((u >> (mant + exp_bits)) & 1) != 0, 0};
    if (biased == (1u << exp_bits) - 1) {
        b.special = frac == 0 ? 1 : 2;
    } else if (biased != 0) {
        b.mantissa = (1ull << mant) | frac;
        b.exponent = (int)biased - bias - mant;
        b.mantissa_bit = mant;
        b.unequal_margins = biased != 1 && frac == 0;
    } else {
        b.mantissa = frac;
        b.exponent = 1 - bias - mant;
        b.mantissa_bit = frac ? 63 - __builtin_clzll(frac) : 0;
    }
    return b;
}

CharlFloatBits charl_bits_f32(float x) {
    uint32_t u;
    memcpy(&u, &x, sizeof u);
    return ieee_bits(u, 23, 8, 127);
}

CharlFloatBits charl_bits_f64(double x) {
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return ieee_bits(u, 52, 11, 1023);
}

int charl_scalar_text(char *out, double value, bool is_f32) {
    CharlFloatBits bits = is_f32 ? charl_bits_f32((float)value) : charl_bits_f64(value);
    long double limit = is_f32 ? 1.e6L : 1.e16L;
    long double magnitude = fabsl((long double)value);
    bool positional = isnan(value) || value == 0 || (magnitude < limit && magnitude >= 1.e-4L);
    if (positional) {
        CharlFloatOpts o = {-1, -1, CHARL_TRIM_LEAVE_ONE_ZERO, -1, -1, -1};
        return charl_format_positional(out, &bits, &o);
    }
    CharlFloatOpts o = {-1, -1, CHARL_TRIM_DPT_ZEROS, -1, -1, -1};
    return charl_format_scientific(out, &bits, &o);
}
