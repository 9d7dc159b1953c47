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
 */
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

/* --- errors -------------------------------------------------------------------------------------- */

CHARL_PRINTF(2, 3) static void fail(GpuHost *rt, const char *format, ...) {
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
static int hooked(GpuHost *rt, int32_t status) {
    if (status)
        rt->failed = 1;
    return status == 0 && !rt->failed;
}

/* --- the key map ---------------------------------------------------------------------------------- */

static size_t hash64(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key;
}

static int32_t map_get(const GpuMap *m, uint64_t key) {
    if (!m->capacity)
        return -1;
    size_t mask = m->capacity - 1, i = hash64(key) & mask;
    for (; m->keys[i]; i = (i + 1) & mask)
        if (m->keys[i] == key + 1)
            return m->values[i];
    return -1;
}

static void map_put(GpuMap *m, uint64_t key, int32_t value);

static void map_grow(GpuMap *m) {
    GpuMap old = *m;
    m->capacity = old.capacity ? old.capacity * 2 : 64;
    m->keys = calloc(m->capacity, sizeof *m->keys);
    m->values = calloc(m->capacity, sizeof *m->values);
    if (!m->keys || !m->values)
        abort();
    m->count = 0;
    for (size_t i = 0; i < old.capacity; i++)
        if (old.keys[i])
            map_put(m, old.keys[i] - 1, old.values[i]);
    free(old.keys);
    free(old.values);
}

static void map_put(GpuMap *m, uint64_t key, int32_t value) {
    if ((m->count + 1) * 2 > m->capacity)
        map_grow(m);
    size_t mask = m->capacity - 1, i = hash64(key) & mask;
    for (; m->keys[i]; i = (i + 1) & mask)
        if (m->keys[i] == key + 1) {
            m->values[i] = value;
            return;
        }
    m->keys[i] = key + 1;
    m->values[i] = value;
    m->count++;
}

static void map_remove(GpuMap *m, uint64_t key) {
    if (!m->capacity)
        return;
    size_t mask = m->capacity - 1, i = hash64(key) & mask;
    while (m->keys[i] && m->keys[i] != key + 1)
        i = (i + 1) & mask;
    if (!m->keys[i])
        return;
    m->keys[i] = 0;
    m->count--;
    for (size_t j = (i + 1) & mask; m->keys[j]; j = (j + 1) & mask) { /* backward-shift deletion */
        size_t home = hash64(m->keys[j] - 1) & mask;
        if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
            m->keys[i] = m->keys[j];
            m->values[i] = m->values[j];
            m->keys[j] = 0;
            i = j;
        }
    }
}

/* Every key of slot `slot` now maps to `to` (or is removed when `to` is -1). */
static void map_rekey(GpuMap *m, int32_t slot, int32_t to) {
    for (size_t i = 0; i < m->capacity;) {
        if (m->keys[i] && m->values[i] == slot) {
            if (to >= 0) {
                m->values[i] = to;
            } else {
                map_remove(m, m->keys[i] - 1);
                continue; /* another entry may have shifted into i */
            }
        }
        i++;
    }
}

/* --- slots ---------------------------------------------------------------------------------------- */

static int32_t new_slot(GpuHost *rt) {
    int32_t s = rt->free_slot;
    if (s >= 0) {
        rt->free_slot = rt->bufs[s].next;
    } else {
        if (rt->nbufs == rt->buf_capacity) {
            rt->buf_capacity = rt->buf_capacity ? rt->buf_capacity * 2 : 256;
            rt->bufs = realloc(rt->bufs, (size_t)rt->buf_capacity * sizeof *rt->bufs);
            if (!rt->bufs)
                abort();
        }
        s = rt->nbufs++;
    }
    memset(&rt->bufs[s], 0, sizeof rt->bufs[s]);
    rt->bufs[s].batch = -1;
    rt->bufs[s].next = -1;
    return s;
}

static int alive(const GpuBuffer *b) { return b->state != 0 && !b->pooled; }

static int contains(const GpuGroup *g, int32_t slot) {
    for (int32_t k = 0; k < g->n; k++)
        if (g->slots[k] == slot)
            return 1;
    return 0;
}

static size_t group_hash(int32_t n, const int32_t *slots) {
    uint64_t h = (uint64_t)n;
    for (int32_t k = 0; k < n; k++)
        h = h * 1000003u ^ (uint64_t)(uint32_t)slots[k];
    return hash64(h);
}

