#include "tls_stream.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cursor.h"
#include "fingerprint.h"
#include "starttls.h"
#include "tls_alert.h"
#include "tls_cert_request.h"
#include "tls_certificate.h"
#include "tls_decrypt.h"
#include "tls_handshake.h"
#include "tls_hello.h"
#include "tls_key_exchange.h"
#include "tls_record.h"
#include "tls_registry.h"
#include "tls_session_msgs.h"
#include "transcript.h"

#define MAX_CERTS_KEPT 32           /* certificates copied per side (count is exact) */
#define MAX_PROLOGUE (16u * 1024u)  /* plaintext bytes before TLS (STARTTLS) */
#define MAX_APP_STEPS 4             /* application-data records logged per direction */
#define MAX_FLIGHT_SIZES 8

typedef struct growbuf {
    uint8_t *p;
    size_t len, cap;
} growbuf;

typedef struct dir_state {
    bool detected;         /* TLS bytes started in this direction */
    bool dead;             /* stop parsing this direction */
    growbuf pro;           /* plaintext prologue (STARTTLS) awaiting a TLS record */
    growbuf rec;           /* partial record (header + body) */
    uint64_t skip;         /* body bytes of the current record to skip unbuffered */
    growbuf hs;            /* partial handshake message(s) */
    bool encrypted;        /* records from this side are encrypted (TLS 1.2 after CCS, 1.3 after SH) */
    bool keys;             /* decryption state is ready */
    bool keys_failed;
    bool app_keys;         /* TLS 1.3: switched to application traffic secret */
    decrypt_dir dec;
    uint32_t records;
    uint32_t app_steps;
    uint64_t first_byte_off;
    step_t *flight;        /* TLS 1.3 without keys: the encrypted flight step being accumulated (index) */
    size_t flight_idx;
    bool have_flight;
    uint32_t flight_sizes[MAX_FLIGHT_SIZES];
    uint32_t n_flight_sizes;
    bool http_done;
    bool resync;           /* after a gap: skip to the next plausible record header */
    bool after_gap;        /* records may have been lost: the decryption sequence number may be behind */
    bool app_data_seen;    /* application data came from this side */
    bool cert_msg_seen;    /* a Certificate message came from this side */
    bool rst_seen;
} dir_state;

struct tls_conn {
    tlss_options opt;
    tlss_state state;
    int client_side;            /* caller side of the client, -1 unknown */
    endpoint_t ep[2];
    bool have_ep;
    session_t *s;
    dir_state d[2];             /* indexed by mtls_dir */
    transcript *tr;
    transcript *pha_tr;         /* TLS 1.3 post-handshake authentication: main transcript + CR ... */
    bool hs_done[2];            /* Finished seen from this direction */
    int tls13_phase;            /* without keys: 0 before SH, 1 server flight, 2 client flight, 3 after */
    const keylog_entry *ke;
    bool closed[2];
    size_t buffered;
    uint8_t cv_pending;
    decrypt_dir early;          /* TLS 1.3 0-RTT: client early traffic keys */
    bool early_tried, early_ready;
    uint8_t *scratch;           /* decryption output */
    size_t scratch_cap;
};

/* ------------------------------------------------------------------ buffers */

static void charge(tls_conn *c, long delta)
{
    c->buffered = (size_t)((long)c->buffered + delta);
    if (c->opt.mem_total)
        *c->opt.mem_total = (size_t)((long)*c->opt.mem_total + delta);
}

static int gb_append(tls_conn *c, growbuf *b, const uint8_t *p, size_t n, size_t cap)
{
    if (b->len + n > cap)
        return -1;
    if (b->len + n > b->cap) {
        size_t ncap = b->cap ? b->cap : 1024;
        while (ncap < b->len + n)
            ncap *= 2;
        if (ncap > cap)
            ncap = cap;
        uint8_t *q = realloc(b->p, ncap);
        if (!q)
            return -1;
        charge(c, (long)(ncap - b->cap));
        b->p = q;
        b->cap = ncap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
    return 0;
}

static void gb_consume(growbuf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
        return;
    }
    memmove(b->p, b->p + n, b->len - n);
    b->len -= n;
}

static void gb_free(tls_conn *c, growbuf *b)
{
    charge(c, -(long)b->cap);
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* ------------------------------------------------------------------ setup */

tls_conn *tlss_new(const tlss_options *opt, int client_side)
{
    tls_conn *c = calloc(1, sizeof(*c));
    if (!c)
        return NULL;
    c->opt = *opt;
    if (c->opt.max_buffer == 0)
        c->opt.max_buffer = 4u << 20;
    c->client_side = client_side;
    decrypt_dir_init(&c->d[0].dec);
    decrypt_dir_init(&c->d[1].dec);
    decrypt_dir_init(&c->early);
    return c;
}

void tlss_set_endpoints(tls_conn *c, const endpoint_t *side0, const endpoint_t *side1)
{
    c->ep[0] = *side0;
    c->ep[1] = *side1;
    c->have_ep = true;
}

void tlss_free(tls_conn *c)
{
    if (!c)
        return;
    for (int i = 0; i < 2; i++) {
        gb_free(c, &c->d[i].pro);
        gb_free(c, &c->d[i].rec);
        gb_free(c, &c->d[i].hs);
        decrypt_dir_cleanup(&c->d[i].dec);
    }
    transcript_free(c->tr);
    transcript_free(c->pha_tr);
    decrypt_dir_cleanup(&c->early);
    charge(c, -(long)c->scratch_cap);
    free(c->scratch);
    session_free(c->s);
    free(c);
}

tlss_state tlss_get_state(const tls_conn *c) { return c->state; }
int tlss_client_side(const tls_conn *c) { return c->client_side; }
const session_t *tlss_session(const tls_conn *c) { return c->s; }
size_t tlss_buffered(const tls_conn *c) { return c->buffered; }

session_t *tlss_take_session(tls_conn *c)
{
    session_t *s = c->s;
    c->s = NULL;
    return s;
}

bool tlss_closed(const tls_conn *c) { return c->closed[0] && c->closed[1]; }

bool tlss_done(const tls_conn *c)
{
    if (!c->s)
        return c->state == TLSS_NOT_TLS;
    return c->hs_done[0] && c->hs_done[1] && c->d[0].app_data_seen && c->d[1].app_data_seen;
}

uint64_t tlss_take_skip(tls_conn *c, int side)
{
    if (c->client_side < 0)
        return 0;
    mtls_dir d = side == c->client_side ? DIR_C2S : DIR_S2C;
    uint64_t v = c->d[d].skip;
    c->d[d].skip = 0;
    return v;
}

static mtls_dir dir_of(const tls_conn *c, int side)
{
    return side == c->client_side ? DIR_C2S : DIR_S2C;
}

/* ------------------------------------------------------------------ steps */

static step_t *add_step(tls_conn *c, uint64_t ts, mtls_dir d, step_kind k)
{
    if (!c->s)
        return NULL;
    return session_add_step(c->s, ts, d, k);
}

/* A step for a handshake message of `len` body bytes. */
static step_t *msg_step(tls_conn *c, uint64_t ts, mtls_dir d, step_kind k, uint32_t len, bool dec)
{
    step_t *st = add_step(c, ts, d, k);
    if (st) {
        st->length = len;
        st->decrypted = dec;
    }
    return st;
}

static void set_detail(step_t *st, const char *fmt, ...) MTLS_PRINTF(2, 3);
#include <stdarg.h>
static void set_detail(step_t *st, const char *fmt, ...)
{
    if (!st)
        return;
    va_list ap;
    va_start(ap, fmt);
    char *s = NULL;
    if (vasprintf(&s, fmt, ap) < 0)
        s = NULL;
    va_end(ap);
    free(st->detail);
    st->detail = s;
}

/* A message whose body does not parse: reported, but record and handshake
 * framing are intact, so the rest of the connection is still read (as far
 * as the protocol allows). Framing errors use mark_malformed(), which stops
 * reading this direction. */
static void record_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r, bool fatal);

