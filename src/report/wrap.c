/* wrap.c — paragraphs broken to a terminal's width (see wrap.h). */
#include "wrap.h"

#include <stdbool.h>
#include <string.h>

size_t wrap_columns(const char *text)
{
    size_t n = 0;
    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if ((*p & 0xC0) != 0x80)
            n++;
    return n;
}

static size_t columns_n(const char *p, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)p[i] & 0xC0) != 0x80)
            n++;
    return n;
}

int wrap_fputs(FILE *f, const char *text, size_t col, size_t indent, size_t width)
{
    if (width == 0 || indent + 10 > width)
        return fputs(text, f) == EOF ? -1 : 0;
    int err = 0;
    const char *p = text;
    bool line_empty = true; /* nothing of the text on this line yet */
    while (*p) {
        size_t spaces = strspn(p, " ");
        const char *w = p + spaces;
        if (!*w)
            break;
        size_t wl = strcspn(w, " ");
        size_t wc = columns_n(w, wl);
        size_t gap = line_empty ? 0 : (spaces ? spaces : 0);
        if (!line_empty && col + gap + wc > width) {
            err |= fputc('\n', f) == EOF;
            for (size_t i = 0; i < indent; i++)
                err |= fputc(' ', f) == EOF;
            col = indent;
            gap = 0;
        } else if (line_empty && spaces && p == text) {
            gap = 0; /* leading spaces of the text: dropped */
        }
        for (size_t i = 0; i < gap; i++)
            err |= fputc(' ', f) == EOF;
        err |= fwrite(w, 1, wl, f) != wl;
        col += gap + wc;
        line_empty = false;
        p = w + wl;
    }
    return err ? -1 : 0;
}
