/*
 * html_esc.h — wire text into an HTML page (the HTML reporter's only way to
 * write a string that came off the wire or out of a certificate).
 *
 * Both functions first make the text visible and unambiguous as the terminal
 * report does (esc_text: controls, bidi overrides and invalid UTF-8 become
 * \xNN / \uNNNN), then escape what HTML or an embedded JSON block would read
 * as markup. A hostile SNI or subject such as "<script>" stays text.
 */
#ifndef MTLS_HTML_ESC_H
#define MTLS_HTML_ESC_H

#include <stddef.h>

#include "growbuf.h"

/* Append s as HTML text, also safe inside a double- or single-quoted
 * attribute value (& < > " ' become entities). NULL appends "-".
 * At most max_chars characters of the visible text (0: no limit); a longer
 * text ends with "…". Failures stick in b->failed. */
void html_text(growbuf *b, const char *s, size_t max_chars);

/* Append s as a JSON string literal (with its quotes) that is also safe
 * inside <script type="application/json">: < > & ' are \u003c-style escapes,
 * so "</script>" cannot end the block. NULL appends null. */
void html_json_str(growbuf *b, const char *s);

#endif