static void mark_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r)
{
    record_malformed(c, d, ts, what, r, true);
}

static void body_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r)
{
    record_malformed(c, d, ts, what, r, false);
}

static void record_malformed(tls_conn *c, mtls_dir d, uint64_t ts, const char *what, dx_result r, bool fatal)
{
    dir_state *ds = &c->d[d];
    if (fatal)
        ds->dead = true;
    if (!c->s)
        return;
    step_t *st = add_step(c, ts, d, STEP_MALFORMED);
    char *reason = NULL;
    if (asprintf(&reason, "%s: %s (%s)", what, dx_strerror(r.code), dx_err_name(r.code)) < 0)
        reason = NULL;
    if (st && reason)
        st->detail = strdup(reason);
    if (!c->s->malformed) {
        c->s->malformed = true;
        c->s->malformed_reason = reason;
        c->s->malformed_offset = ds->first_byte_off + r.offset;
        c->s->malformed_dir = d;
    } else {
        free(reason);
    }
}

/* ------------------------------------------------------------------ session */

static void ensure_session(tls_conn *c)
{
    if (c->s || c->state == TLSS_NOT_TLS)
        return;
    c->s = session_new(0);
    if (!c->s)
        return;
    c->state = TLSS_TLS;
    if (c->have_ep && c->client_side >= 0) {
        c->s->client = c->ep[c->client_side];
        c->s->server = c->ep[1 - c->client_side];
    }
    c->tr = transcript_new();
}

/* ------------------------------------------------------------------ keys */

static void keys_failed(tls_conn *c, mtls_dir d, int rc)
{
    dir_state *ds = &c->d[d];
    ds->keys = false;
    ds->keys_failed = true;
    if (c->s) {
        c->s->decrypted = false;
        free(c->s->decrypt_note);
        c->s->decrypt_note = strdup(rc == DECRYPT_ERR_AUTH
                                        ? "key log secrets do not decrypt this session"
                                        : "key log secrets could not be used for this session");
    }
}

static void init13_dir(tls_conn *c, mtls_dir d, keylog_kind k)
{
    dir_state *ds = &c->d[d];
    if (!c->ke || !keylog_entry_has(c->ke, k) || ds->keys_failed)
        return;
    decrypt_dir_cleanup(&ds->dec);
    decrypt_dir_init(&ds->dec);
    int rc = decrypt13_init(&ds->dec, c->s->sh.cipher, c->ke->secret[k].bytes, c->ke->secret[k].len);
    if (rc != DECRYPT_OK) {
        keys_failed(c, d, rc);
        return;
    }
    ds->keys = true;
}

static void lookup_keys(tls_conn *c)
{
    if (!c->opt.keys || !c->s || !c->s->ch.present)
        return;
    c->ke = keylog_find(c->opt.keys, c->s->ch.random);
    if (!c->ke) {
        free(c->s->decrypt_note);
        c->s->decrypt_note = strdup("no keys for this session in the key log");
    }
}

static void init12_dir(tls_conn *c, mtls_dir d)
{
    dir_state *ds = &c->d[d];
    if (!c->ke || !keylog_entry_has(c->ke, KEYLOG_MASTER_SECRET) || ds->keys_failed)
        return;
    decrypt_dir_cleanup(&ds->dec);
    decrypt_dir_init(&ds->dec);
    int rc = decrypt12_init(&ds->dec, c->s->sh.selected_version, c->s->sh.cipher,
                            c->ke->secret[KEYLOG_MASTER_SECRET].bytes, c->s->ch.random,
                            c->s->sh.random, d == DIR_C2S, c->s->sh.encrypt_then_mac);
    if (rc != DECRYPT_OK) {
        keys_failed(c, d, rc);
        return;
    }
    ds->keys = true;
}

/* ------------------------------------------------------------------ handshake messages */

static void copy_u16(u16_list *dst, const tls_u16_list *src)
{
    if (u16_list_set(dst, src->v, src->n) < 0)
        dst->n = 0;
}

