/*
 * The Charl runtime: what compiled Charl programs call for printing, .npy/.npz files, the clock and
 * run-time errors. docs/runtime.md is the contract (names, signatures, messages).
 *
 * Exported functions take their arguments as `convert-to-llvm` expands them:
 *   memref<?xi8> (a string)   -> int8_t *allocated, int8_t *aligned, int64_t offset, int64_t size, int64_t stride
 *   memref<*xT>  (a tensor)   -> int64_t rank, CharlDescriptor *descriptor
 * Internal helpers are prefixed `charl_` (without `rt_`) and hidden in the shared library.
 */
#ifndef CHARL_RT_H
#define CHARL_RT_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CHARL_EXPORT __attribute__((visibility("default")))
#define CHARL_NORETURN __attribute__((noreturn))
#define CHARL_PRINTF(f, a) __attribute__((format(printf, f, a)))

/* The most dimensions a tensor (or a .npy file) may have here. */
#define CHARL_MAX_RANK 32

/* Element type codes (the `i32 dtype` argument). */
enum { CHARL_F32 = 0, CHARL_F64 = 1, CHARL_I32 = 2, CHARL_I64 = 3, CHARL_I1 = 4, CHARL_I8 = 5 };

/* A ranked memref descriptor; an unranked memref is (rank, pointer to one of these). */
typedef struct {
    void *allocated;
    void *aligned;
    int64_t offset;
    int64_t sizes_strides[]; /* sizes[rank], then strides[rank], in elements */
} CharlDescriptor;

/* The parameters of a memref<?xi8> (or memref<?xi64>) argument, expanded. */
#define CHARL_STR_PARAMS(n) \
    int8_t *n##_allocated, int8_t *n##_aligned, int64_t n##_offset, int64_t n##_size, int64_t n##_stride
#define CHARL_STR_ARG(n) charl_str(n##_aligned, n##_offset, n##_size, n##_stride)
#define CHARL_I64S_PARAMS(n) \
    int64_t *n##_allocated, int64_t *n##_aligned, int64_t n##_offset, int64_t n##_size, int64_t n##_stride

/* An owned, NUL-terminated copy of a string argument. */
typedef struct {
    char *data;
    size_t len;
} CharlStr;

CharlStr charl_str(const int8_t *aligned, int64_t offset, int64_t size, int64_t stride);
void charl_str_free(CharlStr *s);

/* A growable byte buffer (allocation failure is a run-time error). */
typedef struct {
    char *data;
    size_t len, cap;
} CharlBuf;

void charl_buf_put(CharlBuf *b, const char *bytes, size_t n);
void charl_buf_puts(CharlBuf *b, const char *s);
void charl_buf_putc(CharlBuf *b, char c);
void charl_buf_spaces(CharlBuf *b, size_t n);
void charl_buf_printf(CharlBuf *b, const char *fmt, ...) CHARL_PRINTF(2, 3);
void charl_buf_free(CharlBuf *b);
void *charl_malloc(size_t n);

/* The matmul thread pool (gemm.c), shared by the runtime's kernels: `fn(arg, lo, hi)` over [0, units)
 * split into up to `threads` chunks that the caller and the pool's workers take from a shared
 * counter (a chunk a worker the OS has not scheduled has not taken is the caller's); the thread
 * count CHARL_NUM_THREADS asks for. */
void charl_parallel_units(int threads, int64_t units, void (*fn)(void *arg, int64_t lo, int64_t hi), void *arg);
/* The same in `chunks` chunks (at least one per thread, at most one per unit): more chunks than
 * threads balance the work when a thread runs slower (a core shared with another process). */
void charl_parallel_chunks(int threads, int64_t units, int64_t chunks, void (*fn)(void *arg, int64_t lo, int64_t hi),
                           void *arg);
int charl_thread_count(void);

/* Writes `where: runtime error: MESSAGE` to stderr (after flushing stdout) and exits with status 1.
 * `where` may be NULL or empty (then the location is left out). */
