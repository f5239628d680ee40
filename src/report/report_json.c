/*
 * report_json.c — one NDJSON object per connection (ECS names + "mtls").
 *
 * The object is a cJSON tree printed by cJSON, built cheaply: every node and
 * every short-lived string comes from the writer's scratch arena (reset per
 * connection, never freed node by node, so the tree is never given to
 * cJSON_Delete), keys are the constant literals (cJSON_AddItemToObjectCS),
 * strings that outlive the printing (the session's, the analysis', static
 * names) are referenced rather than copied, and numbers and times are
 * formatted once by fastfmt.c and added as raw items. The text is printed
 * into a buffer the writer keeps (cJSON_PrintPreallocated, grown when too
 * small). Every string goes through esc_utf8_sanitize unless it is plain
 * ASCII, so the output is valid UTF-8; cJSON escapes control characters.
 */
#include "report_json.h"

#include "community_id.h"

#include <arpa/inet.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "escape.h"
#include "dn_memo.h"
#include "fastfmt.h"
#include "names.h"
#include "reporter.h"
#include "scratch.h"
#include "step_text.h"
#include "summary.h"

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

int rjson_add_str(cJSON *obj, const char *name, const char *s)
{
    if (!s)
        return 0;
    size_t n;
    if (plain_ascii(s, &n))
        return cJSON_AddStringToObject(obj, name, s) ? 0 : -1;
    char *clean = esc_utf8_sanitize(s, strlen(s));
    if (!clean)
        return -1;
    cJSON *r = cJSON_AddStringToObject(obj, name, clean);
    free(clean);
    return r ? 0 : -1;
}

/* ---- building a tree in the scratch arena -------------------------------- */

/* The builder: where nodes come from, the time cache, and an error flag so
 * building reads straight (a NULL parent means an earlier failure). */
typedef struct jb {
    scratch *sc;
    fastfmt_clock *clock;
    dn_memo *dns;
    bool oom;
} jb;

/* A node of the given type under parent: a member named key (a literal that
 * outlives the tree) or, with key NULL, the next array element. text is the
 * string or raw text (it must outlive the printing). */
static cJSON *node(jb *b, cJSON *parent, const char *key, int type, const char *text)
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

static cJSON *obj(jb *b, cJSON *parent, const char *name) { return node(b, parent, name, cJSON_Object, NULL); }

static cJSON *arr(jb *b, cJSON *parent, const char *name) { return node(b, parent, name, cJSON_Array, NULL); }

static void boolean(jb *b, cJSON *o, const char *name, bool v)
{
    (void)node(b, o, name, v ? cJSON_True : cJSON_False, NULL);
}

