/*
 * text.c — formatted strings on the heap (text.h).
 */
#include "text.h"

#include <stdio.h>

char *text_vprintf(const char *fmt, va_list ap)
{
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        return NULL;
    return s;
}

char *text_printf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *s = text_vprintf(fmt, ap);
    va_end(ap);
    return s;
}
