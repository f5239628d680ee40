/*
 * report_json.c — one NDJSON object per connection (ECS names + "mtls").
 *
 * The object is a cJSON tree built with json_build.h (nodes and short-lived
 * strings in the writer's scratch arena, reset per connection; strings that
 * outlive the printing referenced, the others copied, all through jb_str;
 * numbers and times formatted once by fastfmt) and printed into a buffer the
 * writer keeps (cJSON_PrintPreallocated, grown when too small). What a chain
 * alone decides is printed once per distinct chain and reused (the memo).
 */
#include "report_json.h"

#include "community_id.h"
#include "conn_facts.h"

#include <arpa/inet.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dn_memo.h"
#include "fastfmt.h"
#include "growbuf.h"
#include "json_build.h"
#include "names.h"
#include "reporter.h"
#include "scratch.h"
#include "step_text.h"
#include "summary_json.h"

static void ip_str(const endpoint_t *e, char *buf, size_t n)
{
    if (!inet_ntop(e->family == 6 ? AF_INET6 : AF_INET, e->addr, buf, (socklen_t)n))
        snprintf(buf, n, "0.0.0.0");
}

static void iso(jb *b, cJSON *o, const char *name, int64_t t)
{
    if (t < 0)
        t = 0;
    if ((uint64_t)t > UINT64_MAX / 1000000u) /* past year 586,000: not an X.509 time */
        t = (int64_t)(UINT64_MAX / 1000000u);
    /* ECS x509 dates: second precision is what the certificate has. */
    jb_time(b, o, name, (uint64_t)t * 1000000u);
}

/* OpenSSL's signature algorithm names as ECS writes them (Go's x509 names). */
static const char *ecs_sig_alg(const char *openssl_name)
{
    static const struct {
        const char *openssl, *ecs;
    } rows[] = {
        {"sha256WithRSAEncryption", "SHA256-RSA"}, {"sha384WithRSAEncryption", "SHA384-RSA"},
        {"sha512WithRSAEncryption", "SHA512-RSA"}, {"sha1WithRSAEncryption", "SHA1-RSA"},
        {"md5WithRSAEncryption", "MD5-RSA"},       {"ecdsa-with-SHA256", "ECDSA-SHA256"},
        {"ecdsa-with-SHA384", "ECDSA-SHA384"},     {"ecdsa-with-SHA512", "ECDSA-SHA512"},
        {"ecdsa-with-SHA1", "ECDSA-SHA1"},         {"ED25519", "Ed25519"},
        {"dsa_with_SHA256", "DSA-SHA256"},         {"dsaWithSHA1", "DSA-SHA1"},
    };
    for (size_t i = 0; openssl_name && i < MTLS_ARRAY_LEN(rows); i++)
        if (strcmp(rows[i].openssl, openssl_name) == 0)
            return rows[i].ecs;
    return openssl_name; /* RSASSA-PSS and others: OpenSSL's name, as it names no hash */
}

static void x509_ecs(jb *b, cJSON *x, const cert_info *ci)
{
    if (ci->decode_error)
        return;
    cJSON *subj = jb_obj(b, x, "subject");
    if (ci->subject_cn) {
        cJSON *cn = jb_arr(b, subj, "common_name");
        jb_str(b, cn, NULL, ci->subject_cn, JB_BORROW);
    }
    if (ci->subject_o)
        jb_str(b, jb_arr(b, subj, "organization"), NULL, ci->subject_o, JB_BORROW);
    jb_str(b, subj, "distinguished_name", ci->subject, JB_BORROW);
    cJSON *iss = jb_obj(b, x, "issuer");
    if (ci->issuer_cn) {
        cJSON *cn = jb_arr(b, iss, "common_name");
        jb_str(b, cn, NULL, ci->issuer_cn, JB_BORROW);
    }
    if (ci->issuer_o)
        jb_str(b, jb_arr(b, iss, "organization"), NULL, ci->issuer_o, JB_BORROW);
    jb_str(b, iss, "distinguished_name", ci->issuer, JB_BORROW);
    if (ci->version > 0) {
        char v[FASTFMT_INT_MAX];
        fastfmt_i64(ci->version, v);
        jb_str(b, x, "version_number", v, JB_COPY); /* ECS: a keyword */
    }
    jb_hex(b, x, "serial_number", ci->serial_hex);
    iso(b, x, "not_before", ci->not_before);
    iso(b, x, "not_after", ci->not_after);
    jb_str(b, x, "public_key_algorithm", ci->key_alg, JB_BORROW);
    if (ci->key_bits > 0)
        jb_i64(b, x, "public_key_size", ci->key_bits);
    jb_str(b, x, "public_key_curve", ci->key_curve, JB_BORROW);
    jb_str(b, x, "signature_algorithm", ecs_sig_alg(ci->sig_alg), JB_BORROW);
    if (ci->n_san) {
        /* ECS: plain names; the typed list ("DNS:...", "IP:...") is in mtls.chains */
        cJSON *a = jb_arr(b, x, "alternative_names");
        for (size_t i = 0; i < ci->n_san; i++) {
            const char *colon = strchr(ci->san[i], ':');
            jb_str(b, a, NULL, colon ? colon + 1 : ci->san[i], JB_BORROW);
        }
    }
}

