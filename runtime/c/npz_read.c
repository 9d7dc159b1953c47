/*
 * Reading .npz files: stored members, and deflated ones (np.savez_compressed) when built with zlib
 * (CHARL_HAVE_ZLIB); the zip64 records NumPy writes are understood.
 */
#include "charl_rt.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#ifdef CHARL_HAVE_ZLIB
#include <zlib.h>
#endif

#define ZIP_LIMIT 0xffffffffu

typedef struct {
    FILE *file;
    const char *path, *where;
    uint64_t file_size;
} Archive;

static CHARL_NORETURN void not_npz(const Archive *a, const char *why) {
    charl_fail(a->where, "%s is not a valid .npz file (%s)", a->path, why);
}

static unsigned char *read_at(const Archive *a, uint64_t offset, uint64_t n, const char *what) {
    if (offset > a->file_size || n > a->file_size - offset) {
        not_npz(a, what);
    }
    unsigned char *bytes = charl_malloc((size_t)n);
    if (fseek(a->file, (long)offset, SEEK_SET) != 0 || fread(bytes, 1, (size_t)n, a->file) != n) {
        not_npz(a, what);
    }
    return bytes;
}

/* Where the central directory is and how many entries it has (from the end records). */
static void find_directory(const Archive *a, uint64_t *offset, uint64_t *size, uint64_t *count) {
    uint64_t tail = a->file_size < 65557 ? a->file_size : 65557;
    unsigned char *end = read_at(a, a->file_size - tail, tail, "no end of central directory");
    int64_t pos = (int64_t)tail - 22;
    while (pos >= 0 && charl_get32(end + pos) != 0x06054b50) {
        pos--;
    }
    if (pos < 0) {
        not_npz(a, "no end of central directory");
    }
    *count = charl_get16(end + pos + 10);
    *size = charl_get32(end + pos + 12);
    *offset = charl_get32(end + pos + 16);
    uint64_t eocd_at = a->file_size - tail + (uint64_t)pos;
    free(end);
    if (*count != 0xffff && *size != ZIP_LIMIT && *offset != ZIP_LIMIT) {
        return;
    }
    if (eocd_at < 20) {
        not_npz(a, "no zip64 end of central directory locator");
    }
    unsigned char *locator = read_at(a, eocd_at - 20, 20, "no zip64 end of central directory locator");
    if (charl_get32(locator) != 0x07064b50) {
        not_npz(a, "no zip64 end of central directory locator");
    }
    unsigned char *record = read_at(a, charl_get64(locator + 8), 56, "bad zip64 end of central directory");
    if (charl_get32(record) != 0x06064b50) {
        not_npz(a, "bad zip64 end of central directory");
    }
    *count = charl_get64(record + 32);
    *size = charl_get64(record + 40);
    *offset = charl_get64(record + 48);
    free(locator);
    free(record);
}

typedef struct {
    uint32_t method, flags, crc;
    uint64_t compressed, size, offset;
} Member;

/* Sizes and offset saturated at 0xffffffff come from the zip64 extra field (id 1), in that order. */
static void zip64_fields(const Archive *a, const unsigned char *extra, size_t n, Member *m) {
    uint64_t *fields[3] = {&m->size, &m->compressed, &m->offset};
    for (size_t at = 0; at + 4 <= n;) {
        uint32_t id = charl_get16(extra + at), len = charl_get16(extra + at + 2);
        if (at + 4 + len > n) {
            not_npz(a, "bad extra field");
        }
        if (id == 1) {
            size_t used = 0;
            for (int i = 0; i < 3; i++) {
                if (*fields[i] == ZIP_LIMIT) {
                    if (used + 8 > len) {
                        not_npz(a, "bad zip64 extra field");
                    }
                    *fields[i] = charl_get64(extra + at + 4 + used);
                    used += 8;
                }
            }
        }
        at += 4 + len;
    }
}

/* Finds member `file_name`; lists the arrays the archive holds into `names` when it is absent. */
static bool find_member(const Archive *a, const char *file_name, Member *m, CharlBuf *names) {
    uint64_t offset, size, count;
    find_directory(a, &offset, &size, &count);
    unsigned char *dir = read_at(a, offset, size, "bad central directory");
    bool found = false;
    size_t at = 0;
    for (uint64_t i = 0; i < count && !found; i++) {
        if (at + 46 > size || charl_get32(dir + at) != 0x02014b50) {
            not_npz(a, "bad central directory");
        }
        const unsigned char *e = dir + at;
        size_t name_len = charl_get16(e + 28), extra_len = charl_get16(e + 30), comment_len = charl_get16(e + 32);
        if (at + 46 + name_len + extra_len + comment_len > size) {
            not_npz(a, "bad central directory");
        }
        const char *name = (const char *)e + 46;
        if (name_len == strlen(file_name) && memcmp(name, file_name, name_len) == 0) {
            m->method = charl_get16(e + 10);
            m->flags = charl_get16(e + 8);
            m->crc = charl_get32(e + 16);
            m->compressed = charl_get32(e + 20);
            m->size = charl_get32(e + 24);
            m->offset = charl_get32(e + 42);
            zip64_fields(a, e + 46 + name_len, extra_len, m);
            found = true;
        } else {
            bool npy = name_len > 4 && memcmp(name + name_len - 4, ".npy", 4) == 0;
            charl_buf_printf(names, "%s%.*s", names->len ? ", " : "", (int)(npy ? name_len - 4 : name_len), name);
        }
        at += 46 + name_len + extra_len + comment_len;
    }
    free(dir);
    return found;
}

