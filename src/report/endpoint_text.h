/*
 * endpoint_text.h — an endpoint as "ip:port" for the text report's header and
 * the summary's server names (neither renderer owns it).
 */
#ifndef MTLS_REPORT_ENDPOINT_TEXT_H
#define MTLS_REPORT_ENDPOINT_TEXT_H

#include <stddef.h>

#include "session.h"

/* "192.0.2.1:443" or "[2001:db8::1]:443" into buf (always NUL-terminated).
 * Returns buf. */
char *endpoint_text(const endpoint_t *e, char *buf, size_t bufsz);

#endif
