/*
 * What runtime/gpu.py calls on the GPU runtime's host side (runtime/c/gpu_host_internal.h): making and
 * releasing it, the wgpu objects Python hands over (device buffers, bind groups, the open pass), each
 * kernel's launch plan, synchronization, errors and counters.
 */
#include "gpu_host_internal.h"

/* --- what runtime/gpu.py calls -------------------------------------------------------------------- */

CHARL_EXPORT GpuHost *charl_gpu_c_new(const GpuHooks *hooks, GpuSetPipeline set_pipeline, GpuSetBindGroup set_bind_group,
                                      GpuDispatch dispatch) {
    GpuHost *rt = calloc(1, sizeof *rt);
    if (!rt)
        return NULL;
    rt->params = calloc(GPU_PARAMS, 1);
    if (!rt->params) {
        free(rt);
        return NULL;
    }
    rt->hooks = *hooks;
    rt->set_pipeline = set_pipeline;
    rt->set_bind_group = set_bind_group;
    rt->dispatch = dispatch;
    rt->free_slot = -1;
    rt->limit = 65535;
    return rt;
}

/* Release every buffer (its device objects and owned host memory) and mark the runtime closed. */
CHARL_EXPORT void charl_gpu_c_clear(GpuHost *rt) {
    for (int32_t s = 0; s < rt->nbufs; s++)
        if (rt->bufs[s].state)
            charl_gpu_remove_slot(rt, s);
    charl_gpu_c_trim(rt);
    rt->closed = 1;
}

CHARL_EXPORT void charl_gpu_c_delete(GpuHost *rt) {
    if (!rt)
        return;
    for (int32_t s = 0; s < rt->nbufs; s++)
        free(rt->bufs[s].memory);
    for (int32_t n = 0; n < rt->nkernels; n++) {
        free(rt->kernels[n].positions);
        free(rt->kernels[n].types);
        free(rt->kernels[n].groups);
    }
    free(rt->kernels);
    free(rt->bufs);
    free(rt->keys.keys);
    free(rt->keys.values);
    free(rt->pool.keys);
    free(rt->pool.values);
    free(rt->params);
    free(rt);
}

CHARL_EXPORT uint8_t *charl_gpu_c_params(GpuHost *rt) { return rt->params; }
CHARL_EXPORT int64_t charl_gpu_c_param_capacity(void) { return GPU_PARAMS; }
CHARL_EXPORT void charl_gpu_c_set_limit(GpuHost *rt, uint32_t limit) { rt->limit = limit ? limit : 1; }
/* Submit the open batch after every `n` dispatches (0: only when needed). */
CHARL_EXPORT void charl_gpu_c_set_submit_every(GpuHost *rt, int64_t n) { rt->submit_every = n > 0 ? n : 0; }
CHARL_EXPORT void charl_gpu_c_set_pass(GpuHost *rt, void *pass) { rt->pass = pass; }
CHARL_EXPORT void charl_gpu_c_set_device(GpuHost *rt, int32_t slot, void *device) { rt->bufs[slot].device = device; }
CHARL_EXPORT const char *charl_gpu_c_message(GpuHost *rt) { return rt->message; }
CHARL_EXPORT int32_t charl_gpu_c_failed(GpuHost *rt) { return rt->failed; }

/* Clear the failure (Python raised it) and any staged arguments. */
CHARL_EXPORT void charl_gpu_c_clear_failure(GpuHost *rt) {
    rt->failed = 0;
    rt->message[0] = 0;
    charl_gpu_c_discard(rt);
}

/* Mark the runtime failed with Python's own error (`message` may be empty). */
CHARL_EXPORT void charl_gpu_c_set_failure(GpuHost *rt, const char *message) {
    rt->failed = 1;
    snprintf(rt->message, sizeof rt->message, "%s", message ? message : "");
}

