/*
 * tls_sslv2.c — SSL 2.0 (draft-hickman-netscape-ssl-00), as far as the wire
 * shows it in the clear: the client's CLIENT-HELLO (read by the SSLv2-compatible
 * hello path), the server's SERVER-HELLO with its certificate and cipher kinds,
 * and the kind the client picks in CLIENT-MASTER-KEY. Everything after that is
 * encrypted and only counted: SSL 2.0 is never decrypted.
 */
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "tls_conn.h"
#include "tls_hello.h"
#include "tls_registry.h"

#define SSLV2_MAX_RECORD 32767u

bool tlsv2_is_server_hello(const uint8_t *p, size_t n) { return n >= 3 && (p[0] & 0x80) && p[2] == 4; }

static void server_hello(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *body, size_t len)
{
    session_t *s = c->s;
    tls_sslv2_server_hello *sh = calloc(1, sizeof(*sh));
    if (!sh)
        return;
    cur_t cu;
    cur_init(&cu, body, len);
    step_t *st = tlsb_add_step(c, ts, d, STEP_SERVER_HELLO);
    if (st)
        st->length = (uint32_t)len;
    dx_result r = tls_parse_sslv2_server_hello(&cu, sh);
    if (r.status != DX_OK) {
        tlsb_body_malformed(c, d, ts, "SSL 2.0 SERVER-HELLO", r);
        free(sh);
        return;
    }
    s->sh.present = true;
    s->sh.legacy_version = s->sh.selected_version = sh->version;
    s->version = sh->version;
    if (st)
        tlsb_set_detail(st, "SSL 2.0: %zu cipher kind%s offered%s", sh->n_specs, sh->n_specs == 1 ? "" : "s",
                        sh->session_id_hit ? ", session resumed" : "");
    if (sh->certificate.len && sh->certificate_type == 1 && !s->side[DIR_S2C].n_certs) {
        bytes_t *certs = calloc(1, sizeof(bytes_t));
        if (certs && bytes_set(&certs[0], sh->certificate.ptr, sh->certificate.len) == 0) {
            s->side[DIR_S2C].certs = certs;
            s->side[DIR_S2C].n_certs = 1;
            c->d[d].cert_msg_seen = true;
            step_t *cs = tlsb_add_step(c, ts, d, STEP_CERTIFICATE);
            if (cs) {
                cs->count = 1;
                cs->length = (uint32_t)sh->certificate.len;
            }
        } else {
            free(certs);
        }
    }
    s->resumed = sh->session_id_hit != 0;
    free(sh);
}

static void client_master_key(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *body, size_t len)
{
    cur_t cu;
    cur_init(&cu, body, len);
    uint32_t kind = 0;
    step_t *st = tlsb_add_step(c, ts, d, STEP_CLIENT_KEY_EXCHANGE);
    if (st)
        st->length = (uint32_t)len;
    c->sslv2_key_seen = true;
    if (tls_parse_sslv2_client_master_key(&cu, &kind).status != DX_OK) {
        tlsb_body_malformed(c, d, ts, "SSL 2.0 CLIENT-MASTER-KEY", dx_malformed(DXE_SSLV2, 0));
        return;
    }
    c->s->sh.sslv2_cipher = kind;
    const char *name = tls_reg_sslv2_cipher_name(kind);
    if (st)
        tlsb_set_detail(st, "CLIENT-MASTER-KEY %s", name ? name : "(unknown cipher kind)");
}

/* One encrypted record: counted into the direction's one encrypted step. */
static void encrypted(tls_conn *c, mtls_dir d, uint64_t ts, size_t len)
{
    tlsb_accumulate(c, d, ts, STEP_ENCRYPTED_HANDSHAKE, len,
                    "SSL 2.0 records (handshake and data; SSL 2.0 is not decrypted)", false);
    c->d[d].app_data_seen = true;
}

static void record(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *body, size_t len)
{
    c->d[d].records++;
    if (d == DIR_S2C && !c->s->sh.present && len && body[0] == 4)
        server_hello(c, d, ts, body, len);
    else if (d == DIR_C2S && !c->sslv2_key_seen && len && body[0] == 2)
        client_master_key(c, d, ts, body, len);
    else
        encrypted(c, d, ts, len);
}

void tlsv2_feed(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    dir_state *ds = &c->d[d];
    if (ds->dead || !c->s)
        return;
    if (ds->rec.len) {
        if (tlsbuf_append(c, &ds->rec, p, n, SSLV2_MAX_RECORD + 3) < 0) {
            ds->dead = true;
            return;
        }
        p = ds->rec.p;
        n = ds->rec.len;
    }
    size_t off = 0;
    while (n - off >= 3) {
        const uint8_t *h = p + off;
        /* 2-byte header: high bit set, 15-bit length; 3-byte: 14-bit length, then padding length */
        size_t hdr = (h[0] & 0x80) ? 2 : 3;
        size_t len = (h[0] & 0x80) ? ((size_t)(h[0] & 0x7f) << 8 | h[1]) : ((size_t)(h[0] & 0x3f) << 8 | h[1]);
        if (len == 0) {
            tlsb_mark_malformed(c, d, ts, "SSL 2.0 record", dx_malformed(DXE_SSLV2, off));
            ds->dead = true;
            break;
        }
        if (n - off < hdr + len)
            break;
        record(c, d, ts, h + hdr, len);
        off += hdr + len;
    }
    if (ds->dead) {
        tlsbuf_free(c, &ds->rec);
        return;
    }
    if (p == ds->rec.p) {
        growbuf_consume(&ds->rec, off);
    } else if (off < n && tlsbuf_append(c, &ds->rec, p + off, n - off, SSLV2_MAX_RECORD + 3) < 0) {
        ds->dead = true;
    }
}
