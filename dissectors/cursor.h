/*
 * cursor.h — the one bounds-checked reader every dissector uses.
 *
 * A cursor is a view {data, len, off} over bytes the caller owns; it never
 * allocates or copies. Every reader returns true on success and false when
 * fewer bytes remain than it needs; a failed read leaves the cursor unchanged.
 * Views handed out (cur_get_bytes, child cursors) live as long as the bytes
 * the cursor was made over.
 *
 * `base` is the absolute offset of data[0] inside the outermost buffer, so a
 * child cursor reports error offsets relative to the whole message/record.
 */
#ifndef MTLS_CURSOR_H
#define MTLS_CURSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "compiler.h"
#include "dx_result.h"

typedef struct cur {
    const uint8_t *data;
    size_t len;
    size_t off;
    size_t base;
} cur_t;

static inline void cur_init(cur_t *c, const uint8_t *data, size_t len)
{
    c->data = data;
    c->len = data ? len : 0;
    c->off = 0;
    c->base = 0;
}

static inline size_t cur_remaining(const cur_t *c) { return c->len - c->off; }
static inline bool cur_at_end(const cur_t *c) { return c->off == c->len; }
/* Absolute offset of the next unread byte (for error reports). */
static inline size_t cur_abs_offset(const cur_t *c) { return c->base + c->off; }
/* Pointer to the next unread byte (valid while the underlying bytes live). */
static inline const uint8_t *cur_ptr(const cur_t *c) { return c->data ? c->data + c->off : NULL; }

MTLS_WARN_UNUSED static inline bool cur_get_u8(cur_t *c, uint8_t *out)
{
    if (cur_remaining(c) < 1)
        return false;
    *out = c->data[c->off];
    c->off += 1;
    return true;
}

MTLS_WARN_UNUSED static inline bool cur_get_u16(cur_t *c, uint16_t *out)
{
    if (cur_remaining(c) < 2)
        return false;
    const uint8_t *p = c->data + c->off;
    *out = (uint16_t)((p[0] << 8) | p[1]);
    c->off += 2;
    return true;
}

MTLS_WARN_UNUSED static inline bool cur_get_u24(cur_t *c, uint32_t *out)
{
    if (cur_remaining(c) < 3)
        return false;
    const uint8_t *p = c->data + c->off;
    *out = ((uint32_t)p[0] << 16) | ((uint32_t)p[1] << 8) | p[2];
    c->off += 3;
    return true;
}

MTLS_WARN_UNUSED static inline bool cur_get_u32(cur_t *c, uint32_t *out)
{
    if (cur_remaining(c) < 4)
        return false;
    const uint8_t *p = c->data + c->off;
    *out = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
    c->off += 4;
    return true;
}

/* Little-endian readers (pcap/BSD-loopback headers). */
MTLS_WARN_UNUSED static inline bool cur_get_u16le(cur_t *c, uint16_t *out)
{
    if (cur_remaining(c) < 2)
        return false;
    const uint8_t *p = c->data + c->off;
    *out = (uint16_t)(p[0] | (p[1] << 8));
    c->off += 2;
    return true;
}

MTLS_WARN_UNUSED static inline bool cur_get_u32le(cur_t *c, uint32_t *out)
{
    if (cur_remaining(c) < 4)
        return false;
    const uint8_t *p = c->data + c->off;
    *out = (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
    c->off += 4;
    return true;
}

/* Peek without consuming. */
MTLS_WARN_UNUSED static inline bool cur_peek_u8(const cur_t *c, size_t at, uint8_t *out)
{
    if (cur_remaining(c) <= at)
        return false;
    *out = c->data[c->off + at];
    return true;
}

MTLS_WARN_UNUSED static inline bool cur_peek_u16(const cur_t *c, size_t at, uint16_t *out)
{
    if (cur_remaining(c) < 2 || cur_remaining(c) - 2 < at)
        return false;
    const uint8_t *p = c->data + c->off + at;
    *out = (uint16_t)((p[0] << 8) | p[1]);
    return true;
}

/* A view of the next n bytes; *out points into the cursor's data. */
MTLS_WARN_UNUSED static inline bool cur_get_bytes(cur_t *c, size_t n, const uint8_t **out)
{
    if (cur_remaining(c) < n)
        return false;
    *out = c->data + c->off;
    c->off += n;
    return true;
}

MTLS_WARN_UNUSED static inline bool cur_skip(cur_t *c, size_t n)
{
    if (cur_remaining(c) < n)
        return false;
    c->off += n;
    return true;
}

/* Copy the next n bytes into out[]. */
MTLS_WARN_UNUSED static inline bool cur_copy_bytes(cur_t *c, void *out, size_t n)
{
    if (cur_remaining(c) < n)
        return false;
    if (n)
        memcpy(out, c->data + c->off, n);
    c->off += n;
    return true;
}

/* Child cursor over the next n bytes (consumed from the parent). */
MTLS_WARN_UNUSED static inline bool cur_get_sub(cur_t *c, size_t n, cur_t *child)
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

/* The n-byte vector after a width-byte length prefix (at least width bytes
 * remain): the parent moves past both, or stays where it was. */
MTLS_WARN_UNUSED static inline bool cur_take_vector(cur_t *c, size_t width, size_t n, cur_t *child)
{
    if (cur_remaining(c) - width < n)
        return false;
    c->off += width;
    return cur_get_sub(c, n, child);
}

/*
 * Length-prefixed vectors (u8/u16/u24 length, then that many bytes) as a child
 * cursor. Transactional: on failure (prefix missing or length past the end)
 * the parent is unchanged. The caller must consume the child exactly; leftover
 * bytes are an error of their own (DXE_TRAILING).
 */
MTLS_WARN_UNUSED static inline bool cur_get_prefixed_u8(cur_t *c, cur_t *child)
{
    return cur_remaining(c) >= 1 && cur_take_vector(c, 1, c->data[c->off], child);
}

MTLS_WARN_UNUSED static inline bool cur_get_prefixed_u16(cur_t *c, cur_t *child)
{
    uint16_t n;
    return cur_peek_u16(c, 0, &n) && cur_take_vector(c, 2, n, child);
}

MTLS_WARN_UNUSED static inline bool cur_get_prefixed_u24(cur_t *c, cur_t *child)
{
    if (cur_remaining(c) < 3)
        return false;
    const uint8_t *p = c->data + c->off;
    return cur_take_vector(c, 3, (size_t)p[0] << 16 | (size_t)p[1] << 8 | p[2], child);
}

/*
 * Fewer than `need` bytes remain in c. If the wire carried them (the packet
 * ends at absolute cursor offset wire_end, beyond what was captured) the
 * capture cut them: DX_TRUNCATED; otherwise the packet itself is short:
 * DX_MALFORMED. Both with `code` and the cursor's offset.
 */
static inline dx_result cur_missing(const cur_t *c, size_t wire_end, size_t need, dx_err code)
{
    if (wire_end - c->off >= need)
        return dx_truncated(code, cur_abs_offset(c));
    return dx_malformed(code, cur_abs_offset(c));
}

/* The unread remainder as a cursor (parent is left at its end). */
static inline void cur_take_rest(cur_t *c, cur_t *child)
{
    child->data = c->data + c->off;
    child->len = c->len - c->off;
    child->off = 0;
    child->base = c->base + c->off;
    c->off = c->len;
}

#endif