/* What a kernel takes and how its parameter block is packed (runtime/gpu_device.py's kernel_state). */
CHARL_EXPORT void charl_gpu_c_kernel(GpuHost *rt, int32_t number, const char *name, int32_t ntags, const int32_t *tags,
                                     int32_t nparams, const int32_t *positions, const int32_t *types, int32_t param_bytes,
                                     int32_t slot_bytes, int32_t workgroup_size, int32_t nmem, const uint8_t *writes) {
    if (number < 0 || ntags > GPU_MAX_ARGS || nmem > GPU_MAX_BINDINGS) {
        charl_gpu_fail(rt, "kernel %d takes more arguments than the runtime stages", number);
        return;
    }
    if (number >= rt->nkernels) {
        int32_t n = number + 1;
        rt->kernels = realloc(rt->kernels, (size_t)n * sizeof *rt->kernels);
        if (!rt->kernels)
            abort();
        memset(rt->kernels + rt->nkernels, 0, (size_t)(n - rt->nkernels) * sizeof *rt->kernels);
        rt->nkernels = n;
    }
    GpuKernel *k = &rt->kernels[number];
    free(k->positions);
    free(k->types);
    k->positions = malloc((size_t)(nparams ? nparams : 1) * sizeof *k->positions);
    k->types = malloc((size_t)(nparams ? nparams : 1) * sizeof *k->types);
    if (!k->positions || !k->types)
        abort();
    memcpy(k->positions, positions, (size_t)nparams * sizeof *positions);
    memcpy(k->types, types, (size_t)nparams * sizeof *types);
    memcpy(k->tags, tags, (size_t)ntags * sizeof *tags);
    memcpy(k->writes, writes, (size_t)nmem);
    snprintf(k->name, sizeof k->name, "%s", name);
    k->ntags = ntags;
    k->nparams = nparams;
    k->nmem = nmem;
    k->param_bytes = param_bytes;
    k->slot_bytes = slot_bytes;
    k->workgroup_size = workgroup_size > 0 ? workgroup_size : 1;
    k->ready = 1;
}

CHARL_EXPORT void charl_gpu_c_set_group(GpuHost *rt, int32_t number, int32_t n, const int32_t *slots, void *pipeline,
                                        void *group) {
    if (number < 0 || number >= rt->nkernels || n > GPU_MAX_BINDINGS)
        return;
    GpuGroup g;
    memset(&g, 0, sizeof g);
    g.n = n;
    memcpy(g.slots, slots, (size_t)n * sizeof *slots);
    g.pipeline = pipeline;
    g.group = group;
    charl_gpu_group_insert(&rt->kernels[number], &g);
    for (int32_t i = 0; i < n; i++)
        rt->bufs[slots[i]].grouped = 1;
}

CHARL_EXPORT int64_t charl_gpu_c_group_count(GpuHost *rt, int32_t number) {
    return number >= 0 && number < rt->nkernels ? (int64_t)rt->kernels[number].group_count : 0;
}

CHARL_EXPORT void charl_gpu_c_flush(GpuHost *rt, int32_t read, int32_t wait) {
    if (read >= 0)
        charl_gpu_read_back(rt, read);
    else
        charl_gpu_flush(rt, -1, wait);
}

/* 0: read back external buffers valid only on the device; 1: mark external buffers valid only on
 * the host; 2: read back every buffer valid only on the device. */
CHARL_EXPORT void charl_gpu_c_sync(GpuHost *rt, int32_t what) {
    for (int32_t s = 0; s < rt->nbufs && !rt->failed; s++) {
        GpuBuffer *b = &rt->bufs[s];
        if (!charl_gpu_alive(b))
            continue;
        if (what == 1 && !b->owned)
            b->state = GPU_HOST;
        else if (what != 1 && b->state == GPU_DEVICE && (what == 2 || !b->owned))
            charl_gpu_read_back(rt, s);
    }
}

CHARL_EXPORT int32_t charl_gpu_c_buffer(GpuHost *rt, int32_t slot, GpuBufferInfo *out) {
    if (slot < 0 || slot >= rt->nbufs || !rt->bufs[slot].state)
        return 0;
    const GpuBuffer *b = &rt->bufs[slot];
    out->base = b->base;
    out->size = b->size;
    out->capacity = b->capacity;
    out->batch = b->batch;
    out->state = b->state;
    out->owned = b->owned;
    out->pooled = b->pooled;
    out->has_device = b->device != NULL;
    return 1;
}

CHARL_EXPORT int32_t charl_gpu_c_slots(GpuHost *rt) { return rt->nbufs; }

CHARL_EXPORT void charl_gpu_c_counts(GpuHost *rt, GpuCounts *out) {
    memset(out, 0, sizeof *out);
    out->launches = rt->launches;
    out->dispatches = rt->dispatches;
    out->pooled = rt->pooled_count;
    out->pooled_bytes = rt->pooled_bytes;
    out->batch = rt->batch;
    for (int32_t s = 0; s < rt->nbufs; s++)
        out->live += charl_gpu_alive(&rt->bufs[s]);
    for (int32_t n = 0; n < rt->nkernels; n++)
        out->groups += (int64_t)rt->kernels[n].group_count;
}
