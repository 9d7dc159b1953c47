/*
 * fp32 matrix multiply, C += A @ B, the micro-kernel ("ukernel") that `convert-linalg-to-loops`
 * calls for an f32 `linalg.matmul` (docs/runtime.md, `charl_rt_sgemm`).
 *
 * The classic Goto/BLIS scheme: for each block of NC columns of B and KC rows of the reduction, the
 * B block is packed into NR-wide column panels; for each block of MC rows of A, the A block is packed
 * into MR-tall row panels (or, when few B panels reuse them, read in place: see direct_a); a
 * register-blocked micro-kernel multiplies one A panel by one B panel
 * (an MR x NR tile of C held in vector registers over the KC steps). Panels are zero-padded, so edge
 * tiles run the same kernel and only their valid part is added to C.
 *
 * The kernel is chosen once at run time for the host (AVX-512, AVX2+FMA, or portable C), each
 * compiled for its instruction set with a `target` attribute, so the library needs no -march flag
 * and its build cache needs no host key.
 *
 * Determinism: every C element is computed as C + sum_p(A[i,p] * B[p,j]) per KC block, the blocks in
 * order and within a block a fixed FMA chain from zero; threads split rows or columns of C, never K,
 * so the result does not depend on the number of threads nor on where a tile falls.
 */
#include "charl_rt.h"

#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CHARL_X86 1
#endif

/* Cache blocking: a KC x NR B panel stays in L1, an MC x KC A block in L2, a KC x NC B block in L3. */
enum { KC = 256, MC = 120, NC = 3072 };
/* Below this many multiply-adds (~20 us on one core) one thread does the whole product. */
#define PARALLEL_MIN_MACS ((int64_t)1 << 20)

/* Adds an MR x NR tile `acc` (row-major, stride nr) to the rows x cols corner of C, or stores it there. */
static void add_tile(float *c, int64_t ldc, const float *acc, int nr, int64_t rows, int64_t cols, bool store) {
    for (int64_t i = 0; i < rows; i++) {
        for (int64_t j = 0; j < cols; j++) {
            c[i * ldc + j] = store ? acc[i * nr + j] : c[i * ldc + j] + acc[i * nr + j];
        }
    }
}

/* A micro-kernel: C[0:rows, 0:cols] += (or, with `store`, =) a (MR x kc) @ b (kc x NR panel). Element (i, p) of `a` is at
 * a[i * ars + p * acs]: a packed panel (ars 1, acs MR) or rows of A in place (ars lda, acs 1). */
typedef void (*KernelFn)(int64_t kc, const float *restrict a, int64_t ars, int64_t acs, const float *restrict b,
                         float *restrict c, int64_t ldc, int64_t rows, int64_t cols, bool store);

typedef struct {
    int mr, nr;
    KernelFn fn;
    const char *name;
} Kernel;

/* AVX-512: 12 x 32, 24 accumulators in zmm registers, the A element broadcast from memory. The
 * packing routines copy whole panel rows of this tile with fixed-size copies. */
#define K512_MR 12
#define K512_NR 32

#ifdef CHARL_X86
__attribute__((target("avx512f,fma"))) static void kernel_avx512(int64_t kc, const float *restrict a, int64_t ars,
                                                                 int64_t acs, const float *restrict b,
                                                                 float *restrict c, int64_t ldc, int64_t rows,
                                                                 int64_t cols, bool store) {
    __m512 acc[K512_MR][2];
#pragma GCC unroll 16
    for (int i = 0; i < K512_MR; i++) {
        acc[i][0] = _mm512_setzero_ps();
        acc[i][1] = _mm512_setzero_ps();
    }
#pragma GCC unroll 2
    for (int64_t p = 0; p < kc; p++) {
        __m512 b0 = _mm512_load_ps(b), b1 = _mm512_load_ps(b + 16);
#pragma GCC unroll 16
        for (int i = 0; i < K512_MR; i++) {
            __m512 ai = _mm512_set1_ps(a[i * ars]);
            acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
        }
        a += acs;
        b += 32;
    }
    if (rows == K512_MR && cols == 32) {
#pragma GCC unroll 16
        for (int i = 0; i < K512_MR; i++) {
            float *row = c + i * ldc;
            _mm512_storeu_ps(row, store ? acc[i][0] : _mm512_add_ps(_mm512_loadu_ps(row), acc[i][0]));
            _mm512_storeu_ps(row + 16, store ? acc[i][1] : _mm512_add_ps(_mm512_loadu_ps(row + 16), acc[i][1]));
        }
        return;
    }
    float tile[K512_MR * 32] __attribute__((aligned(64)));
    for (int i = 0; i < K512_MR; i++) {
        _mm512_store_ps(tile + i * 32, acc[i][0]);
        _mm512_store_ps(tile + i * 32 + 16, acc[i][1]);
    }
    add_tile(c, ldc, tile, 32, rows, cols, store);
}

