/*
 * `load_npy` and `save_npy`: charl_rt_npy_open/dim/read/save on .npy files (headers in npy_header.c).
 */
#include "charl_rt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Opens `path` and reads and checks its header. */
static FILE *open_npy(const CharlNpyCheck *c, const char *path, CharlNpyHeader *h, long *file_size) {
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        charl_fail(c->where, "cannot open %s: %s", path, strerror(errno));
    }
    unsigned char prefix[12];
    size_t got = fread(prefix, 1, sizeof prefix, f);
    size_t total = charl_npy_header_size(prefix, got, c);
    unsigned char *header = charl_malloc(total);
    memcpy(header, prefix, got < total ? got : total);
    if (total > got && fread(header + got, 1, total - got, f) != total - got) {
        charl_fail(c->where, "%s is truncated (in its header)", c->subject);
    }
    charl_npy_parse(header, total, h, c);
    free(header);
    fseek(f, 0, SEEK_END);
    *file_size = ftell(f);
    fseek(f, (long)h->data_offset, SEEK_SET);
    return f;
}

static void check_size(const CharlNpyHeader *h, long file_size, const CharlNpyCheck *c) {
    uint64_t need = charl_npy_data_bytes(h);
    uint64_t have = file_size > (long)h->data_offset ? (uint64_t)(file_size - (long)h->data_offset) : 0;
    if (have < need) {
        CharlBuf held = {0};
        charl_npy_describe(&held, h);
        charl_fail(c->where, "%s is truncated: %s needs %" PRIu64 " bytes of data, the file has %" PRIu64, c->subject,
                   held.data, need, have);
    }
}

void charl_rt_npy_open(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), CHARL_STR_PARAMS(expected), int32_t dtype,
                       CHARL_I64S_PARAMS(shape)) {
    (void)path_allocated, (void)where_allocated, (void)expected_allocated, (void)shape_allocated;
    CharlStr path = CHARL_STR_ARG(path), at = CHARL_STR_ARG(where), expected = CHARL_STR_ARG(expected);
    int64_t dims[CHARL_MAX_RANK];
    int rank = shape_size > CHARL_MAX_RANK ? CHARL_MAX_RANK : (int)shape_size;
    for (int i = 0; i < rank; i++) {
        dims[i] = shape_aligned[shape_offset + i * shape_stride];
    }
    CharlNpyCheck c = {path.data, at.data, expected.data, dtype, rank, dims};
    CharlNpyHeader h;
    long size;
    FILE *f = open_npy(&c, path.data, &h, &size);
    fclose(f);
    charl_npy_check(&h, &c);
    check_size(&h, size, &c);
    charl_str_free(&path), charl_str_free(&at), charl_str_free(&expected);
}

int64_t charl_rt_npy_dim(CHARL_STR_PARAMS(path), int64_t axis) {
    (void)path_allocated;
    CharlStr path = CHARL_STR_ARG(path);
    CharlNpyCheck c = {path.data, NULL, "", 0, 0, NULL};
    CharlNpyHeader h;
    long size;
    fclose(open_npy(&c, path.data, &h, &size));
    if (axis < 0 || axis >= h.rank) {
        charl_fail(NULL, "%s has %d dimensions, no axis %" PRId64, path.data, h.rank, axis);
    }
    charl_str_free(&path);
    return h.shape[axis];
}

void charl_rt_npy_read(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), int64_t rank, const CharlDescriptor *dest,
                       int32_t dtype) {
    (void)path_allocated, (void)where_allocated;
    CharlStr path = CHARL_STR_ARG(path), at = CHARL_STR_ARG(where);
    CharlTensor t = charl_tensor(rank, dest, dtype, at.data);
    int64_t any[CHARL_MAX_RANK];
    for (int i = 0; i < t.rank; i++) {
        any[i] = -1;
    }
    char expected[32];
    snprintf(expected, sizeof expected, "%s", charl_dtype_name(dtype));
    CharlNpyCheck c = {path.data, at.data, expected, dtype, t.rank, any};
    CharlNpyHeader h;
    long size;
    FILE *f = open_npy(&c, path.data, &h, &size);
    charl_npy_check(&h, &c);
    charl_npy_check_dest(&h, &t, &c);
    check_size(&h, size, &c);
    size_t n = (size_t)charl_npy_data_bytes(&h);
    bool direct = charl_tensor_is_contiguous(&t);
    unsigned char *data = direct ? (unsigned char *)t.base : charl_malloc(n);
    if (fread(data, 1, n, f) != n) {
        charl_fail(c.where, "%s is truncated: could not read its %zu bytes of data", c.subject, n);
    }
    fclose(f);
    if (!direct) {
        charl_tensor_fill(&t, data);
        free(data);
    }
    charl_str_free(&path), charl_str_free(&at);
}

static void file_sink(void *context, const void *bytes, size_t n) { fwrite(bytes, 1, n, (FILE *)context); }

void charl_rt_npy_save(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), int64_t rank, const CharlDescriptor *src,
                       int32_t dtype) {
    (void)path_allocated, (void)where_allocated;
    CharlStr path = CHARL_STR_ARG(path), at = CHARL_STR_ARG(where);
    CharlTensor t = charl_tensor(rank, src, dtype, at.data);
    FILE *f = fopen(path.data, "wb");
    if (f == NULL) {
        charl_fail(at.data, "cannot write %s: %s", path.data, strerror(errno));
    }
    CharlBuf header = {0};
    charl_npy_header_for(&header, &t);
    fwrite(header.data, 1, header.len, f);
    charl_buf_free(&header);
    charl_tensor_bytes(&t, file_sink, f);
    bool failed = ferror(f) != 0;
    int saved = errno;
    if (fclose(f) != 0 || failed) {
        charl_fail(at.data, "cannot write %s: %s", path.data, strerror(failed ? saved : errno));
    }
    charl_str_free(&path), charl_str_free(&at);
}
