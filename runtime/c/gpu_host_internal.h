/*
 * The GPU runtime's host side, shared by runtime/c/gpu_host.c (staging, launches), gpu_memory.c
 * (buffers, the pool, views) and gpu_api.c (what runtime/gpu.py calls): its state and the internal
 * functions the three files share. Not part of the ctypes contract (that is gpu_host.h).
 */
#ifndef CHARL_GPU_HOST_INTERNAL_H
#define CHARL_GPU_HOST_INTERNAL_H

#include "gpu_host.h"

#include <stdlib.h>
#include <string.h>

#define GPU_PARAMS (1 << 20) /* bytes of parameter blocks one batch holds (then it is submitted) */
#define GPU_ALIGNMENT 64
#define GPU_EXACT_CAPACITY 64
#define GPU_POOL_LIMIT ((int64_t)1 << 30)

typedef struct {
    uint64_t *keys; /* key + 1; 0 is empty */
    int32_t *values;
    size_t capacity, count;
} GpuMap;

typedef struct {
    int64_t base, size, capacity, batch;
    void *memory, *device;
    int32_t state, owned, pooled, next, keys, grouped;
} GpuBuffer;

typedef struct {
    int32_t n, used;
    int32_t slots[GPU_MAX_BINDINGS];
    void *pipeline, *group;
} GpuGroup;

typedef struct {
    int32_t ready, ntags, nparams, nmem, param_bytes, slot_bytes, workgroup_size;
    int32_t tags[GPU_MAX_ARGS];
    uint8_t writes[GPU_MAX_BINDINGS];
    int32_t *positions, *types;
    char name[128];
    GpuGroup *groups;
    size_t group_capacity, group_count;
} GpuKernel;

typedef union {
    int64_t i;
    double d;
    float f;
} GpuWord;

struct GpuHost {
    GpuHooks hooks;
    GpuSetPipeline set_pipeline;
    GpuSetBindGroup set_bind_group;
    GpuDispatch dispatch;
    GpuBuffer *bufs;
    int32_t nbufs, buf_capacity, free_slot;
    GpuMap keys, pool;
    int64_t pooled_bytes, pooled_count;
    GpuKernel *kernels;
    int32_t nkernels;
    int32_t ntags, nstaged;
    int32_t tags[GPU_MAX_ARGS], staged[GPU_MAX_ARGS];
    int32_t nwords;
    GpuWord words[GPU_MAX_WORDS];
    void *pass, *last_pipeline;
    uint8_t *params;
    int64_t param_used, batch;
    uint32_t limit, offset;
    int64_t launches, dispatches, submit_every, batch_dispatches;
    int32_t failed, closed, overflow;
    char message[1024];
};

static const int32_t ITEMSIZE[GPU_ELEMENTS] = {4, 8, 4, 8, 1, 1, 1};
static const char *const ELEMENT_NAMES[GPU_ELEMENTS] = {"f32", "f64", "i32", "i64", "i8", "i4", "i1"};
static const char *const SCALAR_NAMES[] = {"f32", "f64", "i32", "i64", "i8", "index"};


typedef struct {
    int64_t start, lo, hi;
} GpuExtent;

/* Errors: `charl_gpu_fail` records the first message and calls the error hook; `charl_gpu_hooked`
 * turns a hook's status into success (nonzero marks the runtime failed). */
CHARL_PRINTF(2, 3) void charl_gpu_fail(GpuHost *rt, const char *format, ...);
int charl_gpu_hooked(GpuHost *rt, int32_t status);

/* The key map (allocated pointer -> slot; capacity -> pooled slot). */
int32_t charl_gpu_map_get(const GpuMap *m, uint64_t key);
void charl_gpu_map_put(GpuMap *m, uint64_t key, int32_t value);
void charl_gpu_map_remove(GpuMap *m, uint64_t key);

/* Slots and bind groups. */
int charl_gpu_alive(const GpuBuffer *b);
void charl_gpu_group_insert(GpuKernel *k, const GpuGroup *g);
GpuGroup *charl_gpu_group_find(GpuKernel *k, int32_t n, const int32_t *slots);
void charl_gpu_remove_slot(GpuHost *rt, int32_t s);
int64_t charl_gpu_round4(int64_t n);

/* Batches: submit (reading slot `read` back when it is one); read a slot back. */
int charl_gpu_flush(GpuHost *rt, int32_t read, int32_t wait);
int charl_gpu_read_back(GpuHost *rt, int32_t s);

/* Views: the bytes a descriptor reaches, its allocation, the slot holding it. */
GpuExtent charl_gpu_reach(int32_t element, const int64_t *words, int64_t rank);
uint64_t charl_gpu_key_of(const int64_t *words);
int32_t charl_gpu_find(GpuHost *rt, uint64_t key, int64_t lo, int64_t hi, int reg);

/* Exported entry points the other files call. */
void charl_gpu_c_trim(GpuHost *rt);
void charl_gpu_c_discard(GpuHost *rt);

#endif