/* AVX2 + FMA: 6 x 16, 12 accumulators in ymm registers. */
#define K256_MR 6
__attribute__((target("avx2,fma"))) static void kernel_avx2(int64_t kc, const float *restrict a, int64_t ars,
                                                            int64_t acs, const float *restrict b, float *restrict c,
                                                            int64_t ldc, int64_t rows, int64_t cols, bool store) {
    __m256 acc[K256_MR][2];
#pragma GCC unroll 8
    for (int i = 0; i < K256_MR; i++) {
        acc[i][0] = _mm256_setzero_ps();
        acc[i][1] = _mm256_setzero_ps();
    }
#pragma GCC unroll 2
    for (int64_t p = 0; p < kc; p++) {
        __m256 b0 = _mm256_load_ps(b), b1 = _mm256_load_ps(b + 8);
#pragma GCC unroll 8
        for (int i = 0; i < K256_MR; i++) {
            __m256 ai = _mm256_broadcast_ss(a + i * ars);
            acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
            acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
        }
        a += acs;
        b += 16;
    }
    float tile[K256_MR * 16] __attribute__((aligned(32)));
    for (int i = 0; i < K256_MR; i++) {
        _mm256_store_ps(tile + i * 16, acc[i][0]);
        _mm256_store_ps(tile + i * 16 + 8, acc[i][1]);
    }
    add_tile(c, ldc, tile, 16, rows, cols, store);
}
#endif

/* Portable C: 4 x 16, left to the compiler's auto-vectorizer. */
#define KC_MR 4
#define KC_NR 16
static void kernel_c(int64_t kc, const float *restrict a, int64_t ars, int64_t acs, const float *restrict b,
                     float *restrict c, int64_t ldc, int64_t rows, int64_t cols, bool store) {
    float acc[KC_MR * KC_NR] = {0};
    for (int64_t p = 0; p < kc; p++) {
        for (int i = 0; i < KC_MR; i++) {
            for (int j = 0; j < KC_NR; j++) {
                acc[i * KC_NR + j] += a[i * ars] * b[j];
            }
        }
        a += acs;
        b += KC_NR;
    }
    add_tile(c, ldc, acc, KC_NR, rows, cols, store);
}

static Kernel chosen_kernel;

/* Picks the widest kernel the host runs; CHARL_SGEMM_KERNEL=avx2|c forces a narrower one (tests). */
static void choose_kernel(void) {
    const char *force = getenv("CHARL_SGEMM_KERNEL");
    force = force != NULL ? force : "";
    chosen_kernel = (Kernel){KC_MR, KC_NR, kernel_c, "c"};
#ifdef CHARL_X86
    __builtin_cpu_init();
    bool fma = __builtin_cpu_supports("fma");
    if (fma && __builtin_cpu_supports("avx512f") && *force == '\0') {
        chosen_kernel = (Kernel){K512_MR, K512_NR, kernel_avx512, "avx512"};
    } else if (fma && __builtin_cpu_supports("avx2") && strcmp(force, "c") != 0) {
        chosen_kernel = (Kernel){K256_MR, 16, kernel_avx2, "avx2"};
    }
#endif
}

/* The kernel for this host, chosen once. */
static Kernel host_kernel(void) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, choose_kernel);
    return chosen_kernel;
}

/* --- packing ------------------------------------------------------------------------------------- */

/* A[0:rows, 0:kc] (element (i, p) at a[i * rs + p * cs]) into MR-tall panels, each kc columns of
 * MR elements; rows past `rows` are zeros. */
static void pack_a(const float *a, int64_t rs, int64_t cs, int64_t rows, int64_t kc, int mr, float *dst) {
    for (int64_t r0 = 0; r0 < rows; r0 += mr) {
        int64_t h = rows - r0 < mr ? rows - r0 : mr;
        for (int64_t p = 0; p < kc; p++) {
            if (rs == 1 && h == K512_MR) { /* A transposed in memory (x^T of a weight gradient): a row copy */
                memcpy(dst, a + r0 + p * cs, K512_MR * sizeof(float));
            } else {
                for (int64_t i = 0; i < h; i++) {
                    dst[i] = a[(r0 + i) * rs + p * cs];
                }
            }
            for (int64_t i = h; i < mr; i++) {
                dst[i] = 0.0f;
            }
            dst += mr;
        }
    }
}

