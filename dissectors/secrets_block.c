#include "secrets_block.h"

static bool get_u32e(cur_t *c, bool be, uint32_t *v)
{
    return be ? cur_get_u32(c, v) : cur_get_u32le(c, v);
}

dx_result pcapng_parse_shb_start(cur_t *c, bool *big_endian, uint32_t *total_len)
{
    cur_t save = *c;
    uint32_t type, magic_be;
    if (!cur_get_u32(c, &type) || type != PCAPNG_BT_SHB) {
        *c = save;
        return dx_malformed(DXE_BAD_VALUE, cur_abs_offset(&save));
    }
    cur_t at_len = *c;
    if (!cur_skip(c, 4) || !cur_get_u32(c, &magic_be)) {
        *c = save;
        return dx_truncated(DXE_SHORT, cur_abs_offset(c));
    }
    if (magic_be == 0x1A2B3C4Du)
        *big_endian = true;
    else if (magic_be == 0x4D3C2B1Au)
        *big_endian = false;
    else {
        *c = save;
        return dx_malformed(DXE_BAD_VALUE, cur_abs_offset(&at_len) + 4);
    }
    if (!get_u32e(&at_len, *big_endian, total_len) || *total_len < 28 || (*total_len & 3) ||
        *total_len > PCAPNG_MAX_BLOCK) {
        *c = save;
        return dx_malformed(DXE_LENGTH_TOO_BIG, cur_abs_offset(&save) + 4);
    }
    return dx_ok();
}

dx_result pcapng_parse_block_header(cur_t *c, bool big_endian, uint32_t *type, uint32_t *total_len)
{
    cur_t save = *c;
    if (!get_u32e(c, big_endian, type) || !get_u32e(c, big_endian, total_len)) {
        *c = save;
        return dx_truncated(DXE_SHORT, cur_abs_offset(&save));
    }
    if (*type == PCAPNG_BT_SHB)
        return dx_ok(); /* byte order may change: caller re-reads with pcapng_parse_shb_start */
    if (*total_len < 12 || (*total_len & 3) || *total_len > PCAPNG_MAX_BLOCK) {
        *c = save;
        return dx_malformed(DXE_LENGTH_TOO_BIG, cur_abs_offset(&save) + 4);
    }
    return dx_ok();
}

dx_result pcapng_parse_dsb(cur_t *body, bool big_endian, uint32_t *secrets_type, cur_t *secrets)
{
    uint32_t len;
    if (!get_u32e(body, big_endian, secrets_type) || !get_u32e(body, big_endian, &len))
        return dx_malformed(DXE_SHORT, cur_abs_offset(body));
    if (!cur_get_sub(body, len, secrets))
        return dx_malformed(DXE_LENGTH_PAST_END, cur_abs_offset(body));
    return dx_ok(); /* padding and options may follow */
}
