/* json_build.c — cJSON trees in a scratch arena, one way in for strings (see json_build.h). */
#include "json_build.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

cJSON *jb_node(jb *b, cJSON *parent, const char *key, int type, const char *text)
{
    cJSON *it = parent ? scratch_zalloc(b->sc, sizeof(*it)) : NULL;
    if (!it) {
        b->oom = true;
        return NULL;
    }
    it->type = type;
    it->valuestring = (char *)text;
    if (!(key ? cJSON_AddItemToObjectCS(parent, key, it) : cJSON_AddItemToArray(parent, it))) {
        b->oom = true;
        return NULL;
    }
    return it;
}

/* Most strings are plain ASCII: those need no sanitising copy. Eight bytes
 * at a time (the prose of explanations is long). */
static bool plain_ascii(const char *s, size_t *out_len)
{
    size_t n = strlen(s), i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ull)
            return false;
    }
    for (; i < n; i++)
        if ((unsigned char)s[i] >= 0x80)
            return false;
    *out_len = n;
    return true;
}

/* True when every byte of s is printable ASCII other than '"' and '\\', so
 * that cJSON would print it unchanged between quotes; *out_len = strlen(s).
 * Eight bytes at a time: a byte below 0x20, at or above 0x80, or equal to
 * '"' or '\\' in the word fails it. */
static bool json_verbatim(const char *s, size_t *out_len)
{
    const uint64_t ones = 0x0101010101010101ull, highs = 0x8080808080808080ull;
    size_t n = strlen(s), i = 0;
    for (; i + 8 <= n; i += 8) {
        uint64_t w, q, bs;
        memcpy(&w, s + i, 8);
        q = w ^ (ones * '"');
        bs = w ^ (ones * '\\');
        uint64_t bad = (w - ones * 0x20) | w | ((q - ones) & ~q) | ((bs - ones) & ~bs);
        if (bad & highs)
            return false;
    }
    for (; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\')
            return false;
    }
    *out_len = n;
    return true;
}

/* s as valid UTF-8: s itself when plain ASCII and borrowed, else an arena copy. */
static const char *clean_str(jb *b, const char *s, jb_own own)
{
    size_t n;
    if (plain_ascii(s, &n))
        return own == JB_COPY ? scratch_strndup(b->sc, s, n) : s;
    char *c = esc_utf8_sanitize(s, strlen(s));
    char *r = c ? scratch_strndup(b->sc, c, strlen(c)) : NULL;
    free(c);
    return r;
}

/* s[0..n), which cJSON would print unchanged, as a raw item between quotes
 * in the arena: printed by one copy instead of cJSON's byte-by-byte escaping
 * loop. */
static inline void quoted(jb *b, cJSON *o, const char *key, const char *s, size_t n)
{
    char *q = scratch_alloc(b->sc, n + 3);
    if (!q) {
        b->oom = true;
        return;
    }
    q[0] = '"';
    memcpy(q + 1, s, n);
    q[n + 1] = '"';
    q[n + 2] = '\0';
    (void)jb_node(b, o, key, cJSON_Raw, q);
}

void jb_observer(jb *b, cJSON *root, const char *hostname, const char *iface)
{
    cJSON *obs = jb_obj(b, root, "observer");
    jb_str(b, obs, "hostname", hostname, JB_COPY);
    jb_str(b, obs, "type", "sensor", JB_BORROW);
    jb_str(b, jb_obj(b, jb_obj(b, obs, "ingress"), "interface"), "name", iface, JB_COPY);
}

void jb_hex(jb *b, cJSON *o, const char *key, const char *hex)
{
    char up[130];
    size_t i = 0;
    if (!hex || !*hex)
        return;
    for (; hex[i] && i < sizeof up - 1; i++)
        up[i] = (hex[i] >= 'a' && hex[i] <= 'f') ? (char)(hex[i] - 'a' + 'A') : hex[i];
    up[i] = '\0';
    jb_str(b, o, key, up, JB_COPY);
}

void jb_str(jb *b, cJSON *o, const char *key, const char *s, jb_own own)
{
    if (!o || !s)
        return;
    size_t n;
    if (json_verbatim(s, &n)) {
        quoted(b, o, key, s, n);
        return;
    }
    const char *t = clean_str(b, s, own);
    if (!t)
        b->oom = true;
    else
        (void)jb_node(b, o, key, cJSON_String, t);
}

void jb_raw(jb *b, cJSON *o, const char *key, const char *txt, size_t n)
{
    char *c = o ? scratch_strndup(b->sc, txt, n) : NULL;
    if (!c)
        b->oom = true;
    else
        (void)jb_node(b, o, key, cJSON_Raw, c);
}

void jb_u64(jb *b, cJSON *o, const char *key, uint64_t v)
{
    char t[FASTFMT_INT_MAX];
    jb_raw(b, o, key, t, fastfmt_u64(v, t));
}

void jb_i64(jb *b, cJSON *o, const char *key, int64_t v)
{
    char t[FASTFMT_INT_MAX];
    jb_raw(b, o, key, t, fastfmt_i64(v, t));
}

void jb_number(jb *b, cJSON *o, const char *key, double v)
{
    cJSON *it = jb_node(b, o, key, cJSON_Number, NULL);
    if (!it)
        return;
    /* the fields cJSON_CreateNumber sets, which its printer reads */
    it->valuedouble = v;
    it->valueint = v >= INT_MAX ? INT_MAX : v <= (double)INT_MIN ? INT_MIN : (int)v;
}

void jb_time(jb *b, cJSON *o, const char *key, uint64_t ts_us)
{
    if (!o)
        return;
    char t[FASTFMT_TIME_MAX];
    size_t n = fastfmt_time(b->clock, ts_us, t);
    quoted(b, o, key, t, n); /* digits, '-', ':', 'T', '.', 'Z': jb_str's verbatim case, without the scan */
}
