/* Per-element-type entry points of the run-time functions that take a tensor.
 *
 * An unranked memref is `(rank, descriptor)` in C whatever its element type, but an MLIR function
 * has one signature and `memref.cast` keeps the element type: so the compiled code calls
 * `charl_rt_print_tensor_f32` for a `memref<*xf32>`, `charl_rt_print_tensor_i64` for a
 * `memref<*xi64>`, and so on (docs/runtime.md). Each forwards to the generic function, which reads
 * the element type from its `dtype` argument. */
#include "charl_rt.h"

#define CHARL_STR_FWD(n) n##_allocated, n##_aligned, n##_offset, n##_size, n##_stride

#define CHARL_TYPED(T)                                                                                  \
    CHARL_EXPORT void charl_rt_print_tensor_##T(int64_t rank, const CharlDescriptor *desc, int32_t dtype) { \
        charl_rt_print_tensor(rank, desc, dtype);                                                       \
    }                                                                                                   \
    CHARL_EXPORT void charl_rt_npy_read_##T(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), int64_t rank, \
                                            const CharlDescriptor *dest, int32_t dtype) {                \
        charl_rt_npy_read(CHARL_STR_FWD(path), CHARL_STR_FWD(where), rank, dest, dtype);                \
    }                                                                                                   \
    CHARL_EXPORT void charl_rt_npy_save_##T(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), int64_t rank, \
                                            const CharlDescriptor *src, int32_t dtype) {                 \
        charl_rt_npy_save(CHARL_STR_FWD(path), CHARL_STR_FWD(where), rank, src, dtype);                 \
    }                                                                                                   \
    CHARL_EXPORT void charl_rt_npz_save_add_##T(CHARL_STR_PARAMS(name), int64_t rank, const CharlDescriptor *src, \
                                                int32_t dtype) {                                        \
        charl_rt_npz_save_add(CHARL_STR_FWD(name), rank, src, dtype);                                   \
    }                                                                                                   \
    CHARL_EXPORT void charl_rt_npz_read_##T(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), CHARL_STR_PARAMS(name), \
                                            CHARL_STR_PARAMS(expected), int32_t dtype, CHARL_I64S_PARAMS(shape), \
                                            int64_t rank, const CharlDescriptor *dest) {                 \
        charl_rt_npz_read(CHARL_STR_FWD(path), CHARL_STR_FWD(where), CHARL_STR_FWD(name),               \
                          CHARL_STR_FWD(expected), dtype, CHARL_STR_FWD(shape), rank, dest);            \
    }

CHARL_TYPED(f32)
CHARL_TYPED(f64)
CHARL_TYPED(i32)
CHARL_TYPED(i64)
CHARL_TYPED(i1)
CHARL_TYPED(i8)