/* s as valid UTF-8: s itself when plain ASCII and !copy, else a scratch copy. */
static const char *clean_str(jb *b, const char *s, bool copy)
{
    size_t n;
    if (plain_ascii(s, &n))
        return copy ? scratch_strndup(b->sc, s, n) : s;
    char *c = esc_utf8_sanitize(s, strlen(s));
    char *r = c ? scratch_strndup(b->sc, c, strlen(c)) : NULL;
    free(c);
    return r;
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

static void add_str(jb *b, cJSON *o, const char *name, const char *s, bool copy)
{
    if (!o || !s)
        return;
    size_t n;
    if (json_verbatim(s, &n)) {
        /* printed as cJSON would print it, by one copy instead of its
         * byte-by-byte escaping loop */
        char *q = scratch_alloc(b->sc, n + 3);
        if (!q) {
            b->oom = true;
            return;
        }
        q[0] = '"';
        memcpy(q + 1, s, n);
        q[n + 1] = '"';
        q[n + 2] = '\0';
        (void)node(b, o, name, cJSON_Raw, q);
        return;
    }
    const char *t = clean_str(b, s, copy);
    if (!t)
        b->oom = true;
    else
        (void)node(b, o, name, cJSON_String, t);
}

/* A string member that outlives the printing (session, analysis, diagnosis,
 * static tables): referenced. NULL adds nothing. */
static void str(jb *b, cJSON *o, const char *name, const char *s) { add_str(b, o, name, s, false); }

/* A string member from a buffer of the caller's: copied into the arena. */
static void str_copy(jb *b, cJSON *o, const char *name, const char *s) { add_str(b, o, name, s, true); }

/* Array elements, the same two ways. */
static void push_str(jb *b, cJSON *a, const char *s) { add_str(b, a, NULL, s, false); }
static void push_copy(jb *b, cJSON *a, const char *s) { add_str(b, a, NULL, s, true); }

static void raw(jb *b, cJSON *o, const char *name, const char *txt, size_t n)
{
    char *c = o ? scratch_strndup(b->sc, txt, n) : NULL;
    if (!c)
        b->oom = true;
    else
        (void)node(b, o, name, cJSON_Raw, c);
}

static void num_u(jb *b, cJSON *o, const char *name, uint64_t v)
{
    char t[FASTFMT_INT_MAX];
    raw(b, o, name, t, fastfmt_u64(v, t));
}

static void num_i(jb *b, cJSON *o, const char *name, int64_t v)
{
    char t[FASTFMT_INT_MAX];
    raw(b, o, name, t, fastfmt_i64(v, t));
}

/* An RFC 3339 time as a raw (already quoted) string member. */
static void time_us(jb *b, cJSON *o, const char *name, uint64_t ts_us)
{
    char t[FASTFMT_TIME_MAX + 2];
    t[0] = '"';
    size_t n = 1 + fastfmt_time(b->clock, ts_us, t + 1);
    t[n++] = '"';
    raw(b, o, name, t, n);
}

/* ECS spells hex hashes and serial numbers in uppercase. */
static const char *upper_hex(const char *hex, char *up, size_t n)
{
    size_t i = 0;
    for (; hex[i] && i < n - 1; i++)
        up[i] = (hex[i] >= 'a' && hex[i] <= 'f') ? (char)(hex[i] - 'a' + 'A') : hex[i];
    up[i] = '\0';
    return up;
}

static void str_upper(jb *b, cJSON *o, const char *name, const char *hex)
{
    char up[130];
    if (hex && *hex) /* absent rather than empty */
        str_copy(b, o, name, upper_hex(hex, up, sizeof up));
}

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
    time_us(b, o, name, (uint64_t)t * 1000000u);
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
    cJSON *subj = obj(b, x, "subject");
    if (ci->subject_cn) {
        cJSON *cn = arr(b, subj, "common_name");
        push_str(b, cn, ci->subject_cn);
    }
    if (ci->subject_o)
        push_str(b, arr(b, subj, "organization"), ci->subject_o);
    str(b, subj, "distinguished_name", ci->subject);
    cJSON *iss = obj(b, x, "issuer");
    if (ci->issuer_cn) {
        cJSON *cn = arr(b, iss, "common_name");
        push_str(b, cn, ci->issuer_cn);
    }
    if (ci->issuer_o)
        push_str(b, arr(b, iss, "organization"), ci->issuer_o);
    str(b, iss, "distinguished_name", ci->issuer);
    if (ci->version > 0) {
        char v[FASTFMT_INT_MAX];
        fastfmt_i64(ci->version, v);
        str_copy(b, x, "version_number", v); /* ECS: a keyword */
    }
    str_upper(b, x, "serial_number", ci->serial_hex);
    iso(b, x, "not_before", ci->not_before);
    iso(b, x, "not_after", ci->not_after);
    str(b, x, "public_key_algorithm", ci->key_alg);
    if (ci->key_bits > 0)
        num_i(b, x, "public_key_size", ci->key_bits);
    str(b, x, "public_key_curve", ci->key_curve);
    str(b, x, "signature_algorithm", ecs_sig_alg(ci->sig_alg));
    if (ci->n_san) {
        /* ECS: plain names; the typed list ("DNS:...", "IP:...") is in mtls.chains */
        cJSON *a = arr(b, x, "alternative_names");
        for (size_t i = 0; i < ci->n_san; i++) {
            const char *colon = strchr(ci->san[i], ':');
            push_str(b, a, colon ? colon + 1 : ci->san[i]);
        }
    }
}

