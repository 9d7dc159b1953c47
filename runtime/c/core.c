/*
 * Strings, buffers, tensor descriptors and run-time errors; the clock and the run-time checks.
 */
#include "charl_rt.h"

#include <pthread.h>
#ifdef CHARL_HAVE_ZLIB
#include <zlib.h>
#endif

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void *charl_malloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (p == NULL) {
        charl_fail(NULL, "out of memory (allocating %zu bytes)", n);
    }
    return p;
}

CharlStr charl_str(const int8_t *aligned, int64_t offset, int64_t size, int64_t stride) {
    CharlStr s;
    size_t n = size > 0 ? (size_t)size : 0;
    s.data = charl_malloc(n + 1);
    for (size_t i = 0; i < n; i++) {
        s.data[i] = (char)aligned[offset + (int64_t)i * stride];
    }
    s.data[n] = '\0';
    s.len = n;
    return s;
}

void charl_str_free(CharlStr *s) {
    free(s->data);
    s->data = NULL;
    s->len = 0;
}

static void buf_reserve(CharlBuf *b, size_t extra) {
    if (b->len + extra + 1 <= b->cap) {
        return;
    }
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1) {
        cap *= 2;
    }
    char *data = realloc(b->data, cap);
    if (data == NULL) {
        charl_fail(NULL, "out of memory (allocating %zu bytes)", cap);
    }
    b->data = data;
    b->cap = cap;
}