CHARL_NORETURN void charl_fail(const char *where, const char *fmt, ...) CHARL_PRINTF(2, 3);

/* A tensor argument, decoded. */
typedef struct {
    char *base; /* aligned pointer + offset, in bytes */
    int rank;
    int dtype;
    size_t itemsize;
    int64_t sizes[CHARL_MAX_RANK];
    int64_t strides[CHARL_MAX_RANK]; /* in elements */
} CharlTensor;

/* Decodes (rank, descriptor, dtype); a bad rank or dtype is a run-time error at `where`. */
CharlTensor charl_tensor(int64_t rank, const CharlDescriptor *desc, int32_t dtype, const char *where);
int64_t charl_tensor_count(const CharlTensor *t);
bool charl_tensor_is_contiguous(const CharlTensor *t);
size_t charl_dtype_size(int dtype);
const char *charl_dtype_name(int dtype);

/* Floats: NumPy's Dragon4 formatting (format.c). */
typedef enum { CHARL_TRIM_NONE, CHARL_TRIM_ZEROS, CHARL_TRIM_LEAVE_ONE_ZERO, CHARL_TRIM_DPT_ZEROS } CharlTrim;

typedef struct {
    uint64_t mantissa;
    int exponent;     /* value = mantissa * 2^exponent */
    int mantissa_bit; /* index of the highest set bit of the mantissa */
    bool unequal_margins;
    bool negative;
    int special; /* 0 finite, 1 infinity, 2 NaN */
} CharlFloatBits;

typedef struct {
    int precision;  /* -1: none */
    int min_digits; /* -1: none */
    CharlTrim trim;
    int pad_left;  /* -1: none */
    int pad_right; /* -1: none (positional only) */
    int exp_digits; /* -1: at least 2 (scientific only) */
} CharlFloatOpts;

#define CHARL_FLOAT_TEXT 400

/* Whether a cutoff counts all digits or those after the decimal point. */
typedef enum { CHARL_CUT_TOTAL, CHARL_CUT_FRACTION } CharlCutoff;

/* The digits of a finite x (its sign ignored) into digits[cap]: the shortest that identify x among
 * its neighbours, but at most up to `cutoff_max` and at least up to `cutoff_min` (-1: none), the
 * last one rounded half to even; returns their count, *exp10 = the power of ten of the first. */
int charl_dragon4(const CharlFloatBits *x, CharlCutoff mode, int cutoff_max, int cutoff_min, char *digits, int cap,
                  int *exp10);

CharlFloatBits charl_bits_f32(float x);
CharlFloatBits charl_bits_f64(double x);
/* Write NUL-terminated text into out[CHARL_FLOAT_TEXT]; return its length. */
int charl_format_positional(char *out, const CharlFloatBits *x, const CharlFloatOpts *o);
int charl_format_scientific(char *out, const CharlFloatBits *x, const CharlFloatOpts *o);
/* `str(np.float32(x))` / `str(np.float64(x))`. */
int charl_scalar_text(char *out, double value, bool is_f32);

/* NumPy's default print options. */
#define CHARL_PRECISION 8
#define CHARL_LINE_WIDTH 75
#define CHARL_THRESHOLD 1000
#define CHARL_EDGE_ITEMS 3

/* How each element of one tensor is formatted (layout.c): NumPy's format function. */
typedef struct {
    bool exp_format;
    CharlFloatOpts opts; /* finite floats */
    int width;           /* integers: right-aligned to this width */
} CharlLayout;

/* The layout of the elements NumPy prints (all, or the corners when `summarize`). */
void charl_layout(CharlLayout *L, const CharlTensor *t, bool summarize);
/* The text of the element at `p` into word[CHARL_FLOAT_TEXT]; *vlen is the width NumPy gives it. */
int charl_element_text(const CharlTensor *t, const CharlLayout *L, const char *p, char *word, int *vlen);
double charl_float_at(const CharlTensor *t, const char *p);
int64_t charl_int_at(const CharlTensor *t, const char *p);