#ifdef CHARL_HAVE_ZLIB
static bool inflate_member(const unsigned char *in, uint64_t in_len, unsigned char *out, uint64_t out_len) {
    z_stream z;
    memset(&z, 0, sizeof z);
    if (inflateInit2(&z, -MAX_WBITS) != Z_OK) {
        return false;
    }
    z.next_in = (unsigned char *)in;
    z.avail_in = (uInt)in_len;
    z.next_out = out;
    z.avail_out = (uInt)out_len;
    int status = inflate(&z, Z_FINISH);
    bool ok = status == Z_STREAM_END && z.total_out == out_len;
    inflateEnd(&z);
    return ok;
}
#endif

/* The uncompressed bytes of a member. */
static unsigned char *member_bytes(const Archive *a, const Member *m, const char *subject) {
    unsigned char *local = read_at(a, m->offset, 30, "bad local header");
    if (charl_get32(local) != 0x04034b50) {
        not_npz(a, "bad local header");
    }
    uint64_t data_at = m->offset + 30 + charl_get16(local + 26) + charl_get16(local + 28);
    free(local);
    if (m->flags & 1) {
        charl_fail(a->where, "%s is encrypted", subject);
    }
    if (m->method != 0 && m->method != 8) {
        charl_fail(a->where, "%s uses zip compression method %" PRIu32 "; save it with np.savez or np.savez_compressed",
                   subject, m->method);
    }
    unsigned char *stored = read_at(a, data_at, m->compressed, "a member is truncated");
    unsigned char *bytes = stored;
    if (m->method == 8) {
#ifdef CHARL_HAVE_ZLIB
        bytes = charl_malloc((size_t)m->size);
        if (m->compressed > UINT32_MAX || m->size > UINT32_MAX ||
            !inflate_member(stored, m->compressed, bytes, m->size)) {
            charl_fail(a->where, "%s is corrupt (its compressed data does not inflate)", subject);
        }
        free(stored);
#else
        charl_fail(a->where, "%s is compressed and this runtime was built without zlib; save it with np.savez",
                   subject);
#endif
    } else if (m->compressed != m->size) {
        not_npz(a, "a stored member's sizes differ");
    }
    if (charl_crc32(0, bytes, (size_t)m->size) != m->crc) {
        charl_fail(a->where, "%s is corrupt (CRC mismatch)", subject);
    }
    return bytes;
}

void charl_rt_npz_read(CHARL_STR_PARAMS(path), CHARL_STR_PARAMS(where), CHARL_STR_PARAMS(name),
                       CHARL_STR_PARAMS(expected), int32_t dtype, CHARL_I64S_PARAMS(shape), int64_t rank,
                       const CharlDescriptor *dest) {
    (void)path_allocated, (void)where_allocated, (void)name_allocated, (void)expected_allocated, (void)shape_allocated;
    CharlStr path = CHARL_STR_ARG(path), at = CHARL_STR_ARG(where), name = CHARL_STR_ARG(name);
    CharlStr expected = CHARL_STR_ARG(expected);
    CharlTensor t = charl_tensor(rank, dest, dtype, at.data);
    int64_t dims[CHARL_MAX_RANK];
    int declared = shape_size > CHARL_MAX_RANK ? CHARL_MAX_RANK : (int)shape_size;
    for (int i = 0; i < declared; i++) {
        dims[i] = shape_aligned[shape_offset + i * shape_stride];
    }
    Archive a = {fopen(path.data, "rb"), path.data, at.data, 0};
    if (a.file == NULL) {
        charl_fail(at.data, "cannot open %s: %s", path.data, strerror(errno));
    }
    fseek(a.file, 0, SEEK_END);
    long file_size = ftell(a.file);
    a.file_size = file_size > 0 ? (uint64_t)file_size : 0;
    CharlBuf file_name = {0}, subject = {0}, names = {0};
    charl_buf_printf(&file_name, "%s.npy", name.data);
    charl_buf_printf(&subject, "array %s in %s", name.data, path.data);
    Member m;
    if (!find_member(&a, file_name.data, &m, &names)) {
        charl_fail(at.data, "%s has no array named %s (it holds %s)", path.data, name.data,
                   names.len ? names.data : "none");
    }
    unsigned char *bytes = member_bytes(&a, &m, subject.data);
    fclose(a.file);
    CharlNpyCheck c = {subject.data, at.data, expected.data, dtype, declared, dims};
    size_t total = charl_npy_header_size(bytes, (size_t)m.size, &c);
    if (total > m.size) {
        charl_fail(at.data, "%s is truncated (in its header)", subject.data);
    }
    CharlNpyHeader h;
    charl_npy_parse(bytes, total, &h, &c);
    charl_npy_check(&h, &c);
    charl_npy_check_dest(&h, &t, &c);
    if (m.size - total < charl_npy_data_bytes(&h)) {
        charl_fail(at.data, "%s is truncated: it needs %" PRIu64 " bytes of data, it has %" PRIu64, subject.data,
                   charl_npy_data_bytes(&h), m.size - total);
    }
    charl_tensor_fill(&t, bytes + total);
    free(bytes);
    charl_buf_free(&file_name), charl_buf_free(&subject), charl_buf_free(&names);
    charl_str_free(&path), charl_str_free(&at), charl_str_free(&name), charl_str_free(&expected);
}