static void cert_obj(jb *b, cJSON *certs, const cert_info *ci)
{
    cJSON *c = jb_obj(b, certs, NULL);
    jb_bool(b, c, "decode_error", ci->decode_error);
    jb_u64(b, c, "der_len", ci->der_len);
    jb_hex(b, c, "sha256", ci->sha256);
    jb_hex(b, c, "sha1", ci->sha1);
    if (!ci->decode_error) {
        jb_str(b, c, "subject", ci->subject, JB_BORROW);
        jb_str(b, c, "issuer", ci->issuer, JB_BORROW);
        jb_str(b, c, "subject_cn", ci->subject_cn, JB_BORROW);
        jb_str(b, c, "issuer_cn", ci->issuer_cn, JB_BORROW);
        jb_hex(b, c, "serial", ci->serial_hex);
        iso(b, c, "not_before", ci->not_before);
        iso(b, c, "not_after", ci->not_after);
        if (ci->n_san) {
            cJSON *a = jb_arr(b, c, "san");
            for (size_t i = 0; i < ci->n_san; i++)
                jb_str(b, a, NULL, ci->san[i], JB_BORROW);
        }
        jb_str(b, c, "key_alg", ci->key_alg, JB_BORROW);
        jb_i64(b, c, "key_bits", ci->key_bits);
        jb_str(b, c, "key_curve", ci->key_curve, JB_BORROW);
        jb_str(b, c, "sig_alg", ci->sig_alg, JB_BORROW);
        jb_str(b, c, "key_usage", ci->key_usage, JB_BORROW);
        jb_str(b, c, "ext_key_usage", ci->ext_key_usage, JB_BORROW);
        if (ci->is_ca >= 0) /* absent when the certificate has no basicConstraints */
            jb_bool(b, c, "is_ca", ci->is_ca == 1);
        if (ci->path_len >= 0)
            jb_i64(b, c, "path_len", ci->path_len);
        jb_str(b, c, "ski", ci->ski, JB_BORROW);
        jb_str(b, c, "aki", ci->aki, JB_BORROW);
        jb_bool(b, c, "self_signed", ci->self_signed);
    }
}

static void findings_arr(jb *b, cJSON *parent, const char *name, const finding_list *l)
{
    cJSON *a = jb_arr(b, parent, name);
    for (size_t i = 0; a && i < l->n; i++) {
        const finding_t *f = &l->items[i];
        cJSON *o = jb_obj(b, a, NULL);
        jb_str(b, o, "severity", finding_sev_name(f->severity), JB_BORROW);
        jb_str(b, o, "code", f->code, JB_BORROW);
        jb_str(b, o, "message", f->message, JB_BORROW);
        jb_str(b, o, "where", f->where, JB_BORROW);
    }
}

/* ---- the writer: memo of printed certificate arrays, arena, buffer ------ */

/* A chain is shared by every handshake that sent it: the JSON made from it
 * alone (its certificate details; its leaf's ECS x509 and hash objects) is
 * printed once (by cJSON) and reused as raw JSON items. The memo is the
 * writer's own, keyed by the chain report's identity (a reference is held,
 * so the address cannot be reused while remembered); the report itself is
 * never written. Direct-mapped: a collision just prints again. */
#define RJSON_MEMO_SLOTS 512
#define RJSON_BUF_INITIAL (16u * 1024u)

enum { MEMO_CERTS, MEMO_X509, MEMO_HASH, MEMO_N }; /* the texts of one chain */

typedef struct memo_slot {
    const chain_report *chain;
    char *text[MEMO_N];
} memo_slot;

