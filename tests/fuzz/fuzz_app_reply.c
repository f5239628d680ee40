/*
 * fuzz_app_reply — the application-protocol parsers of app_reply.h:
 * sniffing, then the input read as a stream of client messages and as a
 * stream of server messages of one protocol, with a context.
 *
 * Input: one selector byte, then the stream.
 *   bits 0-2  protocol: 0 PostgreSQL, 1 MySQL, 2 MQTT, 3 Redis, 4 LDAP,
 *             5 SMTP, 6 IMAP, 7 POP3
 *   bits 3-4  MQTT level in the context: 0 unknown, 3, 4, 5
 *   bit 5     POP3: the last command's answer is multi-line
 *   bit 6     POP3: the last command completes a login; IMAP: tag "a1"
 *             answers a LOGIN
 *   bit 7     client messages are noted into the context first
 * Every view a parser returns is read byte by byte (ASan checks it lies in
 * the input); consumed must be at least 1 and at most what is left.
 */
#include <string.h>

#include "app_reply.h"
#include "fuzz_common.h"

#define MAX_MESSAGES 256

static void check_reply(const ap_reply *r, size_t left, ap_proto proto)
{
    if (r->consumed == 0 || r->consumed > left || r->proto != proto || !r->kind)
        __builtin_trap();
    if ((unsigned)r->outcome > AP_ERROR || memchr(r->state, 0, sizeof(r->state)) == NULL)
        __builtin_trap();
    if (r->message)
        fuzz_touch(r->message, r->message_len);
    if (r->line)
        fuzz_touch(r->line, r->line_len);
    if (r->target)
        fuzz_touch(r->target, r->target_len);
    if (r->user)
        fuzz_touch(r->user, r->user_len);
    fuzz_sink ^= (uint8_t)r->kind[0];
    const char *name = ap_reply_code_name(r);
    if (name)
        fuzz_sink ^= (uint8_t)name[0];
    fuzz_sink ^= (uint8_t)r->outcome;
}

/* Parse the stream at p as messages of one side; client ones are noted into
 * ctx when note is set. */
static void walk(const uint8_t *p, size_t n, ap_proto proto, ap_ctx *ctx, bool client, bool note)
{
    cur_t c;
    cur_init(&c, p, n);
    for (int i = 0; i < MAX_MESSAGES && !cur_at_end(&c); i++) {
        ap_reply r;
        size_t left = cur_remaining(&c), at = c.off;
        dx_result res = client ? ap_parse_client(proto, &c, &r) : ap_parse_server_ctx(ctx, &c, &r);
        fuzz_check_result(res, n);
        if (res.status != DX_OK) {
            if (c.off != at || (res.status == DX_NEED_MORE && res.need == 0))
                __builtin_trap();
            return;
        }
        check_reply(&r, left, proto);
        if (c.off != at + r.consumed)
            __builtin_trap();
        if (client && note)
            ap_ctx_note_client(ctx, &r);
        if (r.skip > cur_remaining(&c))
            return;
        if (!cur_skip(&c, r.skip))
            __builtin_trap();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    uint8_t sel = data[0];
    const uint8_t *p = data + 1;
    size_t n = size - 1;
    static const uint8_t levels[] = {0, 3, 4, 5};
    ap_proto proto = (ap_proto)(AP_POSTGRES + (sel & 7));

    fuzz_sink ^= (uint8_t)ap_sniff_client(p, n, NULL, NULL);
    fuzz_sink ^= (uint8_t)ap_sniff_server(p, n, NULL, NULL);
    fuzz_sink ^= (uint8_t)ap_sniff_client(p, n, NULL, "x-unknown");

    ap_ctx ctx;
    ap_ctx_init(&ctx, proto);
    walk(p, n, proto, &ctx, true, (sel & 0x80) != 0);
    ctx.mqtt_level = ctx.mqtt_level ? ctx.mqtt_level : levels[(sel >> 3) & 3];
    ctx.last_multiline = ctx.last_multiline || (sel & 0x20);
    if (sel & 0x40) {
        ctx.last_auth = true;
        memcpy(ctx.auth_tag, "a1", 3);
        ctx.auth_tag_len = 2;
    }
    walk(p, n, proto, &ctx, false, false);
    return 0;
}
