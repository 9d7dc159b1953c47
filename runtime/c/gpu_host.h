/*
 * The GPU runtime's host side (runtime/c/gpu_host.c, docs/gpu.md "The runtime"): the structures that
 * runtime/gpu.py reads through ctypes. Every field and function here is part of that contract.
 */
#ifndef CHARL_GPU_HOST_H
#define CHARL_GPU_HOST_H

#include "charl_rt.h"

/* Where a buffer's valid copy is (`state`); 0 marks an unused slot. */
enum { GPU_HOST = 1, GPU_DEVICE = 2, GPU_BOTH = 3 };

/* Element codes of memref arguments, in runtime/gpu_kernels.py's ELEMENTS order. */
enum { GPU_F32 = 0, GPU_F64, GPU_I32, GPU_I64, GPU_I8, GPU_I4, GPU_I1, GPU_ELEMENTS };

/* Scalar type codes; a staged tag is `GPU_TAG_SCALAR + code`, a memref's `GPU_TAG_MEMREF + 100 *
 * element + rank`. An i1 scalar is staged as i32, an i4 one as i8. */
enum { GPU_S_F32 = 0, GPU_S_F64, GPU_S_I32, GPU_S_I64, GPU_S_I8, GPU_S_INDEX };
#define GPU_TAG_SCALAR 10
#define GPU_TAG_MEMREF 1000

/* How a parameter word is written: float32, float64, int32 (checked), int64, uint32 (checked). */
enum { GPU_P_F32 = 0, GPU_P_F64, GPU_P_I32, GPU_P_I64, GPU_P_U32 };

#define GPU_MAX_ARGS 64    /* arguments one launch may stage */
#define GPU_MAX_WORDS 2048 /* staged values (a memref of rank r stages 1 + 2 r) */
#define GPU_MAX_BINDINGS 32

/* Python's side of the runtime: each returns 0, or nonzero after recording its own error. */
typedef struct {
    int32_t (*prepare)(int32_t kernel);                                             /* calls charl_gpu_c_kernel */
    int32_t (*device)(int32_t slot);                                                /* calls charl_gpu_c_set_device */
    int32_t (*group)(int32_t kernel, int32_t writable, int32_t n, const int32_t *slots); /* charl_gpu_c_set_group */
    int32_t (*upload)(int32_t slot);                                                /* host bytes to the device */
    int32_t (*begin)(void);                                                         /* calls charl_gpu_c_set_pass */
    int32_t (*flush)(int32_t read_slot, int32_t wait, int64_t param_bytes);         /* submit; read back */
    void (*dropped)(int32_t slot);                                                  /* release its device objects */
    void (*error)(void);                                                            /* the message is set */
} GpuHooks;

/* wgpu-native's recording functions. */
typedef void (*GpuSetPipeline)(void *pass, void *pipeline);
typedef void (*GpuSetBindGroup)(void *pass, uint32_t index, void *group, size_t count, const uint32_t *offsets);
typedef void (*GpuDispatch)(void *pass, uint32_t x, uint32_t y, uint32_t z);

/* What runtime/gpu.py reads of a buffer (charl_gpu_c_buffer). */
typedef struct {
    int64_t base, size, capacity, batch;
    int32_t state, owned, pooled, has_device;
} GpuBufferInfo;

/* Counters (charl_gpu_c_counts). */
typedef struct {
    int64_t launches, dispatches, live, pooled, pooled_bytes, groups, batch;
} GpuCounts;

typedef struct GpuHost GpuHost;

#endif
