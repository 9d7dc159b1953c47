/*
 * Printing: scalars as NumPy's `str()` of its scalars, tensors as NumPy's `str()` of an array with the
 * default print options (precision 8, floatmode 'maxprec', linewidth 75, threshold 1000, edgeitems 3).
 * The layout follows numpy/_core/arrayprint.py (`_formatArray`, `FloatingFormat`, `IntegerFormat`);
 * booleans are spelled `true`/`false` (NumPy's ` True`, `False`), lines breaking where NumPy's do.
 */
#include "charl_rt.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { LINE_WIDTH = CHARL_LINE_WIDTH, THRESHOLD = CHARL_THRESHOLD, EDGE = CHARL_EDGE_ITEMS };

static const char *element_ptr(const CharlTensor *t, const int64_t *index) {
    int64_t offset = 0;
    for (int a = 0; a < t->rank; a++) {
        offset += index[a] * t->strides[a];
    }
    return t->base + offset * (int64_t)t->itemsize;
}

typedef struct {
    const CharlTensor *t;
    const CharlLayout *layout;
    bool summarize;
    int64_t index[CHARL_MAX_RANK];
} Printer;

/* One line of a row being filled; `vlen` is its length as NumPy counts it. */
typedef struct {
    CharlBuf text;
    int vlen;
} Line;

static void line_reset(Line *line, int indent) {
    line->text.len = 0;
    charl_buf_spaces(&line->text, (size_t)indent);
    line->vlen = indent;
}

/* NumPy's `_extendLine`: wraps before `word` when the line would get longer than `width`. */
static void extend_line(CharlBuf *s, Line *line, const char *word, int n, int vlen, int width, int indent) {
    if (line->vlen + vlen > width && line->vlen > indent) {
        size_t end = line->text.len;
        while (end > 0 && line->text.data[end - 1] == ' ') {
            end--;
        }
        charl_buf_put(s, line->text.data, end);
        charl_buf_putc(s, '\n');
        line_reset(line, indent);
    }
    charl_buf_put(&line->text, word, (size_t)n);
    line->vlen += vlen;
}

static void add_element(Printer *p, CharlBuf *s, Line *line, int axis, int64_t i, int width, int indent) {
    char word[CHARL_FLOAT_TEXT];
    int vlen;
    p->index[axis] = i;
    int n = charl_element_text(p->t, p->layout, element_ptr(p->t, p->index), word, &vlen);
    extend_line(s, line, word, n, vlen, width, indent);
}

static void format_row(Printer *p, CharlBuf *s, int axis, int indent, int width) {
    int64_t n = p->t->sizes[axis];
    bool summary = p->summarize && 2 * EDGE < n;
    int64_t lead = summary ? EDGE : 0, trail = summary ? EDGE : n;
    int elem_width = width - 1;
    Line line = {{0}, 0};
    line_reset(&line, indent);
    for (int64_t i = 0; i < lead; i++) {
        add_element(p, s, &line, axis, i, elem_width, indent);
        charl_buf_putc(&line.text, ' ');
        line.vlen++;
    }
    if (summary) {
        extend_line(s, &line, "...", 3, 3, elem_width, indent);
        charl_buf_putc(&line.text, ' ');
        line.vlen++;
    }
    for (int64_t i = trail; i > 1; i--) {
        add_element(p, s, &line, axis, n - i, elem_width, indent);
        charl_buf_putc(&line.text, ' ');
        line.vlen++;
    }
    add_element(p, s, &line, axis, n - 1, elem_width, indent);
    charl_buf_put(s, line.text.data, line.text.len);
    charl_buf_free(&line.text);
}

/* NumPy's `_formatArray` recursion; appends `[...]` for the sub-array at p->index[:axis] to `out`. */
static void format_axis(Printer *p, CharlBuf *out, int axis, int indent, int width) {
    CharlBuf s = {0};
    if (axis == p->t->rank - 1) {
        format_row(p, &s, axis, indent, width);
    } else {
        int64_t n = p->t->sizes[axis];
        bool summary = p->summarize && 2 * EDGE < n;
        int64_t lead = summary ? EDGE : 0, trail = summary ? EDGE : n;
        int newlines = p->t->rank - axis - 1;
        for (int64_t i = 0; i < n; i++) {
            if (summary && i == lead) {
                charl_buf_spaces(&s, (size_t)indent);
                charl_buf_puts(&s, "...");
                for (int j = 0; j < newlines; j++) {
                    charl_buf_putc(&s, '\n');
                }
                i = n - trail;
            }
            charl_buf_spaces(&s, (size_t)indent);
            p->index[axis] = i;
            format_axis(p, &s, axis + 1, indent + 1, width - 1);
            for (int j = 0; j < newlines && i < n - 1; j++) {
                charl_buf_putc(&s, '\n');
            }
        }
    }
    charl_buf_putc(out, '[');
    if (s.len > (size_t)indent) {
        charl_buf_put(out, s.data + indent, s.len - (size_t)indent);
    }
    charl_buf_putc(out, ']');
    charl_buf_free(&s);
}

