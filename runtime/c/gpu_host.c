/*
 * The GPU runtime's host side: what JIT-compiled host code calls for every allocation, staged
 * argument, launch and host access, without Python in the steady state of a loop (docs/gpu.md, "The
 * runtime"). runtime/gpu.py owns the wgpu objects (device, pipelines, bind groups, device buffers,
 * command encoders) and is called back (GpuHooks) only to create one, upload, or submit.
 *
 * Buffers live in slots: host bytes [base, base + size) of a capacity, their device buffer, where
 * the valid copy is, and the batch that last used them. `keys` maps a descriptor's allocated pointer
 * to its slot; freed owned buffers wait in `pool`, by capacity, with their device buffers and the
 * bind groups that use them. Each kernel caches its bind groups by the slots they bind. A launch
 * records SetPipeline (when it changes), SetBindGroup with its parameter block's dynamic offset, and
 * DispatchWorkgroups straight into the open compute pass through wgpu-native's C functions.
 *
 * This file: errors, batches, staging and launches. gpu_memory.c: slots, the key map, the pool and
 * views. gpu_api.c: what runtime/gpu.py calls. gpu_host_internal.h: the state they share.
 */
#include "gpu_host_internal.h"

/* --- errors -------------------------------------------------------------------------------------- */

CHARL_PRINTF(2, 3) void charl_gpu_fail(GpuHost *rt, const char *format, ...) {
    if (rt->failed)
        return;
    va_list args;
    va_start(args, format);
    vsnprintf(rt->message, sizeof rt->message, format, args);
    va_end(args);
    rt->failed = 1;
    if (rt->hooks.error)
        rt->hooks.error();
}

/* A hook's result: nonzero marks the runtime failed (Python recorded why). */
int charl_gpu_hooked(GpuHost *rt, int32_t status) {
    if (status)
        rt->failed = 1;
    return status == 0 && !rt->failed;
}

/* --- batches -------------------------------------------------------------------------------------- */

/* Submit the open batch (with `read`'s device buffer copied back into its host bytes when `read` is
 * a slot); with `read` or `wait`, wait until the device has run it. */
int charl_gpu_flush(GpuHost *rt, int32_t read, int32_t wait) {
    int32_t status = rt->hooks.flush ? rt->hooks.flush(read, wait, rt->param_used) : 0;
    rt->pass = NULL;
    rt->last_pipeline = NULL;
    rt->param_used = 0;
    rt->batch_dispatches = 0;
    rt->batch++;
    return charl_gpu_hooked(rt, status);
}

int charl_gpu_read_back(GpuHost *rt, int32_t s) {
    if (rt->bufs[s].device && rt->bufs[s].size > 0 && !charl_gpu_flush(rt, s, 1))
        return 0;
    rt->bufs[s].state = GPU_BOTH;
    return 1;
}

/* --- staging -------------------------------------------------------------------------------------- */

CHARL_EXPORT void charl_gpu_c_discard(GpuHost *rt) { rt->ntags = rt->nstaged = rt->nwords = rt->overflow = 0; }

static GpuWord *stage(GpuHost *rt, int32_t tag, int32_t words) {
    if (rt->ntags >= GPU_MAX_ARGS || rt->nwords + words > GPU_MAX_WORDS) {
        rt->overflow = 1;
        return NULL;
    }
    rt->tags[rt->ntags++] = tag;
    GpuWord *w = &rt->words[rt->nwords];
    rt->nwords += words;
    return w;
}

CHARL_EXPORT void charl_gpu_c_memref(GpuHost *rt, int32_t element, int64_t rank, const int64_t *words) {
    if (rt->failed)
        return;
    if (element < 0 || element >= GPU_ELEMENTS || rank < 0 || rank > CHARL_MAX_RANK) {
        charl_gpu_fail(rt, "a memref of element code %d and rank %lld was staged", element, (long long)rank);
        return;
    }
    GpuExtent e = charl_gpu_reach(element, words, rank);
    int32_t s = charl_gpu_find(rt, charl_gpu_key_of(words), e.lo, e.hi, 1);
    if (s < 0)
        return;
    GpuBuffer *b = &rt->bufs[s];
    int64_t first;
    if (element == GPU_I4) { /* packed two a byte: the element offset counts nibbles */
        first = (words[1] - b->base) * 2 + words[2];
    } else {
        int64_t delta = e.start - b->base;
        if (delta % ITEMSIZE[element]) {
            charl_gpu_fail(rt, "a memref of %s starts %lld bytes into its buffer, not at an element boundary",
                 ELEMENT_NAMES[element], (long long)delta);
            return;
        }
        first = delta / ITEMSIZE[element];
    }
    GpuWord *w = stage(rt, GPU_TAG_MEMREF + 100 * element + (int32_t)rank, 1 + 2 * (int32_t)rank);
    if (!w)
        return;
    if (rt->nstaged < GPU_MAX_ARGS)
        rt->staged[rt->nstaged++] = s;
    w[0].i = first;
    for (int64_t k = 0; k < 2 * rank; k++)
        w[1 + k].i = words[3 + k];
}