struct rjson_writer {
    memo_slot slot[RJSON_MEMO_SLOTS];
    scratch *sc;         /* the nodes and short strings of the object being built */
    dn_memo *dns;        /* CertificateRequest CA names as strings */
    fastfmt_clock clock; /* the last second formatted */
    growbuf out;         /* the printed object, kept and grown */
    /* texts evicted from the memo while the object that references them is
     * being built (both chains of one connection in one slot; at most four
     * look-ups per object): freed after it is printed */
    char *evicted[4 * MEMO_N];
    size_t n_evicted;
};

rjson_writer *rjson_writer_new(void)
{
    rjson_writer *w = calloc(1, sizeof(*w));
    if (!w)
        return NULL;
    w->sc = scratch_new();
    w->dns = dn_memo_new();
    if (!w->sc || !w->dns) {
        rjson_writer_free(w);
        return NULL;
    }
    return w;
}

void rjson_writer_free(rjson_writer *w)
{
    if (!w)
        return;
    for (size_t i = 0; i < RJSON_MEMO_SLOTS; i++) {
        chain_report_unref(w->slot[i].chain);
        for (size_t k = 0; k < MEMO_N; k++)
            cJSON_free(w->slot[i].text[k]);
    }
    for (size_t i = 0; i < w->n_evicted; i++)
        cJSON_free(w->evicted[i]);
    scratch_free(w->sc);
    dn_memo_free(w->dns);
    growbuf_free(&w->out);
    free(w);
}

/* The texts of r (certificate array; leaf x509 and hash objects, "{}" without
 * a leaf). false on OOM (out then holds nothing). */
static bool print_chain(jb *b, const chain_report *r, char *out[MEMO_N])
{
    cJSON tree[MEMO_N] = {{.type = cJSON_Array}, {.type = cJSON_Object}, {.type = cJSON_Object}};
    for (size_t i = 0; i < r->n_certs; i++)
        cert_obj(b, &tree[MEMO_CERTS], &r->certs[i]);
    if (r->n_certs) {
        x509_ecs(b, &tree[MEMO_X509], &r->certs[0]);
        jb_hex(b, &tree[MEMO_HASH], "sha256", r->certs[0].sha256);
        jb_hex(b, &tree[MEMO_HASH], "sha1", r->certs[0].sha1);
    }
    bool ok = !b->oom;
    for (size_t k = 0; k < MEMO_N; k++) {
        out[k] = ok ? cJSON_PrintUnformatted(&tree[k]) : NULL;
        ok = ok && out[k];
    }
    if (!ok)
        for (size_t k = 0; k < MEMO_N; k++)
            cJSON_free(out[k]), out[k] = NULL;
    return ok;
}

/* One printed text of r, from the memo (all of r's printed now when not there). */
static const char *chain_text(jb *b, rjson_writer *w, const chain_report *r, int which)
{
    uintptr_t h = (uintptr_t)r;
    h ^= h >> 17;
    h *= (uintptr_t)0x9E3779B97F4A7C15ull;
    memo_slot *e = &w->slot[(h >> 7) % RJSON_MEMO_SLOTS];
    if (e->chain != r) {
        char *txt[MEMO_N];
        if (w->n_evicted + MEMO_N > MTLS_ARRAY_LEN(w->evicted) || !print_chain(b, r, txt))
            return NULL; /* the first cannot happen: four look-ups per object */
        chain_report_unref(e->chain);
        for (size_t k = 0; k < MEMO_N; k++) {
            if (e->text[k])
                w->evicted[w->n_evicted++] = e->text[k];
            e->text[k] = txt[k];
        }
        e->chain = chain_report_ref(r);
    }
    return e->text[which];
}

/* A raw member from the chain memo (the memo outlives the printing). */
static void chain_raw(jb *b, cJSON *o, const char *name, rjson_writer *w, const chain_report *r, int which)
{
    const char *txt = o ? chain_text(b, w, r, which) : NULL;
    if (!txt)
        b->oom = true;
    else
        (void)jb_node(b, o, name, cJSON_Raw, txt);
}

