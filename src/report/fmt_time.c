/* fmt_time.c — times as text for both reporters (see fmt_time.h). */
#include "fmt_time.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fastfmt.h"

char *fmt_time_rfc3339(uint64_t ts_us, char *buf, size_t bufsz)
{
    char b[FASTFMT_TIME_MAX];
    size_t n = fastfmt_time(NULL, ts_us, b);
    if (bufsz) {
        if (n >= bufsz)
            n = bufsz - 1;
        memcpy(buf, b, n);
        buf[n] = '\0';
    }
    return buf;
}

char *fmt_day(int64_t t, char *buf, size_t bufsz)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || !strftime(buf, bufsz, "%Y-%m-%d", &tm))
        snprintf(buf, bufsz, "%" PRId64, t);
    return buf;
}