CHARL_EXPORT void charl_gpu_c_scalar_f32(GpuHost *rt, float v) {
    GpuWord *w = stage(rt, GPU_TAG_SCALAR + GPU_S_F32, 1);
    if (w)
        w->f = v;
}
CHARL_EXPORT void charl_gpu_c_scalar_f64(GpuHost *rt, double v) {
    GpuWord *w = stage(rt, GPU_TAG_SCALAR + GPU_S_F64, 1);
    if (w)
        w->d = v;
}
static void stage_int(GpuHost *rt, int32_t type, int64_t v) {
    GpuWord *w = stage(rt, GPU_TAG_SCALAR + type, 1);
    if (w)
        w->i = v;
}
CHARL_EXPORT void charl_gpu_c_scalar_i32(GpuHost *rt, int32_t v) { stage_int(rt, GPU_S_I32, v); }
CHARL_EXPORT void charl_gpu_c_scalar_i64(GpuHost *rt, int64_t v) { stage_int(rt, GPU_S_I64, v); }
CHARL_EXPORT void charl_gpu_c_scalar_i8(GpuHost *rt, int8_t v) { stage_int(rt, GPU_S_I8, v); }
CHARL_EXPORT void charl_gpu_c_scalar_i1(GpuHost *rt, bool v) { stage_int(rt, GPU_S_I32, v ? 1 : 0); }
CHARL_EXPORT void charl_gpu_c_scalar_index(GpuHost *rt, int64_t v) { stage_int(rt, GPU_S_INDEX, v); }

/* --- launching ------------------------------------------------------------------------------------ */

static void describe(char *out, size_t size, const int32_t *tags, int32_t n) {
    size_t used = (size_t)snprintf(out, size, "(");
    for (int32_t k = 0; k < n && used < size; k++) {
        const char *sep = k ? ", " : "";
        if (tags[k] >= GPU_TAG_MEMREF)
            used += (size_t)snprintf(out + used, size - used, "%sa rank-%d memref of %s", sep,
                                     (tags[k] - GPU_TAG_MEMREF) % 100, ELEMENT_NAMES[(tags[k] - GPU_TAG_MEMREF) / 100]);
        else
            used += (size_t)snprintf(out + used, size - used, "%s%s", sep, SCALAR_NAMES[tags[k] - GPU_TAG_SCALAR]);
    }
    if (used < size)
        snprintf(out + used, size - used, ")");
}

static GpuKernel *kernel_of(GpuHost *rt, int32_t number) {
    if (number >= 0 && number < rt->nkernels && rt->kernels[number].ready)
        return &rt->kernels[number];
    if (!rt->hooks.prepare || !charl_gpu_hooked(rt, rt->hooks.prepare(number)))
        return NULL;
    if (number < 0 || number >= rt->nkernels || !rt->kernels[number].ready) {
        charl_gpu_fail(rt, "kernel %d was not prepared", number);
        return NULL;
    }
    return &rt->kernels[number];
}

/* Upload what is valid only on the host, create missing device buffers, and mark what the kernel
 * writes valid only on the device. */
static int make_resident(GpuHost *rt, const GpuKernel *k) {
    for (int32_t i = 0; i < rt->nstaged; i++) {
        int32_t s = rt->staged[i];
        GpuBuffer *b = &rt->bufs[s];
        if (b->state == GPU_HOST) {
            if (b->batch == rt->batch && !charl_gpu_flush(rt, -1, 0))
                return 0;
            if (!charl_gpu_hooked(rt, rt->hooks.upload(s)))
                return 0;
            b = &rt->bufs[s];
            b->state = GPU_BOTH;
        } else if (!b->device && !charl_gpu_hooked(rt, rt->hooks.device(s))) {
            return 0;
        }
    }
    for (int32_t i = 0; i < rt->nstaged; i++) {
        GpuBuffer *b = &rt->bufs[rt->staged[i]];
        b->batch = rt->batch;
        if (k->writes[i])
            b->state = GPU_DEVICE;
    }
    return 1;
}

static GpuGroup *bind_group(GpuHost *rt, int32_t number, GpuKernel *k) {
    GpuGroup *g = charl_gpu_group_find(k, rt->nstaged, rt->staged);
    if (g)
        return g;
    int writable = 0; /* one buffer bound both read-only and writable: every binding writable */
    for (int32_t i = 0; i < rt->nstaged && !writable; i++)
        for (int32_t j = 0; j < rt->nstaged; j++)
            if (rt->staged[i] == rt->staged[j] && !k->writes[i] && k->writes[j])
                writable = 1;
    if (!charl_gpu_hooked(rt, rt->hooks.group(number, writable, rt->nstaged, rt->staged)))
        return NULL;
    g = charl_gpu_group_find(k, rt->nstaged, rt->staged);
    if (!g)
        charl_gpu_fail(rt, "kernel %d: no bind group was made", number);
    return g;
}