static void chain_obj(jb *b, cJSON *chains, const char *name, const conn_view *cv, mtls_dir d,
                      rjson_writer *w)
{
    const side_info *si = &cv->s->side[d];
    const chain_report *r = cv->a->chain[d];
    if (!r && si->n_certs == 0 && !session_cert_msg_seen(cv->s, d))
        return;
    cJSON *c = jb_obj(b, chains, name);
    if (r) {
        chain_raw(b, c, "certs", w, r, MEMO_CERTS);
        jb_bool(b, c, "analysed", true);
        jb_bool(b, c, "valid", r->valid);
        jb_bool(b, c, "trust_checked", r->trust_checked);
        jb_i64(b, c, "verify_error", r->verify_error);
        jb_str(b, c, "verify_error_string", r->verify_error_str, JB_BORROW);
        if (r->verify_depth >= 0) /* absent when the chain verified */
            jb_i64(b, c, "verify_depth", r->verify_depth);
        jb_str(b, c, "sentence", r->verify_sentence, JB_BORROW);
        jb_str(b, c, "trust_note", r->trust_note, JB_BORROW);
    } else {
        (void)jb_arr(b, c, "certs");
        jb_bool(b, c, "analysed", false);
    }
    jb_u64(b, c, "count", r ? r->n_certs : si->n_certs);
}

static void u16_names(jb *b, cJSON *o, const char *name, const u16_list *l,
                      const char *(*fn)(uint16_t, name_buf *))
{
    if (!l->n)
        return;
    cJSON *a = jb_arr(b, o, name);
    for (size_t i = 0; i < l->n; i++) {
        name_buf nb;
        jb_str(b, a, NULL, fn(l->v[i], &nb), JB_COPY);
    }
}

/* ECS: @timestamp, event, source, destination, network, observer. */
static void ecs_connection(jb *b, cJSON *root, const conn_view *cv, const rjson_options *opt)
{
    const session_t *s = cv->s;
    char ip[INET6_ADDRSTRLEN];
    jb_time(b, root, "@timestamp", s->first_ts_us);
    jb_str(b, root, "schema_version", JSON_SCHEMA_VERSION, JB_BORROW);
    jb_str(b, root, "type", "connection", JB_BORROW);

    jb_str(b, jb_obj(b, root, "ecs"), "version", JSON_ECS_VERSION, JB_BORROW);
    cJSON *ev = jb_obj(b, root, "event");
    jb_str(b, ev, "kind", "event", JB_BORROW);
    jb_str(b, jb_arr(b, ev, "category"), NULL, "network", JB_BORROW);
    cJSON *et = jb_arr(b, ev, "type");
    jb_str(b, et, NULL, "connection", JB_BORROW);
    jb_str(b, et, NULL, "protocol", JB_BORROW);
    jb_time(b, ev, "start", s->first_ts_us);
    jb_time(b, ev, "end", s->last_ts_us);
    /* nanoseconds: the microseconds followed by "000" (exact, and never overflows) */
    uint64_t dur = s->last_ts_us >= s->first_ts_us ? s->last_ts_us - s->first_ts_us : 0;
    char dt[FASTFMT_INT_MAX + 3];
    size_t dn = fastfmt_u64(dur, dt);
    if (dur)
        memcpy(dt + dn, "000", 3), dn += 3;
    jb_raw(b, ev, "duration", dt, dn);
    jb_str(b, ev, "outcome", cv->d->failed ? "failure" : "success", JB_BORROW);
    jb_str(b, ev, "module", "mtlsdump", JB_BORROW);
    jb_str(b, ev, "dataset", "mtlsdump.connection", JB_BORROW);
    jb_str(b, ev, "action", verdict_name(cv->d->verdict), JB_BORROW);
    if (cv->d->failed) {
        char reason[512];
        jb_str(b, ev, "reason", conn_reason(cv, reason, sizeof reason), JB_COPY);
    }
    if (opt->live_iface)
        jb_observer(b, root, opt->hostname, opt->live_iface);

    /* source/destination as the packets say, client/server as the roles say (the same here) */
    char sip[INET6_ADDRSTRLEN];
    ip_str(&s->client, sip, sizeof sip);
    ip_str(&s->server, ip, sizeof ip);
    const char *roles[][2] = {{"source", "destination"}, {"client", "server"}};
    for (size_t r = 0; r < 2; r++) {
        cJSON *src = jb_obj(b, root, roles[r][0]);
        jb_str(b, src, "ip", sip, JB_COPY);
        jb_u64(b, src, "port", s->client.port);
        cJSON *dst = jb_obj(b, root, roles[r][1]);
        jb_str(b, dst, "ip", ip, JB_COPY);
        jb_u64(b, dst, "port", s->server.port);
    }
    cJSON *net = jb_obj(b, root, "network");
    jb_str(b, net, "transport", "tcp", JB_BORROW);
    jb_str(b, net, "type", s->client.family == 6 ? "ipv6" : "ipv4", JB_BORROW);
    jb_str(b, net, "protocol", "tls", JB_BORROW);
    char cid[COMMUNITY_ID_MAX];
    jb_str(b, net, "community_id", community_id_tcp(&s->client, &s->server, 0, cid), JB_COPY);

    cJSON *rel = jb_obj(b, root, "related");
    cJSON *rip = jb_arr(b, rel, "ip");
    jb_str(b, rip, NULL, sip, JB_COPY);
    if (strcmp(sip, ip) != 0)
        jb_str(b, rip, NULL, ip, JB_COPY);
    if (s->ch.sni)
        jb_str(b, jb_arr(b, rel, "hosts"), NULL, s->ch.sni, JB_BORROW);
    cJSON *rh = NULL;
    for (int d = 0; d < 2; d++) {
        const chain_report *cr = cv->a->chain[d];
        if (!cr || !cr->n_certs || cr->certs[0].decode_error)
            continue;
        if (!rh)
            rh = jb_arr(b, rel, "hash");
        jb_hex(b, rh, NULL, cr->certs[0].sha256);
    }

}