/* B[0:kc, 0:cols] (element (p, j) at b[p * rs + j * cs]) into NR-wide panels, each kc rows of NR
 * elements; columns past `cols` are zeros. */
static void pack_b(const float *b, int64_t rs, int64_t cs, int64_t kc, int64_t cols, int nr, float *dst) {
    for (int64_t c0 = 0; c0 < cols; c0 += nr) {
        int64_t w = cols - c0 < nr ? cols - c0 : nr;
        for (int64_t p = 0; p < kc; p++) {
            if (cs == 1 && w == K512_NR) { /* a whole panel row: a fixed-size copy the compiler inlines */
                memcpy(dst, b + p * rs + c0, K512_NR * sizeof(float));
            } else if (cs == 1) {
                memcpy(dst, b + p * rs + c0, (size_t)w * sizeof(float));
            } else {
                for (int64_t j = 0; j < w; j++) {
                    dst[j] = b[p * rs + (c0 + j) * cs];
                }
            }
            for (int64_t j = w; j < nr; j++) {
                dst[j] = 0.0f;
            }
            dst += nr;
        }
    }
}

static int64_t min64(int64_t x, int64_t y) { return x < y ? x : y; }
static int64_t round_up(int64_t x, int64_t m) { return (x + m - 1) / m * m; }

static float *alloc_floats(int64_t n) {
    void *p = NULL;
    if (posix_memalign(&p, 64, (size_t)(n > 0 ? n : 1) * sizeof(float)) != 0) {
        charl_fail(NULL, "out of memory (matmul packing buffers, %lld floats)", (long long)n);
    }
    return p;
}

/* Whether the micro-kernel reads A's rows in place rather than from packed panels: when few B panels
 * (N <= DIRECT_A_MAX_N) reuse each A panel, packing it costs about as much as the products, and
 * rows read in place are just more streams for the prefetcher. Not for row strides that are
 * multiples of 4 KiB, whose rows would fight over the same cache sets. */
enum { DIRECT_A_MAX_N = 256 };
static bool direct_a(int64_t N, int64_t lda) { return N <= DIRECT_A_MAX_N && lda % 1024 != 0; }

/* A matrix operand: element (i, j) at data[i * rs + j * cs]. */
typedef struct {
    const float *data;
    int64_t rs, cs;
} Operand;

/* One thread's share: C[0:M, 0:N] (row stride ldc) = or += A[0:M, 0:K] @ B[0:K, 0:N], on one
 * thread; with `zero` the first K block stores into C instead of adding to it. */
static void sgemm_serial(Kernel k, int64_t M, int64_t N, int64_t K, Operand A, Operand B, float *C, int64_t ldc,
                         bool zero) {
    if (zero && K == 0) {
        for (int64_t i = 0; i < M; i++) {
            memset(C + i * ldc, 0, (size_t)N * sizeof(float));
        }
    }
    int64_t kc_max = min64(K, KC), mc_max = round_up(min64(M, MC), k.mr), nc_max = round_up(min64(N, NC), k.nr);
    bool direct = A.cs == 1 && direct_a(N, A.rs);
    float *pa = alloc_floats(direct ? k.mr * kc_max : mc_max * kc_max), *pb = alloc_floats(nc_max * kc_max);
    for (int64_t jc = 0; jc < N; jc += NC) {
        int64_t nc = min64(NC, N - jc);
        for (int64_t pc = 0; pc < K; pc += KC) {
            int64_t kc = min64(KC, K - pc);
            bool store = zero && pc == 0; /* the first K block overwrites C */
            pack_b(B.data + pc * B.rs + jc * B.cs, B.rs, B.cs, kc, nc, k.nr, pb);
            for (int64_t ic = 0; ic < M; ic += MC) {
                int64_t mc = min64(MC, M - ic);
                const float *a_block = A.data + ic * A.rs + pc * A.cs;
                int64_t full = direct ? mc / k.mr * k.mr : 0; /* rows read in place; the rest packed */
                if (mc > full) {
                    pack_a(a_block + full * A.rs, A.rs, A.cs, mc - full, kc, k.mr, pa);
                }
                for (int64_t jr = 0; jr < nc; jr += k.nr) {
                    for (int64_t ir = 0; ir < mc; ir += k.mr) {
                        float *c = C + (ic + ir) * ldc + jc + jr;
                        int64_t rows = min64(k.mr, mc - ir), cols = min64(k.nr, nc - jr);
                        if (ir < full) {
                            k.fn(kc, a_block + ir * A.rs, A.rs, 1, pb + jr * kc, c, ldc, rows, cols, store);
                        } else {
                            k.fn(kc, pa + (ir - full) * kc, 1, k.mr, pb + jr * kc, c, ldc, rows, cols, store);
                        }
                    }
                }
            }
        }
    }
    free(pa);
    free(pb);
}