static void group_insert(GpuKernel *k, const GpuGroup *g);

static void group_rebuild(GpuKernel *k, size_t capacity, int32_t without) {
    GpuGroup *old = k->groups;
    size_t old_capacity = k->group_capacity;
    k->groups = calloc(capacity, sizeof *k->groups);
    if (!k->groups)
        abort();
    k->group_capacity = capacity;
    k->group_count = 0;
    for (size_t i = 0; i < old_capacity; i++)
        if (old[i].used && (without < 0 || !contains(&old[i], without)))
            group_insert(k, &old[i]);
    free(old);
}

static void group_insert(GpuKernel *k, const GpuGroup *g) {
    if ((k->group_count + 1) * 2 > k->group_capacity)
        group_rebuild(k, k->group_capacity ? k->group_capacity * 2 : 16, -1);
    size_t mask = k->group_capacity - 1, i = group_hash(g->n, g->slots) & mask;
    while (k->groups[i].used)
        i = (i + 1) & mask;
    k->groups[i] = *g;
    k->groups[i].used = 1;
    k->group_count++;
}

static GpuGroup *group_find(GpuKernel *k, int32_t n, const int32_t *slots) {
    if (!k->group_capacity)
        return NULL;
    size_t mask = k->group_capacity - 1, i = group_hash(n, slots) & mask;
    for (; k->groups[i].used; i = (i + 1) & mask)
        if (k->groups[i].n == n && !memcmp(k->groups[i].slots, slots, (size_t)n * sizeof *slots))
            return &k->groups[i];
    return NULL;
}

/* Forget slot `s`'s device buffer and every bind group that binds it. */
static void drop_device(GpuHost *rt, int32_t s) {
    GpuBuffer *b = &rt->bufs[s];
    if (b->grouped)
        for (int32_t n = 0; n < rt->nkernels; n++)
            if (rt->kernels[n].group_count)
                group_rebuild(&rt->kernels[n], rt->kernels[n].group_capacity, s);
    if (b->device && rt->hooks.dropped)
        rt->hooks.dropped(s);
    b->device = NULL;
    b->grouped = 0;
}

/* Release slot `s` for good: its keys, device objects and (owned) host memory. */
static void remove_slot(GpuHost *rt, int32_t s) {
    GpuBuffer *b = &rt->bufs[s];
    if (b->keys == 1 && b->owned)
        map_remove(&rt->keys, (uint64_t)b->base);
    else if (b->keys)
        map_rekey(&rt->keys, s, -1);
    drop_device(rt, s);
    free(b->memory);
    memset(b, 0, sizeof *b);
    b->next = rt->free_slot;
    rt->free_slot = s;
}

static void add_key(GpuHost *rt, uint64_t key, int32_t s) {
    if (map_get(&rt->keys, key) != s) {
        map_put(&rt->keys, key, s);
        rt->bufs[s].keys++;
    }
}

/* --- batches -------------------------------------------------------------------------------------- */

/* Submit the open batch (with `read`'s device buffer copied back into its host bytes when `read` is
 * a slot); with `read` or `wait`, wait until the device has run it. */
static int flush(GpuHost *rt, int32_t read, int32_t wait) {
    int32_t status = rt->hooks.flush ? rt->hooks.flush(read, wait, rt->param_used) : 0;
    rt->pass = NULL;
    rt->last_pipeline = NULL;
    rt->param_used = 0;
    rt->batch_dispatches = 0;
    rt->batch++;
    return hooked(rt, status);
}

static int read_back(GpuHost *rt, int32_t s) {
    if (rt->bufs[s].device && rt->bufs[s].size > 0 && !flush(rt, s, 1))
        return 0;
    rt->bufs[s].state = GPU_BOTH;
    return 1;
}

/* --- allocation ----------------------------------------------------------------------------------- */

static int64_t round4(int64_t n) { return (n + 3) & ~(int64_t)3; }

CHARL_EXPORT int64_t charl_gpu_c_capacity_of(int64_t nbytes) {
    int64_t n = round4(nbytes > 1 ? nbytes : 1);
    if (n <= GPU_EXACT_CAPACITY)
        return n;
    int bits = 64 - __builtin_clzll((unsigned long long)n);
    int64_t step = (int64_t)1 << (bits - 3);
    return (n + step - 1) / step * step;
}