/* ECS tls.*.certificate_chain: the DER certificates as sent, base64, leaf first. */
static void certificate_chain(jb *b, cJSON *side, const side_info *si)
{
    if (!si->n_certs)
        return;
    cJSON *a = jb_arr(b, side, "certificate_chain");
    for (size_t i = 0; a && i < si->n_certs; i++) {
        const bytes_t *der = &si->certs[i];
        if (der->len > (size_t)INT_MAX / 2)
            continue;
        unsigned char *txt = malloc(4 * ((der->len + 2) / 3) + 1);
        if (!txt) {
            b->oom = true;
            return;
        }
        EVP_EncodeBlock(txt, der->data, (int)der->len);
        jb_str(b, a, NULL, (const char *)txt, JB_COPY);
        free(txt);
    }
}

/* ECS tls.client.* / tls.server.* from a side's leaf certificate. */
static void tls_side_leaf(jb *b, cJSON *side, rjson_writer *w, const chain_report *r)
{
    const cert_info *leaf = &r->certs[0];
    chain_raw(b, side, "x509", w, r, MEMO_X509);
    chain_raw(b, side, "hash", w, r, MEMO_HASH);
    if (leaf->decode_error)
        return;
    iso(b, side, "not_before", leaf->not_before);
    iso(b, side, "not_after", leaf->not_after);
    jb_str(b, side, "subject", leaf->subject, JB_BORROW);
    jb_str(b, side, "issuer", leaf->issuer, JB_BORROW);
}

/* ECS tls.*: version, cipher, established, client/server hello facts and leaf certificates. */
static void ecs_tls(jb *b, cJSON *root, const conn_view *cv, const rjson_options *opt, rjson_writer *w)
{
    const session_t *s = cv->s;
    const conn_analysis *a = cv->a;
    const diagnosis *dg = cv->d;
    name_buf nb;
    cJSON *tls = jb_obj(b, root, "tls");
    uint16_t v = s->version ? s->version : (s->sh.present ? s->sh.selected_version : 0);
    jb_str(b, tls, "version", names_version_ecs(v), JB_BORROW);
    jb_str(b, tls, "version_protocol", names_version_protocol(v), JB_BORROW);
    if (s->sh.present)
        jb_str(b, tls, "cipher", names_session_cipher(s, &nb), JB_COPY);
    jb_bool(b, tls, "established", dg->established);
    jb_bool(b, tls, "resumed", dg->resumed);
    jb_str(b, tls, "next_protocol", s->sh.alpn, JB_BORROW);
    if (s->kx_group)
        jb_str(b, tls, "curve", names_group(s->kx_group, &nb), JB_COPY);

    cJSON *tc = jb_obj(b, tls, "client");
    if (s->ch.present) {
        jb_str(b, tc, "server_name", s->ch.sni, JB_BORROW);
        if (s->ch.ja3_md5[0])
            jb_str(b, tc, "ja3", s->ch.ja3_md5, JB_BORROW);
        if (opt->verbosity >= 1) { /* -v: about 1 KB of names per connection */
            cJSON *sc = jb_arr(b, tc, "supported_ciphers");
            for (size_t i = 0; i < s->ch.ciphers.n; i++)
                jb_str(b, sc, NULL, names_cipher(s->ch.ciphers.v[i], &nb), JB_COPY);
        }
    }
    const chain_report *cc = a->chain[DIR_C2S];
    if (cc && cc->n_certs) {
        tls_side_leaf(b, tc, w, cc);
    }
    if (opt->certificate_chain)
        certificate_chain(b, tc, &s->side[DIR_C2S]);
    cJSON *tsv = jb_obj(b, tls, "server");
    if (s->sh.present && s->sh.ja3s_md5[0])
        jb_str(b, tsv, "ja3s", s->sh.ja3s_md5, JB_BORROW);
    const chain_report *sc = a->chain[DIR_S2C];
    if (sc && sc->n_certs) {
        tls_side_leaf(b, tsv, w, sc);
    }
    if (opt->certificate_chain)
        certificate_chain(b, tsv, &s->side[DIR_S2C]);

}

