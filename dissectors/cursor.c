#include "cursor.h"

#include <string.h>

bool cur_copy_bytes(cur_t *c, void *out, size_t n)
{
    if (cur_remaining(c) < n)
        return false;
    if (n)
        memcpy(out, c->data + c->off, n);
    c->off += n;
    return true;
}

bool cur_get_sub(cur_t *c, size_t n, cur_t *child)
{
    if (cur_remaining(c) < n)
        return false;
    child->data = c->data + c->off;
    child->len = n;
    child->off = 0;
    child->base = c->base + c->off;
    c->off += n;
    return true;
}

static bool get_prefixed(cur_t *c, size_t width, cur_t *child)
{
    cur_t save = *c;
    uint32_t n = 0;
    bool ok;
    switch (width) {
    case 1: {
        uint8_t v;
        ok = cur_get_u8(c, &v);
        n = v;
        break;
    }
    case 2: {
        uint16_t v;
        ok = cur_get_u16(c, &v);
        n = v;
        break;
    }
    default:
        ok = cur_get_u24(c, &n);
        break;
    }
    if (!ok || !cur_get_sub(c, n, child)) {
        *c = save;
        return false;
    }
    return true;
}

bool cur_get_prefixed_u8(cur_t *c, cur_t *child) { return get_prefixed(c, 1, child); }
bool cur_get_prefixed_u16(cur_t *c, cur_t *child) { return get_prefixed(c, 2, child); }
bool cur_get_prefixed_u24(cur_t *c, cur_t *child) { return get_prefixed(c, 3, child); }

void cur_take_rest(cur_t *c, cur_t *child)
{
    child->data = c->data + c->off;
    child->len = c->len - c->off;
    child->off = 0;
    child->base = c->base + c->off;
    c->off = c->len;
}
