/*
 * fmt_time.h — times as text for both reporters (neither owns it): the
 * RFC 3339 UTC form with microseconds the JSON objects carry and the text
 * summary prints for first/last seen.
 */
#ifndef MTLS_REPORT_FMT_TIME_H
#define MTLS_REPORT_FMT_TIME_H

#include <stddef.h>
#include <stdint.h>

/* "2024-05-01T12:34:56.123456Z" (fastfmt_time, no clock cache). Writes into
 * buf (>= 32 bytes; truncated to bufsz - 1) and returns buf. */
char *fmt_time_rfc3339(uint64_t ts_us, char *buf, size_t bufsz);
/* "2024-05-01": the UTC day of t (seconds since the epoch; a certificate's
 * validity), or t as a number when it has none. buf >= 24 bytes. */
char *fmt_day(int64_t t, char *buf, size_t bufsz);

#endif