void charl_buf_put(CharlBuf *b, const char *bytes, size_t n) {
    buf_reserve(b, n);
    memcpy(b->data + b->len, bytes, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void charl_buf_puts(CharlBuf *b, const char *s) { charl_buf_put(b, s, strlen(s)); }

void charl_buf_putc(CharlBuf *b, char c) { charl_buf_put(b, &c, 1); }

void charl_buf_spaces(CharlBuf *b, size_t n) {
    buf_reserve(b, n);
    memset(b->data + b->len, ' ', n);
    b->len += n;
    b->data[b->len] = '\0';
}

void charl_buf_printf(CharlBuf *b, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n <= 0) {
        return;
    }
    buf_reserve(b, (size_t)n);
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void charl_buf_free(CharlBuf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void charl_fail(const char *where, const char *fmt, ...) {
    fflush(stdout);
    if (where != NULL && where[0] != '\0') {
        fprintf(stderr, "%s: ", where);
    }
    fputs("runtime error: ", stderr);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    exit(1);
}

size_t charl_dtype_size(int dtype) {
    static const size_t sizes[] = {4, 8, 4, 8, 1, 1};
    return dtype >= 0 && dtype <= CHARL_I8 ? sizes[dtype] : 0;
}

const char *charl_dtype_name(int dtype) {
    static const char *const names[] = {"float32", "float64", "int32", "int64", "bool", "int8"};
    return dtype >= 0 && dtype <= CHARL_I8 ? names[dtype] : "unknown";
}

CharlTensor charl_tensor(int64_t rank, const CharlDescriptor *desc, int32_t dtype, const char *where) {
    CharlTensor t;
    if (rank < 0 || rank > CHARL_MAX_RANK) {
        charl_fail(where, "a tensor of rank %" PRId64 " (the runtime handles up to %d dimensions)", rank,
                   CHARL_MAX_RANK);
    }
    if (charl_dtype_size(dtype) == 0) {
        charl_fail(where, "unknown element type code %" PRId32 " passed to the runtime", dtype);
    }
    t.rank = (int)rank;
    t.dtype = dtype;
    t.itemsize = charl_dtype_size(dtype);
    t.base = (char *)desc->aligned + desc->offset * (int64_t)t.itemsize;
    for (int k = 0; k < t.rank; k++) {
        t.sizes[k] = desc->sizes_strides[k];
        t.strides[k] = desc->sizes_strides[t.rank + k];
    }
    return t;
}

int64_t charl_tensor_count(const CharlTensor *t) {
    int64_t n = 1;
    for (int k = 0; k < t->rank; k++) {
        n *= t->sizes[k];
    }
    return n;
}

bool charl_tensor_is_contiguous(const CharlTensor *t) {
    int64_t expected = 1;
    for (int k = t->rank - 1; k >= 0; k--) {
        if (t->sizes[k] != 1 && t->strides[k] != expected) {
            return false;
        }
        expected *= t->sizes[k];
    }
    return true;
}

void charl_iter_init(CharlIter *it, const CharlTensor *t) {
    it->t = t;
    it->offset = 0;
    it->done = charl_tensor_count(t) == 0;
    for (int k = 0; k < t->rank; k++) {
        it->index[k] = 0;
    }
}

void charl_iter_next(CharlIter *it) {
    const CharlTensor *t = it->t;
    for (int k = t->rank - 1; k >= 0; k--) {
        if (++it->index[k] < t->sizes[k]) {
            it->offset += t->strides[k];
            return;
        }
        it->offset -= (t->sizes[k] - 1) * t->strides[k];
        it->index[k] = 0;
    }
    it->done = true;
}

void charl_tensor_bytes(const CharlTensor *t, CharlSink sink, void *context) {
    if (charl_tensor_count(t) == 0) {
        return;
    }
    if (t->dtype != CHARL_I1 && charl_tensor_is_contiguous(t)) {
        sink(context, t->base, (size_t)charl_tensor_count(t) * t->itemsize);
        return;
    }
    enum { CHUNK = 1 << 16 };
    unsigned char *chunk = charl_malloc(CHUNK);
    size_t used = 0;
    CharlIter it;
    for (charl_iter_init(&it, t); !it.done; charl_iter_next(&it)) {
        const char *p = charl_iter_ptr(&it);
        if (t->dtype == CHARL_I1) {
            chunk[used] = (unsigned char)(*p != 0);
        } else {
            memcpy(chunk + used, p, t->itemsize);
        }
        used += t->itemsize;
        if (used + 8 > CHUNK) {
            sink(context, chunk, used);
            used = 0;
        }
    }
    if (used) {
        sink(context, chunk, used);
    }
    free(chunk);
}

void charl_tensor_fill(const CharlTensor *t, const unsigned char *bytes) {
    if (charl_tensor_is_contiguous(t)) {
        memcpy(t->base, bytes, (size_t)charl_tensor_count(t) * t->itemsize);
        return;
    }
    CharlIter it;
    for (charl_iter_init(&it, t); !it.done; charl_iter_next(&it)) {
        memcpy(charl_iter_ptr(&it), bytes, t->itemsize);
        bytes += t->itemsize;
    }
}

/* CRC-32 (zip's): zlib's (vectorized) when the runtime links it, else table-driven, 8 bytes a step
 * (slicing-by-8); a 500 MB .npz of weights is checked in a fraction of a second either way. */
#ifdef CHARL_HAVE_ZLIB
uint32_t charl_crc32(uint32_t crc, const unsigned char *p, size_t n) {
    while (n > 0) {
        uInt chunk = n > (1u << 30) ? (1u << 30) : (uInt)n;
        crc = (uint32_t)crc32(crc, p, chunk);
        p += chunk;
        n -= chunk;
    }
    return crc;
}
#else
static uint32_t crc_table[8][256];

static void crc_tables(void) {
    for (uint32_t b = 0; b < 256; b++) {
        uint32_t c = b;
        for (int k = 0; k < 8; k++) {
            c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        }
        crc_table[0][b] = c;
    }
    for (uint32_t b = 0; b < 256; b++) {
        for (int t = 1; t < 8; t++) {
            crc_table[t][b] = (crc_table[t - 1][b] >> 8) ^ crc_table[0][crc_table[t - 1][b] & 0xFFu];
        }
    }
}

uint32_t charl_crc32(uint32_t crc, const unsigned char *p, size_t n) {
    static pthread_once_t once = PTHREAD_ONCE_INIT;
    pthread_once(&once, crc_tables);
    crc = ~crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);
        uint32_t hi = (uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24;
        crc = crc_table[7][lo & 0xFFu] ^ crc_table[6][(lo >> 8) & 0xFFu] ^ crc_table[5][(lo >> 16) & 0xFFu] ^
              crc_table[4][lo >> 24] ^ crc_table[3][hi & 0xFFu] ^ crc_table[2][(hi >> 8) & 0xFFu] ^
              crc_table[1][(hi >> 16) & 0xFFu] ^ crc_table[0][hi >> 24];
    }
    while (n--) {
        crc = (crc >> 8) ^ crc_table[0][(crc ^ *p++) & 0xFFu];
    }
    return ~crc;
}
#endif

double charl_rt_clock(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

void charl_rt_check_slice(int64_t start, int64_t stop, int64_t size, int64_t axis, CHARL_STR_PARAMS(where)) {
    (void)where_allocated;
    if (0 <= start && start <= stop && stop <= size) {
        return;
    }
    CharlStr at = CHARL_STR_ARG(where);
    if (stop - start == 1) {
        charl_fail(at.data, "index %" PRId64 " is out of range for axis %" PRId64 " of size %" PRId64, start, axis,
                   size);
    }
    if (start < 0 || start > size) {
        charl_fail(at.data, "slice start %" PRId64 " is out of range for axis %" PRId64 " of size %" PRId64, start,
                   axis, size);
    }
    if (stop < 0 || stop > size) {
        charl_fail(at.data, "slice stop %" PRId64 " is out of range for axis %" PRId64 " of size %" PRId64, stop,
                   axis, size);
    }
    charl_fail(at.data, "slice %" PRId64 ":%" PRId64 " ends before it starts (axis %" PRId64 " of size %" PRId64 ")",
               start, stop, axis, size);
}

/* `what` with `{got}` and `{expected}` replaced by the sizes, or followed by them in parentheses. */
static void check_dim_message(CharlBuf *out, const char *what, int64_t got, int64_t expected) {
    bool placed = false;
    for (const char *p = what; *p;) {
        if (strncmp(p, "{got}", 5) == 0) {
            charl_buf_printf(out, "%" PRId64, got);
            p += 5;
            placed = true;
        } else if (strncmp(p, "{expected}", 10) == 0) {
            charl_buf_printf(out, "%" PRId64, expected);
            p += 10;
            placed = true;
        } else {
            charl_buf_putc(out, *p++);
        }
    }
    if (!placed) {
        charl_buf_printf(out, " (got %" PRId64 ", expected %" PRId64 ")", got, expected);
    }
}

void charl_rt_check_dim(int64_t got, int64_t expected, CHARL_STR_PARAMS(what), CHARL_STR_PARAMS(where)) {
    (void)what_allocated;
    (void)where_allocated;
    if (got == expected) {
        return;
    }
    CharlStr what = CHARL_STR_ARG(what);
    CharlStr at = CHARL_STR_ARG(where);
    CharlBuf message = {0};
    check_dim_message(&message, what.data, got, expected);
    charl_fail(at.data, "%s", message.data ? message.data : "");
}

void charl_rt_error(CHARL_STR_PARAMS(where), CHARL_STR_PARAMS(message)) {
    (void)where_allocated;
    (void)message_allocated;
    CharlStr at = CHARL_STR_ARG(where);
    CharlStr message = CHARL_STR_ARG(message);
    charl_fail(at.data, "%s", message.data);
}