/* Row-major iteration over the elements of a tensor. */
typedef struct {
    const CharlTensor *t;
    int64_t index[CHARL_MAX_RANK];
    int64_t offset; /* in elements, from t->base */
    bool done;
} CharlIter;

void charl_iter_init(CharlIter *it, const CharlTensor *t);
void charl_iter_next(CharlIter *it);
static inline char *charl_iter_ptr(const CharlIter *it) { return it->t->base + it->offset * (int64_t)it->t->itemsize; }

/* Streams a tensor's elements as row-major bytes (bools as 0/1) to `sink`, in chunks. */
typedef void (*CharlSink)(void *context, const void *bytes, size_t n);
void charl_tensor_bytes(const CharlTensor *t, CharlSink sink, void *context);
/* Copies row-major bytes into a tensor's elements. */
void charl_tensor_fill(const CharlTensor *t, const unsigned char *bytes);

/* The zip CRC-32 of `n` more bytes, continuing from `crc` (0 to start). */
uint32_t charl_crc32(uint32_t crc, const unsigned char *p, size_t n);

/* Little-endian fields of zip records. */
static inline void charl_put16(unsigned char *p, uint32_t v) {
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
}
static inline void charl_put32(unsigned char *p, uint32_t v) {
    charl_put16(p, v & 0xffffu);
    charl_put16(p + 2, v >> 16);
}
static inline uint32_t charl_get16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static inline uint32_t charl_get32(const unsigned char *p) { return charl_get16(p) | charl_get16(p + 2) << 16; }
static inline uint64_t charl_get64(const unsigned char *p) {
    return (uint64_t)charl_get32(p) | (uint64_t)charl_get32(p + 4) << 32;
}

/* .npy headers (npy_header.c), shared by the .npy and .npz functions. */
typedef struct {
    char descr[48];
    char order; /* '<', '>', '|' or '=' */
    char kind;  /* 'f', 'i', 'u', 'b', 'c', ... */
    int itemsize;
    bool fortran;
    int rank;
    int64_t shape[CHARL_MAX_RANK];
    size_t data_offset; /* bytes from the start of the .npy to its data */
} CharlNpyHeader;

/* What a reader expects of a .npy; `subject` names it in messages (`x.npy`, `array w in x.npz`). */
typedef struct {
    const char *subject;
    const char *where;
    const char *expected; /* the declared type as the user writes it */
    int dtype;
    int rank;
    const int64_t *shape; /* -1: any size */
} CharlNpyCheck;

/* The size of the magic, version and header of a .npy from its first `n` bytes (n >= 12 unless the
 * whole file is shorter); a run-time error if they are not a supported .npy prefix. */
size_t charl_npy_header_size(const unsigned char *prefix, size_t n, const CharlNpyCheck *c);
/* Parses a whole header (`n` = charl_npy_header_size bytes); a run-time error if malformed. */
void charl_npy_parse(const unsigned char *bytes, size_t n, CharlNpyHeader *h, const CharlNpyCheck *c);
/* Checks dtype, byte order, memory order and shape against `c`; a run-time error naming both types. */
void charl_npy_check(const CharlNpyHeader *h, const CharlNpyCheck *c);
/* Checks that `t` has the header's shape (the destination the compiled code allocated). */
void charl_npy_check_dest(const CharlNpyHeader *h, const CharlTensor *t, const CharlNpyCheck *c);
uint64_t charl_npy_data_bytes(const CharlNpyHeader *h);
/* `float64 [3, 4]`: what a header holds. */
void charl_npy_describe(CharlBuf *out, const CharlNpyHeader *h);
/* The version 1.0 header NumPy's np.save writes for `t`. */
void charl_npy_header_for(CharlBuf *out, const CharlTensor *t);