static void cert_obj(jb *b, cJSON *certs, const cert_info *ci)
{
    cJSON *c = obj(b, certs, NULL);
    boolean(b, c, "decode_error", ci->decode_error);
    num_u(b, c, "der_len", ci->der_len);
    str(b, c, "sha256", ci->sha256);
    str(b, c, "sha1", ci->sha1);
    if (!ci->decode_error) {
        str(b, c, "subject", ci->subject);
        str(b, c, "issuer", ci->issuer);
        str(b, c, "subject_cn", ci->subject_cn);
        str(b, c, "issuer_cn", ci->issuer_cn);
        str(b, c, "serial", ci->serial_hex);
        iso(b, c, "not_before", ci->not_before);
        iso(b, c, "not_after", ci->not_after);
        if (ci->n_san) {
            cJSON *a = arr(b, c, "san");
            for (size_t i = 0; i < ci->n_san; i++)
                push_str(b, a, ci->san[i]);
        }
        str(b, c, "key_alg", ci->key_alg);
        num_i(b, c, "key_bits", ci->key_bits);
        str(b, c, "key_curve", ci->key_curve);
        str(b, c, "sig_alg", ci->sig_alg);
        str(b, c, "key_usage", ci->key_usage);
        str(b, c, "ext_key_usage", ci->ext_key_usage);
        if (ci->is_ca >= 0) /* absent when the certificate has no basicConstraints */
            boolean(b, c, "is_ca", ci->is_ca == 1);
        if (ci->path_len >= 0)
            num_i(b, c, "path_len", ci->path_len);
        str(b, c, "ski", ci->ski);
        str(b, c, "aki", ci->aki);
        boolean(b, c, "self_signed", ci->self_signed);
    }
}