static char *dup_view(const uint8_t *p, size_t n)
{
    char *s = malloc(n + 1);
    if (!s)
        return NULL;
    if (n)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

static void on_client_hello(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, bool sslv2, uint32_t len)
{
    tls_client_hello *ch = calloc(1, sizeof(*ch));
    if (!ch)
        return;
    dx_result r = sslv2 ? tls_parse_sslv2_client_hello(body, ch) : tls_parse_client_hello(body, ch);
    (void)msg_step(c, ts, d, STEP_CLIENT_HELLO, len, false);
    if (r.status != DX_OK) {
        body_malformed(c, d, ts, "ClientHello", r);
        free(ch);
        return;
    }
    client_hello_info *ci = &c->s->ch;
    if (ci->present) {
        /* second ClientHello (after HRR): keep the first's random, update lists */
        free(ci->sni);
        ci->sni = NULL;
        for (size_t i = 0; i < ci->n_alpn; i++)
            free(ci->alpn[i]);
        free(ci->alpn);
        ci->alpn = NULL;
        ci->n_alpn = 0;
        free(ci->ja3);
        ci->ja3 = NULL;
        free(ci->ja4);
        ci->ja4 = NULL;
    } else {
        memcpy(ci->random, ch->random32, 32);
    }
    ci->present = true;
    ci->sslv2 = ch->sslv2;
    ci->legacy_version = ch->legacy_version;
    ci->session_id_len = ch->session_id.len > 32 ? 32 : ch->session_id.len;
    if (ci->session_id_len)
        memcpy(ci->session_id, ch->session_id.ptr, ci->session_id_len);
    copy_u16(&ci->ciphers, &ch->ciphers);
    copy_u16(&ci->extensions, &ch->ext.types);
    copy_u16(&ci->supported_versions, &ch->ext.versions);
    copy_u16(&ci->groups, &ch->ext.groups);
    copy_u16(&ci->key_share_groups, &ch->ext.key_share_groups);
    copy_u16(&ci->sig_algs, &ch->ext.sig_algs);
    copy_u16(&ci->ec_point_formats, &ch->ext.point_formats);
    if (ch->ext.has_sni)
        ci->sni = dup_view(ch->ext.sni.ptr, ch->ext.sni.len);
    if (ch->ext.n_alpn) {
        ci->alpn = calloc(ch->ext.n_alpn, sizeof(char *));
        if (ci->alpn) {
            for (size_t i = 0; i < ch->ext.n_alpn; i++)
                ci->alpn[i] = dup_view(ch->ext.alpn[i].ptr, ch->ext.alpn[i].len);
            ci->n_alpn = ch->ext.n_alpn;
        }
    }
    ci->has_session_ticket = ch->ext.has_session_ticket && ch->ext.session_ticket.len > 0;
    ci->has_psk = ch->ext.has_psk;
    ci->psk_identities = ch->ext.psk_identities;
    ci->has_early_data = ch->ext.has_early_data;
    ci->post_handshake_auth = ch->ext.post_handshake_auth;
    ci->has_ech = ch->ext.has_ech;
    if (ch->ciphers.truncated || ch->ext.types.truncated || ch->ext.groups.truncated || ch->ext.sig_algs.truncated ||
        ch->ext.point_formats.truncated || ch->ext.versions.truncated || ch->ext.key_share_groups.truncated) {
        if (!findings_has(&c->s->wire_findings, "hello_list_truncated"))
            findings_add(&c->s->wire_findings, SEV_WARNING, "hello_list_truncated", "ClientHello",
                         "The ClientHello carries lists longer than mtlsdump keeps (%zu cipher suites, %zu "
                         "extensions, %zu groups); the first %d of each are shown and no JA3/JA4 is computed. "
                         "Real clients send a few dozen: this is a probe or a fuzzer.",
                         ch->ciphers.total, ch->ext.types.total, ch->ext.groups.total, TLS_LIST_MAX);
    }
    if (fp_ja3(ch, &ci->ja3, ci->ja3_md5) < 0)
        ci->ja3 = NULL;
    char ja4[40];
    if (fp_ja4(ch, false, ja4) == 0)
        ci->ja4 = strdup(ja4);
    free(ch);
}

static void on_server_hello(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len)
{
    tls_server_hello *sh = calloc(1, sizeof(*sh));
    if (!sh)
        return;
    dx_result r = tls_parse_server_hello(body, sh);
    if (r.status != DX_OK) {
        step_t *st = add_step(c, ts, d, STEP_SERVER_HELLO);
        if (st)
            st->length = len;
        body_malformed(c, d, ts, "ServerHello", r);
        free(sh);
        return;
    }
    session_t *s = c->s;
    server_hello_info *si = &s->sh;
    step_t *st = msg_step(c, ts, d, sh->is_hrr ? STEP_HELLO_RETRY_REQUEST : STEP_SERVER_HELLO, len, false);
    if (sh->is_hrr) {
        si->hrr_seen = true;
        if (st && sh->ext.key_share_group) {
            char b[TLS_REG_BUF];
            set_detail(st, "selected group %s", tls_reg_group_str(sh->ext.key_share_group, b));
        }
        transcript_hash_alg alg = transcript_alg_for(0x0304, sh->cipher);
        if (c->tr && transcript_hello_retry(c->tr, alg) != TRANSCRIPT_OK) {
            /* transcript unusable: Finished checks will say so */
        }
        free(sh);
        return;
    }
    si->present = true;
    si->legacy_version = sh->legacy_version;
    si->selected_version = sh->selected_version;
    memcpy(si->random, sh->random.ptr, sh->random.len >= 32 ? 32 : sh->random.len);
    si->session_id_len = sh->session_id.len > 32 ? 32 : sh->session_id.len;
    if (si->session_id_len)
        memcpy(si->session_id, sh->session_id.ptr, si->session_id_len);
    si->cipher = sh->cipher;
    si->compression = sh->compression;
    copy_u16(&si->extensions, &sh->ext.types);
    si->key_share_group = sh->ext.key_share_group;
    si->psk_selected = sh->ext.has_psk;
    if (sh->ext.n_alpn)
        si->alpn = dup_view(sh->ext.alpn[0].ptr, sh->ext.alpn[0].len);
    si->extended_master_secret = sh->ext.extended_master_secret;
    si->encrypt_then_mac = sh->ext.encrypt_then_mac;
    if (fp_ja3s(sh, &si->ja3s, si->ja3s_md5) < 0)
        si->ja3s = NULL;
    s->version = sh->selected_version;
    s->tls13 = sh->selected_version == 0x0304;
    lookup_keys(c);
    /* The running hash is only needed to check Finished and TLS 1.3
     * CertificateVerify, i.e. with keys; TLS 1.0-1.2 CertificateVerify signs
     * the raw messages, which the transcript keeps anyway. */
    if (c->tr && c->ke) {
        transcript_hash_alg alg = transcript_alg_for(s->version, si->cipher);
        if (transcript_set_hash(c->tr, alg) != TRANSCRIPT_OK) {
            /* unknown suite: no transcript hash */
        }
    }
    if (s->tls13) {
        if (si->psk_selected)
            s->resumed = true;
        c->d[DIR_S2C].encrypted = true;
        c->d[DIR_C2S].encrypted = true;
        c->tls13_phase = 1;
        init13_dir(c, DIR_S2C, KEYLOG_SERVER_HANDSHAKE_TRAFFIC);
        init13_dir(c, DIR_C2S, KEYLOG_CLIENT_HANDSHAKE_TRAFFIC);
    }
    free(sh);
}

static void on_certificate(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len, bool dec)
{
    session_t *s = c->s;
    side_info *si = &s->side[d];
    step_t *st = msg_step(c, ts, d, STEP_CERTIFICATE, len, dec);
    tls_cert_iter it;
    tls_cert_header hdr;
    dx_result r = tls_cert_iter_init(&it, body, s->tls13, &hdr);
    if (r.status != DX_OK) {
        body_malformed(c, d, ts, "Certificate", r);
        return;
    }
    for (size_t i = 0; i < si->n_certs; i++)
        bytes_clear(&si->certs[i]);
    free(si->certs);
    si->certs = NULL;
    si->n_certs = 0;
    c->d[d].cert_msg_seen = true;
    uint32_t count = 0;
    tls_cert_entry e;
    while (tls_cert_iter_next(&it, &e)) {
        if (si->n_certs < MAX_CERTS_KEPT) {
            bytes_t *nb = realloc(si->certs, (si->n_certs + 1) * sizeof(*nb));
            if (nb) {
                si->certs = nb;
                memset(&si->certs[si->n_certs], 0, sizeof(bytes_t));
                if (bytes_set(&si->certs[si->n_certs], cur_ptr(&e.der), cur_remaining(&e.der)) == 0)
                    si->n_certs++;
            }
        }
        count++;
    }
    if (st)
        st->count = count;
    r = tls_cert_iter_status(&it);
    if (r.status != DX_OK)
        body_malformed(c, d, ts, "Certificate", r);
}

static void on_cert_request(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len, bool dec)
{
    session_t *s = c->s;
    bool post = s->tls13 && c->hs_done[DIR_S2C] && c->hs_done[DIR_C2S];
    step_t *st = msg_step(c, ts, d, post ? STEP_POST_HANDSHAKE_AUTH : STEP_CERTIFICATE_REQUEST, len, dec);
    tls_certreq req;
    dx_result r = tls_certreq_parse(body, s->tls13 ? 0x0304 : s->version, &req);
    if (r.status != DX_OK) {
        body_malformed(c, d, ts, "CertificateRequest", r);
        return;
    }
    cert_request_info *cr = &s->cr;
    for (size_t i = 0; i < cr->n_ca_names; i++)
        bytes_clear(&cr->ca_names[i]);
    free(cr->ca_names);
    cr->ca_names = NULL;
    cr->n_ca_names = 0;
    cr->present = true;
    cr->tls13 = req.tls13;
    cr->post_handshake = post;
    if (bytes_set(&cr->cert_types, cur_ptr(&req.cert_types), cur_remaining(&req.cert_types)) < 0)
        cr->cert_types.len = 0;
    uint16_t tmp[TLS_LIST_MAX];
    size_t n = 0;
    for (size_t i = 0; i < req.n_sig_algs && n < TLS_LIST_MAX; i++)
        if (tls_certreq_u16_at(&req.sig_algs, i, &tmp[n]))
            n++;
    if (u16_list_set(&cr->sig_algs, tmp, n) < 0)
        cr->sig_algs.n = 0;
    n = 0;
    for (size_t i = 0; i < req.n_sig_algs_cert && n < TLS_LIST_MAX; i++)
        if (tls_certreq_u16_at(&req.sig_algs_cert, i, &tmp[n]))
            n++;
    if (u16_list_set(&cr->sig_algs_cert, tmp, n) < 0)
        cr->sig_algs_cert.n = 0;
    if (req.n_cas) {
        size_t cap = req.n_cas > 256 ? 256 : req.n_cas;
        cr->ca_names = calloc(cap, sizeof(bytes_t));
        tls_dn_iter di;
        tls_certreq_ca_iter_init(&di, &req);
        cur_t dn;
        while (cr->ca_names && cr->n_ca_names < cap && tls_certreq_ca_next(&di, &dn)) {
            if (bytes_set(&cr->ca_names[cr->n_ca_names], cur_ptr(&dn), cur_remaining(&dn)) == 0)
                cr->n_ca_names++;
        }
    }
    if (st)
        st->count = (uint32_t)req.n_cas;
}


/* The transcript that signs/finishes the message being processed: the
 * post-handshake authentication transcript while one runs, else the main one. */
static transcript *cur_tr(tls_conn *c) { return c->pha_tr ? c->pha_tr : c->tr; }

/* RFC 8446 4.4: post-handshake authentication messages are hashed over the
 * whole handshake (through the client Finished) plus the CertificateRequest
 * and what follows it. Copy the main transcript message by message. */
static void pha_start(tls_conn *c)
{
    transcript_free(c->pha_tr);
    c->pha_tr = NULL;
    size_t tl = 0;
    bool complete = false;
    const uint8_t *raw = c->tr ? transcript_raw(c->tr, &tl, &complete) : NULL;
    if (!raw || !complete)
        return;
    transcript *t = transcript_new();
    if (!t || transcript_set_hash(t, transcript_alg_for(c->s->version, c->s->sh.cipher)) != TRANSCRIPT_OK) {
        transcript_free(t);
        return;
    }
    size_t off = 0;
    while (off + TLS_HS_HDR_LEN <= tl) {
        size_t ml = TLS_HS_HDR_LEN + (((size_t)raw[off + 1] << 16) | ((size_t)raw[off + 2] << 8) | raw[off + 3]);
        if (off + ml > tl || transcript_add(t, raw + off, ml) != TRANSCRIPT_OK) {
            transcript_free(t);
            return;
        }
        off += ml;
    }
    c->pha_tr = t;
}

/* Keep what the CertificateVerify signature covers; proof_check() verifies it
 * once the chain (and its decoded key) is known. */
static void keep_signed_data(tls_conn *c, mtls_dir d)
{
    session_t *s = c->s;
    side_info *si = &s->side[d];
    cert_verify_info *ci = &si->cv;
    free(ci->unchecked_note);
    ci->unchecked_note = NULL;
    bytes_clear(&ci->signed_data);
    if (si->n_certs == 0) {
        ci->unchecked_note = strdup("no certificate from this side to check the signature against");
        return;
    }
    if (s->tls13) {
        uint8_t h[TRANSCRIPT_MAX_HASH];
        size_t hl = sizeof(h);
        if (!cur_tr(c) || transcript_hash_now(cur_tr(c), h, &hl) != TRANSCRIPT_OK) {
            ci->unchecked_note = strdup("handshake transcript unavailable");
            return;
        }
        ci->tls13 = true;
        if (bytes_set(&ci->signed_data, h, hl) < 0)
            ci->unchecked_note = strdup("out of memory");
    } else {
        size_t tl = 0;
        bool complete = false;
        const uint8_t *t = c->tr ? transcript_raw(c->tr, &tl, &complete) : NULL;
        if (!t || !complete) {
            ci->unchecked_note = strdup("handshake transcript incomplete (capture started mid-handshake or too large)");
            return;
        }
        ci->tls13 = false;
        if (bytes_set(&ci->signed_data, t, tl) < 0)
            ci->unchecked_note = strdup("out of memory");
    }
}

static void on_cert_verify(tls_conn *c, mtls_dir d, uint64_t ts, cur_t *body, uint32_t len, bool dec)
{
    session_t *s = c->s;
    (void)msg_step(c, ts, d, STEP_CERTIFICATE_VERIFY, len, dec);
    tls_cert_verify cv;
    dx_result r = tls_kx_parse_cert_verify(body, s->tls13 ? 0x0304 : s->version, &cv);
    if (r.status != DX_OK) {
        body_malformed(c, d, ts, "CertificateVerify", r);
        return;
    }
    cert_verify_info *ci = &s->side[d].cv;
    ci->present = true;
    ci->scheme = cv.has_scheme ? cv.scheme : 0;
    if (bytes_set(&ci->signature, cur_ptr(&cv.signature), cur_remaining(&cv.signature)) < 0)
        ci->signature.len = 0;
    keep_signed_data(c, d);
}

static void check_finished(tls_conn *c, mtls_dir d, cur_t *body, step_t *st)
{
    session_t *s = c->s;
    if (!c->ke || !cur_tr(c))
        return;
    uint8_t h[TRANSCRIPT_MAX_HASH];
    size_t hl = sizeof(h);
    if (transcript_hash_now(cur_tr(c), h, &hl) != TRANSCRIPT_OK)
        return;
    uint8_t exp[64];
    size_t el = 0;
    int rc;
    if (s->tls13 && c->pha_tr) {
        /* post-handshake Finished: keyed by the current application traffic secret */
        const decrypt_dir *dd = &c->d[d].dec;
        if (!c->d[d].keys || !dd->secret_len)
            return;
        el = sizeof(exp);
        rc = tls13_finished_expected(s->sh.cipher, dd->secret, dd->secret_len, h, hl, exp, &el);
    } else if (s->tls13) {
        keylog_kind k = d == DIR_S2C ? KEYLOG_SERVER_HANDSHAKE_TRAFFIC : KEYLOG_CLIENT_HANDSHAKE_TRAFFIC;
        if (!keylog_entry_has(c->ke, k))
            return;
        el = sizeof(exp);
        rc = tls13_finished_expected(s->sh.cipher, c->ke->secret[k].bytes, c->ke->secret[k].len, h, hl,
                                     exp, &el);
    } else {
        if (!keylog_entry_has(c->ke, KEYLOG_MASTER_SECRET))
            return;
        el = 12;
        rc = tls12_finished_expected(s->sh.cipher, c->ke->secret[KEYLOG_MASTER_SECRET].bytes,
                                     d == DIR_C2S, h, hl, exp);
    }
    if (rc != 0)
        return;
    bool ok = cur_remaining(body) == el && memcmp(cur_ptr(body), exp, el) == 0;
    if (st)
        set_detail(st, "verify_data %s", ok ? "matches the key log" : "DOES NOT MATCH");
    if (!ok)
        findings_add(&s->wire_findings, SEV_ERROR, "finished_mismatch", d == DIR_C2S ? "client Finished" : "server Finished",
                     "The Finished verify_data does not match the value computed from the key log and the "
                     "handshake transcript: the keys or the captured transcript are wrong.");
}

static void on_handshake_msg(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *msg, size_t msglen, bool dec)
{
    session_t *s = c->s;
    cur_t m;
    cur_init(&m, msg, msglen);
    m.base = 0;
    uint8_t type;
    cur_t body;
    dx_result r = tls_hs_parse(&m, &type, &body);
    if (r.status != DX_OK) {
        mark_malformed(c, d, ts, "handshake message", r);
        return;
    }
    uint32_t len = (uint32_t)cur_remaining(&body);
    bool add_after = true;
    bool post = c->hs_done[0] && c->hs_done[1]; /* after the handshake */
    if (post && s->tls13 && type == TLS_HS_CERTIFICATE_REQUEST && d == DIR_S2C)
        pha_start(c);
    step_t *st = NULL;
    switch (type) {
    case TLS_HS_CLIENT_HELLO:
        if (d != DIR_C2S)
            goto other;
        on_client_hello(c, d, ts, &body, false, len);
        break;
    case TLS_HS_SERVER_HELLO:
        if (d != DIR_S2C)
            goto other;
        /* HRR: transcript_hello_retry runs inside before the HRR is added below */
        on_server_hello(c, d, ts, &body, len);
        break;
    case TLS_HS_CERTIFICATE:
        on_certificate(c, d, ts, &body, len, dec);
        break;
    case TLS_HS_COMPRESSED_CERTIFICATE: {
        st = add_step(c, ts, d, STEP_COMPRESSED_CERTIFICATE);
        tls_compressed_cert cc;
        r = tls_cert_parse_compressed(&body, &cc);
        if (r.status != DX_OK)
            body_malformed(c, d, ts, "CompressedCertificate", r);
        else if (st)
            set_detail(st, "algorithm %s (certificates not decompressed)", tls_cert_compression_name(cc.algorithm));
        c->d[d].cert_msg_seen = true;
        break;
    }
    case TLS_HS_CERTIFICATE_REQUEST:
        on_cert_request(c, d, ts, &body, len, dec);
        break;
    case TLS_HS_CERTIFICATE_VERIFY:
        on_cert_verify(c, d, ts, &body, len, dec);
        break;
    case TLS_HS_SERVER_KEY_EXCHANGE: {
        st = add_step(c, ts, d, STEP_SERVER_KEY_EXCHANGE);
        tls_ske ske;
        tls_kx_kind k = tls_kx_kind_for_cipher(s->sh.cipher);
        if (k != TLS_KX_UNKNOWN) {
            r = tls_kx_parse_server_key_exchange(&body, k, s->version, &ske);
            if (r.status != DX_OK) {
                body_malformed(c, d, ts, "ServerKeyExchange", r);
            } else if (st) {
                char b[TLS_REG_BUF], b2[TLS_REG_BUF];
                if (ske.named_group)
                    set_detail(st, "%s %s, signed with %s", tls_kx_kind_name(k), tls_reg_group_str(ske.named_group, b),
                               ske.has_scheme ? tls_reg_sigscheme_str(ske.sig_scheme, b2) : "-");
                else
                    set_detail(st, "%s", tls_kx_kind_name(k));
            }
        }
        break;
    }
    case TLS_HS_CLIENT_KEY_EXCHANGE:
        st = add_step(c, ts, d, STEP_CLIENT_KEY_EXCHANGE);
        break;
    case TLS_HS_SERVER_HELLO_DONE:
        st = add_step(c, ts, d, STEP_SERVER_HELLO_DONE);
        break;
    case TLS_HS_FINISHED:
        st = add_step(c, ts, d, STEP_FINISHED);
        if (st)
            st->decrypted = dec;
        c->hs_done[d] = true;
        check_finished(c, d, &body, st);
        break;
    case TLS_HS_NEW_SESSION_TICKET: {
        st = add_step(c, ts, d, STEP_NEW_SESSION_TICKET);
        tls_new_session_ticket nst;
        r = tls_parse_new_session_ticket(&body, s->tls13, &nst);
        if (r.status != DX_OK)
            body_malformed(c, d, ts, "NewSessionTicket", r);
        else if (st)
            set_detail(st, "lifetime %us, ticket %zu bytes", (unsigned)nst.lifetime, cur_remaining(&nst.ticket));
        add_after = !s->tls13;
        break;
    }
    case TLS_HS_ENCRYPTED_EXTENSIONS: {
        st = add_step(c, ts, d, STEP_ENCRYPTED_EXTENSIONS);
        tls_encrypted_extensions ee;
        r = tls_parse_encrypted_extensions(&body, &ee);
        if (r.status != DX_OK) {
            body_malformed(c, d, ts, "EncryptedExtensions", r);
        } else if (ee.has_alpn && !s->sh.alpn) {
            s->sh.alpn = dup_view(cur_ptr(&ee.alpn), cur_remaining(&ee.alpn));
        }
        break;
    }
    case TLS_HS_KEY_UPDATE:
        st = add_step(c, ts, d, STEP_KEY_UPDATE);
        add_after = false;
        if (c->d[d].keys && c->d[d].app_keys && decrypt13_update_key(&c->d[d].dec) != DECRYPT_OK)
            keys_failed(c, d, DECRYPT_ERR_CRYPTO);
        break;
    case TLS_HS_END_OF_EARLY_DATA:
        st = add_step(c, ts, d, STEP_END_OF_EARLY_DATA);
        break;
    case TLS_HS_HELLO_REQUEST:
        st = add_step(c, ts, d, STEP_HELLO_REQUEST);
        add_after = false;
        break;
    default:
    other:
        st = add_step(c, ts, d, STEP_OTHER_HANDSHAKE);
        if (st) {
            st->hs_type = type;
            char b[TLS_REG_BUF];
            set_detail(st, "%s", tls_reg_hs_type_str(type, b));
        }
        break;
    }
    if (st) {
        st->hs_type = type;
        if (!st->length)
            st->length = len;
        if (dec)
            st->decrypted = true;
    }
    /* Post-handshake messages are not part of the main transcript; those of a
     * post-handshake authentication go to its own. */
    if (add_after && !post && c->tr) {
        if (transcript_add(c->tr, msg, msglen) != TRANSCRIPT_OK) {
            /* overflow: CertificateVerify checks will say the transcript is incomplete */
        }
    } else if (post && c->pha_tr && (type == TLS_HS_CERTIFICATE_REQUEST || type == TLS_HS_CERTIFICATE ||
                                      type == TLS_HS_CERTIFICATE_VERIFY || type == TLS_HS_FINISHED)) {
        if (type == TLS_HS_FINISHED && d == DIR_C2S) {
            transcript_free(c->pha_tr); /* the authentication is over */
            c->pha_tr = NULL;
        } else if (transcript_add(c->pha_tr, msg, msglen) != TRANSCRIPT_OK) {
            transcript_free(c->pha_tr);
            c->pha_tr = NULL;
        }
    }
    /* TLS 1.3: switch to application secrets after each side's Finished. */
    if (type == TLS_HS_FINISHED && s->tls13 && c->ke) {
        dir_state *ds = &c->d[d];
        if (ds->keys && !ds->app_keys) {
            init13_dir(c, d, d == DIR_S2C ? KEYLOG_SERVER_TRAFFIC_0 : KEYLOG_CLIENT_TRAFFIC_0);
            ds->app_keys = true;
        }
    }
}

/* ------------------------------------------------------------------ handshake reassembly */

/* Append handshake-record bytes and process every complete message. */
static void feed_handshake(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n, bool dec)
{
    dir_state *ds = &c->d[d];
    const uint8_t *src = p;
    size_t avail = n;
    /* zero-copy when nothing is pending */
    if (ds->hs.len == 0) {
        while (avail >= TLS_HS_HDR_LEN && !ds->dead) {
            uint32_t mlen = ((uint32_t)src[1] << 16) | ((uint32_t)src[2] << 8) | src[3];
            if (mlen > TLS_HS_MAX_LEN) {
                mark_malformed(c, d, ts, "handshake message", dx_malformed(DXE_HS_TOO_LONG, 0));
                return;
            }
            if (avail < TLS_HS_HDR_LEN + (size_t)mlen)
                break;
            on_handshake_msg(c, d, ts, src, TLS_HS_HDR_LEN + mlen, dec);
            src += TLS_HS_HDR_LEN + mlen;
            avail -= TLS_HS_HDR_LEN + mlen;
        }
        if (avail == 0 || ds->dead)
            return;
    }
    if (gb_append(c, &ds->hs, src, avail, TLS_HS_MAX_LEN + TLS_HS_HDR_LEN) < 0) {
        mark_malformed(c, d, ts, "handshake message", dx_malformed(DXE_HS_TOO_LONG, 0));
        return;
    }
    while (ds->hs.len >= TLS_HS_HDR_LEN && !ds->dead) {
        uint32_t mlen = ((uint32_t)ds->hs.p[1] << 16) | ((uint32_t)ds->hs.p[2] << 8) | ds->hs.p[3];
        if (mlen > TLS_HS_MAX_LEN) {
            mark_malformed(c, d, ts, "handshake message", dx_malformed(DXE_HS_TOO_LONG, 0));
            return;
        }
        if (ds->hs.len < TLS_HS_HDR_LEN + (size_t)mlen)
            break;
        on_handshake_msg(c, d, ts, ds->hs.p, TLS_HS_HDR_LEN + mlen, dec);
        gb_consume(&ds->hs, TLS_HS_HDR_LEN + mlen);
    }
}

/* ------------------------------------------------------------------ records */

static void log_app_data(tls_conn *c, mtls_dir d, uint64_t ts, size_t len, bool dec)
{
    dir_state *ds = &c->d[d];
    ds->app_data_seen = true;
    if (ds->app_steps >= MAX_APP_STEPS)
        return;
    ds->app_steps++;
    step_t *st = add_step(c, ts, d, STEP_APPLICATION_DATA);
    if (st) {
        st->length = (uint32_t)len;
        st->decrypted = dec;
    }
}

static void show_http(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    dir_state *ds = &c->d[d];
    if (!c->opt.show_http || ds->http_done || n < 8)
        return;
    ds->http_done = true;
    size_t i = 0;
    while (i < n && i < 200 && p[i] != '\r' && p[i] != '\n')
        i++;
    bool looks = (d == DIR_S2C && n >= 5 && memcmp(p, "HTTP/", 5) == 0) ||
                 (d == DIR_C2S && memchr(p, ' ', i) && i > 10 && memcmp(p + i - 8, "HTTP/1.", 7) == 0);
    if (!looks)
        return;
    step_t *st = add_step(c, ts, d, STEP_HTTP);
    if (st)
        st->detail = dup_view(p, i);
}

static void handle_plain_content(tls_conn *c, mtls_dir d, uint64_t ts, uint8_t type, const uint8_t *p, size_t n,
                                 bool dec)
{
    switch (type) {
    case TLS_CT_HANDSHAKE:
        feed_handshake(c, d, ts, p, n, dec);
        break;
    case TLS_CT_ALERT: {
        cur_t cu;
        cur_init(&cu, p, n);
        tls_alert a;
        dx_result r = tls_alert_parse(&cu, &a);
        if (r.status != DX_OK) {
            body_malformed(c, d, ts, "alert", r);
            return;
        }
        step_t *st = add_step(c, ts, d, STEP_ALERT);
        if (st) {
            st->alert_level = a.level;
            st->alert_desc = a.desc;
            st->decrypted = dec;
        }
        break;
    }
    case TLS_CT_APPLICATION_DATA:
        log_app_data(c, d, ts, n, dec);
        if (dec)
            show_http(c, d, ts, p, n);
        break;
    case TLS_CT_CHANGE_CIPHER_SPEC:
        break;
    default:
        break;
    }
}

/* TLS 1.3 without keys: group encrypted records into flights. */
static void encrypted13_no_keys(tls_conn *c, mtls_dir d, uint64_t ts, size_t len)
{
    dir_state *ds = &c->d[d];
    bool in_flight = (c->tls13_phase == 1 && d == DIR_S2C) || (c->tls13_phase == 2 && d == DIR_C2S);
    if (!in_flight) {
        if (c->tls13_phase == 1 && d == DIR_C2S) {
            c->tls13_phase = 2;
            in_flight = true;
        } else if (c->tls13_phase == 2 && d == DIR_S2C) {
            c->tls13_phase = 3;
        }
    }
    if (in_flight) {
        if (!ds->have_flight) {
            step_t *st = add_step(c, ts, d, STEP_ENCRYPTED_HANDSHAKE);
            if (!st)
                return;
            ds->have_flight = true;
            ds->flight_idx = (size_t)(st - c->s->steps);
        }
        step_t *st = &c->s->steps[ds->flight_idx];
        st->count++;
        st->length += (uint32_t)len;
        if (ds->n_flight_sizes < MAX_FLIGHT_SIZES)
            ds->flight_sizes[ds->n_flight_sizes++] = (uint32_t)len;
        char buf[128];
        size_t o = 0;
        buf[0] = '\0';
        for (uint32_t i = 0; i < ds->n_flight_sizes && o < sizeof(buf) - 16; i++)
            o += (size_t)snprintf(buf + o, sizeof(buf) - o, "%s%u", i ? "+" : "", ds->flight_sizes[i]);
        set_detail(st, "record sizes %s%s", buf,
                   st->count > ds->n_flight_sizes ? "+..." : "");
        return;
    }
    log_app_data(c, d, ts, len, false);
}

static bool scratch_fit(tls_conn *c, size_t blen)
{
    size_t need = blen + 64;
    if (need > c->scratch_cap) {
        uint8_t *q = realloc(c->scratch, need);
        if (!q)
            return false;
        charge(c, (long)(need - c->scratch_cap));
        c->scratch = q;
        c->scratch_cap = need;
    }
    return true;
}

/*
 * TLS 1.3 0-RTT: the client's application_data records sent before its
 * handshake flight are early data, encrypted with the client early traffic
 * secret (RFC 8446 2.3); its EndOfEarlyData too. The suite is the resumed
 * session's, unknown before the ServerHello: each TLS 1.3 suite the client
 * offered is tried on the first record. Returns true when the record was
 * consumed as early data (decrypted, or logged as undecryptable early data
 * before the ServerHello).
 */
static bool early_data_record(tls_conn *c, uint64_t ts, const uint8_t *rec, size_t reclen)
{
    session_t *s = c->s;
    const uint8_t *body = rec + TLS_RECORD_HDR_LEN;
    size_t blen = reclen - TLS_RECORD_HDR_LEN;
    if (!c->early_tried) {
        c->early_tried = true;
        if (!c->ke && c->opt.keys)
            c->ke = keylog_find(c->opt.keys, s->ch.random);
        if (c->ke && keylog_entry_has(c->ke, KEYLOG_CLIENT_EARLY_TRAFFIC) && scratch_fit(c, blen)) {
            const keylog_secret *sec = &c->ke->secret[KEYLOG_CLIENT_EARLY_TRAFFIC];
            for (size_t i = 0; i < s->ch.ciphers.n && !c->early_ready; i++) {
                uint16_t cs = s->ch.ciphers.v[i];
                if ((cs >> 8) != 0x13)
                    continue;
                decrypt_dir_cleanup(&c->early);
                decrypt_dir_init(&c->early);
                if (decrypt13_init(&c->early, cs, sec->bytes, sec->len) != DECRYPT_OK)
                    continue;
                size_t outlen = c->scratch_cap;
                uint8_t inner = 0;
                if (decrypt13_record(&c->early, rec, body, blen, c->scratch, &outlen, &inner) == DECRYPT_OK) {
                    c->early.seq = 0; /* decrypt this first record again below */
                    c->early_ready = true;
                }
            }
        }
    }
    if (c->early_ready && scratch_fit(c, blen)) {
        size_t outlen = c->scratch_cap;
        uint8_t inner = 0;
        if (decrypt13_record(&c->early, rec, body, blen, c->scratch, &outlen, &inner) == DECRYPT_OK) {
            if (inner == TLS_CT_APPLICATION_DATA) {
                step_t *st = add_step(c, ts, DIR_C2S, STEP_APPLICATION_DATA);
                if (st) {
                    st->length = (uint32_t)outlen;
                    st->decrypted = true;
                    st->detail = strdup("0-RTT early data");
                }
                show_http(c, DIR_C2S, ts, c->scratch, outlen);
            } else {
                handle_plain_content(c, DIR_C2S, ts, inner, c->scratch, outlen, true);
            }
            return true;
        }
    }
    if (!s->sh.present) {
        step_t *st = add_step(c, ts, DIR_C2S, STEP_APPLICATION_DATA);
        if (st) {
            st->length = (uint32_t)blen;
            st->detail = strdup("0-RTT early data (encrypted)");
        }
        return true;
    }
    return false;
}

static void process_record(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *rec, size_t reclen)
{
    dir_state *ds = &c->d[d];
    session_t *s = c->s;
    uint8_t type = rec[0];
    const uint8_t *body = rec + TLS_RECORD_HDR_LEN;
    size_t blen = reclen - TLS_RECORD_HDR_LEN;
    ds->records++;

    bool may_be_early = d == DIR_C2S && type == TLS_CT_APPLICATION_DATA && s->ch.has_early_data &&
                        !c->hs_done[DIR_C2S] && (!s->sh.present || s->tls13);
    if (may_be_early && !s->sh.present && early_data_record(c, ts, rec, reclen))
        return;

    if (type == TLS_CT_CHANGE_CIPHER_SPEC) {
        step_t *st = add_step(c, ts, d, STEP_CHANGE_CIPHER_SPEC);
        if (st)
            st->length = (uint32_t)blen;
        if (!s->tls13 && s->sh.present) {
            ds->encrypted = true;
            init12_dir(c, d);
            if (d == DIR_S2C && !c->d[DIR_S2C].cert_msg_seen && !c->hs_done[DIR_C2S])
                s->resumed = true; /* abbreviated handshake: server CCS right after ServerHello */
        }
        return;
    }
    if (!ds->encrypted || type == TLS_CT_HEARTBEAT) {
        if (type == TLS_CT_APPLICATION_DATA && !s->tls13 && !s->sh.present) {
            /* application data before any handshake: mid-connection capture */
            log_app_data(c, d, ts, blen, false);
            return;
        }
        handle_plain_content(c, d, ts, type, body, blen, false);
        return;
    }
    /* Encrypted record. A TLS 1.3 peer may still send a plaintext alert
     * (e.g. rejecting the ServerHello) before it has keys. */
    if (type == TLS_CT_ALERT && blen == 2) {
        handle_plain_content(c, d, ts, type, body, blen, false);
        return;
    }
    if (ds->keys) {
        if (!scratch_fit(c, blen))
            return;
        size_t outlen = c->scratch_cap;
        uint8_t inner = 0;
        int rc = s->tls13 ? decrypt13_record(&ds->dec, rec, body, blen, c->scratch, &outlen, &inner)
                          : decrypt12_record(&ds->dec, rec, body, blen, c->scratch, &outlen, &inner);
        if (rc == DECRYPT_ERR_AUTH && ds->after_gap) {
            /* records were lost in a gap: find the sequence number again */
            uint64_t seq0 = ds->dec.seq;
            for (uint64_t k = 1; k <= 64 && rc == DECRYPT_ERR_AUTH; k++) {
                ds->dec.seq = seq0 + k;
                outlen = c->scratch_cap;
                rc = s->tls13 ? decrypt13_record(&ds->dec, rec, body, blen, c->scratch, &outlen, &inner)
                              : decrypt12_record(&ds->dec, rec, body, blen, c->scratch, &outlen, &inner);
            }
            if (rc != DECRYPT_OK)
                ds->dec.seq = seq0;
        }
        if (rc == DECRYPT_OK) {
            ds->after_gap = false;
            s->decrypted = true;
            free(s->decrypt_note);
            s->decrypt_note = NULL;
            handle_plain_content(c, d, ts, inner, c->scratch, outlen, true);
            return;
        }
        if (may_be_early && early_data_record(c, ts, rec, reclen))
            return; /* early data / EndOfEarlyData: the handshake keys come after it */
        keys_failed(c, d, rc);
    }
    /* No keys (or they failed): say what the wire shows. */
    if (s->tls13) {
        if (type == TLS_CT_APPLICATION_DATA) {
            encrypted13_no_keys(c, d, ts, blen);
        } else if (type == TLS_CT_ALERT) {
            step_t *st = add_step(c, ts, d, STEP_ENCRYPTED_ALERT);
            if (st)
                st->length = (uint32_t)blen;
        } else {
            handle_plain_content(c, d, ts, type, body, blen, false);
        }
        return;
    }
    switch (type) {
    case TLS_CT_HANDSHAKE: {
        /* TLS 1.0-1.2: the first encrypted handshake message is Finished */
        step_t *st = add_step(c, ts, d, c->hs_done[d] ? STEP_OTHER_HANDSHAKE : STEP_FINISHED);
        if (st) {
            st->length = (uint32_t)blen;
            st->detail = strdup("encrypted");
        }
        c->hs_done[d] = true;
        break;
    }
    case TLS_CT_ALERT: {
        step_t *st = add_step(c, ts, d, STEP_ENCRYPTED_ALERT);
        if (st)
            st->length = (uint32_t)blen;
        break;
    }
    case TLS_CT_APPLICATION_DATA:
        log_app_data(c, d, ts, blen, false);
        break;
    default:
        break;
    }
}

/* Frame records from in-order bytes of one direction. */
static void feed_records(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    dir_state *ds = &c->d[d];
    if (ds->resync && ds->rec.len == 0 && ds->skip == 0) {
        size_t i = 0;
        while (i + TLS_RECORD_HDR_LEN <= n && !tls_record_plausible(p + i, n - i))
            i++;
        if (i + TLS_RECORD_HDR_LEN > n)
            return; /* nothing plausible in these bytes: keep looking in the next ones */
        p += i;
        n -= i;
        ds->resync = false;
    }
    while (n > 0 && !ds->dead) {
        if (ds->skip) {
            size_t k = ds->skip < n ? (size_t)ds->skip : n;
            ds->skip -= k;
            p += k;
            n -= k;
            continue;
        }
        if (ds->rec.len == 0 && n >= TLS_RECORD_HDR_LEN) {
            cur_t cu;
            cur_init(&cu, p, n);
            tls_record_hdr h;
            dx_result r = tls_record_parse_header(&cu, &h);
            if (r.status != DX_OK) {
                mark_malformed(c, d, ts, "TLS record", r);
                return;
            }
            size_t total = TLS_RECORD_HDR_LEN + (size_t)h.length;
            if (n >= total) {
                process_record(c, d, ts, p, total); /* zero-copy */
                p += total;
                n -= total;
                continue;
            }
            /* Application data we cannot or need not read: skip by length. */
            bool skippable = h.type == TLS_CT_APPLICATION_DATA && !ds->keys && ds->encrypted &&
                             (!c->s->tls13 || c->tls13_phase == 3 || c->hs_done[d]);
            if (skippable) {
                uint8_t hdr[TLS_RECORD_HDR_LEN];
                memcpy(hdr, p, sizeof(hdr));
                /* process as a record of known length without its body */
                ds->records++;
                if (c->s->tls13)
                    encrypted13_no_keys(c, d, ts, h.length);
                else
                    log_app_data(c, d, ts, h.length, false);
                ds->skip = total - n;
                return;
            }
        }
        /* accumulate a partial record */
        size_t want;
        if (ds->rec.len < TLS_RECORD_HDR_LEN) {
            want = TLS_RECORD_HDR_LEN - ds->rec.len;
        } else {
            size_t rl = ((size_t)ds->rec.p[3] << 8) | ds->rec.p[4];
            want = TLS_RECORD_HDR_LEN + rl - ds->rec.len;
        }
        size_t k = want < n ? want : n;
        if (gb_append(c, &ds->rec, p, k, TLS_RECORD_HDR_LEN + TLS_RECORD_MAX) < 0) {
            mark_malformed(c, d, ts, "TLS record", dx_malformed(DXE_REC_TOO_LONG, 0));
            return;
        }
        p += k;
        n -= k;
        if (ds->rec.len == TLS_RECORD_HDR_LEN) {
            cur_t cu;
            cur_init(&cu, ds->rec.p, ds->rec.len);
            tls_record_hdr h;
            dx_result r = tls_record_parse_header(&cu, &h);
            if (r.status != DX_OK) {
                mark_malformed(c, d, ts, "TLS record", r);
                return;
            }
            if (h.length == 0) {
                process_record(c, d, ts, ds->rec.p, ds->rec.len);
                ds->rec.len = 0;
            }
            continue;
        }
        if (ds->rec.len > TLS_RECORD_HDR_LEN) {
            size_t rl = ((size_t)ds->rec.p[3] << 8) | ds->rec.p[4];
            if (ds->rec.len == TLS_RECORD_HDR_LEN + rl) {
                process_record(c, d, ts, ds->rec.p, ds->rec.len);
                ds->rec.len = 0;
            }
        }
    }
}

/* ------------------------------------------------------------------ detection */

static bool looks_like_client_hello(const uint8_t *p, size_t n)
{
    if (n >= 6 && p[0] == TLS_CT_HANDSHAKE && tls_record_plausible(p, n) && p[5] == TLS_HS_CLIENT_HELLO)
        return true;
    return n >= 3 && tls_record_is_sslv2_hello(p, n);
}

/* Any TLS record header (content type 20-24, version 3.x): bytes that claim
 * to be TLS even if what follows is broken (then reported as malformed). */
static bool looks_like_record_start(const uint8_t *p, size_t n)
{
    return n >= TLS_RECORD_HDR_LEN && p[0] >= TLS_CT_CHANGE_CIPHER_SPEC && p[0] <= TLS_CT_HEARTBEAT && p[1] == 3 &&
           p[2] <= 4;
}

static bool looks_like_server_hello(const uint8_t *p, size_t n)
{
    return n >= 6 && p[0] == TLS_CT_HANDSHAKE && tls_record_plausible(p, n) && p[5] == TLS_HS_SERVER_HELLO;
}

/* SSLv2-compatible ClientHello: one 2-byte-header record. */
static size_t sslv2_hello(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    cur_t cu;
    cur_init(&cu, p, n);
    tls_sslv2_hdr h;
    dx_result r = tls_record_parse_sslv2_header(&cu, &h);
    if (r.status != DX_OK)
        return 0;
    if (cur_remaining(&cu) < h.length)
        return 0; /* need more: caller buffers */
    cur_t body;
    if (!cur_get_sub(&cu, h.length, &body))
        return 0;
    uint8_t mt;
    if (!cur_get_u8(&body, &mt))
        return 0;
    on_client_hello(c, d, ts, &body, true, h.length);
    c->d[d].records++;
    return 2 + (size_t)h.length;
}

static void start_tls(tls_conn *c, mtls_dir d, uint64_t ts, const uint8_t *p, size_t n)
{
    dir_state *ds = &c->d[d];
    ds->detected = true;
    if (d == DIR_C2S && n >= 3 && tls_record_is_sslv2_hello(p, n)) {
        size_t used = sslv2_hello(c, d, ts, p, n);
        if (used == 0) {
            mark_malformed(c, d, ts, "SSLv2-compatible ClientHello", dx_malformed(DXE_SSLV2, 0));
            return;
        }
        p += used;
        n -= used;
    }
    feed_records(c, d, ts, p, n);
}

/* Decide the client side from the first bytes when no SYN told us. */
static void orient(tls_conn *c, int side, const uint8_t *p, size_t n)
{
    if (c->client_side >= 0)
        return;
    if (looks_like_client_hello(p, n))
        c->client_side = side;
    else if (looks_like_server_hello(p, n))
        c->client_side = 1 - side;
    else if (c->have_ep) {
        /* plaintext first (STARTTLS): the lower, well-known port is the server */
        uint16_t mine = c->ep[side].port, other = c->ep[1 - side].port;
        c->client_side = mine > other ? side : 1 - side;
    } else {
        c->client_side = side;
    }
    if (c->s && c->have_ep) {
        c->s->client = c->ep[c->client_side];
        c->s->server = c->ep[1 - c->client_side];
    }
}

void tlss_data(tls_conn *c, int side, uint64_t ts, const uint8_t *bytes, size_t n)
{
    if (c->state == TLSS_NOT_TLS || n == 0)
        return;
    orient(c, side, bytes, n);
    mtls_dir d = dir_of(c, side);
    dir_state *ds = &c->d[d];
    if (ds->dead)
        return;
    if (ds->detected) {
        feed_records(c, d, ts, bytes, n);
        return;
    }
    /* Not yet TLS in this direction. */
    const uint8_t *p = bytes;
    size_t len = n;
    if (ds->pro.len) {
        if (gb_append(c, &ds->pro, bytes, n, MAX_PROLOGUE + 4096) < 0)
            goto not_tls;
        p = ds->pro.p;
        len = ds->pro.len;
    }
    bool client = d == DIR_C2S;
    size_t off = 0;
    bool found = false;
    if (client ? looks_like_client_hello(p, len) : (c->s && looks_like_server_hello(p, len))) {
        found = true;
    } else if (client && c->client_side >= 0 && looks_like_record_start(p, len)) {
        found = true; /* claims TLS without a ClientHello: analysed, reported as malformed if it is */
    } else if (!client && c->s && len >= 5 && tls_record_plausible(p, len)) {
        found = true; /* e.g. an alert answering the ClientHello */
    } else {
        starttls_result sr = starttls_scan(p, len, client);
        if (sr.found) {
            off = sr.offset;
            found = true;
            if (c->s && !c->s->starttls && sr.protocol)
                c->s->starttls = strdup(sr.protocol);
            else if (!c->s && sr.protocol) {
                ensure_session(c);
                if (c->s)
                    c->s->starttls = strdup(sr.protocol);
            }
        } else if (len > MAX_PROLOGUE || (len >= 16 && !sr.maybe)) {
            goto not_tls;
        }
    }
    if (!found) {
        if (!ds->pro.len && gb_append(c, &ds->pro, bytes, n, MAX_PROLOGUE + 4096) < 0)
            goto not_tls;
        return;
    }
    if (client)
        ensure_session(c);
    if (!c->s)
        goto not_tls;
    if (off > 0) {
        step_t *st = add_step(c, ts, d, STEP_STARTTLS);
        if (st) {
            st->length = (uint32_t)off;
            st->detail = c->s->starttls ? strdup(c->s->starttls) : NULL;
        }
    }
    ds->first_byte_off = off;
    /* copy out of the prologue buffer before freeing it */
    if (ds->pro.len) {
        growbuf tmp = ds->pro;
        memset(&ds->pro, 0, sizeof(ds->pro));
        start_tls(c, d, ts, tmp.p + off, tmp.len - off);
        charge(c, -(long)tmp.cap);
        free(tmp.p);
    } else {
        start_tls(c, d, ts, p + off, len - off);
    }
    return;
not_tls:
    if (!c->s) {
        c->state = TLSS_NOT_TLS;
        gb_free(c, &ds->pro);
    } else {
        gb_free(c, &ds->pro);
        ds->dead = true;
    }
}

/* ------------------------------------------------------------------ TCP events */

void tlss_gap(tls_conn *c, int side, uint64_t ts, uint64_t len)
{
    if (!c->s || c->client_side < 0)
        return;
    mtls_dir d = dir_of(c, side);
    dir_state *ds = &c->d[d];
    step_t *st = add_step(c, ts, d, STEP_TCP_GAP);
    if (st)
        st->length = (uint32_t)(len > UINT32_MAX ? UINT32_MAX : len);
    /* Resynchronise: if the gap ends inside the record being skipped, keep skipping. */
    if (ds->skip) {
        if (ds->skip >= len) {
            ds->skip -= len;
            return;
        }
        len -= ds->skip;
        ds->skip = 0;
    }
    /* Partial record/message state is lost; resync on the next plausible header. */
    ds->rec.len = 0;
    ds->hs.len = 0;
    ds->resync = true;
    ds->after_gap = true;
}

void tlss_fin(tls_conn *c, int side, uint64_t ts)
{
    if (c->client_side < 0)
        c->client_side = 1 - side; /* unknown: guess, nothing else to go on */
    mtls_dir d = dir_of(c, side);
    if (c->closed[d])
        return;
    c->closed[d] = true;
    if (!c->s)
        return;
    add_step(c, ts, d, STEP_FIN);
}

void tlss_rst(tls_conn *c, int side, uint64_t ts)
{
    if (c->client_side < 0)
        c->client_side = 1 - side;
    mtls_dir d = dir_of(c, side);
    c->closed[0] = c->closed[1] = true;
    if (!c->s || c->d[d].rst_seen)
        return;
    c->d[d].rst_seen = true;
    add_step(c, ts, d, STEP_RST);
}

void tlss_syn(tls_conn *c, int side, uint64_t ts, bool ack)
{
    if (c->client_side < 0) {
        c->client_side = ack ? 1 - side : side;
    }
}

void tlss_end(tls_conn *c, uint64_t ts, step_kind why)
{
    if (!c->s)
        return;
    add_step(c, ts, DIR_C2S, why);
    if (why == STEP_EVICTED && !findings_has(&c->s->wire_findings, "evicted"))
        findings_add(&c->s->wire_findings, SEV_WARNING, "evicted", NULL,
                     "mtlsdump stopped tracking this connection before it ended because a resource limit "
                     "(--max-flows, --max-memory or --idle-timeout) was reached; raise the limit to see the rest.");
}

void tlss_overlap_conflict(tls_conn *c, uint64_t len)
{
    if (c->s && !findings_has(&c->s->wire_findings, "tcp_overlap_conflict"))
        findings_add(&c->s->wire_findings, SEV_WARNING, "tcp_overlap_conflict", NULL,
                     "A retransmitted TCP segment carried different bytes for data already seen (%llu bytes); "
                     "the first copy was kept. This points at a broken middlebox or an evasion attempt.",
                     (unsigned long long)len);
}

bool tlss_assign_id(tls_conn *c, uint64_t id)
{
    if (!c->s || c->s->id != 0)
        return false;
    c->s->id = id;
    return true;
}