/* --- the thread pool ------------------------------------------------------------------------------ */

/* A job runs `fn(arg, id, count)` on up to `count` threads, ids 0 (the caller) to count - 1 (workers);
 * a worker that comes late does not run it at all, so `fn` must take its work from a shared counter
 * (`take_chunks`): the caller's call alone does whatever no worker took. */
typedef void (*JobFn)(void *arg, int id, int count);

/* How long an idle worker polls for the next job before it sleeps, and how long the caller polls
 * for its workers before it yields the core: back-to-back products (the layers of a training step)
 * then hand work over in well under a microsecond instead of a futex wake-up (~10 us or more). */
#define SPIN_NS 200000

/* Persistent workers, started lazily; one job at a time (`submit`). Private to this file. The
 * job's fields are written before `generation` is bumped (release) and read after it is seen
 * (acquire). A worker joins the job by counting itself in `active` and then checking that the job
 * is not `closed`; the caller closes the job once every chunk is taken and then waits only for the
 * workers that joined (sequentially consistent, so one of the two sees the other): a worker the OS
 * has not scheduled, on a machine busy with other processes, never holds the caller up. */
static struct {
    pthread_mutex_t submit, lock;
    pthread_cond_t wake;
    int workers;         /* started so far */
    uint64_t generation; /* bumped for each job (atomic) */
    uint64_t closed;     /* the newest job no worker may join any more (atomic) */
    uint64_t born;       /* the generation before the job that started the newest workers */
    int count, active;   /* threads of the current job; workers inside a job (atomic) */
    JobFn fn;
    void *arg;
} pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, 0, 0, 0, 0, 0, NULL, NULL};

static int64_t now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec;
}

static void cpu_relax(void) {
#ifdef CHARL_X86
    _mm_pause();
#endif
}

/* The generation after `seen`: polled for SPIN_NS, then waited for on the condition variable. */
static uint64_t next_job(uint64_t seen) {
    int64_t deadline = now_ns() + SPIN_NS;
    for (int i = 1;; i++) {
        uint64_t g = __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
        if (g != seen) {
            return g;
        }
        cpu_relax();
        if (i % 256 == 0 && now_ns() > deadline) {
            break;
        }
    }
    pthread_mutex_lock(&pool.lock);
    while (__atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE) == seen) {
        pthread_cond_wait(&pool.wake, &pool.lock);
    }
    pthread_mutex_unlock(&pool.lock);
    return __atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE);
}

static void *worker_main(void *self) {
    int id = (int)(intptr_t)self;
    uint64_t seen = __atomic_load_n(&pool.born, __ATOMIC_ACQUIRE); /* its first job may already be posted */
    for (;;) {
        next_job(seen);
        __atomic_add_fetch(&pool.active, 1, __ATOMIC_SEQ_CST);
        seen = __atomic_load_n(&pool.generation, __ATOMIC_SEQ_CST);
        if (seen != __atomic_load_n(&pool.closed, __ATOMIC_SEQ_CST) && id < pool.count) {
            pool.fn(pool.arg, id, pool.count);
        }
        __atomic_sub_fetch(&pool.active, 1, __ATOMIC_RELEASE);
    }
    return NULL;
}

/* In a forked child the workers are gone: start afresh. */
static void pool_after_fork(void) {
    pthread_mutex_init(&pool.submit, NULL), pthread_mutex_init(&pool.lock, NULL);
    pthread_cond_init(&pool.wake, NULL);
    pool.workers = 0;
}

static void pool_register_fork(void) { pthread_atfork(NULL, NULL, pool_after_fork); }