/* An application message's typed fields (mtls.steps[].app). */
static void app_obj(jb *b, cJSON *so, const app_message *m)
{
    cJSON *a = jb_obj(b, so, "app");
    jb_str(b, a, "protocol", app_protocol_id(m->protocol), JB_BORROW);
    jb_str(b, a, "outcome", app_outcome_id(m->outcome), JB_BORROW);
    if (m->plaintext)
        jb_bool(b, a, "plaintext", true);
    if (m->code)
        jb_u64(b, a, "code", m->code);
    if (m->state[0])
        jb_str(b, a, "state", m->state, JB_COPY);
    if (m->message)
        jb_str(b, a, "message", m->message, JB_COPY);
}

static void steps_arr(jb *b, cJSON *m, const session_t *s, const rjson_options *opt)
{
    name_buf nb;
    cJSON *steps = jb_arr(b, m, "steps");
    for (size_t i = 0; steps && i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        cJSON *so = jb_obj(b, steps, NULL);
        if (opt->verbosity >= 1) /* -v: the absolute time; rel_ms places the step by default */
            jb_time(b, so, "t", st->ts_us);
        /* always written with a fraction ("0.000"), so an index maps it as a float */
        char rel[FASTFMT_MS_MAX];
        jb_raw(b, so, "rel_ms", rel, fastfmt_ms3(st->ts_us >= s->first_ts_us ? st->ts_us - s->first_ts_us : 0, rel));
        jb_str(b, so, "dir", dir_arrow(st->dir), JB_BORROW);
        jb_str(b, so, "kind", step_id(st), JB_BORROW);
        if (st->decrypted)
            jb_bool(b, so, "decrypted", true);
        if (st->length)
            jb_u64(b, so, "length", st->length);
        if (st->kind == STEP_CERTIFICATE || st->kind == STEP_COMPRESSED_CERTIFICATE ||
            st->count)
            jb_u64(b, so, "count", st->count);
        if (st->kind == STEP_OTHER_HANDSHAKE)
            jb_u64(b, so, "hs_type", st->hs_type);
        if (st->kind == STEP_ALERT) {
            name_buf lb;
            jb_str(b, so, "alert_level", names_alert_level(st->alert_level, &lb), JB_COPY);
            jb_str(b, so, "alert", names_alert(st->alert_desc, &nb), JB_COPY);
            jb_u64(b, so, "alert_code", st->alert_desc);
        }
        if (st->kind == STEP_APP)
            app_obj(b, so, &st->app);
        char *owned = NULL;
        const char *detail = step_detail_text(s, st, &owned);
        if (owned)
            jb_str(b, so, "detail", owned, JB_COPY);
        else
            jb_str(b, so, "detail", detail, JB_BORROW);
        free(owned);
    }
}

static void certificate_request_obj(jb *b, cJSON *m, const session_t *s, dn_memo *dns)
{
    if (!s->cr.present)
        return;
    name_buf nb;
    cJSON *cr = jb_obj(b, m, "certificate_request");
    jb_bool(b, cr, "tls13", s->cr.tls13);
    jb_bool(b, cr, "post_handshake", s->cr.post_handshake);
    cJSON *ca = jb_arr(b, cr, "ca_names");
    for (size_t i = 0; i < s->cr.n_ca_names; i++) {
        const char *dn = dn_memo_ca_name(dns, s->cr.ca_names[i].data, s->cr.ca_names[i].len);
        jb_str(b, ca, NULL, dn ? dn : "(unparsable name)", JB_COPY);
    }
    u16_names(b, cr, "sig_algs", &s->cr.sig_algs, names_sigscheme);
    cJSON *ct = jb_arr(b, cr, "cert_types");
    for (size_t i = 0; i < s->cr.cert_types.len; i++)
        jb_str(b, ct, NULL, names_cert_type(s->cr.cert_types.data[i], &nb), JB_COPY);
}