CHARL_EXPORT void *charl_gpu_c_alloc(GpuHost *rt, int64_t nbytes) {
    if (nbytes < 0) {
        fail(rt, "charl_gpu_alloc of %lld bytes", (long long)nbytes);
        return NULL;
    }
    int64_t capacity = charl_gpu_c_capacity_of(nbytes);
    int32_t s = map_get(&rt->pool, (uint64_t)capacity);
    GpuBuffer *b;
    if (s >= 0) {
        b = &rt->bufs[s];
        if (b->next >= 0)
            map_put(&rt->pool, (uint64_t)capacity, b->next);
        else
            map_remove(&rt->pool, (uint64_t)capacity);
        rt->pooled_bytes -= capacity;
        rt->pooled_count--;
        b->pooled = 0;
        b->next = -1;
    } else {
        void *memory = malloc((size_t)capacity + GPU_ALIGNMENT);
        if (!memory) {
            fail(rt, "charl_gpu_alloc of %lld bytes: out of host memory", (long long)nbytes);
            return NULL;
        }
        s = new_slot(rt);
        b = &rt->bufs[s];
        b->memory = memory;
        b->base = ((int64_t)(uintptr_t)memory + GPU_ALIGNMENT - 1) / GPU_ALIGNMENT * GPU_ALIGNMENT;
        b->capacity = capacity;
        b->owned = 1;
    }
    b->state = GPU_BOTH; /* fresh memory is garbage on both sides */
    b->size = round4(nbytes > 1 ? nbytes : 1);
    add_key(rt, (uint64_t)b->base, s);
    return (void *)(uintptr_t)b->base;
}

CHARL_EXPORT void charl_gpu_c_free(GpuHost *rt, void *address) {
    if (!address)
        return;
    int32_t s = map_get(&rt->keys, (uint64_t)(uintptr_t)address);
    if (s < 0 || !rt->bufs[s].owned || rt->bufs[s].base != (int64_t)(uintptr_t)address) {
        fail(rt, "charl_gpu_free of %#llx, which charl_gpu_alloc did not return", (unsigned long long)(uintptr_t)address);
        return;
    }
    GpuBuffer *b = &rt->bufs[s];
    if (rt->pooled_bytes + b->capacity > GPU_POOL_LIMIT) {
        remove_slot(rt, s);
        return;
    }
    if (b->keys == 1)
        map_remove(&rt->keys, (uint64_t)b->base);
    else
        map_rekey(&rt->keys, s, -1);
    b->keys = 0;
    b->pooled = 1;
    int32_t head = map_get(&rt->pool, (uint64_t)b->capacity);
    b->next = head;
    map_put(&rt->pool, (uint64_t)b->capacity, s);
    rt->pooled_bytes += b->capacity;
    rt->pooled_count++;
}

CHARL_EXPORT void charl_gpu_c_trim(GpuHost *rt) {
    for (int32_t s = 0; s < rt->nbufs; s++)
        if (rt->bufs[s].state && rt->bufs[s].pooled)
            remove_slot(rt, s);
    free(rt->pool.keys);
    free(rt->pool.values);
    memset(&rt->pool, 0, sizeof rt->pool);
    rt->pooled_bytes = rt->pooled_count = 0;
}

/* --- views ---------------------------------------------------------------------------------------- */

typedef struct {
    int64_t start, lo, hi;
} GpuExtent;

/* The address of element [0, ...] and the host bytes [lo, hi) a descriptor's view reaches. */
static GpuExtent extent(int64_t aligned, int64_t offset, const int64_t *sizes, int64_t rank, int64_t itemsize) {
    GpuExtent e;
    e.start = aligned + offset * itemsize;
    e.lo = e.hi = e.start;
    for (int64_t k = 0; k < rank; k++)
        if (sizes[k] <= 0)
            return e;
    for (int64_t k = 0; k < rank; k++) {
        int64_t reach = (sizes[k] - 1) * sizes[rank + k] * itemsize;
        if (reach < 0)
            e.lo += reach;
        else
            e.hi += reach;
    }
    e.hi += itemsize;
    return e;
}

/* `extent` for memrefs of `element`; an i4 view (two elements a byte) is measured in nibbles. */
static GpuExtent reach(int32_t element, const int64_t *words, int64_t rank) {
    if (element != GPU_I4)
        return extent(words[1], words[2], words + 3, rank, ITEMSIZE[element]);
    GpuExtent e = extent(words[1] * 2, words[2], words + 3, rank, 1);
    e.start /= 2;
    e.lo /= 2;
    e.hi = (e.hi + 1) / 2;
    return e;
}

