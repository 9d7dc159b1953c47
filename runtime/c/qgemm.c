/*
 * Quantized matrix multiply, Y += X @ dequantize(Q, S): the integer micro-kernel that
 * `convert-linalg-to-loops` calls for the `charl_qgemm` generic of `charl-quantize`
 * (docs/runtime.md, `charl_rt_qgemm`).
 *
 * X is [M, K] f32, Q is [K, N] int8 (one byte a weight) or int4 (packed two per byte: element e of
 * the buffer, counted from the aligned pointer, is the low nibble of byte e / 2 when e is even, the
 * high nibble when odd), S is [K / group, N] f32 (one scale per `group` consecutive rows of a
 * column; `group == K` is one scale per output channel).
 *
 * The math, the same on every path (test/unit/test_qgemm.py has it in NumPy):
 *   xs[m] = max|X[m, :]| / 127, xq[m, k] = clamp(round_half_even(X[m, k] / xs[m]), -127, 127)
 *   (dynamic per-row int8 quantization of the activations; xs = 0 gives xq = 0);
 *   for each group g, isum[m, g, n] = sum over k in g of xq[m, k] * Q[k, n] (exact, in int32);
 *   acc[m, n] = sum over g, in order, of float(isum[m, g, n]) * S[g, n];  Y[m, n] += xs[m] * acc[m, n].
 * Groups longer than 2^16 rows are summed in slices of 2^16 (no int32 overflow).
 *
 * Kernels (chosen per call; CHARL_QGEMM_KERNEL=vnni|avx2|c, or the `kernel` argument of
 * `charl_rt_qgemm`, forces one the host runs):
 * - vnni (AVX-512 VNNI): 4 rows of X x 64 columns of Q; four rows of Q are loaded as 64 bytes each
 *   (int4 unpacked in registers), offset to unsigned (w + 128 for int8, w + 8 for int4: a xor),
 *   interleaved so that each 32-bit lane holds one column's 4 rows, and multiplied with
 *   `vpdpbusd` by 4 bytes of xq broadcast; the offset adds off * sum(xq) per group, subtracted once
 *   per group (it depends on the row of X only). Ragged edges use masked loads.
 * - avx2: 4 rows x 16 columns; pairs of Q rows widened to int16 and multiplied with `vpmaddwd`.
 * - c: portable loops.
 * Threads (the runtime's pool, gemm.c) split the columns in units of 64, one contiguous range each;
 * a product of fewer than 2^18 multiply-adds runs on the calling thread. Each thread sweeps panels of
 * LANES / (rows of X in a tile) columns, as many rows of Q at a time as make SWEEP bytes (the int32
 * sums of the panel wait on the stack), prefetching into L2 the rows of the next sweep. Batch-1
 * decode is a stream of weights read once (GPT-2 small: 124 MB a token), so a sweep reads each row
 * as a run of up to 32 cache lines rather than one line of many rows, which the hardware streams
 * and prefetches far better. Measured on a 2-core AMD EPYC (Zen 4) with one token's int8 GEMVs:
 * LANES 2048, SWEEP 32 KiB with L2 prefetches reached 21 GB/s against 13 GB/s for the former
 * 512-column, 32-row panels with L1 prefetches (2 threads; reading alone: 31 GB/s).
 */
#include "charl_rt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CHARL_X86 1
#endif

#ifndef QGEMM_PREFETCH
#define QGEMM_PREFETCH 1
#endif
enum { TILE_N = 64, TILE_M = 4, LANES = 2048, SWEEP = 32768, MAX_SLICE = 1 << 16 };
#define QGEMM_PARALLEL_MIN_MACS ((int64_t)1 << 18)

/* One call's operands, with X already quantized. */
typedef struct {
    int bits;                  /* 8 or 4 */
    int64_t M, N, K, group;    /* group: rows per scale row (<= MAX_SLICE, else sliced) */
    int64_t slices;            /* ceil(K / group) */
    const uint8_t *q;          /* Q's aligned pointer, as bytes */
    int64_t qoff, ldq;         /* in elements */
    const float *s;            /* S[g, n] = s[g * lds + n] */
    int64_t lds, srows;        /* srows: rows of S; slice g reads row g * srows / slices */
    const int8_t *xq;          /* [M, kpad], zero-padded */
    int64_t kpad;
    const int32_t *xsum;       /* [M, slices]: sum of xq over each slice */
    const float *xs;           /* [M] */
    float *y;
    int64_t ldy;
} QGemm;

