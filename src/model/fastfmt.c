/*
 * fastfmt.c — integers, milliseconds and RFC 3339 times as text (fastfmt.h).
 * Two digits at a time from a table; the civil date from a day number with
 * Howard Hinnant's days-to-civil algorithm (proleptic Gregorian calendar),
 * the same calendar as gmtime.
 */
#include "fastfmt.h"

#include <string.h>

static const char pairs[201] = "00010203040506070809"
                               "10111213141516171819"
                               "20212223242526272829"
                               "30313233343536373839"
                               "40414243444546474849"
                               "50515253545556575859"
                               "60616263646566676869"
                               "70717273747576777879"
                               "80818283848586878889"
                               "90919293949596979899";

/* Writes v backwards ending just before end; returns the first digit. */
static char *digits_back(uint64_t v, char *end)
{
    char *p = end;
    while (v >= 100) {
        unsigned r = (unsigned)(v % 100);
        v /= 100;
        p -= 2;
        memcpy(p, pairs + 2 * r, 2);
    }
    if (v >= 10) {
        p -= 2;
        memcpy(p, pairs + 2 * v, 2);
    } else {
        *--p = (char)('0' + v);
    }
    return p;
}

size_t fastfmt_u64(uint64_t v, char *out)
{
    char tmp[20];
    char *p = digits_back(v, tmp + sizeof tmp);
    size_t n = (size_t)(tmp + sizeof tmp - p);
    memcpy(out, p, n);
    out[n] = '\0';
    return n;
}

size_t fastfmt_i64(int64_t v, char *out)
{
    if (v >= 0)
        return fastfmt_u64((uint64_t)v, out);
    out[0] = '-';
    /* -(v + 1) + 1 never overflows, INT64_MIN included */
    return 1 + fastfmt_u64((uint64_t)(-(v + 1)) + 1u, out + 1);
}

size_t fastfmt_ms3(uint64_t us, char *out)
{
    size_t n = fastfmt_u64(us / 1000u, out);
    unsigned frac = (unsigned)(us % 1000u);
    out[n] = '.';
    out[n + 1] = (char)('0' + frac / 100);
    memcpy(out + n + 2, pairs + 2 * (frac % 100), 2);
    out[n + 4] = '\0';
    return n + 4;
}

static void two(char *p, unsigned v) { memcpy(p, pairs + 2 * v, 2); }

/* "YYYY-MM-DDTHH:MM:SS" for sec seconds since the epoch into out; its length. */
static size_t date_time(uint64_t sec, char *out)
{
    uint64_t days = sec / 86400u;
    unsigned sod = (unsigned)(sec % 86400u);
    /* days since 0000-03-01, in 400-year eras of 146097 days */
    uint64_t z = days + 719468u;
    uint64_t era = z / 146097u;
    unsigned doe = (unsigned)(z - era * 146097u);                                /* [0, 146096] */
    unsigned yoe = (doe - doe / 1460u + doe / 36524u - doe / 146096u) / 365u;  /* [0, 399] */
    unsigned doy = doe - (365u * yoe + yoe / 4u - yoe / 100u);                  /* [0, 365] */
    unsigned mp = (5u * doy + 2u) / 153u;                                       /* March = 0 */
    unsigned day = doy - (153u * mp + 2u) / 5u + 1u;
    unsigned month = mp < 10u ? mp + 3u : mp - 9u;
    uint64_t year = (uint64_t)yoe + era * 400u + (month <= 2u);

    size_t n;
    if (year < 10000u) {
        two(out, (unsigned)(year / 100u));
        two(out + 2, (unsigned)(year % 100u));
        n = 4;
    } else {
        n = fastfmt_u64(year, out);
    }
    char *p = out + n;
    p[0] = '-';
    two(p + 1, month);
    p[3] = '-';
    two(p + 4, day);
    p[6] = 'T';
    two(p + 7, sod / 3600u);
    p[9] = ':';
    two(p + 10, sod / 60u % 60u);
    p[12] = ':';
    two(p + 13, sod % 60u);
    return n + 15;
}

size_t fastfmt_time(fastfmt_clock *clock, uint64_t ts_us, char *out)
{
    uint64_t sec = ts_us / 1000000u;
    unsigned us = (unsigned)(ts_us % 1000000u);
    size_t n;
    if (clock && clock->valid && clock->sec == sec) {
        n = clock->len;
        memcpy(out, clock->text, n);
    } else {
        n = date_time(sec, out);
        if (clock && n <= sizeof clock->text) {
            memcpy(clock->text, out, n);
            clock->len = n;
            clock->sec = sec;
            clock->valid = true;
        }
    }
    char *p = out + n;
    p[0] = '.';
    two(p + 1, us / 10000u);
    two(p + 3, us / 100u % 100u);
    two(p + 5, us % 100u);
    p[7] = 'Z';
    p[8] = '\0';
    return n + 8;
}
