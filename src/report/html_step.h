/*
 * html_step.h — what the HTML report draws for one step: its label (the
 * words the text report prints on its timeline line) and how it is drawn.
 * Shared by the eager diagram (html_svg.c) and the compact data the page's
 * script draws on demand (report_html.c), so both show the same thing.
 */
#ifndef MTLS_HTML_STEP_H
#define MTLS_HTML_STEP_H

#include "conn_view.h"

/* How a step is drawn. */
typedef enum html_step_look {
    LOOK_MSG = 0,   /* a handshake message or TCP event: a plain arrow */
    LOOK_ENC,       /* read without keys: a dashed arrow marked "encrypted" */
    LOOK_ALERT,     /* an alert (plaintext, decrypted or encrypted) */
    LOOK_APP,       /* an application request or response (STEP_APP) */
    LOOK_NOTE,      /* not a message between the sides (a gap, the capture's end, ...): a note */
} html_step_look;

html_step_look html_step_look_of(const step_t *st);
/* The CSS class of a look ("msg", "enc", "alert", "app", "note"). */
const char *html_look_class(html_step_look l);

/* The step's label as raw text (wire bytes unescaped: html_text it), malloc'd;
 * NULL on OOM. */
char *html_step_label(const conn_view *c, const step_t *st);

#endif