typedef void (*TileFn)(const QGemm *g, int64_t m0, int mr, int64_t n0, int nc);

static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/* Columns of a panel: LANES int32 sums for each row of X in a tile (whole tiles), so a batch-1
 * panel is wide and one of 4 rows of X keeps the 512 columns that 4 rows reuse from L2. */
static int panel_width(const QGemm *g) { return (int)(LANES / min64(TILE_M, g->M) / TILE_N * TILE_N); }

/* The scale row of slice `g` (slices subdivide groups when a group is longer than MAX_SLICE). */
static const float *scale_row(const QGemm *g, int64_t slice) { return g->s + slice * g->srows / g->slices * g->lds; }

/* Q[k, n0 + j] for j < nc as int8 into out[0:TILE_N] (zeros past nc). */
static void row_i8(const QGemm *g, int64_t k, int64_t n0, int nc, int8_t *out) {
    memset(out, 0, TILE_N);
    int64_t e = g->qoff + k * g->ldq + n0;
    if (g->bits == 8) {
        memcpy(out, g->q + e, (size_t)nc);
        return;
    }
    for (int j = 0; j < nc; j++, e++) {
        uint8_t nib = (uint8_t)((g->q[e >> 1] >> ((e & 1) * 4)) & 0xF);
        out[j] = (int8_t)((nib ^ 8) - 8);
    }
}

/* --- portable C ------------------------------------------------------------------------------------ */

static void tile_c64(const QGemm *g, int64_t m0, int mr, int64_t n0, int nc) {
    float acc[TILE_M][TILE_N] = {{0}};
    int8_t w[TILE_N];
    int64_t slice_len = (g->K + g->slices - 1) / g->slices;
    for (int64_t sl = 0; sl < g->slices; sl++) {
        int32_t isum[TILE_M][TILE_N] = {{0}};
        int64_t k1 = min64(g->K, (sl + 1) * slice_len);
        for (int64_t k = sl * slice_len; k < k1; k++) {
            row_i8(g, k, n0, nc, w);
            for (int i = 0; i < mr; i++) {
                int32_t x = g->xq[(m0 + i) * g->kpad + k];
                for (int j = 0; j < nc; j++) {
                    isum[i][j] += x * w[j];
                }
            }
        }
        const float *s = scale_row(g, sl) + n0;
        for (int i = 0; i < mr; i++) {
            for (int j = 0; j < nc; j++) {
                acc[i][j] += (float)isum[i][j] * s[j];
            }
        }
    }
    for (int i = 0; i < mr; i++) {
        float *y = g->y + (m0 + i) * g->ldy + n0;
        for (int j = 0; j < nc; j++) {
            y[j] += g->xs[m0 + i] * acc[i][j];
        }
    }
}

/* Any width, 64 columns at a time. */
static void tile_c(const QGemm *g, int64_t m0, int mr, int64_t n0, int nc) {
    for (int64_t n = n0; n < n0 + nc; n += TILE_N) {
        tile_c64(g, m0, mr, n, (int)min64(TILE_N, n0 + nc - n));
    }
}

#ifdef CHARL_X86
/* --- AVX-512 VNNI ----------------------------------------------------------------------------------- */

#define VNNI_TARGET __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni")))

/* Row k of Q, columns n0..n0+63 (masked by `m`), as unsigned bytes w + 128 (int8) or w + 8 (int4). */
VNNI_TARGET static inline __attribute__((always_inline)) __m512i vnni_row(const QGemm *g, int bits, int64_t k,
                                                                         int64_t n0, __mmask64 m, int nc) {
    int64_t e = g->qoff + k * g->ldq + n0;
    if (bits == 8) {
        __m512i r = _mm512_maskz_loadu_epi8(m, g->q + e);
        return _mm512_xor_si512(r, _mm512_set1_epi8((char)0x80));
    }
    const uint8_t *p = g->q + (e >> 1);
    __m512i lo4 = _mm512_set1_epi16(0x000F), t;
    if ((e & 1) == 0) {
        __mmask32 ma = nc >= 64 ? 0xFFFFFFFFu : (__mmask32)((1ull << ((nc + 1) / 2)) - 1);
        __m512i a = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(ma, p));
        t = _mm512_or_si512(_mm512_and_si512(a, lo4), _mm512_slli_epi16(_mm512_srli_epi16(a, 4), 8));
    } else {
        __mmask32 ma = nc >= 64 ? 0xFFFFFFFFu : (__mmask32)((1ull << ((nc + 1) / 2)) - 1);
        __mmask32 mb = nc >= 64 ? 0xFFFFFFFFu : (__mmask32)((1ull << (nc / 2)) - 1);
        __m512i a = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(ma, p));
        __m512i b = _mm512_cvtepu8_epi16(_mm256_maskz_loadu_epi8(mb, p + 1));
        t = _mm512_or_si512(_mm512_srli_epi16(a, 4), _mm512_slli_epi16(_mm512_and_si512(b, lo4), 8));
    }
    return _mm512_xor_si512(t, _mm512_set1_epi8(0x08));
}

