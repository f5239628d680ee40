/*
 * text.h — formatted strings on the heap, for messages, notes and step
 * details. The caller frees the result; NULL when out of memory.
 */
#ifndef MTLS_TEXT_H
#define MTLS_TEXT_H

#include <stdarg.h>

#include "compiler.h"

char *text_printf(const char *fmt, ...) MTLS_PRINTF(1, 2);
char *text_vprintf(const char *fmt, va_list ap) MTLS_PRINTF(1, 0);

#endif
