/* step_text.c — display text of a step's payload (see step_text.h). */
#include "step_text.h"

#include "text.h"

const char *step_detail_text(const step_t *st, char **owned)
{
    *owned = NULL;
    if (st->kind != STEP_HTTP)
        return st->detail;
    if (!st->app.line)
        return NULL;
    *owned = st->app.message ? text_printf("%s (\"%s\")", st->app.line, st->app.message)
                             : text_printf("%s", st->app.line);
    return *owned;
}