/* acc[v] lane l holds columns 16l + 4v .. +3: returns the 4 vectors of columns 16v .. 16v + 15. */
VNNI_TARGET static inline void vnni_untangle(__m512i acc[4]) {
    __m512i t0 = _mm512_shuffle_i32x4(acc[0], acc[1], _MM_SHUFFLE(1, 0, 1, 0));
    __m512i t1 = _mm512_shuffle_i32x4(acc[0], acc[1], _MM_SHUFFLE(3, 2, 3, 2));
    __m512i t2 = _mm512_shuffle_i32x4(acc[2], acc[3], _MM_SHUFFLE(1, 0, 1, 0));
    __m512i t3 = _mm512_shuffle_i32x4(acc[2], acc[3], _MM_SHUFFLE(3, 2, 3, 2));
    acc[0] = _mm512_shuffle_i32x4(t0, t2, _MM_SHUFFLE(2, 0, 2, 0));
    acc[1] = _mm512_shuffle_i32x4(t0, t2, _MM_SHUFFLE(3, 1, 3, 1));
    acc[2] = _mm512_shuffle_i32x4(t1, t3, _MM_SHUFFLE(2, 0, 2, 0));
    acc[3] = _mm512_shuffle_i32x4(t1, t3, _MM_SHUFFLE(3, 1, 3, 1));
}

/* Four bytes xq[k .. k+3] of a row as one 32-bit lane value, those at or past `k1` zeroed. */
static inline int32_t x4(const int8_t *xq, int64_t k, int64_t k1) {
    int32_t v;
    memcpy(&v, xq + k, 4);
    int64_t keep = k1 - k;
    return keep >= 4 ? v : (int32_t)((uint32_t)v & ((1u << (8 * keep)) - 1u));
}

/* Four rows of 64 unsigned weight bytes into w, interleaved so that lane l of w[v] holds the 4
 * rows' bytes of column 16l + 4v .. +3 (the operand order of `vpdpbusd`). */
VNNI_TARGET static inline __attribute__((always_inline)) void vnni_interleave(__m512i r0, __m512i r1, __m512i r2,
                                                                              __m512i r3, __m512i w[4]) {
    __m512i a01lo = _mm512_unpacklo_epi8(r0, r1), a01hi = _mm512_unpackhi_epi8(r0, r1);
    __m512i a23lo = _mm512_unpacklo_epi8(r2, r3), a23hi = _mm512_unpackhi_epi8(r2, r3);
    w[0] = _mm512_unpacklo_epi16(a01lo, a23lo);
    w[1] = _mm512_unpackhi_epi16(a01lo, a23lo);
    w[2] = _mm512_unpacklo_epi16(a01hi, a23hi);
    w[3] = _mm512_unpackhi_epi16(a01hi, a23hi);
}

/* Adds rows [k, k1) of 64 columns of Q times the 4 xq bytes of each row of X to acc[i][0..3] (in
 * the interleaved order of `vnni_untangle`); rows past k1 read row k with zero activations. Each
 * quad prefetches the rows `ahead` further down. */
VNNI_TARGET static inline __attribute__((always_inline)) void vnni_steps(const QGemm *g, int bits, int64_t m0,
                                                                         int mr, int64_t n0, int nc, int64_t k,
                                                                         int64_t k1, int64_t ahead,
                                                                         __m512i acc[TILE_M][4]) {
    __mmask64 m = nc >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << nc) - 1);
    for (; k < k1; k += 4) {
#if QGEMM_PREFETCH
        for (int j = 0; j < 4; j++) {
            int64_t e = g->qoff + (k + j + ahead) * g->ldq + n0;
            _mm_prefetch((const char *)(g->q + (bits == 8 ? e : e >> 1)), _MM_HINT_T1);
        }
#endif
        __m512i w[4];
        vnni_interleave(vnni_row(g, bits, k, n0, m, nc), vnni_row(g, bits, k + 1 < k1 ? k + 1 : k, n0, m, nc),
                        vnni_row(g, bits, k + 2 < k1 ? k + 2 : k, n0, m, nc),
                        vnni_row(g, bits, k + 3 < k1 ? k + 3 : k, n0, m, nc), w);
#pragma GCC unroll 4
        for (int i = 0; i < mr; i++) {
            __m512i xb = _mm512_set1_epi32(x4(g->xq + (m0 + i) * g->kpad, k, k1));
#pragma GCC unroll 4
            for (int v = 0; v < 4; v++) {
                acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], w[v], xb);
            }
        }
    }
}