static void proof_obj(jb *b, cJSON *parent, const char *name, const cert_verify_info *ci, const proof_result *pr)
{
    name_buf nb;
    cJSON *o = jb_obj(b, parent, name);
    if (ci->scheme)
        jb_str(b, o, "scheme", names_sigscheme(ci->scheme, &nb), JB_COPY);
    jb_str(b, o, "result", pr->result == 1 ? "verified" : pr->result == 0 ? "mismatch" : "not_checked", JB_BORROW);
    jb_str(b, o, "note", pr->note, JB_BORROW);
}

static void certificate_verify_obj(jb *b, cJSON *m, const conn_view *cv)
{
    const session_t *s = cv->s;
    cJSON *cvo = jb_obj(b, m, "certificate_verify");
    for (int d = 0; d < 2; d++) {
        if (s->side[d].cv.present)
            proof_obj(b, cvo, d == DIR_C2S ? "client" : "server", &s->side[d].cv, &cv->a->cv[d]);
    }
    /* the server's other proof of possession (TLS 1.0-1.2 DHE/ECDHE) */
    if (s->ske_sig.present)
        proof_obj(b, m, "server_key_exchange", &s->ske_sig, &cv->a->ske);
}

static void client_hello_obj(jb *b, cJSON *m, const session_t *s)
{
    if (!s->ch.present)
        return;
    cJSON *h = jb_obj(b, m, "client_hello");
    u16_names(b, h, "extensions", &s->ch.extensions, names_extension);
    u16_names(b, h, "supported_versions", &s->ch.supported_versions, names_version);
    u16_names(b, h, "groups", &s->ch.groups, names_group);
    u16_names(b, h, "sig_algs", &s->ch.sig_algs, names_sigscheme);
    cJSON *al = jb_arr(b, h, "alpn");
    for (size_t i = 0; i < s->ch.n_alpn; i++)
        jb_str(b, al, NULL, s->ch.alpn[i], JB_BORROW);
    jb_str(b, h, "ja3_string", s->ch.ja3, JB_BORROW);
}

/* Our own additions beside ECS: mtls.* (verdict, steps, findings, chains, ...). */
static void mtls_obj(jb *b, cJSON *root, const conn_view *cv, const rjson_options *opt, rjson_writer *w)
{
    const session_t *s = cv->s;
    const conn_analysis *a = cv->a;
    const diagnosis *dg = cv->d;
    cJSON *m = jb_obj(b, root, "mtls");
    jb_u64(b, m, "connection_id", s->id);
    jb_str(b, m, "verdict", verdict_name(dg->verdict), JB_BORROW);
    jb_bool(b, m, "failed", dg->failed);
    jb_str(b, m, "evidence", evidence_name(dg->evidence), JB_BORROW);
    jb_str(b, m, "client_certificate", cert_seen_name(conn_cert_seen(cv, DIR_C2S)), JB_BORROW);
    jb_str(b, m, "server_certificate", cert_seen_name(conn_cert_seen(cv, DIR_S2C)), JB_BORROW);
    conn_cause cause;
    conn_cause_of(cv, &cause);
    if (cause.kind) {
        cJSON *co = jb_obj(b, m, "cause");
        jb_str(b, co, "kind", cause.kind, JB_BORROW);
        jb_str(b, co, "code", cause.code, JB_COPY);
        if (strcmp(cause.kind, "finding") != 0)
            jb_str(b, co, "dir", dir_arrow(cause.dir), JB_BORROW);
    }
    char hist[258];
    size_t hn = 0;
    for (size_t i = 0; i < s->n_steps && hn < 256; i++)
        hist[hn++] = step_history_char(&s->steps[i]);
    if (s->n_steps > 256)
        hist[hn++] = '+';
    hist[hn] = '\0';
    jb_str(b, m, "history", hist, JB_COPY);
    cJSON *ev = jb_arr(b, m, "evidence_steps");
    for (size_t i = 0; i < dg->n_evidence_steps; i++)
        jb_u64(b, ev, NULL, dg->evidence_steps[i]);
    jb_str(b, m, "confirm", dg->confirm, JB_BORROW);
    jb_str(b, m, "explanation", dg->explanation, JB_BORROW);
    jb_str(b, m, "next_step", dg->next_step, JB_BORROW);
    jb_bool(b, m, "decrypted", s->decrypted);
    jb_str(b, m, "decrypt_note", s->decrypt_note, JB_BORROW);
    jb_str(b, m, "starttls", s->starttls, JB_BORROW);
    jb_str(b, m, "ja4", s->ch.ja4, JB_BORROW);
    if (a->client_ca_acceptable >= 0)
        jb_bool(b, m, "client_ca_acceptable", a->client_ca_acceptable == 1);
    jb_str(b, m, "client_ca_matched", a->client_ca_matched, JB_BORROW);
    if (s->malformed) {
        cJSON *mf = jb_obj(b, m, "malformed");
        jb_str(b, mf, "reason", s->malformed_reason, JB_BORROW);
        jb_u64(b, mf, "offset", s->malformed_offset);
        jb_str(b, mf, "dir", dir_arrow(s->malformed_dir), JB_BORROW);
    }

    steps_arr(b, m, s, opt);
    findings_arr(b, m, "findings", &dg->findings);

    cJSON *chains = jb_obj(b, m, "chains");
    chain_obj(b, chains, "client", cv, DIR_C2S, w);
    chain_obj(b, chains, "server", cv, DIR_S2C, w);

    certificate_request_obj(b, m, s, w->dns);
    certificate_verify_obj(b, m, cv);
    if (opt->verbosity >= 1)
        client_hello_obj(b, m, s);
}