/* The public API (docs/runtime.md). */
CHARL_EXPORT void charl_rt_print_str(CHARL_STR_PARAMS(s));
CHARL_EXPORT void charl_rt_print_f32(float x);
CHARL_EXPORT void charl_rt_print_f64(double x);
CHARL_EXPORT void charl_rt_print_i32(int32_t x);
CHARL_EXPORT void charl_rt_print_i64(int64_t x);
CHARL_EXPORT void charl_rt_print_i8(int32_t x);
CHARL_EXPORT void charl_rt_print_i1(uint32_t x);
CHARL_EXPORT void charl_rt_print_tensor(int64_t rank, const CharlDescriptor *desc, int32_t dtype);
CHARL_EXPORT void charl_rt_print_newline(void);
CHARL_EXPORT void charl_rt_flush(void);
CHARL_EXPORT int64_t charl_rt_format_tensor(int64_t rank, const CharlDescriptor *desc, int32_t dtype, char *out,
                                            int64_t capacity);
CHARL_EXPORT int64_t charl_rt_format_f32(float x, char *out, int64_t capacity);
CHARL_EXPORT int64_t charl_rt_format_f64(double x, char *out, int64_t capacity);
CHARL_EXPORT double charl_rt_clock(void);
/* fp32 matmul C += A @ B, row-major with row strides (gemm.c); the _f32 form takes unranked memrefs. */
CHARL_EXPORT void charl_rt_sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B,
                                 int64_t ldb, float *C, int64_t ldc);
CHARL_EXPORT void charl_rt_sgemm_f32(int64_t rank_a, const CharlDescriptor *a, int64_t rank_b,
                                     const CharlDescriptor *b, int64_t rank_c, const CharlDescriptor *c);
/* Flags of charl_rt_sgemm_ex_f32: A and B stored transposed (read through swapped strides), C
 * overwritten (= A @ B) rather than accumulated (+=). */
enum { CHARL_SGEMM_TRANS_A = 1, CHARL_SGEMM_TRANS_B = 2, CHARL_SGEMM_ZERO = 4 };
CHARL_EXPORT void charl_rt_sgemm_ex_f32(int64_t rank_a, const CharlDescriptor *a, int64_t rank_b,
                                        const CharlDescriptor *b, int64_t rank_c, const CharlDescriptor *c,
                                        int64_t flags);
CHARL_EXPORT const char *charl_rt_sgemm_kernel(void);
CHARL_EXPORT void charl_rt_check_slice(int64_t start, int64_t stop, int64_t size, int64_t axis,
                                       CHARL_STR_PARAMS(where));
CHARL_EXPORT void charl_rt_check_dim(int64_t got, int64_t expected, CHARL_STR_PARAMS(what), CHARL_STR_PARAMS(where));
CHARL_EXPORT void charl_rt_error(CHARL_STR_PARAMS(where), CHARL_STR_PARAMS(message));
CHARL_EXPORT void charl_rt_npy_open(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), CHARL_STR_PARAMS(expected),
                                    int32_t dtype, CHARL_I64S_PARAMS(shape));
CHARL_EXPORT int64_t charl_rt_npy_dim(CHARL_STR_PARAMS(path), int64_t axis);
CHARL_EXPORT void charl_rt_npy_read(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), int64_t rank,
                                    const CharlDescriptor *dest, int32_t dtype);
CHARL_EXPORT void charl_rt_npy_save(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), int64_t rank,
                                    const CharlDescriptor *src, int32_t dtype);
CHARL_EXPORT void charl_rt_npz_save_begin(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where));
CHARL_EXPORT void charl_rt_npz_save_add(CHARL_STR_PARAMS(name), int64_t rank, const CharlDescriptor *src,
                                        int32_t dtype);
CHARL_EXPORT void charl_rt_npz_save_end(void);
CHARL_EXPORT void charl_rt_npz_read(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), CHARL_STR_PARAMS(name),
                                    CHARL_STR_PARAMS(expected), int32_t dtype, CHARL_I64S_PARAMS(shape),
                                    int64_t rank, const CharlDescriptor *dest);

#endif /* CHARL_RT_H */
