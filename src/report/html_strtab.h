/*
 * html_strtab.h — the HTML page's table of distinct strings: the compact
 * data of the diagrams drawn on demand names each label, explanation and
 * certificate name by its index, so a string that thousands of connections
 * share (a CA's name, "ServerHelloDone", the explanation of mtls_ok) is in
 * the page once. Strings are kept raw (wire bytes) and escaped when written.
 */
#ifndef MTLS_HTML_STRTAB_H
#define MTLS_HTML_STRTAB_H

#include <stdint.h>

#include "compiler.h"
#include "growbuf.h"

typedef struct html_strtab html_strtab;

html_strtab *html_strtab_new(void) MTLS_WARN_UNUSED; /* NULL on OOM */
void html_strtab_free(html_strtab *t);               /* NULL is a no-op */

/* The index of s (added when new; s NULL is the empty string): 0, or -1 on OOM. */
int html_strtab_id(html_strtab *t, const char *s, uint32_t *out) MTLS_WARN_UNUSED;

/* The table as a JSON array of strings, in index order (html_json_str). */
void html_strtab_json(growbuf *b, const html_strtab *t);

#endif