/* vnni_steps for the common case, int8 rows in whole quads and 64 whole columns, without its
 * per-row index arithmetic, row clamps and masks (which cost as much as the arithmetic): `quads`
 * quads of rows from p (Q's byte at the first row and column) with xq from x (row m0's byte at that
 * row; the rows of X kpad apart), prefetching `ahead` bytes further. */
VNNI_TARGET static inline __attribute__((always_inline)) void vnni_quads8(const uint8_t *p, int64_t ldq,
                                                                          int64_t ahead, const int8_t *x,
                                                                          int64_t kpad, int mr, int64_t quads,
                                                                          __m512i acc[TILE_M][4]) {
    const __m512i flip = _mm512_set1_epi8((char)0x80);
    for (int64_t qd = 0; qd < quads; qd++, p += 4 * ldq, x += 4) {
#if QGEMM_PREFETCH
        for (int j = 0; j < 4; j++) {
            _mm_prefetch((const char *)(p + ahead + j * ldq), _MM_HINT_T1);
        }
#endif
        __m512i w[4];
        vnni_interleave(_mm512_xor_si512(_mm512_loadu_si512(p), flip),
                        _mm512_xor_si512(_mm512_loadu_si512(p + ldq), flip),
                        _mm512_xor_si512(_mm512_loadu_si512(p + 2 * ldq), flip),
                        _mm512_xor_si512(_mm512_loadu_si512(p + 3 * ldq), flip), w);
#pragma GCC unroll 4
        for (int i = 0; i < mr; i++) {
            int32_t xv;
            memcpy(&xv, x + i * kpad, 4);
            __m512i xb = _mm512_set1_epi32(xv);
#pragma GCC unroll 4
            for (int v = 0; v < 4; v++) {
                acc[i][v] = _mm512_dpbusd_epi32(acc[i][v], w[v], xb);
            }
        }
    }
}

/* A panel of up to panel_width columns: for each slice, sweeps of `sub` rows cross the panel's tiles
 * (the weights are read row piece by row piece, ncols / 64 cache lines at a time, and the int32
 * sums wait in isum); then each tile's sums are untangled, corrected for the offset, converted and
 * scaled into facc. */
