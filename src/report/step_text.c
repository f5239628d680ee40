/* step_text.c — display text of a step's payload (see step_text.h). */
#include "step_text.h"

#include <string.h>

#include "dx_result.h"
#include "fastfmt.h"
#include "text.h"

/* "record sizes A+B+C", "+..." when the flight had more records than were kept. */
static char *flight_text(const step_t *st)
{
    char buf[STEP_FLIGHT_SIZES * (FASTFMT_INT_MAX + 1) + 8];
    size_t o = 0;
    for (uint32_t i = 0; i < st->flight.n && i < STEP_FLIGHT_SIZES; i++) {
        if (i)
            buf[o++] = '+';
        o += fastfmt_u64(st->flight.v[i], buf + o);
    }
    buf[o] = '\0';
    return text_printf("record sizes %s%s", buf, st->count > st->flight.n ? "+..." : "");
}

const char *step_detail_text(const session_t *s, const step_t *st, char **owned)
{
    *owned = NULL;
    if (st->kind == STEP_STARTTLS)
        return s->starttls; /* the protocol as finally named (the server's side names it best) */
    if (st->kind == STEP_ENCRYPTED_HANDSHAKE && !st->detail && st->flight.n)
        return *owned = flight_text(st);
    if (st->kind == STEP_MALFORMED && !st->detail && st->malformed.what)
        return *owned = text_printf("%s: %s (%s)", st->malformed.what, dx_strerror(st->malformed.code),
                                    dx_err_name(st->malformed.code));
    if ((st->kind == STEP_CAPTURE_END || st->kind == STEP_EVICTED) && !st->detail)
        return st->end.text;
    if (st->kind != STEP_APP)
        return st->detail;
    if (!st->app.line)
        return NULL;
    /* a text protocol's line already holds its words ("-ERR [AUTH] ...") */
    bool words = st->app.message && !strstr(st->app.line, st->app.message);
    *owned = words ? text_printf("%s (\"%s\")", st->app.line, st->app.message) : text_printf("%s", st->app.line);
    return *owned;
}