/* Runs `fn` on up to `want` threads (fewer if workers cannot be started). */
static void pool_run(int want, JobFn fn, void *arg) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, pool_register_fork);
    pthread_mutex_lock(&pool.submit);
    __atomic_store_n(&pool.born, pool.generation, __ATOMIC_RELEASE);
    while (pool.workers < want - 1) {
        pthread_t thread;
        if (pthread_create(&thread, NULL, worker_main, (void *)(intptr_t)(pool.workers + 1)) != 0) {
            break;
        }
        pthread_detach(thread);
        pool.workers++;
    }
    int count = want - 1 < pool.workers ? want : pool.workers + 1;
    pool.fn = fn;
    pool.arg = arg;
    pool.count = count;
    pthread_mutex_lock(&pool.lock); /* a worker between its check and its wait holds it */
    __atomic_store_n(&pool.generation, pool.generation + 1, __ATOMIC_RELEASE);
    pthread_cond_broadcast(&pool.wake);
    pthread_mutex_unlock(&pool.lock);
    fn(arg, 0, count);
    __atomic_store_n(&pool.closed, pool.generation, __ATOMIC_SEQ_CST);
    int64_t deadline = now_ns() + SPIN_NS;
    for (int i = 1; __atomic_load_n(&pool.active, __ATOMIC_ACQUIRE) > 0; i++) {
        cpu_relax();
        if (i % 256 == 0 && now_ns() > deadline) {
            sched_yield(); /* a worker was descheduled (more threads than cores): let it run */
        }
    }
    pthread_mutex_unlock(&pool.submit);
}

/* The online cores, counted once: glibc's sysconf reads /sys/devices/system/cpu/online each time
 * (about 13 us on this machine, paid by every parallel call). */
static long online_cores;

static void count_cores(void) { online_cores = sysconf(_SC_NPROCESSORS_ONLN); }

/* The thread count: CHARL_NUM_THREADS if a positive integer, else the online cores. */
static int thread_count(void) {
    const char *text = getenv("CHARL_NUM_THREADS");
    if (text != NULL && *text != '\0') {
        char *end = NULL;
        long n = strtol(text, &end, 10);
        if (*end == '\0' && n >= 1) {
            return n > 256 ? 256 : (int)n;
        }
    }
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, count_cores);
    long cores = online_cores;
    return cores < 1 ? 1 : cores > 256 ? 256 : (int)cores;
}

/* [0, units) in `threads` chunks, taken from a shared counter. */
typedef struct {
    void (*fn)(void *arg, int64_t lo, int64_t hi);
    void *arg;
    int64_t units, chunks, next; /* next: the next chunk to take (atomic) */
} Chunks;

static void take_chunks(void *arg, int id, int count) {
    (void)id, (void)count;
    Chunks *c = arg;
    for (;;) {
        int64_t chunk = __atomic_fetch_add(&c->next, 1, __ATOMIC_RELAXED);
        if (chunk >= c->chunks) {
            return;
        }
        int64_t lo = c->units * chunk / c->chunks, hi = c->units * (chunk + 1) / c->chunks;
        if (lo < hi) {
            c->fn(c->arg, lo, hi);
        }
    }
}

void charl_parallel_chunks(int threads, int64_t units, int64_t chunks, void (*fn)(void *arg, int64_t lo, int64_t hi),
                           void *arg) {
    threads = units < threads ? (int)units : threads;
    if (threads <= 1) {
        fn(arg, 0, units);
        return;
    }
    Chunks c = {fn, arg, units, chunks < threads ? threads : chunks > units ? units : chunks, 0};
    pool_run(threads, take_chunks, &c);
}

void charl_parallel_units(int threads, int64_t units, void (*fn)(void *arg, int64_t lo, int64_t hi), void *arg) {
    charl_parallel_chunks(threads, units, threads, fn, arg);
}

int charl_thread_count(void) { return thread_count(); }

/* --- entry points --------------------------------------------------------------------------------- */

typedef struct {
    Kernel k;
    int64_t M, N, K, ldc;
    Operand A, B;
    float *C;
    bool split_rows, zero;
} Gemm;

/* The product's units [lo, hi): rows of C in MR units (when split by rows) or columns in NR units;
 * every element is computed the same way whichever thread computes it. */
static void gemm_units(void *arg, int64_t lo_unit, int64_t hi_unit) {
    const Gemm *g = arg;
    int64_t unit = g->split_rows ? g->k.mr : g->k.nr, total = g->split_rows ? g->M : g->N;
    int64_t lo = min64(total, lo_unit * unit), hi = min64(total, hi_unit * unit);
    Operand A = g->A, B = g->B;
    if (g->split_rows) {
        A.data += lo * A.rs;
        sgemm_serial(g->k, hi - lo, g->N, g->K, A, B, g->C + lo * g->ldc, g->ldc, g->zero);
    } else {
        B.data += lo * B.cs;
        sgemm_serial(g->k, g->M, hi - lo, g->K, A, B, g->C + lo, g->ldc, g->zero);
    }
}

