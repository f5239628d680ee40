/* http_peek.c — HTTP/1.x status line and HTTP/2 frames (see http_peek.h). */
#include "http_peek.h"

#include <string.h>

static bool is_digit(uint8_t b) { return b >= '0' && b <= '9'; }

dx_result h1_parse_status_line(const cur_t *c, h1_status_line *out)
{
    cur_t k = *c;
    const uint8_t *p = cur_ptr(&k);
    size_t n = cur_remaining(&k);
    size_t line = 0;
    while (line < n && line < 200 && p[line] != '\r' && p[line] != '\n')
        line++;
    /* "HTTP/1.d ddd" */
    if (line < 12 || memcmp(p, "HTTP/1.", 7) != 0 || !is_digit(p[7]) || p[8] != ' ' || !is_digit(p[9]) ||
        !is_digit(p[10]) || !is_digit(p[11]) || (line > 12 && p[12] != ' '))
        return dx_malformed(DXE_HTTP, cur_abs_offset(c));
    out->status = (uint16_t)((p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0'));
    out->line = p;
    out->line_len = line;
    return dx_ok();
}

dx_result h2_next_frame(cur_t *c, h2_frame *out)
{
    cur_t k = *c;
    uint32_t len = 0, sid = 0;
    uint8_t type = 0, flags = 0;
    if (!cur_get_u24(&k, &len) || !cur_get_u8(&k, &type) || !cur_get_u8(&k, &flags) || !cur_get_u32(&k, &sid))
        return dx_need_more(9 - cur_remaining(c));
    const uint8_t *payload = NULL;
    if (!cur_get_bytes(&k, len, &payload))
        return dx_need_more(len - cur_remaining(&k));
    out->length = len;
    out->type = type;
    out->flags = flags;
    out->stream_id = sid & 0x7fffffffu;
    out->payload = payload;
    *c = k;
    return dx_ok();
}

dx_result h2_header_block(const h2_frame *f, const uint8_t **block, size_t *len)
{
    cur_t k;
    cur_init(&k, f->payload, f->length);
    uint8_t pad = 0;
    if ((f->flags & H2_FLAG_PADDED) && !cur_get_u8(&k, &pad))
        return dx_malformed(DXE_HTTP, 0);
    if ((f->flags & H2_FLAG_PRIORITY) && !cur_skip(&k, 5))
        return dx_malformed(DXE_HTTP, cur_abs_offset(&k));
    if (cur_remaining(&k) < pad)
        return dx_malformed(DXE_HTTP, cur_abs_offset(&k));
    *len = cur_remaining(&k) - pad;
    *block = cur_ptr(&k);
    return dx_ok();
}