static int pack(GpuHost *rt, int32_t number, const GpuKernel *k, uint8_t *out) {
    memset(out, 0, (size_t)k->param_bytes);
    for (int32_t p = 0, at = 0; p < k->nparams; p++) {
        GpuWord w = rt->words[k->positions[p]];
        switch (k->types[p]) {
        case GPU_P_F32:
            memcpy(out + at, &w.f, 4);
            at += 4;
            break;
        case GPU_P_F64:
            memcpy(out + at, &w.d, 8);
            at += 8;
            break;
        case GPU_P_I64:
            memcpy(out + at, &w.i, 8);
            at += 8;
            break;
        default: {
            int is_u32 = k->types[p] == GPU_P_U32;
            if (is_u32 ? (w.i < 0 || w.i > (int64_t)UINT32_MAX) : (w.i < INT32_MIN || w.i > INT32_MAX)) {
                charl_gpu_fail(rt, "kernel %d (@%s): a parameter does not fit 32 bits (%lld)", number, k->name, (long long)w.i);
                return 0;
            }
            int32_t v = (int32_t)(uint32_t)w.i;
            memcpy(out + at, &v, 4);
            at += 4;
        }
        }
    }
    return 1;
}

static void launch(GpuHost *rt, int32_t number, int64_t invocations) {
    if (rt->closed) {
        charl_gpu_fail(rt, "the GPU runtime is closed");
        return;
    }
    if (rt->overflow) {
        charl_gpu_fail(rt, "kernel %d: more arguments were staged than a launch takes", number);
        return;
    }
    GpuKernel *k = kernel_of(rt, number);
    if (!k)
        return;
    if (rt->ntags != k->ntags || memcmp(rt->tags, k->tags, (size_t)k->ntags * sizeof *k->tags)) {
        char want[512], got[512];
        describe(want, sizeof want, k->tags, k->ntags);
        describe(got, sizeof got, rt->tags, rt->ntags);
        charl_gpu_fail(rt, "kernel %d (@%s) takes %s, but %s were staged", number, k->name, want, got);
        return;
    }
    rt->launches++;
    if (invocations <= 0)
        return;
    if (invocations >= ((int64_t)1 << 31)) {
        charl_gpu_fail(rt, "kernel %d launched with %lld invocations; at most 2^31 - 1", number, (long long)invocations);
        return;
    }
    if (rt->param_used + k->slot_bytes > GPU_PARAMS && !charl_gpu_flush(rt, -1, 0))
        return;
    if (!make_resident(rt, k))
        return;
    GpuGroup *g = bind_group(rt, number, k);
    if (!g)
        return;
    int64_t offset = rt->param_used;
    if (!pack(rt, number, k, rt->params + offset))
        return;
    rt->param_used = offset + k->slot_bytes;
    if (!rt->pass && !charl_gpu_hooked(rt, rt->hooks.begin()))
        return;
    if (g->pipeline != rt->last_pipeline) {
        rt->set_pipeline(rt->pass, g->pipeline);
        rt->last_pipeline = g->pipeline;
    }
    int64_t groups = (invocations + k->workgroup_size - 1) / k->workgroup_size;
    uint32_t x = (uint32_t)groups, y = 1;
    if (groups > rt->limit) {
        x = rt->limit;
        y = (uint32_t)((groups + rt->limit - 1) / rt->limit);
    }
    rt->offset = (uint32_t)offset;
    rt->set_bind_group(rt->pass, 0, g->group, 1, &rt->offset);
    rt->dispatch(rt->pass, x, y, 1);
    rt->dispatches++;
    if (rt->submit_every && ++rt->batch_dispatches >= rt->submit_every)
        charl_gpu_flush(rt, -1, 0); /* the device starts on these while the host records the next ones */
}

CHARL_EXPORT void charl_gpu_c_launch(GpuHost *rt, int32_t number, int64_t invocations) {
    if (!rt->failed)
        launch(rt, number, invocations);
    charl_gpu_c_discard(rt);
}

CHARL_EXPORT void charl_gpu_c_access(GpuHost *rt, int32_t element, int64_t rank, const int64_t *words, int32_t writes) {
    if (rt->failed || element < 0 || element >= GPU_ELEMENTS)
        return;
    uint64_t key = charl_gpu_key_of(words);
    int32_t s = charl_gpu_map_get(&rt->keys, key);
    if (s < 0) {
        GpuExtent e = charl_gpu_reach(element, words, rank);
        s = charl_gpu_find(rt, key, e.lo, e.hi, 0);
        if (s < 0)
            return;
    }
    if (rt->bufs[s].state == GPU_DEVICE && !charl_gpu_read_back(rt, s))
        return;
    if (writes)
        rt->bufs[s].state = GPU_HOST;
}
