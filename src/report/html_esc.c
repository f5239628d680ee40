/* html_esc.c — wire text into HTML and embedded JSON (see html_esc.h). */
#include "html_esc.h"

#include <stdlib.h>
#include <string.h>

#include "escape.h"

/* The visible form of s (esc_text): into stack when it fits, else malloc'd
 * into *heap. NULL on OOM. */
static const char *visible(const char *s, char *stack, size_t n, char **heap)
{
    size_t len = strlen(s);
    *heap = NULL;
    if (esc_text_buf(s, len, stack, n) < n)
        return stack;
    return *heap = esc_text(s, len);
}

static const char *html_entity(unsigned char ch)
{
    return ch == '&' ? "&amp;" : ch == '<' ? "&lt;" : ch == '>' ? "&gt;" : ch == '"' ? "&quot;"
           : ch == '\'' ? "&#39;" : NULL;
}

/* esc_text leaves no control character; these would be markup or end the string */
static const char *json_in_script_escape(unsigned char ch)
{
    return ch == '"' ? "\\\"" : ch == '\\' ? "\\\\" : ch == '<' ? "\\u003c" : ch == '>' ? "\\u003e"
           : ch == '&' ? "\\u0026" : ch == '\'' ? "\\u0027" : NULL;
}

/* v with each character that map names replaced, cut with an ellipsis after
 * max_chars characters (0: never); runs of plain characters are copied whole. */
static void put_escaped(growbuf *b, const char *v, size_t max_chars, const char *(*map)(unsigned char))
{
    size_t chars = 0, run = 0, i = 0;
    for (; v[i]; i++) {
        unsigned char ch = (unsigned char)v[i];
        if ((ch & 0xC0) != 0x80 && max_chars && chars++ == max_chars) {
            growbuf_putn(b, v + i - run, run);
            run = 0;
            growbuf_puts(b, "\xe2\x80\xa6"); /* … */
            break;
        }
        const char *e = map(ch);
        if (!e) {
            run++;
            continue;
        }
        growbuf_putn(b, v + i - run, run);
        run = 0;
        growbuf_puts(b, e);
    }
    if (run)
        growbuf_putn(b, v + i - run, run);
}

/* s made visible (esc_text), escaped by map and cut after max_chars (0:
 * never), between quote and quote; if_null when s is NULL. */
static void put_visible(growbuf *b, const char *s, const char *if_null, const char *quote, size_t max_chars,
                        const char *(*map)(unsigned char))
{
    if (!s) {
        growbuf_puts(b, if_null);
        return;
    }
    char stack[512], *heap;
    const char *v = visible(s, stack, sizeof stack, &heap);
    if (!v) {
        b->failed = true;
        return;
    }
    growbuf_puts(b, quote);
    put_escaped(b, v, max_chars, map);
    growbuf_puts(b, quote);
    free(heap);
}

void html_text(growbuf *b, const char *s, size_t max_chars) { put_visible(b, s, "-", "", max_chars, html_entity); }

void html_json_str(growbuf *b, const char *s) { put_visible(b, s, "null", "\"", 0, json_in_script_escape); }