/* The allocation a descriptor belongs to: its allocated pointer (the aligned one for globals). */
static uint64_t key_of(const int64_t *words) {
    return (uint64_t)(words[0] == 0 || words[0] == 0xDEADBEEF ? words[1] : words[0]);
}

/* A new external buffer for host bytes [lo, hi) of allocation `key`, merged with every buffer it
 * overlaps (their device-only data read back first). */
static int32_t register_external(GpuHost *rt, uint64_t key, int64_t lo, int64_t hi) {
    int32_t known = map_get(&rt->keys, key);
    for (int32_t s = 0; s < rt->nbufs; s++) {
        GpuBuffer *b = &rt->bufs[s];
        if (alive(b) && ((b->base < hi && lo < b->base + b->size) || s == known) && b->owned) {
            fail(rt, "a view overlaps an allocation of charl_gpu_alloc only partly (%#llx)", (unsigned long long)key);
            return -1;
        }
    }
    int32_t fresh = new_slot(rt);
    for (int32_t s = 0; s < rt->nbufs; s++) {
        GpuBuffer *b = &rt->bufs[s];
        if (s == fresh || !alive(b) || !((b->base < hi && lo < b->base + b->size) || s == known))
            continue;
        if (b->state == GPU_DEVICE && !read_back(rt, s))
            return -1;
        lo = b->base < lo ? b->base : lo;
        hi = b->base + b->size > hi ? b->base + b->size : hi;
        map_rekey(&rt->keys, s, fresh);
        rt->bufs[fresh].keys += b->keys;
        b->keys = 0;
        remove_slot(rt, s);
    }
    GpuBuffer *f = &rt->bufs[fresh];
    f->base = lo;
    f->size = f->capacity = hi - lo;
    f->state = GPU_HOST;
    add_key(rt, key, fresh);
    return fresh;
}

/* The slot holding host bytes [lo, hi) of allocation `key`; registered (or grown) when `reg`, else
 * -1 for memory the runtime does not know. */