/* Print root into w->out, growing it until the object fits; its length or -1. */
static long print_into(rjson_writer *w, cJSON *root)
{
    growbuf *o = &w->out;
    for (;;) {
        if (o->cap && cJSON_PrintPreallocated(root, (char *)o->p, (int)o->cap, false))
            return (long)strlen((const char *)o->p);
        /* doubled (RJSON_BUF_INITIAL first) while cJSON's int can say the size */
        if (o->cap > (size_t)INT_MAX / 2 ||
            growbuf_reserve_first(o, o->cap + 1, RJSON_BUF_INITIAL, (size_t)INT_MAX) != 0)
            return -1;
    }
}

const char *rjson_render(rjson_writer *w, const conn_view *cv, const rjson_options *opt, size_t *out_len)
{
    rjson_options def = {0};
    if (!opt)
        opt = &def;
    scratch_reset(w->sc);
    jb b = {.sc = w->sc, .clock = &w->clock};
    cJSON root = {.type = cJSON_Object};
    ecs_connection(&b, &root, cv, opt);
    ecs_tls(&b, &root, cv, opt, w);
    mtls_obj(&b, &root, cv, opt, w);
    long n = b.oom ? -1 : print_into(w, &root);
    scratch_reset(w->sc); /* the tree is gone; its memory is kept for the next one */
    for (; w->n_evicted; w->n_evicted--)
        cJSON_free(w->evicted[w->n_evicted - 1]);
    if (n < 0)
        return NULL;
    *out_len = (size_t)n;
    return (const char *)w->out.p;
}

int rjson_session(FILE *out, const conn_view *c, const rjson_options *opt, rjson_writer *w)
{
    rjson_writer *own = w ? NULL : (w = rjson_writer_new());
    if (!w)
        return -1;
    size_t n = 0;
    const char *txt = rjson_render(w, c, opt, &n);
    int rc = (!txt || fwrite(txt, 1, n, out) != n || fputc('\n', out) == EOF) ? -1 : 0;
    rjson_writer_free(own);
    return rc;
}

/* ---- the JSON reporter ------------------------------------------------- */

typedef struct rjson_state {
    FILE *out;
    char host[256];
    rjson_options opt;
    rjson_writer *w;
} rjson_state;

static void *rjson_open(FILE *out, const report_options *opt)
{
    rjson_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->out = out;
    st->opt.verbosity = opt->verbosity;
    st->opt.certificate_chain = opt->certificate_chain;
    if (opt->live_iface) {
        st->opt.live_iface = opt->live_iface;
        if (gethostname(st->host, sizeof st->host) == 0) {
            st->host[sizeof st->host - 1] = '\0';
            st->opt.hostname = st->host;
        }
    }
    st->w = rjson_writer_new();
    if (!st->w) {
        free(st);
        return NULL;
    }
    return st;
}

static int rjson_connection(void *state, const conn_view *c)
{
    rjson_state *st = state;
    return rjson_session(st->out, c, &st->opt, st->w);
}

static int rjson_summary(void *state, const summary *sm)
{
    rjson_state *st = state;
    return summary_write_json(st->out, sm);
}

static void rjson_close(void *state)
{
    rjson_state *st = state;
    if (!st)
        return;
    rjson_writer_free(st->w);
    free(st);
}

const reporter_ops rjson_reporter = {"json", rjson_open, rjson_connection, rjson_summary, rjson_close, NULL, false};