VNNI_TARGET static inline __attribute__((always_inline)) void vnni_panel(const QGemm *g, int bits, int64_t m0,
                                                                         int mr, int64_t n0, int ncols) {
    __m512i isum[TILE_M][LANES / 16];
    __m512 facc[TILE_M][LANES / 16];
    int tiles = (ncols + TILE_N - 1) / TILE_N;
    int64_t sub = SWEEP / (tiles * TILE_N) / 4 * 4; /* a narrow panel sweeps more rows */
    sub = sub < 4 ? 4 : sub;
    for (int i = 0; i < mr; i++) {
        for (int v = 0; v < 4 * tiles; v++) {
            facc[i][v] = _mm512_setzero_ps();
        }
    }
    int32_t off = bits == 8 ? 128 : 8;
    int64_t slice_len = (g->K + g->slices - 1) / g->slices;
    for (int64_t sl = 0; sl < g->slices; sl++) {
        for (int i = 0; i < mr; i++) {
            for (int v = 0; v < 4 * tiles; v++) {
                isum[i][v] = _mm512_setzero_si512();
            }
        }
        int64_t k0 = sl * slice_len, k1 = min64(g->K, k0 + slice_len);
        for (int64_t kb = k0; kb < k1; kb += sub) {
            int64_t kb1 = min64(k1, kb + sub);
            for (int t = 0; t < tiles; t++) {
                __m512i acc[TILE_M][4];
#pragma GCC unroll 4
                for (int i = 0; i < mr; i++) {
#pragma GCC unroll 4
                    for (int v = 0; v < 4; v++) {
                        acc[i][v] = isum[i][4 * t + v];
                    }
                }
                int64_t n = n0 + TILE_N * t;
                if (bits == 8 && (kb1 - kb) % 4 == 0 && ncols - TILE_N * t >= TILE_N) {
                    vnni_quads8(g->q + g->qoff + kb * g->ldq + n, g->ldq, sub * g->ldq, g->xq + m0 * g->kpad + kb,
                                g->kpad, mr, (kb1 - kb) / 4, acc);
                } else {
                    vnni_steps(g, bits, m0, mr, n, ncols - TILE_N * t, kb, kb1, sub, acc);
                }
#pragma GCC unroll 4
                for (int i = 0; i < mr; i++) {
#pragma GCC unroll 4
                    for (int v = 0; v < 4; v++) {
                        isum[i][4 * t + v] = acc[i][v];
                    }
                }
            }
        }
        const float *s = scale_row(g, sl) + n0;
        for (int t = 0; t < tiles; t++) {
            int nc = ncols - TILE_N * t;
            __mmask64 m = nc >= 64 ? ~(__mmask64)0 : (((__mmask64)1 << nc) - 1);
            __m512 sv[4];
#pragma GCC unroll 4
            for (int v = 0; v < 4; v++) {
                sv[v] = _mm512_maskz_loadu_ps((__mmask16)(m >> (16 * v)), s + TILE_N * t + 16 * v);
            }
            for (int i = 0; i < mr; i++) {
                vnni_untangle(&isum[i][4 * t]);
                __m512i corr = _mm512_set1_epi32(off * g->xsum[(m0 + i) * g->slices + sl]);
#pragma GCC unroll 4
                for (int v = 0; v < 4; v++) {
                    __m512 f = _mm512_cvtepi32_ps(_mm512_sub_epi32(isum[i][4 * t + v], corr));
                    facc[i][4 * t + v] = _mm512_fmadd_ps(f, sv[v], facc[i][4 * t + v]);
                }
            }
        }
    }
    for (int i = 0; i < mr; i++) {
        float *y = g->y + (m0 + i) * g->ldy + n0;
        __m512 xs = _mm512_set1_ps(g->xs[m0 + i]);
        for (int v = 0; v < 4 * tiles; v++) {
            int left = ncols - 16 * v;
            __mmask16 mv = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << (left > 0 ? left : 0)) - 1);
            __m512 old = _mm512_maskz_loadu_ps(mv, y + 16 * v);
            _mm512_mask_storeu_ps(y + 16 * v, mv, _mm512_fmadd_ps(xs, facc[i][v], old));
        }
    }
}

/* The VNNI panel, compiled for each weight width and row count (constants keep the accumulators in
 * registers). */
VNNI_TARGET static void tile_vnni(const QGemm *g, int64_t m0, int mr, int64_t n0, int nc) {
#define VNNI_CASE(b, r) vnni_panel(g, b, m0, r, n0, nc)
    if (g->bits == 8) {
        mr == 1 ? VNNI_CASE(8, 1) : mr == 2 ? VNNI_CASE(8, 2) : mr == 3 ? VNNI_CASE(8, 3) : VNNI_CASE(8, 4);
    } else {
        mr == 1 ? VNNI_CASE(4, 1) : mr == 2 ? VNNI_CASE(4, 2) : mr == 3 ? VNNI_CASE(4, 3) : VNNI_CASE(4, 4);
    }
#undef VNNI_CASE
}

/* --- AVX2 ------------------------------------------------------------------------------------------- */

#define AVX2_TARGET __attribute__((target("avx2,fma")))

/* 16 weights of row k from column n as int8 (a zero-padded copy at a ragged edge). */
AVX2_TARGET static inline __m128i avx2_row(const QGemm *g, int64_t k, int64_t n, int cols) {
    int64_t e = g->qoff + k * g->ldq + n;
    if (cols < 16) {
        int8_t w[TILE_N];
        row_i8(g, k, n, cols, w);
        return _mm_loadu_si128((const __m128i *)w);
    }
    if (g->bits == 8) {
        return _mm_loadu_si128((const __m128i *)(g->q + e));
    }
    const uint8_t *p = g->q + (e >> 1);
    __m128i lo4 = _mm_set1_epi8(0x0F), a, b, t;
    uint64_t wa, wb;
    memcpy(&wa, p, 8);
    a = _mm_cvtsi64_si128((long long)wa);
    if ((e & 1) == 0) {
        t = _mm_unpacklo_epi8(_mm_and_si128(a, lo4), _mm_and_si128(_mm_srli_epi16(a, 4), lo4));
    } else {
        memcpy(&wb, p + 1, 8);
        b = _mm_cvtsi64_si128((long long)wb);
        t = _mm_unpacklo_epi8(_mm_and_si128(_mm_srli_epi16(a, 4), lo4), _mm_and_si128(b, lo4));
    }
    __m128i eight = _mm_set1_epi8(8);
    return _mm_sub_epi8(_mm_xor_si128(t, eight), eight);
}

