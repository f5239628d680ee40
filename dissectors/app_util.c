/* app_util.c — helpers the application-protocol parsers share: views,
 * words, text lines, C strings, the reply's common fields (see app_util.h). */
#include "app_util.h"

#include <string.h>

static uint8_t ascii_upper(uint8_t b) { return (b >= 'a' && b <= 'z') ? (uint8_t)(b - 32) : b; }
static bool is_alnum(uint8_t b)
{
    uint8_t u = ascii_upper(b);
    return (b >= '0' && b <= '9') || (u >= 'A' && u <= 'Z');
}

bool ap_ieq(ap_view v, const char *s)
{
    size_t k = strlen(s);
    if (v.n != k)
        return false;
    for (size_t i = 0; i < k; i++)
        if (ascii_upper(v.p[i]) != ascii_upper((uint8_t)s[i]))
            return false;
    return true;
}

bool ap_starts(ap_view v, const char *s)
{
    size_t k = strlen(s);
    return v.n >= k && memcmp(v.p, s, k) == 0;
}

static bool match_at(ap_view v, size_t at, const char *s, size_t k, bool ci)
{
    for (size_t j = 0; j < k; j++) {
        uint8_t a = v.p[at + j], b = (uint8_t)s[j];
        if (ci ? ascii_upper(a) != ascii_upper(b) : a != b)
            return false;
    }
    return true;
}

bool ap_has_word(ap_view v, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k && i + k <= v.n; i++) {
        if (!match_at(v, i, s, k, false))
            continue;
        bool before = i > 0 && is_alnum(v.p[i - 1]);
        bool after = i + k < v.n && is_alnum(v.p[i + k]);
        if (!before && !after)
            return true;
    }
    return false;
}

bool ap_has_ci(ap_view v, const char *s)
{
    size_t k = strlen(s);
    for (size_t i = 0; k && i + k <= v.n; i++)
        if (match_at(v, i, s, k, true))
            return true;
    return false;
}

void ap_set_state(ap_reply *out, ap_view v)
{
    out->state[0] = '\0';
    if (v.p && v.n < sizeof(out->state)) {
        memcpy(out->state, v.p, v.n);
        out->state[v.n] = '\0';
    }
}

bool ap_printable(ap_view v)
{
    for (size_t i = 0; i < v.n; i++)
        if (!((v.p[i] >= 0x20 && v.p[i] <= 0x7e) || v.p[i] == '\t'))
            return false;
    return true;
}

dx_result ap_line_at(const cur_t *c, size_t from, bool crlf_only, size_t *len, size_t *total)
{
    uint8_t b = 0;
    for (size_t i = from; i < AP_MAX_MESSAGE; i++) {
        if (!cur_peek_u8(c, i, &b))
            return dx_need_more(1);
        if (b == '\n') {
            if (crlf_only)
                return dx_malformed(DXE_APP, cur_abs_offset(c) + i);
            *len = i;
            *total = i + 1;
            return dx_ok();
        }
        if (b != '\r')
            continue;
        uint8_t nx = 0;
        if (!cur_peek_u8(c, i + 1, &nx))
            return dx_need_more(1);
        if (nx == '\n') {
            *len = i;
            *total = i + 2;
            return dx_ok();
        }
        if (crlf_only)
            return dx_malformed(DXE_APP, cur_abs_offset(c) + i);
    }
    return dx_unsupported(DXE_LENGTH_TOO_BIG, cur_abs_offset(c));
}

bool ap_next_word(cur_t *lc, ap_view *w)
{
    uint8_t b = 0;
    while (cur_peek_u8(lc, 0, &b) && b == ' ')
        if (!cur_skip(lc, 1))
            return false;
    size_t k = 0;
    while (cur_peek_u8(lc, k, &b) && b != ' ')
        k++;
    if (k == 0)
        return false;
    w->n = k;
    return cur_get_bytes(lc, k, &w->p);
}

ap_view ap_rest(cur_t *lc)
{
    uint8_t b = 0;
    while (cur_peek_u8(lc, 0, &b) && b == ' ')
        if (!cur_skip(lc, 1))
            break;
    ap_view v = {cur_ptr(lc), cur_remaining(lc)};
    cur_t rest;
    cur_take_rest(lc, &rest);
    return v;
}

bool ap_get_cstring(cur_t *b, ap_view *out)
{
    uint8_t ch = 1;
    size_t k = 0;
    while (cur_peek_u8(b, k, &ch) && ch != 0)
        k++;
    if (ch != 0)
        return false;
    out->n = k;
    return cur_get_bytes(b, k, &out->p) && cur_skip(b, 1);
}

void ap_reply_start(ap_reply *out, ap_proto proto, const char *kind)
{
    memset(out, 0, sizeof(*out));
    out->proto = proto;
    out->outcome = AP_INFO;
    out->kind = kind;
}

dx_result ap_reply_done(cur_t *c, ap_reply *out, size_t consumed, size_t skip)
{
    if (!cur_skip(c, consumed))
        return dx_malformed(DXE_APP, cur_abs_offset(c));
    out->consumed = consumed;
    out->skip = skip;
    return dx_ok();
}
