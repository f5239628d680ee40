#include "escape.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/*
 * Decode one UTF-8 sequence at p[0..len) following the well-formed byte
 * table of Unicode ch. 3 (no overlongs, no surrogates, nothing above
 * U+10FFFF). On success sets *ok and *cp and returns the sequence length.
 * On failure clears *ok and returns the length of the maximal invalid
 * subpart (>= 1), so callers replace or escape exactly those bytes.
 */
static size_t utf8_decode(const uint8_t *p, size_t len, uint32_t *cp, bool *ok)
{
    uint8_t b = p[0];
    if (b < 0x80) {
        *cp = b;
        *ok = true;
        return 1;
    }
    size_t need;
    uint32_t c;
    uint8_t lo = 0x80, hi = 0xBF;
    if (b >= 0xC2 && b <= 0xDF) {
        need = 1;
        c = b & 0x1Fu;
    } else if (b == 0xE0) {
        need = 2;
        c = b & 0x0Fu;
        lo = 0xA0;
    } else if ((b >= 0xE1 && b <= 0xEC) || b == 0xEE || b == 0xEF) {
        need = 2;
        c = b & 0x0Fu;
    } else if (b == 0xED) {
        need = 2;
        c = b & 0x0Fu;
        hi = 0x9F;
    } else if (b == 0xF0) {
        need = 3;
        c = b & 0x07u;
        lo = 0x90;
    } else if (b >= 0xF1 && b <= 0xF3) {
        need = 3;
        c = b & 0x07u;
    } else if (b == 0xF4) {
        need = 3;
        c = b & 0x07u;
        hi = 0x8F;
    } else {
        *ok = false;
        return 1;
    }
    for (size_t i = 1; i <= need; i++) {
        if (i >= len || p[i] < lo || p[i] > hi) {
            *ok = false;
            return i;
        }
        lo = 0x80;
        hi = 0xBF;
        c = (c << 6) | (p[i] & 0x3Fu);
    }
    *cp = c;
    *ok = true;
    return need + 1;
}

/* Code points that reorder or hide text, or break lines, on a terminal. */
static bool is_invisible_control(uint32_t cp)
{
    return cp == 0x061C || cp == 0x200E || cp == 0x200F || (cp >= 0x202A && cp <= 0x202E) ||
           (cp >= 0x2066 && cp <= 0x2069) || cp == 0x2028 || cp == 0x2029 || cp == 0xFEFF;
}

/* Append piece[0..n) to out if the whole piece fits (keeping room for NUL). */
static void put(char *out, size_t outsz, size_t *pos, bool *full, const char *piece, size_t n)
{
    if (!*full && out && *pos + n < outsz)
        memcpy(out + *pos, piece, n);
    else
        *full = true;
    *pos += n;
}

size_t esc_text_buf(const char *s, size_t len, char *out, size_t outsz)
{
    static const char hex[] = "0123456789abcdef";
    const uint8_t *p = (const uint8_t *)s;
    size_t pos = 0, written = 0;
    bool full = (outsz == 0);
    size_t i = 0;
    while (i < len) {
        uint32_t cp = 0;
        bool ok;
        size_t n = utf8_decode(p + i, len - i, &cp, &ok);
        char tmp[8];
        if (!ok) {
            for (size_t k = 0; k < n; k++) {
                tmp[0] = '\\';
                tmp[1] = 'x';
                tmp[2] = hex[p[i + k] >> 4];
                tmp[3] = hex[p[i + k] & 15];
                put(out, outsz, &pos, &full, tmp, 4);
                if (!full)
                    written = pos;
            }
        } else if (cp == '\\') {
            put(out, outsz, &pos, &full, "\\\\", 2);
        } else if (cp == '\n') {
            put(out, outsz, &pos, &full, "\\n", 2);
        } else if (cp == '\r') {
            put(out, outsz, &pos, &full, "\\r", 2);
        } else if (cp == '\t') {
            put(out, outsz, &pos, &full, "\\t", 2);
        } else if (cp < 0x20 || cp == 0x7F) {
            tmp[0] = '\\';
            tmp[1] = 'x';
            tmp[2] = hex[cp >> 4];
            tmp[3] = hex[cp & 15];
            put(out, outsz, &pos, &full, tmp, 4);
        } else if ((cp >= 0x80 && cp <= 0x9F) || is_invisible_control(cp)) {
            tmp[0] = '\\';
            tmp[1] = 'u';
            tmp[2] = hex[(cp >> 12) & 15];
            tmp[3] = hex[(cp >> 8) & 15];
            tmp[4] = hex[(cp >> 4) & 15];
            tmp[5] = hex[cp & 15];
            put(out, outsz, &pos, &full, tmp, 6);
        } else {
            put(out, outsz, &pos, &full, (const char *)p + i, n);
        }
        if (!full)
            written = pos;
        i += n;
    }
    if (outsz > 0 && out)
        out[written] = '\0';
    return pos;
}

char *esc_text(const char *s, size_t len)
{
    size_t need = esc_text_buf(s, len, NULL, 0);
    char *out = malloc(need + 1);
    if (!out)
        return NULL;
    esc_text_buf(s, len, out, need + 1);
    return out;
}

int esc_fputs(FILE *f, const char *s, size_t len)
{
    char stackbuf[512];
    size_t need = esc_text_buf(s, len, stackbuf, sizeof stackbuf);
    if (need < sizeof stackbuf)
        return fwrite(stackbuf, 1, need, f) == need ? 0 : -1;
    char *heap = esc_text(s, len);
    if (!heap)
        return -1;
    int rc = fwrite(heap, 1, need, f) == need ? 0 : -1;
    free(heap);
    return rc;
}

char *esc_utf8_sanitize(const char *s, size_t len)
{
    if (!s)
        len = 0;
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    const uint8_t *p = (const uint8_t *)s;
    size_t i = 0, o = 0;
    while (i < len) {
        uint32_t cp = 0;
        bool ok;
        size_t n = utf8_decode(p + i, len - i, &cp, &ok);
        if (!ok || cp == 0) {
            out[o++] = (char)0xEF;
            out[o++] = (char)0xBF;
            out[o++] = (char)0xBD;
        } else {
            memcpy(out + o, p + i, n);
            o += n;
        }
        i += n;
    }
    out[o] = '\0';
    return out;
}