AVX2_TARGET static void tile_avx2(const QGemm *g, int64_t m0, int mr, int64_t n0, int nc) {
    for (int64_t n = n0; n < n0 + nc; n += 16) { /* any width: 16 columns at a time */
        int cols = (int)min64(16, n0 + nc - n);
        __m256 acc[TILE_M][2];
        for (int i = 0; i < TILE_M; i++) {
            acc[i][0] = acc[i][1] = _mm256_setzero_ps();
        }
        int64_t slice_len = (g->K + g->slices - 1) / g->slices;
        for (int64_t sl = 0; sl < g->slices; sl++) {
            __m256i isum[TILE_M][2];
            for (int i = 0; i < TILE_M; i++) {
                isum[i][0] = isum[i][1] = _mm256_setzero_si256();
            }
            int64_t k0 = sl * slice_len, k1 = min64(g->K, k0 + slice_len);
            for (int64_t k = k0; k < k1; k += 2) {
                __m128i r0 = avx2_row(g, k, n, cols), r1 = avx2_row(g, k + 1 < k1 ? k + 1 : k, n, cols);
                __m256i wlo = _mm256_cvtepi8_epi16(_mm_unpacklo_epi8(r0, r1));
                __m256i whi = _mm256_cvtepi8_epi16(_mm_unpackhi_epi8(r0, r1));
                for (int i = 0; i < mr; i++) {
                    const int8_t *xq = g->xq + (m0 + i) * g->kpad;
                    int32_t x1 = k + 1 < k1 ? xq[k + 1] : 0;
                    __m256i xb = _mm256_set1_epi32((int32_t)(((uint32_t)(uint16_t)x1 << 16) | (uint16_t)xq[k]));
                    isum[i][0] = _mm256_add_epi32(isum[i][0], _mm256_madd_epi16(wlo, xb));
                    isum[i][1] = _mm256_add_epi32(isum[i][1], _mm256_madd_epi16(whi, xb));
                }
            }
            float s[16] = {0};
            memcpy(s, scale_row(g, sl) + n, (size_t)cols * sizeof(float));
            __m256 s0 = _mm256_loadu_ps(s), s1 = _mm256_loadu_ps(s + 8);
            for (int i = 0; i < mr; i++) {
                acc[i][0] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[i][0]), s0, acc[i][0]);
                acc[i][1] = _mm256_fmadd_ps(_mm256_cvtepi32_ps(isum[i][1]), s1, acc[i][1]);
            }
        }
        for (int i = 0; i < mr; i++) {
            float out[16];
            _mm256_storeu_ps(out, acc[i][0]);
            _mm256_storeu_ps(out + 8, acc[i][1]);
            float *y = g->y + (m0 + i) * g->ldy + n;
            for (int j = 0; j < cols; j++) {
                y[j] = fmaf(g->xs[m0 + i], out[j], y[j]);
            }
        }
    }
}
#endif

/* --- driver ----------------------------------------------------------------------------------------- */

typedef struct {
    TileFn fn;
    const char *name;
} QKernel;

/* The widest kernel the host runs, or the one `force` names (NULL or "": CHARL_QGEMM_KERNEL). */
static QKernel choose(const char *force) {
    if (force == NULL || *force == '\0') {
        force = getenv("CHARL_QGEMM_KERNEL");
    }
    force = force != NULL ? force : "";
    QKernel k = {tile_c, "c"};
#ifdef CHARL_X86
    __builtin_cpu_init();
    bool avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    bool vnni = __builtin_cpu_supports("avx512vnni") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512vl");
    if (vnni && (*force == '\0' || strcmp(force, "vnni") == 0)) {
        k = (QKernel){tile_vnni, "vnni"};
    } else if (avx2 && strcmp(force, "c") != 0) {
        k = (QKernel){tile_avx2, "avx2"};
    }
#endif
    return k;
}

typedef struct {
    const QGemm *g;
    TileFn fn;
} Job;

