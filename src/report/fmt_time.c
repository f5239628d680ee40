/* fmt_time.c — times as text for both reporters (see fmt_time.h). */
#include "fmt_time.h"

#include <string.h>

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