static int32_t find(GpuHost *rt, uint64_t key, int64_t lo, int64_t hi, int reg) {
    int32_t s = map_get(&rt->keys, key);
    if (s >= 0) {
        GpuBuffer *b = &rt->bufs[s];
        if (!reg || (b->base <= lo && hi <= b->base + b->size))
            return s;
        if (b->owned) {
            fail(rt, "a view reaches bytes [%lld, %lld) of an allocation of %lld bytes", (long long)(lo - b->base),
                 (long long)(hi - b->base), (long long)b->size);
            return -1;
        }
    }
    for (int32_t t = 0; t < rt->nbufs; t++) {
        GpuBuffer *b = &rt->bufs[t];
        if (alive(b) && b->base <= lo && hi <= b->base + b->size && (b->size > 0 || lo == b->base)) {
            add_key(rt, key, t);
            return t;
        }
    }
    return reg ? register_external(rt, key, lo, hi) : -1;
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
        fail(rt, "a memref of element code %d and rank %lld was staged", element, (long long)rank);
        return;
    }
    GpuExtent e = reach(element, words, rank);
    int32_t s = find(rt, key_of(words), e.lo, e.hi, 1);
    if (s < 0)
        return;
    GpuBuffer *b = &rt->bufs[s];
    int64_t first;
    if (element == GPU_I4) { /* packed two a byte: the element offset counts nibbles */
        first = (words[1] - b->base) * 2 + words[2];
    } else {
        int64_t delta = e.start - b->base;
        if (delta % ITEMSIZE[element]) {
            fail(rt, "a memref of %s starts %lld bytes into its buffer, not at an element boundary",
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
    if (!rt->hooks.prepare || !hooked(rt, rt->hooks.prepare(number)))
        return NULL;
    if (number < 0 || number >= rt->nkernels || !rt->kernels[number].ready) {
        fail(rt, "kernel %d was not prepared", number);
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
            if (b->batch == rt->batch && !flush(rt, -1, 0))
                return 0;
            if (!hooked(rt, rt->hooks.upload(s)))
                return 0;
            b = &rt->bufs[s];
            b->state = GPU_BOTH;
        } else if (!b->device && !hooked(rt, rt->hooks.device(s))) {
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
    GpuGroup *g = group_find(k, rt->nstaged, rt->staged);
    if (g)
        return g;
    int writable = 0; /* one buffer bound both read-only and writable: every binding writable */
    for (int32_t i = 0; i < rt->nstaged && !writable; i++)
        for (int32_t j = 0; j < rt->nstaged; j++)
            if (rt->staged[i] == rt->staged[j] && !k->writes[i] && k->writes[j])
                writable = 1;
    if (!hooked(rt, rt->hooks.group(number, writable, rt->nstaged, rt->staged)))
        return NULL;
    g = group_find(k, rt->nstaged, rt->staged);
    if (!g)
        fail(rt, "kernel %d: no bind group was made", number);
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
                fail(rt, "kernel %d (@%s): a parameter does not fit 32 bits (%lld)", number, k->name, (long long)w.i);
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
        fail(rt, "the GPU runtime is closed");
        return;
    }
    if (rt->overflow) {
        fail(rt, "kernel %d: more arguments were staged than a launch takes", number);
        return;
    }
    GpuKernel *k = kernel_of(rt, number);
    if (!k)
        return;
    if (rt->ntags != k->ntags || memcmp(rt->tags, k->tags, (size_t)k->ntags * sizeof *k->tags)) {
        char want[512], got[512];
        describe(want, sizeof want, k->tags, k->ntags);
        describe(got, sizeof got, rt->tags, rt->ntags);
        fail(rt, "kernel %d (@%s) takes %s, but %s were staged", number, k->name, want, got);
        return;
    }
    rt->launches++;
    if (invocations <= 0)
        return;
    if (invocations >= ((int64_t)1 << 31)) {
        fail(rt, "kernel %d launched with %lld invocations; at most 2^31 - 1", number, (long long)invocations);
        return;
    }
    if (rt->param_used + k->slot_bytes > GPU_PARAMS && !flush(rt, -1, 0))
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
    if (!rt->pass && !hooked(rt, rt->hooks.begin()))
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
        flush(rt, -1, 0); /* the device starts on these while the host records the next ones */
}

CHARL_EXPORT void charl_gpu_c_launch(GpuHost *rt, int32_t number, int64_t invocations) {
    if (!rt->failed)
        launch(rt, number, invocations);
    charl_gpu_c_discard(rt);
}

CHARL_EXPORT void charl_gpu_c_access(GpuHost *rt, int32_t element, int64_t rank, const int64_t *words, int32_t writes) {
    if (rt->failed || element < 0 || element >= GPU_ELEMENTS)
        return;
    uint64_t key = key_of(words);
    int32_t s = map_get(&rt->keys, key);
    if (s < 0) {
        GpuExtent e = reach(element, words, rank);
        s = find(rt, key, e.lo, e.hi, 0);
        if (s < 0)
            return;
    }
    if (rt->bufs[s].state == GPU_DEVICE && !read_back(rt, s))
        return;
    if (writes)
        rt->bufs[s].state = GPU_HOST;
}

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
            remove_slot(rt, s);
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
        fail(rt, "kernel %d takes more arguments than the runtime stages", number);
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
    group_insert(&rt->kernels[number], &g);
    for (int32_t i = 0; i < n; i++)
        rt->bufs[slots[i]].grouped = 1;
}

CHARL_EXPORT int64_t charl_gpu_c_group_count(GpuHost *rt, int32_t number) {
    return number >= 0 && number < rt->nkernels ? (int64_t)rt->kernels[number].group_count : 0;
}

CHARL_EXPORT void charl_gpu_c_flush(GpuHost *rt, int32_t read, int32_t wait) {
    if (read >= 0)
        read_back(rt, read);
    else
        flush(rt, -1, wait);
}

/* 0: read back external buffers valid only on the device; 1: mark external buffers valid only on
 * the host; 2: read back every buffer valid only on the device. */
CHARL_EXPORT void charl_gpu_c_sync(GpuHost *rt, int32_t what) {
    for (int32_t s = 0; s < rt->nbufs && !rt->failed; s++) {
        GpuBuffer *b = &rt->bufs[s];
        if (!alive(b))
            continue;
        if (what == 1 && !b->owned)
            b->state = GPU_HOST;
        else if (what != 1 && b->state == GPU_DEVICE && (what == 2 || !b->owned))
            read_back(rt, s);
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
        out->live += alive(&rt->bufs[s]);
    for (int32_t n = 0; n < rt->nkernels; n++)
        out->groups += (int64_t)rt->kernels[n].group_count;
}
