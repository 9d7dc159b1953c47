/*
 * Writing .npz files: zip archives of uncompressed .npy members named `NAME.npy`, as np.savez writes.
 *
 * One .npz is written at a time: charl_rt_npz_save_begin opens it, each charl_rt_npz_save_add
 * appends a member, charl_rt_npz_save_end writes the central directory (the writer state below).
 */
#include "charl_rt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define DOS_DATE_1980_01_01 0x21u
#define ZIP_LIMIT 0xffffffffu

typedef struct {
    char *name;
    uint32_t crc, size, offset;
} Entry;

static struct {
    FILE *file;
    CharlStr path, where;
    Entry *entries;
    size_t count, cap;
} writer;

static CHARL_NORETURN void write_failed(void) {
    charl_fail(writer.where.data, "cannot write %s: %s", writer.path.data, strerror(errno));
}

void charl_rt_npz_save_begin(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where)) {
    (void)path_allocated, (void)where_allocated;
    CharlStr path = CHARL_STR_ARG(path), at = CHARL_STR_ARG(where);
    if (writer.file != NULL) {
        charl_fail(at.data, "%s is started while %s is still being written", path.data, writer.path.data);
    }
    writer.path = path;
    writer.where = at;
    writer.count = 0;
    writer.file = fopen(path.data, "wb");
    if (writer.file == NULL) {
        write_failed();
    }
}

typedef struct {
    FILE *file;
    uint32_t crc;
} CrcSink;

static void crc_sink(void *context, const void *bytes, size_t n) {
    CrcSink *s = context;
    s->crc = charl_crc32(s->crc, bytes, n);
    fwrite(bytes, 1, n, s->file);
}

void charl_rt_npz_save_add(CHARL_STR_PARAMS(name), int64_t rank, const CharlDescriptor *src, int32_t dtype) {
    (void)name_allocated;
    if (writer.file == NULL) {
        charl_fail(NULL, "an array is added to a .npz file that is not open");
    }
    CharlStr name = CHARL_STR_ARG(name);
    CharlTensor t = charl_tensor(rank, src, dtype, writer.where.data);
    CharlBuf header = {0};
    charl_npy_header_for(&header, &t);
    uint64_t size = header.len + (uint64_t)charl_tensor_count(&t) * t.itemsize;
    long offset = ftell(writer.file);
    if (size >= ZIP_LIMIT || offset < 0 || (uint64_t)offset >= ZIP_LIMIT) {
        charl_fail(writer.where.data, "cannot write %s: array %s does not fit in a .npz under 4 GiB", writer.path.data,
                   name.data);
    }
    size_t name_len = name.len + 4;
    unsigned char local[30] = {0};
    charl_put32(local, 0x04034b50);
    charl_put16(local + 4, 20);
    charl_put16(local + 12, DOS_DATE_1980_01_01);
    charl_put32(local + 18, (uint32_t)size);
    charl_put32(local + 22, (uint32_t)size);
    charl_put16(local + 26, (uint32_t)name_len);
    fwrite(local, 1, sizeof local, writer.file);
    fwrite(name.data, 1, name.len, writer.file);
    fwrite(".npy", 1, 4, writer.file);
    CrcSink sink = {writer.file, 0};
    crc_sink(&sink, header.data, header.len);
    charl_buf_free(&header);
    charl_tensor_bytes(&t, crc_sink, &sink);
    unsigned char crc[4];
    charl_put32(crc, sink.crc);
    long end = ftell(writer.file);
    if (fseek(writer.file, offset + 14, SEEK_SET) != 0 || fwrite(crc, 1, 4, writer.file) != 4 ||
        fseek(writer.file, end, SEEK_SET) != 0 || ferror(writer.file)) {
        write_failed();
    }
    if (writer.count == writer.cap) {
        writer.cap = writer.cap ? 2 * writer.cap : 8;
        Entry *grown = realloc(writer.entries, writer.cap * sizeof *grown);
        if (grown == NULL) {
            charl_fail(writer.where.data, "out of memory writing %s", writer.path.data);
        }
        writer.entries = grown;
    }
    Entry *e = &writer.entries[writer.count++];
    e->name = charl_malloc(name_len + 1);
    snprintf(e->name, name_len + 1, "%s.npy", name.data);
    e->crc = sink.crc;
    e->size = (uint32_t)size;
    e->offset = (uint32_t)offset;
    charl_str_free(&name);
}

void charl_rt_npz_save_end(void) {
    if (writer.file == NULL) {
        charl_fail(NULL, "a .npz file is finished that is not open");
    }
    long start = ftell(writer.file);
    for (size_t i = 0; i < writer.count; i++) {
        const Entry *e = &writer.entries[i];
        unsigned char central[46] = {0};
        charl_put32(central, 0x02014b50);
        charl_put16(central + 4, 20);
        charl_put16(central + 6, 20);
        charl_put16(central + 14, DOS_DATE_1980_01_01);
        charl_put32(central + 16, e->crc);
        charl_put32(central + 20, e->size);
        charl_put32(central + 24, e->size);
        charl_put16(central + 28, (uint32_t)strlen(e->name));
        charl_put32(central + 38, 0x81a40000u); /* -rw-r--r-- */
        charl_put32(central + 42, e->offset);
        fwrite(central, 1, sizeof central, writer.file);
        fwrite(e->name, 1, strlen(e->name), writer.file);
    }
    long end = ftell(writer.file);
    if (start < 0 || end < 0 || (uint64_t)end >= ZIP_LIMIT || writer.count >= 0xffff) {
        charl_fail(writer.where.data, "cannot write %s: too large for a .npz under 4 GiB", writer.path.data);
    }
    unsigned char eocd[22] = {0};
    charl_put32(eocd, 0x06054b50);
    charl_put16(eocd + 8, (uint32_t)writer.count);
    charl_put16(eocd + 10, (uint32_t)writer.count);
    charl_put32(eocd + 12, (uint32_t)(end - start));
    charl_put32(eocd + 16, (uint32_t)start);
    fwrite(eocd, 1, sizeof eocd, writer.file);
    bool failed = ferror(writer.file) != 0;
    if (fclose(writer.file) != 0 || failed) {
        writer.file = NULL;
        write_failed();
    }
    writer.file = NULL;
    for (size_t i = 0; i < writer.count; i++) {
        free(writer.entries[i].name);
    }
    writer.count = 0;
    charl_str_free(&writer.path);
    charl_str_free(&writer.where);
}
