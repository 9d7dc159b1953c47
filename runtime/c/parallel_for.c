/*
 * Parallel loops of compiled code (docs/runtime.md, Parallel loops): `charl-parallelize-loops`
 * outlines the body of an outermost parallel loop into a chunk function, and convert-to-llvm calls
 * `charl_rt_parallel_for` with it and a context of the values it captured. The range is split over
 * the matmul thread pool (gemm.c); a call made while a chunk runs (a nested parallel loop) is serial.
 */
#include "charl_rt.h"

/* Chunks per thread: a thread that runs slower (its core shared with another process) holds the
 * others up by at most one small chunk. */
#define CHUNKS_PER_THREAD 4

typedef void (*ChunkFn)(void *ctx, int64_t lo, int64_t hi);

typedef struct {
    ChunkFn fn;
    void *ctx;
    int64_t lo;
} ParallelFor;

/* Whether this thread is running a chunk (then a nested parallel loop runs serially). */
static _Thread_local bool in_chunk;

static void run_units(void *arg, int64_t lo, int64_t hi) {
    const ParallelFor *job = arg;
    bool outer = in_chunk;
    in_chunk = true;
    job->fn(job->ctx, job->lo + lo, job->lo + hi);
    in_chunk = outer;
}

CHARL_EXPORT void charl_rt_parallel_for(ChunkFn fn, void *ctx, int64_t lo, int64_t hi) {
    if (hi <= lo) {
        return;
    }
    int threads = in_chunk ? 1 : charl_thread_count();
    if (threads <= 1) {
        fn(ctx, lo, hi);
        return;
    }
    ParallelFor job = {fn, ctx, lo};
    charl_parallel_chunks(threads, hi - lo, CHUNKS_PER_THREAD * (int64_t)threads, run_units, &job);
}