/* C = (zero) or += A @ B for any strides of A and B and a C with contiguous rows. */
static void sgemm(int64_t M, int64_t N, int64_t K, Operand A, Operand B, float *C, int64_t ldc, bool zero) {
    if (M <= 0 || N <= 0) {
        return;
    }
    /* Split the longer side of C, except that with A read in place, columns are split, so that each
     * thread packs only its own panels of B (a batch of activations times a weight: 256x784x128
     * 277 -> 268 us on 2 threads). */
    bool split_rows = M > N && !(A.cs == 1 && direct_a(N, A.rs));
    Gemm g = {host_kernel(), M, N, K, ldc, A, B, C, split_rows, zero};
    int threads = M * N * K < PARALLEL_MIN_MACS ? 1 : thread_count();
    int64_t units = g.split_rows ? (M + g.k.mr - 1) / g.k.mr : (N + g.k.nr - 1) / g.k.nr;
    charl_parallel_units(threads, units, gemm_units, &g);
}

CHARL_EXPORT void charl_rt_sgemm(int64_t M, int64_t N, int64_t K, const float *A, int64_t lda, const float *B,
                                 int64_t ldb, float *C, int64_t ldc) {
    if (K > 0) {
        sgemm(M, N, K, (Operand){A, lda, 1}, (Operand){B, ldb, 1}, C, ldc, false);
    }
}

CHARL_EXPORT void charl_rt_sgemm_ex_f32(int64_t rank_a, const CharlDescriptor *a, int64_t rank_b,
                                        const CharlDescriptor *b, int64_t rank_c, const CharlDescriptor *c,
                                        int64_t flags) {
    if (rank_a != 2 || rank_b != 2 || rank_c != 2) {
        charl_fail(NULL, "charl_rt_sgemm_f32: operands of rank %lld, %lld, %lld (expected 2)", (long long)rank_a,
                   (long long)rank_b, (long long)rank_c);
    }
    bool trans_a = flags & CHARL_SGEMM_TRANS_A, trans_b = flags & CHARL_SGEMM_TRANS_B;
    bool zero = flags & CHARL_SGEMM_ZERO;
    const int64_t *sa = a->sizes_strides, *sb = b->sizes_strides, *sc = c->sizes_strides;
    /* A is M x K (stored K x M when transposed), B is K x N (stored N x K when transposed). */
    int64_t M = sa[trans_a], K = sa[!trans_a], N = sb[!trans_b];
    Operand A = {(const float *)a->aligned + a->offset, sa[2 + trans_a], sa[3 - trans_a]};
    Operand B = {(const float *)b->aligned + b->offset, sb[2 + trans_b], sb[3 - trans_b]};
    if (sb[trans_b] != K || sc[0] != M || sc[1] != N) {
        charl_fail(NULL, "charl_rt_sgemm_f32: shapes %lldx%lld @ %lldx%lld into %lldx%lld", (long long)M,
                   (long long)K, (long long)sb[trans_b], (long long)N, (long long)sc[0], (long long)sc[1]);
    }
    float *pc = (float *)c->aligned + c->offset;
    if (sc[3] == 1) {
        sgemm(M, N, K, A, B, pc, sc[2], zero);
        return;
    }
    for (int64_t i = 0; i < M; i++) { /* C's rows not contiguous: plain loops, same K order */
        for (int64_t j = 0; j < N; j++) {
            float acc = zero ? 0.0f : pc[i * sc[2] + j * sc[3]];
            for (int64_t p = 0; p < K; p++) {
                acc += A.data[i * A.rs + p * A.cs] * B.data[p * B.rs + j * B.cs];
            }
            pc[i * sc[2] + j * sc[3]] = acc;
        }
    }
}

CHARL_EXPORT void charl_rt_sgemm_f32(int64_t rank_a, const CharlDescriptor *a, int64_t rank_b,
                                     const CharlDescriptor *b, int64_t rank_c, const CharlDescriptor *c) {
    charl_rt_sgemm_ex_f32(rank_a, a, rank_b, b, rank_c, c, 0);
}

CHARL_EXPORT const char *charl_rt_sgemm_kernel(void) { return host_kernel().name; }
