/*
 * fastfmt.h — numbers and times as text for every layer (the JSON output's
 * numbers and timestamps, the TLS layer's step details), without printf,
 * gmtime or strftime: integers in decimal, microseconds as
 * milliseconds with three decimals, and RFC 3339 UTC times with microseconds
 * ("2024-05-01T12:34:56.123456Z") from a uint64 count of microseconds since
 * the Unix epoch. Each function writes a NUL-terminated string into out and
 * returns its length (without the NUL). Pure: no globals, no allocation.
 */
#ifndef MTLS_MODEL_FASTFMT_H
#define MTLS_MODEL_FASTFMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FASTFMT_INT_MAX 21  /* "-9223372036854775808" or "18446744073709551615", + NUL */
#define FASTFMT_MS_MAX 24   /* fastfmt_ms3(UINT64_MAX): 17 digits, '.', 3 digits, + NUL */
#define FASTFMT_TIME_MAX 32 /* the year of UINT64_MAX µs has 6 digits: 29 chars + NUL */

/* v in decimal: "0", "18446744073709551615". out >= FASTFMT_INT_MAX bytes. */
size_t fastfmt_u64(uint64_t v, char *out);

/* v in decimal with a '-' when negative, INT64_MIN included. */
size_t fastfmt_i64(int64_t v, char *out);

/* us microseconds as milliseconds with exactly three decimals ("0.000",
 * "2.400", "1234.567"): the same text as printf("%.3f", us / 1000.0) for
 * every us below 2^51 (71 years), exact beyond (where the double division
 * rounds to a neighbouring thousandth). out >= FASTFMT_MS_MAX bytes. */
size_t fastfmt_ms3(uint64_t us, char *out);

/* The date and time of the last second formatted, so that the steps of one
 * connection (mostly within the same second) copy 19 bytes instead of
 * converting days to a civil date again. Zero-initialise (= FASTFMT_CLOCK_INIT)
 * before first use; one per thread. */
typedef struct fastfmt_clock {
    bool valid;
    uint64_t sec;  /* seconds since the epoch of text */
    size_t len;    /* length of text: "YYYY-MM-DDTHH:MM:SS" (more year digits after 9999) */
    char text[28];
} fastfmt_clock;
#define FASTFMT_CLOCK_INIT {0}

/* RFC 3339 UTC with microseconds. clock may be NULL (no cache). The year is
 * written with four digits up to 9999 and with as many as it needs after
 * (as glibc's strftime %Y does). out >= FASTFMT_TIME_MAX bytes. */
size_t fastfmt_time(fastfmt_clock *clock, uint64_t ts_us, char *out);

#endif