static void findings_arr(jb *b, cJSON *parent, const char *name, const finding_list *l)
{
    cJSON *a = arr(b, parent, name);
    for (size_t i = 0; a && i < l->n; i++) {
        const finding_t *f = &l->items[i];
        cJSON *o = obj(b, a, NULL);
        str(b, o, "severity", finding_sev_name(f->severity));
        str(b, o, "code", f->code);
        str(b, o, "message", f->message);
        str(b, o, "where", f->where);
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
    char *buf;           /* the printed object, kept and grown */
    size_t cap;
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
    free(w->buf);
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
        str_upper(b, &tree[MEMO_HASH], "sha256", r->certs[0].sha256);
        str_upper(b, &tree[MEMO_HASH], "sha1", r->certs[0].sha1);
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
        (void)node(b, o, name, cJSON_Raw, txt);
}

static void chain_obj(jb *b, cJSON *chains, const char *name, const conn_view *cv, mtls_dir d,
                      rjson_writer *w)
{
    const side_info *si = &cv->s->side[d];
    const chain_report *r = cv->a->chain[d];
    if (!r && si->n_certs == 0 && !session_cert_msg_seen(cv->s, d))
        return;
    cJSON *c = obj(b, chains, name);
    if (r) {
        chain_raw(b, c, "certs", w, r, MEMO_CERTS);
        boolean(b, c, "analysed", true);
        boolean(b, c, "valid", r->valid);
        boolean(b, c, "trust_checked", r->trust_checked);
        num_i(b, c, "verify_error", r->verify_error);
        str(b, c, "verify_error_string", r->verify_error_str);
        if (r->verify_depth >= 0) /* absent when the chain verified */
            num_i(b, c, "verify_depth", r->verify_depth);
        str(b, c, "sentence", r->verify_sentence);
        str(b, c, "trust_note", r->trust_note);
    } else {
        (void)arr(b, c, "certs");
        boolean(b, c, "analysed", false);
    }
    num_u(b, c, "count", r ? r->n_certs : si->n_certs);
}

static void u16_names(jb *b, cJSON *o, const char *name, const u16_list *l,
                      const char *(*fn)(uint16_t, name_buf *))
{
    if (!l->n)
        return;
    cJSON *a = arr(b, o, name);
    for (size_t i = 0; i < l->n; i++) {
        name_buf nb;
        push_copy(b, a, fn(l->v[i], &nb));
    }
}

/* ECS: @timestamp, event, source, destination, network. */
static void ecs_connection(jb *b, cJSON *root, const conn_view *cv)
{
    const session_t *s = cv->s;
    char ip[INET6_ADDRSTRLEN];
    time_us(b, root, "@timestamp", s->first_ts_us);
    str(b, root, "schema_version", RJSON_SCHEMA_VERSION);
    str(b, root, "type", "connection");

    str(b, obj(b, root, "ecs"), "version", RJSON_ECS_VERSION);
    cJSON *ev = obj(b, root, "event");
    str(b, ev, "kind", "event");
    push_str(b, arr(b, ev, "category"), "network");
    cJSON *et = arr(b, ev, "type");
    push_str(b, et, "connection");
    push_str(b, et, "protocol");
    time_us(b, ev, "start", s->first_ts_us);
    time_us(b, ev, "end", s->last_ts_us);
    /* nanoseconds: the microseconds followed by "000" (exact, and never overflows) */
    uint64_t dur = s->last_ts_us >= s->first_ts_us ? s->last_ts_us - s->first_ts_us : 0;
    char dt[FASTFMT_INT_MAX + 3];
    size_t dn = fastfmt_u64(dur, dt);
    if (dur)
        memcpy(dt + dn, "000", 3), dn += 3;
    raw(b, ev, "duration", dt, dn);
    str(b, ev, "outcome", cv->d->failed ? "failure" : "success");

    /* source/destination as the packets say, client/server as the roles say (the same here) */
    char sip[INET6_ADDRSTRLEN];
    ip_str(&s->client, sip, sizeof sip);
    ip_str(&s->server, ip, sizeof ip);
    const char *roles[][2] = {{"source", "destination"}, {"client", "server"}};
    for (size_t r = 0; r < 2; r++) {
        cJSON *src = obj(b, root, roles[r][0]);
        str_copy(b, src, "ip", sip);
        num_u(b, src, "port", s->client.port);
        cJSON *dst = obj(b, root, roles[r][1]);
        str_copy(b, dst, "ip", ip);
        num_u(b, dst, "port", s->server.port);
    }
    cJSON *net = obj(b, root, "network");
    str(b, net, "transport", "tcp");
    str(b, net, "type", s->client.family == 6 ? "ipv6" : "ipv4");
    str(b, net, "protocol", "tls");
    char cid[COMMUNITY_ID_MAX];
    str_copy(b, net, "community_id", community_id_tcp(&s->client, &s->server, 0, cid));

    cJSON *rel = obj(b, root, "related");
    cJSON *rip = arr(b, rel, "ip");
    push_copy(b, rip, sip);
    if (strcmp(sip, ip) != 0)
        push_copy(b, rip, ip);
    if (s->ch.sni)
        push_str(b, arr(b, rel, "hosts"), s->ch.sni);
    cJSON *rh = NULL;
    for (int d = 0; d < 2; d++) {
        const chain_report *cr = cv->a->chain[d];
        if (!cr || !cr->n_certs || cr->certs[0].decode_error)
            continue;
        char up[65];
        push_copy(b, rh ? rh : (rh = arr(b, rel, "hash")), upper_hex(cr->certs[0].sha256, up, sizeof up));
    }

}

/* ECS tls.*.certificate_chain: the DER certificates as sent, base64, leaf first. */
static void certificate_chain(jb *b, cJSON *side, const side_info *si)
{
    if (!si->n_certs)
        return;
    cJSON *a = arr(b, side, "certificate_chain");
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
        push_copy(b, a, (const char *)txt);
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
    str(b, side, "subject", leaf->subject);
    str(b, side, "issuer", leaf->issuer);
}

/* ECS tls.*: version, cipher, established, client/server hello facts and leaf certificates. */
static void ecs_tls(jb *b, cJSON *root, const conn_view *cv, const rjson_options *opt, rjson_writer *w)
{
    const session_t *s = cv->s;
    const conn_analysis *a = cv->a;
    const diagnosis *dg = cv->d;
    name_buf nb;
    cJSON *tls = obj(b, root, "tls");
    uint16_t v = s->version ? s->version : (s->sh.present ? s->sh.selected_version : 0);
    str(b, tls, "version", names_version_ecs(v));
    str(b, tls, "version_protocol", names_version_protocol(v));
    if (s->sh.present)
        str_copy(b, tls, "cipher", names_session_cipher(s, &nb));
    boolean(b, tls, "established", dg->established);
    boolean(b, tls, "resumed", s->resumed || dg->verdict == VERDICT_RESUMED);
    str(b, tls, "next_protocol", s->sh.alpn);
    if (s->kx_group)
        str_copy(b, tls, "curve", names_group(s->kx_group, &nb));

    cJSON *tc = obj(b, tls, "client");
    if (s->ch.present) {
        str(b, tc, "server_name", s->ch.sni);
        if (s->ch.ja3_md5[0])
            str(b, tc, "ja3", s->ch.ja3_md5);
        if (opt->verbosity >= 1) { /* -v: about 1 KB of names per connection */
            cJSON *sc = arr(b, tc, "supported_ciphers");
            for (size_t i = 0; i < s->ch.ciphers.n; i++)
                push_copy(b, sc, names_cipher(s->ch.ciphers.v[i], &nb));
        }
    }
    const chain_report *cc = a->chain[DIR_C2S];
    if (cc && cc->n_certs) {
        tls_side_leaf(b, tc, w, cc);
    }
    if (opt->certificate_chain)
        certificate_chain(b, tc, &s->side[DIR_C2S]);
    cJSON *tsv = obj(b, tls, "server");
    if (s->sh.present && s->sh.ja3s_md5[0])
        str(b, tsv, "ja3s", s->sh.ja3s_md5);
    const chain_report *sc = a->chain[DIR_S2C];
    if (sc && sc->n_certs) {
        tls_side_leaf(b, tsv, w, sc);
    }
    if (opt->certificate_chain)
        certificate_chain(b, tsv, &s->side[DIR_S2C]);

}

static void steps_arr(jb *b, cJSON *m, const session_t *s, const rjson_options *opt)
{
    name_buf nb;
    cJSON *steps = arr(b, m, "steps");
    for (size_t i = 0; steps && i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        cJSON *so = obj(b, steps, NULL);
        if (opt->verbosity >= 1) /* -v: the absolute time; rel_ms places the step by default */
            time_us(b, so, "t", st->ts_us);
        /* always written with a fraction ("0.000"), so an index maps it as a float */
        char rel[FASTFMT_MS_MAX];
        raw(b, so, "rel_ms", rel, fastfmt_ms3(st->ts_us >= s->first_ts_us ? st->ts_us - s->first_ts_us : 0, rel));
        str(b, so, "dir", dir_arrow(st->dir));
        str(b, so, "kind", step_kind_id(st->kind));
        if (st->decrypted)
            boolean(b, so, "decrypted", true);
        if (st->length)
            num_u(b, so, "length", st->length);
        if (st->kind == STEP_CERTIFICATE || st->kind == STEP_COMPRESSED_CERTIFICATE ||
            st->count)
            num_u(b, so, "count", st->count);
        if (st->kind == STEP_OTHER_HANDSHAKE)
            num_u(b, so, "hs_type", st->hs_type);
        if (st->kind == STEP_ALERT) {
            name_buf lb;
            str_copy(b, so, "alert_level", names_alert_level(st->alert_level, &lb));
            str_copy(b, so, "alert", names_alert(st->alert_desc, &nb));
            num_u(b, so, "alert_code", st->alert_desc);
        }
        char *owned = NULL;
        const char *detail = step_detail_text(st, &owned);
        if (owned)
            str_copy(b, so, "detail", owned);
        else
            str(b, so, "detail", detail);
        free(owned);
    }
}

static void certificate_request_obj(jb *b, cJSON *m, const session_t *s)
{
    if (!s->cr.present)
        return;
    name_buf nb;
    cJSON *cr = obj(b, m, "certificate_request");
    boolean(b, cr, "tls13", s->cr.tls13);
    boolean(b, cr, "post_handshake", s->cr.post_handshake);
    cJSON *ca = arr(b, cr, "ca_names");
    for (size_t i = 0; i < s->cr.n_ca_names; i++) {
        const char *dn = dn_memo_ca_name(b->dns, s->cr.ca_names[i].data, s->cr.ca_names[i].len);
        push_copy(b, ca, dn ? dn : "(unparsable name)");
    }
    u16_names(b, cr, "sig_algs", &s->cr.sig_algs, names_sigscheme);
    cJSON *ct = arr(b, cr, "cert_types");
    for (size_t i = 0; i < s->cr.cert_types.len; i++)
        push_copy(b, ct, names_cert_type(s->cr.cert_types.data[i], &nb));
}

static void proof_obj(jb *b, cJSON *parent, const char *name, const cert_verify_info *ci, const proof_result *pr)
{
    name_buf nb;
    cJSON *o = obj(b, parent, name);
    if (ci->scheme)
        str_copy(b, o, "scheme", names_sigscheme(ci->scheme, &nb));
    str(b, o, "result", pr->result == 1 ? "verified" : pr->result == 0 ? "mismatch" : "not_checked");
    str(b, o, "note", pr->note);
}

static void certificate_verify_obj(jb *b, cJSON *m, const conn_view *cv)
{
    const session_t *s = cv->s;
    cJSON *cvo = obj(b, m, "certificate_verify");
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
    cJSON *h = obj(b, m, "client_hello");
    u16_names(b, h, "extensions", &s->ch.extensions, names_extension);
    u16_names(b, h, "supported_versions", &s->ch.supported_versions, names_version);
    u16_names(b, h, "groups", &s->ch.groups, names_group);
    u16_names(b, h, "sig_algs", &s->ch.sig_algs, names_sigscheme);
    cJSON *al = arr(b, h, "alpn");
    for (size_t i = 0; i < s->ch.n_alpn; i++)
        push_str(b, al, s->ch.alpn[i]);
    str(b, h, "ja3_string", s->ch.ja3);
}

/* Our own additions beside ECS: mtls.* (verdict, steps, findings, chains, ...). */
static void mtls_obj(jb *b, cJSON *root, const conn_view *cv, const rjson_options *opt, rjson_writer *w)
{
    const session_t *s = cv->s;
    const conn_analysis *a = cv->a;
    const diagnosis *dg = cv->d;
    cJSON *m = obj(b, root, "mtls");
    num_u(b, m, "connection_id", s->id);
    str(b, m, "verdict", verdict_name(dg->verdict));
    boolean(b, m, "failed", dg->failed);
    str(b, m, "evidence", evidence_name(dg->evidence));
    char hist[258];
    size_t hn = 0;
    for (size_t i = 0; i < s->n_steps && hn < 256; i++)
        hist[hn++] = step_history_char(&s->steps[i]);
    if (s->n_steps > 256)
        hist[hn++] = '+';
    hist[hn] = '\0';
    str_copy(b, m, "history", hist);
    cJSON *ev = arr(b, m, "evidence_steps");
    for (size_t i = 0; i < dg->n_evidence_steps; i++)
        num_u(b, ev, NULL, dg->evidence_steps[i]);
    str(b, m, "confirm", dg->confirm);
    str(b, m, "explanation", dg->explanation);
    str(b, m, "next_step", dg->next_step);
    boolean(b, m, "decrypted", s->decrypted);
    str(b, m, "decrypt_note", s->decrypt_note);
    str(b, m, "starttls", s->starttls);
    str(b, m, "ja4", s->ch.ja4);
    if (a->client_ca_acceptable >= 0)
        boolean(b, m, "client_ca_acceptable", a->client_ca_acceptable == 1);
    str(b, m, "client_ca_matched", a->client_ca_matched);
    if (s->malformed) {
        cJSON *mf = obj(b, m, "malformed");
        str(b, mf, "reason", s->malformed_reason);
        num_u(b, mf, "offset", s->malformed_offset);
        str(b, mf, "dir", dir_arrow(s->malformed_dir));
    }

    steps_arr(b, m, s, opt);
    findings_arr(b, m, "findings", &dg->findings);

    cJSON *chains = obj(b, m, "chains");
    chain_obj(b, chains, "client", cv, DIR_C2S, w);
    chain_obj(b, chains, "server", cv, DIR_S2C, w);

    certificate_request_obj(b, m, s);
    certificate_verify_obj(b, m, cv);
    if (opt->verbosity >= 1)
        client_hello_obj(b, m, s);
}

/* Print root into w->buf, growing it until the object fits; its length or -1. */
static long print_into(rjson_writer *w, cJSON *root)
{
    for (;;) {
        if (w->cap && cJSON_PrintPreallocated(root, w->buf, (int)w->cap, false))
            return (long)strlen(w->buf);
        size_t cap = w->cap ? w->cap * 2 : RJSON_BUF_INITIAL;
        if (cap > (size_t)INT_MAX)
            return -1;
        char *nb = realloc(w->buf, cap);
        if (!nb)
            return -1;
        w->buf = nb;
        w->cap = cap;
    }
}

const char *rjson_render(rjson_writer *w, const conn_view *cv, const rjson_options *opt, size_t *out_len)
{
    rjson_options def = {0};
    if (!opt)
        opt = &def;
    scratch_reset(w->sc);
    jb b = {.sc = w->sc, .clock = &w->clock, .dns = w->dns};
    cJSON root = {.type = cJSON_Object};
    ecs_connection(&b, &root, cv);
    ecs_tls(&b, &root, cv, opt, w);
    mtls_obj(&b, &root, cv, opt, w);
    long n = b.oom ? -1 : print_into(w, &root);
    scratch_reset(w->sc); /* the tree is gone; its memory is kept for the next one */
    for (; w->n_evicted; w->n_evicted--)
        cJSON_free(w->evicted[w->n_evicted - 1]);
    if (n < 0)
        return NULL;
    *out_len = (size_t)n;
    return w->buf;
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

const reporter_ops rjson_reporter = {"json", rjson_open, rjson_connection, rjson_summary, rjson_close};