/* Columns [lo * TILE_N, hi * TILE_N) of the product. */
static void columns(void *arg, int64_t lo_unit, int64_t hi_unit) {
    const Job *job = arg;
    const QGemm *g = job->g;
    int64_t lo = lo_unit * TILE_N, hi = min64(g->N, hi_unit * TILE_N);
    int width = panel_width(g);
    for (int64_t n0 = lo; n0 < hi; n0 += width) {
        int nc = (int)min64(width, hi - n0);
        for (int64_t m0 = 0; m0 < g->M; m0 += TILE_M) {
            job->fn(g, m0, (int)min64(TILE_M, g->M - m0), n0, nc);
        }
    }
}

/* Row m of xq (zero-padded to kpad) and its per-slice sums. */
static void finish_row(const QGemm *g, int64_t m, int8_t *xq, int32_t *xsum) {
    int64_t slice_len = (g->K + g->slices - 1) / g->slices;
    int8_t *row = xq + m * g->kpad;
    memset(row + g->K, 0, (size_t)(g->kpad - g->K));
    for (int64_t sl = 0; sl < g->slices; sl++) {
        int32_t sum = 0;
        for (int64_t k = sl * slice_len; k < min64(g->K, (sl + 1) * slice_len); k++) {
            sum += row[k];
        }
        xsum[m * g->slices + sl] = sum;
    }
}

/* Quantizes row m of x to int8 (the scale into xs[m]). */
static void quantize_row(const QGemm *g, int64_t m, const float *row, int8_t *xq, float *xs) {
    float peak = 0.0f;
    for (int64_t k = 0; k < g->K; k++) {
        peak = fmaxf(peak, fabsf(row[k]));
    }
    float scale = peak / 127.0f;
    float divisor = scale == 0.0f ? 1.0f : scale;
    int8_t *out = xq + m * g->kpad;
    for (int64_t k = 0; k < g->K; k++) {
        out[k] = (int8_t)fminf(127.0f, fmaxf(-127.0f, nearbyintf(row[k] / divisor)));
    }
    xs[m] = scale;
}

/* The operands of one call, before the activations are given. */
static QGemm setup(int bits, int64_t M, int64_t N, int64_t K, const void *q, int64_t qoff, int64_t ldq,
                   const float *s, int64_t lds, int64_t group, float *y, int64_t ldy) {
    if ((bits != 8 && bits != 4) || group <= 0 || K % group != 0) {
        charl_fail(NULL, "charl_rt_qgemm: %d-bit weights with group %lld of K = %lld", bits, (long long)group,
                   (long long)K);
    }
    int64_t srows = K / group, per = (group + MAX_SLICE - 1) / MAX_SLICE;
    QGemm g = {bits, M, N, K, group, srows * per, q, qoff, ldq, s, lds, srows, NULL, 0, NULL, NULL, y, ldy};
    g.kpad = (K + 3) / 4 * 4 + 4;
    return g;
}

/* Runs the product of `g` (its xq, xsum, xs filled in) with the kernel `kernel` names. */
static void run(const QGemm *g, const char *kernel) {
    Job job = {g, choose(kernel).fn};
    int64_t units = (g->N + TILE_N - 1) / TILE_N;
    int threads = g->M * g->N * g->K < QGEMM_PARALLEL_MIN_MACS ? 1 : charl_thread_count();
    charl_parallel_units(threads, units, columns, &job);
}

/* The activation buffers of `g`: xq [M, kpad], xsum [M, slices], xs [M]; freed by `release`. */
static void allocate(QGemm *g, int8_t **xq, int32_t **xsum, float **xs) {
    *xq = charl_malloc((size_t)(g->M * g->kpad));
    *xsum = charl_malloc((size_t)(g->M * g->slices) * sizeof(int32_t));
    *xs = charl_malloc((size_t)g->M * sizeof(float));
    g->xq = *xq, g->xsum = *xsum, g->xs = *xs;
}

static void release(int8_t *xq, int32_t *xsum, float *xs) {
    free(xq);
    free(xsum);
    free(xs);
}

CHARL_EXPORT void charl_rt_qgemm(int bits, int64_t M, int64_t N, int64_t K, const float *x, int64_t ldx,
                                 const void *q, int64_t qoff, int64_t ldq, const float *s, int64_t lds,
                                 int64_t group, float *y, int64_t ldy, const char *kernel) {
    if (M <= 0 || N <= 0 || K <= 0) {
        return;
    }
    QGemm g = setup(bits, M, N, K, q, qoff, ldq, s, lds, group, y, ldy);
    int8_t *xq;
    int32_t *xsum;
    float *xs;
    allocate(&g, &xq, &xsum, &xs);
    for (int64_t m = 0; m < M; m++) {
        quantize_row(&g, m, x + m * ldx, xq, xs);
        finish_row(&g, m, xq, xsum);
    }
    run(&g, kernel);
    release(xq, xsum, xs);
}

