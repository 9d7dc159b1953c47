/*
 * The GPU runtime's buffers (runtime/c/gpu_host_internal.h): slots, the key map from allocated
 * pointers to slots, the pool of freed owned buffers by capacity, each kernel's bind groups by the
 * slots they bind, and the views of descriptors (which slot holds the bytes a view reaches; memory
 * the runtime did not allocate is registered, grown and merged here).
 */
#include "gpu_host_internal.h"

/* --- the key map ---------------------------------------------------------------------------------- */

static size_t hash64(uint64_t key) {
    key ^= key >> 33;
    key *= 0xff51afd7ed558ccdULL;
    key ^= key >> 33;
    return (size_t)key;
}

int32_t charl_gpu_map_get(const GpuMap *m, uint64_t key) {
    if (!m->capacity)
        return -1;
    size_t mask = m->capacity - 1, i = hash64(key) & mask;
    for (; m->keys[i]; i = (i + 1) & mask)
        if (m->keys[i] == key + 1)
            return m->values[i];
    return -1;
}


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
            charl_gpu_map_put(m, old.keys[i] - 1, old.values[i]);
    free(old.keys);
    free(old.values);
}

void charl_gpu_map_put(GpuMap *m, uint64_t key, int32_t value) {
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

void charl_gpu_map_remove(GpuMap *m, uint64_t key) {
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
                charl_gpu_map_remove(m, m->keys[i] - 1);
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

int charl_gpu_alive(const GpuBuffer *b) { return b->state != 0 && !b->pooled; }

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
            charl_gpu_group_insert(k, &old[i]);
    free(old);
}

void charl_gpu_group_insert(GpuKernel *k, const GpuGroup *g) {
    if ((k->group_count + 1) * 2 > k->group_capacity)
        group_rebuild(k, k->group_capacity ? k->group_capacity * 2 : 16, -1);
    size_t mask = k->group_capacity - 1, i = group_hash(g->n, g->slots) & mask;
    while (k->groups[i].used)
        i = (i + 1) & mask;
    k->groups[i] = *g;
    k->groups[i].used = 1;
    k->group_count++;
}

GpuGroup *charl_gpu_group_find(GpuKernel *k, int32_t n, const int32_t *slots) {
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
void charl_gpu_remove_slot(GpuHost *rt, int32_t s) {
    GpuBuffer *b = &rt->bufs[s];
    if (b->keys == 1 && b->owned)
        charl_gpu_map_remove(&rt->keys, (uint64_t)b->base);
    else if (b->keys)
        map_rekey(&rt->keys, s, -1);
    drop_device(rt, s);
    free(b->memory);
    memset(b, 0, sizeof *b);
    b->next = rt->free_slot;
    rt->free_slot = s;
}

static void add_key(GpuHost *rt, uint64_t key, int32_t s) {
    if (charl_gpu_map_get(&rt->keys, key) != s) {
        charl_gpu_map_put(&rt->keys, key, s);
        rt->bufs[s].keys++;
    }
}

/* --- allocation ----------------------------------------------------------------------------------- */

int64_t charl_gpu_round4(int64_t n) { return (n + 3) & ~(int64_t)3; }

CHARL_EXPORT int64_t charl_gpu_c_capacity_of(int64_t nbytes) {
    int64_t n = charl_gpu_round4(nbytes > 1 ? nbytes : 1);
    if (n <= GPU_EXACT_CAPACITY)
        return n;
    int bits = 64 - __builtin_clzll((unsigned long long)n);
    int64_t step = (int64_t)1 << (bits - 3);
    return (n + step - 1) / step * step;
}

CHARL_EXPORT void *charl_gpu_c_alloc(GpuHost *rt, int64_t nbytes) {
    if (nbytes < 0) {
        charl_gpu_fail(rt, "charl_gpu_alloc of %lld bytes", (long long)nbytes);
        return NULL;
    }
    int64_t capacity = charl_gpu_c_capacity_of(nbytes);
    int32_t s = charl_gpu_map_get(&rt->pool, (uint64_t)capacity);
    GpuBuffer *b;
    if (s >= 0) {
        b = &rt->bufs[s];
        if (b->next >= 0)
            charl_gpu_map_put(&rt->pool, (uint64_t)capacity, b->next);
        else
            charl_gpu_map_remove(&rt->pool, (uint64_t)capacity);
        rt->pooled_bytes -= capacity;
        rt->pooled_count--;
        b->pooled = 0;
        b->next = -1;
    } else {
        void *memory = malloc((size_t)capacity + GPU_ALIGNMENT);
        if (!memory) {
            charl_gpu_fail(rt, "charl_gpu_alloc of %lld bytes: out of host memory", (long long)nbytes);
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
    b->size = charl_gpu_round4(nbytes > 1 ? nbytes : 1);
    add_key(rt, (uint64_t)b->base, s);
    return (void *)(uintptr_t)b->base;
}

CHARL_EXPORT void charl_gpu_c_free(GpuHost *rt, void *address) {
    if (!address)
        return;
    int32_t s = charl_gpu_map_get(&rt->keys, (uint64_t)(uintptr_t)address);
    if (s < 0 || !rt->bufs[s].owned || rt->bufs[s].base != (int64_t)(uintptr_t)address) {
        charl_gpu_fail(rt, "charl_gpu_free of %#llx, which charl_gpu_alloc did not return", (unsigned long long)(uintptr_t)address);
        return;
    }
    GpuBuffer *b = &rt->bufs[s];
    if (rt->pooled_bytes + b->capacity > GPU_POOL_LIMIT) {
        charl_gpu_remove_slot(rt, s);
        return;
    }
    if (b->keys == 1)
        charl_gpu_map_remove(&rt->keys, (uint64_t)b->base);
    else
        map_rekey(&rt->keys, s, -1);
    b->keys = 0;
    b->pooled = 1;
    int32_t head = charl_gpu_map_get(&rt->pool, (uint64_t)b->capacity);
    b->next = head;
    charl_gpu_map_put(&rt->pool, (uint64_t)b->capacity, s);
    rt->pooled_bytes += b->capacity;
    rt->pooled_count++;
}

CHARL_EXPORT void charl_gpu_c_trim(GpuHost *rt) {
    for (int32_t s = 0; s < rt->nbufs; s++)
        if (rt->bufs[s].state && rt->bufs[s].pooled)
            charl_gpu_remove_slot(rt, s);
    free(rt->pool.keys);
    free(rt->pool.values);
    memset(&rt->pool, 0, sizeof rt->pool);
    rt->pooled_bytes = rt->pooled_count = 0;
}

/* --- views ---------------------------------------------------------------------------------------- */

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
GpuExtent charl_gpu_reach(int32_t element, const int64_t *words, int64_t rank) {
    if (element != GPU_I4)
        return extent(words[1], words[2], words + 3, rank, ITEMSIZE[element]);
    GpuExtent e = extent(words[1] * 2, words[2], words + 3, rank, 1);
    e.start /= 2;
    e.lo /= 2;
    e.hi = (e.hi + 1) / 2;
    return e;
}

/* The allocation a descriptor belongs to: its allocated pointer (the aligned one for globals). */
uint64_t charl_gpu_key_of(const int64_t *words) {
    return (uint64_t)(words[0] == 0 || words[0] == 0xDEADBEEF ? words[1] : words[0]);
}

/* A new external buffer for host bytes [lo, hi) of allocation `key`, merged with every buffer it
 * overlaps (their device-only data read back first). */
static int32_t register_external(GpuHost *rt, uint64_t key, int64_t lo, int64_t hi) {
    int32_t known = charl_gpu_map_get(&rt->keys, key);
    for (int32_t s = 0; s < rt->nbufs; s++) {
        GpuBuffer *b = &rt->bufs[s];
        if (charl_gpu_alive(b) && ((b->base < hi && lo < b->base + b->size) || s == known) && b->owned) {
            charl_gpu_fail(rt, "a view overlaps an allocation of charl_gpu_alloc only partly (%#llx)", (unsigned long long)key);
            return -1;
        }
    }
    int32_t fresh = new_slot(rt);
    for (int32_t s = 0; s < rt->nbufs; s++) {
        GpuBuffer *b = &rt->bufs[s];
        if (s == fresh || !charl_gpu_alive(b) || !((b->base < hi && lo < b->base + b->size) || s == known))
            continue;
        if (b->state == GPU_DEVICE && !charl_gpu_read_back(rt, s))
            return -1;
        lo = b->base < lo ? b->base : lo;
        hi = b->base + b->size > hi ? b->base + b->size : hi;
        map_rekey(&rt->keys, s, fresh);
        rt->bufs[fresh].keys += b->keys;
        b->keys = 0;
        charl_gpu_remove_slot(rt, s);
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
int32_t charl_gpu_find(GpuHost *rt, uint64_t key, int64_t lo, int64_t hi, int reg) {
    int32_t s = charl_gpu_map_get(&rt->keys, key);
    if (s >= 0) {
        GpuBuffer *b = &rt->bufs[s];
        if (!reg || (b->base <= lo && hi <= b->base + b->size))
            return s;
        if (b->owned) {
            charl_gpu_fail(rt, "a view reaches bytes [%lld, %lld) of an allocation of %lld bytes", (long long)(lo - b->base),
                 (long long)(hi - b->base), (long long)b->size);
            return -1;
        }
    }
    for (int32_t t = 0; t < rt->nbufs; t++) {
        GpuBuffer *b = &rt->bufs[t];
        if (charl_gpu_alive(b) && b->base <= lo && hi <= b->base + b->size && (b->size > 0 || lo == b->base)) {
            add_key(rt, key, t);
            return t;
        }
    }
    return reg ? register_external(rt, key, lo, hi) : -1;
}