static void scalar_text(CharlBuf *out, const CharlTensor *t) {
    char text[CHARL_FLOAT_TEXT];
    if (t->dtype == CHARL_F32 || t->dtype == CHARL_F64) {
        charl_scalar_text(text, charl_float_at(t, t->base), t->dtype == CHARL_F32);
        charl_buf_puts(out, text);
    } else if (t->dtype == CHARL_I1) {
        charl_buf_puts(out, *t->base ? "true" : "false");
    } else {
        charl_buf_printf(out, "%" PRId64, charl_int_at(t, t->base));
    }
}

static void tensor_text(CharlBuf *out, const CharlTensor *t) {
    if (t->rank == 0) {
        scalar_text(out, t);
        return;
    }
    if (charl_tensor_count(t) == 0) {
        charl_buf_puts(out, "[]");
        return;
    }
    bool summarize = charl_tensor_count(t) > THRESHOLD;
    CharlLayout layout;
    charl_layout(&layout, t, summarize);
    Printer p = {t, &layout, summarize, {0}};
    format_axis(&p, out, 0, 1, LINE_WIDTH);
}

int64_t charl_rt_format_tensor(int64_t rank, const CharlDescriptor *desc, int32_t dtype, char *out, int64_t capacity) {
    CharlTensor t = charl_tensor(rank, desc, dtype, NULL);
    CharlBuf text = {0};
    tensor_text(&text, &t);
    int64_t n = (int64_t)text.len;
    if (capacity > 0 && text.len > 0) {
        memcpy(out, text.data, (size_t)(n < capacity ? n : capacity));
    }
    charl_buf_free(&text);
    return n;
}

static int64_t copy_out(const char *text, int n, char *out, int64_t capacity) {
    if (capacity > 0) {
        memcpy(out, text, (size_t)(n < capacity ? n : capacity));
    }
    return n;
}

int64_t charl_rt_format_f32(float x, char *out, int64_t capacity) {
    char text[CHARL_FLOAT_TEXT];
    return copy_out(text, charl_scalar_text(text, x, true), out, capacity);
}

int64_t charl_rt_format_f64(double x, char *out, int64_t capacity) {
    char text[CHARL_FLOAT_TEXT];
    return copy_out(text, charl_scalar_text(text, x, false), out, capacity);
}

void charl_rt_print_tensor(int64_t rank, const CharlDescriptor *desc, int32_t dtype) {
    CharlTensor t = charl_tensor(rank, desc, dtype, NULL);
    CharlBuf text = {0};
    tensor_text(&text, &t);
    fwrite(text.data, 1, text.len, stdout);
    charl_buf_free(&text);
}

void charl_rt_print_str(CHARL_STR_PARAMS(s)) {
    (void)s_allocated;
    if (s_stride == 1) {
        fwrite(s_aligned + s_offset, 1, (size_t)(s_size > 0 ? s_size : 0), stdout);
        return;
    }
    for (int64_t i = 0; i < s_size; i++) {
        putchar(s_aligned[s_offset + i * s_stride]);
    }
}

void charl_rt_print_f32(float x) {
    char text[CHARL_FLOAT_TEXT];
    charl_scalar_text(text, x, true);
    fputs(text, stdout);
}

void charl_rt_print_f64(double x) {
    char text[CHARL_FLOAT_TEXT];
    charl_scalar_text(text, x, false);
    fputs(text, stdout);
}

void charl_rt_print_i32(int32_t x) { printf("%" PRId32, x); }

void charl_rt_print_i64(int64_t x) { printf("%" PRId64, x); }

void charl_rt_print_i8(int32_t x) { printf("%d", (int)(int8_t)x); }

void charl_rt_print_i1(uint32_t x) { fputs((x & 1) ? "true" : "false", stdout); }

void charl_rt_print_newline(void) {
    putchar('\n');
    if (isatty(fileno(stdout))) {
        fflush(stdout);
    }
}

void charl_rt_flush(void) { fflush(stdout); }
