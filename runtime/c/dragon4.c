/*
 * The Dragon4 digit generator (Steele & White, Burger & Dybvig) with NumPy's cutoff and rounding
 * rules: the decimal digits format.c lays out.
 *
 * Digits are exact: the value mantissa * 2^exponent is kept as a ratio of big integers
 * (value / scale), with the half-distances to the neighbouring floats (the margins) scaled alike. In
 * "unique" mode, digits stop as soon as the digits so far, rounded, identify the float among its
 * neighbours (IEEE round-half-even: the boundaries count when the mantissa is even), or at the
 * cutoff; at least `cutoff_min` digits are printed when asked (the exact value, rounded).
 */
#include "charl_rt.h"

#include <math.h>

/* 1100 bits cover every float64 (the scale of the smallest subnormal is 2^1076) with room to shift. */
#define BIG_BLOCKS 48

typedef struct {
    int len; /* blocks in use; the top one is non-zero (0 for zero) */
    uint32_t b[BIG_BLOCKS];
} Big;

static void big_trim(Big *x) {
    while (x->len > 0 && x->b[x->len - 1] == 0) {
        x->len--;
    }
}

static void big_set(Big *x, uint64_t v) {
    x->len = 0;
    while (v != 0) {
        x->b[x->len++] = (uint32_t)v;
        v >>= 32;
    }
}

static void big_pow2(Big *x, int e) {
    int top = e / 32;
    for (int i = 0; i <= top; i++) {
        x->b[i] = 0;
    }
    x->b[top] = (uint32_t)1 << (e % 32);
    x->len = top + 1;
}

static void big_shl(Big *x, int shift) {
    if (x->len == 0 || shift == 0) {
        return;
    }
    int words = shift / 32, bits = shift % 32, n = x->len;
    if (bits == 0) {
        for (int i = n - 1; i >= 0; i--) {
            x->b[i + words] = x->b[i];
        }
        x->len = n + words;
    } else {
        x->b[n + words] = x->b[n - 1] >> (32 - bits);
        for (int i = n - 1; i > 0; i--) {
            x->b[i + words] = (x->b[i] << bits) | (x->b[i - 1] >> (32 - bits));
        }
        x->b[words] = x->b[0] << bits;
        x->len = n + words + 1;
    }
    for (int i = 0; i < words; i++) {
        x->b[i] = 0;
    }
    big_trim(x);
}

static void big_mul_small(Big *x, uint32_t m) {
    uint64_t carry = 0;
    for (int i = 0; i < x->len; i++) {
        uint64_t p = (uint64_t)x->b[i] * m + carry;
        x->b[i] = (uint32_t)p;
        carry = p >> 32;
    }
    if (carry != 0) {
        x->b[x->len++] = (uint32_t)carry;
    }
}

static void big_mul_pow10(Big *x, int n) {
    static const uint32_t small[9] = {1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000};
    for (; n >= 9; n -= 9) {
        big_mul_small(x, 1000000000u);
    }
    if (n > 0) {
        big_mul_small(x, small[n]);
    }
}

static int big_cmp(const Big *a, const Big *b) {
    if (a->len != b->len) {
        return a->len < b->len ? -1 : 1;
    }
    for (int i = a->len - 1; i >= 0; i--) {
        if (a->b[i] != b->b[i]) {
            return a->b[i] < b->b[i] ? -1 : 1;
        }
    }
    return 0;
}

static void big_add(Big *r, const Big *a, const Big *b) {
    const Big *longer = a->len >= b->len ? a : b;
    const Big *shorter = a->len >= b->len ? b : a;
    uint64_t carry = 0;
    for (int i = 0; i < longer->len; i++) {
        uint64_t s = (uint64_t)longer->b[i] + (i < shorter->len ? shorter->b[i] : 0) + carry;
        r->b[i] = (uint32_t)s;
        carry = s >> 32;
    }
    r->len = longer->len;
    if (carry != 0) {
        r->b[r->len++] = (uint32_t)carry;
    }
}

/* a -= m * b, for a >= m * b. */
static void big_sub_mul(Big *a, const Big *b, uint32_t m) {
    uint64_t carry = 0, borrow = 0;
    for (int i = 0; i < a->len; i++) {
        uint64_t p = (i < b->len ? (uint64_t)b->b[i] * m : 0) + carry;
        carry = p >> 32;
        uint64_t d = (uint64_t)a->b[i] - (p & 0xffffffffu) - borrow;
        a->b[i] = (uint32_t)d;
        borrow = (d >> 32) & 1;
    }
    big_trim(a);
}

/* The digit floor(v / s) (< 10) and v = v mod s; s's top block lies in [2^27, 2^28). */
static uint32_t big_digit(Big *v, const Big *s) {
    if (v->len < s->len) {
        return 0;
    }
    uint32_t q = v->b[s->len - 1] / (s->b[s->len - 1] + 1);
    if (q != 0) {
        big_sub_mul(v, s, q);
    }
    while (big_cmp(v, s) >= 0) {
        big_sub_mul(v, s, 1);
        q++;
    }
    return q;
}