/* The kernel a call would use now (`kernel` as for charl_rt_qgemm). */
CHARL_EXPORT const char *charl_rt_qgemm_kernel(const char *kernel) { return choose(kernel).name; }

/* Y += xs * (XQ @ Q) scaled per group, on descriptors: XQ [M, K] i8 (activations quantized per
 * row), XS [M] f32 (their scales), Q [K, N] of `bits`, S [N] (one scale per column) or [G, N]
 * (groups of K / G rows), Y [M, N] f32; rows contiguous. */
static void qgemm_desc(int bits, const int64_t ranks[5], const CharlDescriptor *d[5]) {
    const char *name = bits == 8 ? "charl_rt_qgemm_i8" : "charl_rt_qgemm_i4";
    if (ranks[0] != 2 || ranks[1] != 1 || ranks[2] != 2 || (ranks[3] != 1 && ranks[3] != 2) || ranks[4] != 2) {
        charl_fail(NULL, "%s: operands of rank %lld, %lld, %lld, %lld, %lld", name, (long long)ranks[0],
                   (long long)ranks[1], (long long)ranks[2], (long long)ranks[3], (long long)ranks[4]);
    }
    const int64_t *sx = d[0]->sizes_strides, *sxs = d[1]->sizes_strides, *sq = d[2]->sizes_strides;
    const int64_t *ss = d[3]->sizes_strides, *sy = d[4]->sizes_strides;
    bool grouped = ranks[3] == 2;
    int64_t M = sx[0], K = sx[1], N = sq[1], srows = grouped ? ss[0] : 1;
    int64_t scols = grouped ? ss[1] : ss[0], sstride = grouped ? ss[3] : ss[1], lds = grouped ? ss[2] : 0;
    bool unit = sx[3] == 1 && sq[3] == 1 && sstride == 1 && sy[3] == 1;
    if (sxs[0] != M || sq[0] != K || sy[0] != M || sy[1] != N || scols != N || srows < 1 || K % srows != 0 ||
        !unit) {
        charl_fail(NULL, "%s: shapes %lldx%lld @ %lldx%lld (scales %lldx%lld) into %lldx%lld", name, (long long)M,
                   (long long)K, (long long)sq[0], (long long)N, (long long)srows, (long long)scols,
                   (long long)sy[0], (long long)sy[1]);
    }
    if (M <= 0 || N <= 0 || K <= 0) {
        return;
    }
    const float *ps = (const float *)d[3]->aligned + d[3]->offset;
    float *py = (float *)d[4]->aligned + d[4]->offset;
    QGemm g = setup(bits, M, N, K, d[2]->aligned, d[2]->offset, sq[2], ps, lds, K / srows, py, sy[2]);
    int8_t *xq;
    int32_t *xsum;
    float *xs;
    allocate(&g, &xq, &xsum, &xs);
    const int8_t *px = (const int8_t *)d[0]->aligned + d[0]->offset;
    const float *pxs = (const float *)d[1]->aligned + d[1]->offset;
    for (int64_t m = 0; m < M; m++) {
        memcpy(xq + m * g.kpad, px + m * sx[2], (size_t)K);
        finish_row(&g, m, xq, xsum);
        xs[m] = pxs[m * sxs[1]];
    }
    run(&g, NULL);
    release(xq, xsum, xs);
}

#define QGEMM_ENTRY(bits)                                                                                        \
    CHARL_EXPORT void charl_rt_qgemm_i##bits(int64_t rank_xq, const CharlDescriptor *xq, int64_t rank_xs,       \
                                             const CharlDescriptor *xs, int64_t rank_q, const CharlDescriptor *q, \
                                             int64_t rank_s, const CharlDescriptor *s, int64_t rank_y,            \
                                             const CharlDescriptor *y) {                                          \
        const int64_t ranks[5] = {rank_xq, rank_xs, rank_q, rank_s, rank_y};                                      \
        const CharlDescriptor *d[5] = {xq, xs, q, s, y};                                                          \
        qgemm_desc(bits, ranks, d);                                                                               \
    }

QGEMM_ENTRY(8)
QGEMM_ENTRY(4)