typedef struct {
    Big value, scale, low, high; /* high = 2 * low when the margins are unequal, else low */
    bool unequal;
} Ratio;

static void sync_high(Ratio *r) {
    r->high = r->low;
    if (r->unequal) {
        big_shl(&r->high, 1);
    }
}

static void ratio_init(Ratio *r, const CharlFloatBits *x) {
    int extra = x->unequal_margins ? 2 : 1; /* value and scale doubled (twice more for unequal margins) */
    r->unequal = x->unequal_margins;
    big_set(&r->value, x->mantissa);
    if (x->exponent > 0) {
        big_shl(&r->value, x->exponent + extra);
        big_set(&r->scale, (uint64_t)1 << extra);
        big_pow2(&r->low, x->exponent);
    } else {
        big_shl(&r->value, extra);
        big_pow2(&r->scale, -x->exponent + extra);
        big_set(&r->low, 1);
    }
    sync_high(r);
}

static void ratio_mul10(Ratio *r) {
    big_mul_small(&r->value, 10);
    big_mul_small(&r->low, 10);
    sync_high(r);
}

/* Shifts so that the scale's top block has its highest bit at bit 27 (quotient estimates work). */
static void ratio_normalize(Ratio *r) {
    uint32_t top = r->scale.b[r->scale.len - 1];
    int hb = 31;
    while (!(top >> hb)) {
        hb--;
    }
    int shift = (32 + 27 - hb) % 32;
    big_shl(&r->scale, shift);
    big_shl(&r->value, shift);
    big_shl(&r->low, shift);
    sync_high(r);
}

/* Rounds the digits up from the last one; returns the new count (a carry out adds an exponent). */
static int round_up(char *digits, int n, int *exp10) {
    for (int i = n - 1; i >= 0; i--) {
        if (digits[i] != '9') {
            digits[i]++;
            return i + 1;
        }
    }
    digits[0] = '1';
    *exp10 += 1;
    return 1;
}

int charl_dragon4(const CharlFloatBits *x, CharlCutoff mode, int cutoff_max, int cutoff_min, char *digits, int cap,
                  int *exp10) {
    if (x->mantissa == 0) {
        digits[0] = '0';
        *exp10 = 0;
        return 1;
    }
    bool even = (x->mantissa & 1) == 0;
    Ratio r;
    ratio_init(&r, x);
    int k = (int)ceil((double)(x->mantissa_bit + x->exponent) * 0.30102999566398119521 - 0.69);
    if (cutoff_max >= 0 && mode == CHARL_CUT_FRACTION && k <= -cutoff_max) {
        k = -cutoff_max + 1;
    }
    if (k > 0) {
        big_mul_pow10(&r.scale, k);
    } else if (k < 0) {
        big_mul_pow10(&r.value, -k);
        big_mul_pow10(&r.low, -k);
        sync_high(&r);
    }
    if (big_cmp(&r.value, &r.scale) >= 0) {
        k++;
    } else {
        ratio_mul10(&r);
    }
    int cut_max = k - cap, cut_min = k;
    if (cutoff_max >= 0) {
        int desired = mode == CHARL_CUT_TOTAL ? k - cutoff_max : -cutoff_max;
        cut_max = desired > cut_max ? desired : cut_max;
    }
    if (cutoff_min >= 0) {
        int desired = mode == CHARL_CUT_TOTAL ? k - cutoff_min : -cutoff_min;
        cut_min = desired < cut_min ? desired : cut_min;
    }
    *exp10 = k - 1;
    ratio_normalize(&r);
    int n = 0;
    uint32_t d = 0;
    bool low = false, high = false;
    for (;;) {
        k--;
        d = big_digit(&r.value, &r.scale);
        Big upper;
        big_add(&upper, &r.value, &r.high);
        int c = big_cmp(&r.value, &r.low);
        low = even ? c <= 0 : c < 0;
        c = big_cmp(&upper, &r.scale);
        high = even ? c >= 0 : c > 0;
        if (((low || high) && k <= cut_min) || k == cut_max) {
            break;
        }
        digits[n++] = (char)('0' + d);
        ratio_mul10(&r);
    }
    bool down = low;
    if (low == high) {
        big_shl(&r.value, 1);
        int c = big_cmp(&r.value, &r.scale);
        down = c < 0 || (c == 0 && (d & 1) == 0);
    }
    if (down) {
        digits[n++] = (char)('0' + d);
        return n;
    }
    if (d == 9) {
        return round_up(digits, n, exp10);
    }
    digits[n++] = (char)('0' + d + 1);
    return n;
}
