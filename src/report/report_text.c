/*
 * report_text.c — the human report. Every wire string goes through
 * esc_fputs/esc_text; colours only when the caller enables them.
 */
#include "report_text.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dn.h"
#include "endpoint_text.h"
#include "escape.h"
#include "names.h"
#include "reporter.h"
#include "step_text.h"
#include "summary_text.h"
#include "wrap.h"

#define C_RESET "\033[0m"
#define C_BOLD "\033[1m"
#define C_RED "\033[31m"
#define C_GREEN "\033[32m"
#define C_YELLOW "\033[33m"
#define C_DIM "\033[2m"

/* The output of one connection: where it goes, and the certificate analysis
 * the timeline and the chain blocks show beside the wire facts. */
typedef struct out {
    FILE *f;
    bool color;
    bool err;
    const conn_analysis *a;
    const diagnosis *dg; /* NULL before the diagnosis is known */
    size_t width;        /* wrap paragraphs to this many columns (a terminal), 0: never */
} out_t;

static void raw(out_t *o, const char *s)
{
    if (fputs(s, o->f) == EOF)
        o->err = true;
}

static void fmt(out_t *o, const char *f, ...) MTLS_PRINTF(2, 3);
static void fmt(out_t *o, const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    if (vfprintf(o->f, f, ap) < 0)
        o->err = true;
    va_end(ap);
}

/* Escaped wire string; NULL prints as "-". */
static void wire(out_t *o, const char *s)
{
    if (!s) {
        raw(o, "-");
        return;
    }
    if (esc_fputs(o->f, s, strlen(s)) < 0)
        o->err = true;
}

/* An escaped wire or report sentence as a paragraph: the caller wrote a
 * prefix of col columns; on a terminal the text is wrapped to its width,
 * continuation lines indented by indent. */
static void para(out_t *o, size_t col, size_t indent, const char *s)
{
    if (!o->width) {
        wire(o, s);
        return;
    }
    char *e = esc_text(s, strlen(s));
    if (!e) {
        o->err = true;
        return;
    }
    if (wrap_fputs(o->f, e, col, indent, o->width) < 0)
        o->err = true;
    free(e);
}

/* Columns the escaped form of s takes. */
static size_t esc_columns(const char *s)
{
    char *e = esc_text(s, strlen(s));
    size_t n = e ? wrap_columns(e) : strlen(s);
    free(e);
    return n;
}

/* Each cause is said once per report, in full in its finding: the length of
 * a finding's sentence (its message without a trailing " [...]" note) when it
 * is long enough to be worth a reference. */
#define SAY_ONCE_MIN 60
static size_t finding_sentence_len(const finding_t *f)
{
    if (!f->message)
        return 0;
    size_t n = strlen(f->message);
    if (n && f->message[n - 1] == ']') {
        const char *b = NULL;
        for (const char *p = strstr(f->message, " ["); p; p = strstr(p + 1, " ["))
            b = p;
        if (b)
            n = (size_t)(b - f->message);
    }
    return n >= SAY_ONCE_MIN ? n : 0;
}

/* The finding of this report that says text in full (its message begins with
 * it), or NULL. */
static const finding_t *finding_saying(const out_t *o, const char *text)
{
    if (!o->dg || !text || strlen(text) < SAY_ONCE_MIN / 2)
        return NULL;
    size_t tl = strlen(text);
    for (size_t i = 0; i < o->dg->findings.n; i++) {
        const finding_t *f = &o->dg->findings.items[i];
        if (f->message && f->code && strncmp(f->message, text, tl) == 0)
            return f;
    }
    return NULL;
}

/* text with each finding's long sentence it repeats replaced by "see finding
 * CODE" (malloc'd), or NULL when it repeats none (or out of memory). */
static char *say_once(const out_t *o, const char *text)
{
    if (!o->dg || !text)
        return NULL;
    char *cur = NULL;
    for (size_t i = 0; i < o->dg->findings.n; i++) {
        const finding_t *f = &o->dg->findings.items[i];
        size_t sl = finding_sentence_len(f);
        if (!sl || !f->code)
            continue;
        const char *in = cur ? cur : text;
        const char *hit = NULL;
        for (const char *p = strchr(in, f->message[0]); p && !hit; p = strchr(p + 1, f->message[0]))
            if (strncmp(p, f->message, sl) == 0)
                hit = p;
        if (!hit)
            continue;
        bool period = f->message[sl - 1] == '.';
        size_t pre = (size_t)(hit - in), post = strlen(hit + sl);
        size_t n = pre + strlen("see finding ") + strlen(f->code) + 1 + post + 1;
        char *next = malloc(n);
        if (!next)
            break;
        snprintf(next, n, "%.*ssee finding %s%s%s", (int)pre, in, f->code, period ? "." : "", hit + sl);
        free(cur);
        cur = next;
    }
    return cur;
}

/* A paragraph of the report's own words, each cause said once (say_once). */
static void para_once(out_t *o, size_t col, size_t indent, const char *s)
{
    char *once = say_once(o, s);
    para(o, col, indent, once ? once : s);
    free(once);
}

static void color(out_t *o, const char *c)
{
    if (o->color)
        raw(o, c);
}

static const char *verdict_color(const diagnosis *dg)
{
    if (dg->failed)
        return C_RED;
    return verdict_get(dg->verdict)->tone == TONE_GOOD ? C_GREEN : C_YELLOW;
}

static void date(out_t *o, int64_t t)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char b[32];
    if (gmtime_r(&tt, &tm) && strftime(b, sizeof b, "%Y-%m-%d %H:%M:%SZ", &tm))
        raw(o, b);
    else
        fmt(o, "%" PRId64, t);
}

static void step_line(out_t *o, const session_t *s, const step_t *st)
{
    uint64_t rel = st->ts_us >= s->first_ts_us ? st->ts_us - s->first_ts_us : 0;
    /* the step number (1-based, as in findings' "step N" and the evidence) */
    fmt(o, "%3zu %9.3f ms  %s  ", (size_t)(st - s->steps) + 1, (double)rel / 1000.0, dir_arrow(st->dir));
    name_buf nb, lb;
    switch (st->kind) {
    case STEP_ALERT:
        color(o, C_RED);
        fmt(o, "Alert %s %s", names_alert_level(st->alert_level, &lb),
            names_alert(st->alert_desc, &nb));
        color(o, C_RESET);
        if (st->decrypted)
            raw(o, " (encrypted, decrypted)");
        break;
    case STEP_ENCRYPTED_ALERT:
        color(o, C_RED);
        fmt(o, "encrypted alert (%u bytes, not decrypted)", st->length);
        color(o, C_RESET);
        break;
    case STEP_CERTIFICATE:
    case STEP_COMPRESSED_CERTIFICATE: {
        fmt(o, "%s (", step_name(st));
        if (st->count == 0) {
            raw(o, "empty");
        } else {
            fmt(o, "%u cert%s", st->count, st->count == 1 ? "" : "s");
            const chain_report *r = o->a->chain[st->dir];
            if (r && r->n_certs) {
                raw(o, ": ");
                for (size_t i = 0; i < r->n_certs && i < 4; i++) {
                    if (i)
                        raw(o, " <- ");
                    const cert_info *ci = &r->certs[i];
                    if (ci->subject_cn) {
                        raw(o, "CN=");
                        wire(o, ci->subject_cn);
                    } else {
                        wire(o, ci->subject ? ci->subject : "(undecodable)");
                    }
                }
                if (r->n_certs > 4)
                    raw(o, " <- ...");
            }
        }
        raw(o, ")");
        break;
    }
    case STEP_CLIENT_HELLO:
        raw(o, "ClientHello");
        if (s->ch.sni) {
            raw(o, " SNI=");
            wire(o, s->ch.sni);
        }
        break;
    case STEP_SERVER_HELLO:
        fmt(o, "ServerHello %s %s", names_version(s->sh.selected_version, &nb),
            names_session_cipher(s, &lb));
        break;
    case STEP_CERTIFICATE_REQUEST:
        fmt(o, "CertificateRequest (%zu acceptable CA%s)", s->cr.n_ca_names,
            s->cr.n_ca_names == 1 ? "" : "s");
        break;
    case STEP_CERTIFICATE_VERIFY: {
        const cert_verify_info *cv = &s->side[st->dir].cv;
        const proof_result *pr = &o->a->cv[st->dir];
        fmt(o, "CertificateVerify %s", cv->scheme ? names_sigscheme(cv->scheme, &nb) : "");
        if (pr->result == 1)
            raw(o, " (signature verified)");
        else if (pr->result == 0)
            raw(o, " (signature DOES NOT verify)");
        break;
    }
    case STEP_ENCRYPTED_HANDSHAKE:
    case STEP_APPLICATION_DATA:
        fmt(o, "%s (%u record%s, %u bytes)", step_name(st), st->count ? st->count : 1,
            st->count == 1 || st->count == 0 ? "" : "s", st->length);
        break;
    case STEP_TCP_GAP:
        color(o, C_YELLOW);
        fmt(o, "TCP gap (%u bytes lost)", st->length);
        color(o, C_RESET);
        break;
    default:
        raw(o, step_name(st));
        break;
    }
    if (st->decrypted && st->kind != STEP_ALERT)
        raw(o, " [decrypted]");
    char *owned = NULL;
    const char *detail = step_detail_text(s, st, &owned);
    if (detail) {
        raw(o, " ");
        wire(o, detail);
    }
    free(owned);
    if (st->kind == STEP_SERVER_KEY_EXCHANGE && s->ske_sig.present && o->a->ske.result >= 0)
        raw(o, o->a->ske.result == 1 ? " (signature verified)" : " (signature DOES NOT verify)");
    raw(o, "\n");
}

static void chain_block(out_t *o, const session_t *s, mtls_dir d, int verbosity)
{
    const side_info *si = &s->side[d];
    const chain_report *r = o->a->chain[d];
    if (!session_cert_msg_seen(s, d) && !r && si->n_certs == 0)
        return;
    fmt(o, "%s certificate chain:", d == DIR_C2S ? "Client" : "Server");
    if (!r) {
        fmt(o, " %zu certificate%s (not analysed)\n", si->n_certs, si->n_certs == 1 ? "" : "s");
        return;
    }
    raw(o, "\n");
    for (size_t i = 0; i < r->n_certs; i++) {
        const cert_info *ci = &r->certs[i];
        fmt(o, "  [%zu] ", i);
        if (ci->decode_error) {
            fmt(o, "(undecodable, %zu bytes) sha256 %s\n", ci->der_len, ci->sha256);
            continue;
        }
        raw(o, "subject: ");
        wire(o, ci->subject);
        raw(o, "\n      issuer:  ");
        wire(o, ci->issuer);
        raw(o, "\n      valid:   ");
        date(o, ci->not_before);
        raw(o, " .. ");
        date(o, ci->not_after);
        raw(o, "\n      key:     ");
        wire(o, ci->key_alg);
        if (ci->key_bits)
            fmt(o, " %d bits", ci->key_bits);
        if (ci->key_curve) {
            raw(o, " ");
            wire(o, ci->key_curve);
        }
        raw(o, ", sig ");
        wire(o, ci->sig_alg);
        fmt(o, "\n      sha256:  %s\n", ci->sha256);
        if (verbosity >= 1) {
            if (ci->n_san) {
                raw(o, "      SAN:     ");
                for (size_t k = 0; k < ci->n_san; k++) {
                    if (k)
                        raw(o, ", ");
                    wire(o, ci->san[k]);
                }
                raw(o, "\n");
            }
            if (ci->ext_key_usage) {
                raw(o, "      EKU:     ");
                wire(o, ci->ext_key_usage);
                raw(o, "\n");
            }
            if (ci->key_usage) {
                raw(o, "      KU:      ");
                wire(o, ci->key_usage);
                raw(o, "\n");
            }
            if (ci->serial_hex) {
                raw(o, "      serial:  ");
                wire(o, ci->serial_hex);
                raw(o, "\n");
            }
        }
    }
    raw(o, "  validation: ");
    color(o, r->valid ? C_GREEN : C_RED);
    raw(o, r->valid ? "valid" : "INVALID");
    color(o, C_RESET);
    if (!r->trust_checked)
        raw(o, " (trust not checked)");
    const finding_t *said = finding_saying(o, r->verify_sentence);
    if (said) {
        fmt(o, " (see finding %s)", said->code); /* its message says why, in full */
    } else if (r->verify_sentence) {
        raw(o, " - ");
        para(o, strlen("  validation: ") + strlen(r->valid ? "valid" : "INVALID") +
                    (r->trust_checked ? 0 : strlen(" (trust not checked)")) + 3,
             4, r->verify_sentence);
    }
    raw(o, "\n");
    if (r->trust_note) {
        raw(o, "  note: ");
        const finding_t *nf = finding_saying(o, r->trust_note);
        if (nf)
            fmt(o, "see finding %s", nf->code);
        else
            para(o, 8, 4, r->trust_note);
        raw(o, "\n");
    }
}

static void list16(out_t *o, const char *label, const u16_list *l,
                   const char *(*name)(uint16_t, name_buf *))
{
    if (!l->n)
        return;
    fmt(o, "  %s:", label);
    for (size_t i = 0; i < l->n; i++) {
        name_buf nb;
        fmt(o, "%s%s", i ? ", " : " ", name(l->v[i], &nb));
    }
    raw(o, "\n");
}

static void verbose_hello(out_t *o, const session_t *s)
{
    if (!s->ch.present)
        return;
    raw(o, "ClientHello details:\n");
    list16(o, "extensions", &s->ch.extensions, names_extension);
    list16(o, "ciphers", &s->ch.ciphers, names_cipher);
    list16(o, "versions", &s->ch.supported_versions, names_version);
    list16(o, "groups", &s->ch.groups, names_group);
    list16(o, "signature algorithms", &s->ch.sig_algs, names_sigscheme);
    if (s->ch.ja3_md5[0]) {
        raw(o, "  JA3: ");
        wire(o, s->ch.ja3_md5);
        raw(o, "\n");
    }
    if (s->ch.ja4) {
        raw(o, "  JA4: ");
        wire(o, s->ch.ja4);
        raw(o, "\n");
    }
    if (s->sh.present) {
        raw(o, "ServerHello details:\n");
        list16(o, "extensions", &s->sh.extensions, names_extension);
        if (s->sh.ja3s_md5[0]) {
            raw(o, "  JA3S: ");
            wire(o, s->sh.ja3s_md5);
            raw(o, "\n");
        }
    }
}

static void header(out_t *o, const session_t *s)
{
    char c[64], sv[64];
    name_buf nb;
    color(o, C_BOLD);
    fmt(o, "#%" PRIu64 " %s -> %s", s->id, endpoint_text(&s->client, c, sizeof c),
        endpoint_text(&s->server, sv, sizeof sv));
    color(o, C_RESET);
    if (s->ch.sni) {
        raw(o, " SNI=");
        wire(o, s->ch.sni);
    }
    if (s->sh.alpn) {
        raw(o, " ALPN=");
        wire(o, s->sh.alpn);
    }
    uint16_t v = s->version ? s->version : s->sh.selected_version;
    if (v)
        fmt(o, " %s", names_version(v, &nb));
    if (s->sh.present)
        fmt(o, " %s", names_session_cipher(s, &nb));
    if (s->starttls) {
        raw(o, " STARTTLS=");
        wire(o, s->starttls);
    }
    if (s->decrypted) {
        raw(o, " (decrypted)");
    } else if (s->decrypt_note) {
        /* a key log was given but does not serve this session: say why */
        raw(o, " (not decrypted: ");
        wire(o, s->decrypt_note);
        raw(o, ")");
    }
}

/* The side whose certificate a failed verdict is about, or -1. */
static int verdict_cert_side(verdict_t v)
{
    switch (v) {
    case VERDICT_CLIENT_CERT_REJECTED:
    case VERDICT_CLIENT_KEY_MISMATCH:
        return DIR_C2S;
    case VERDICT_SERVER_CERT_REJECTED:
    case VERDICT_SERVER_KEY_MISMATCH:
        return DIR_S2C;
    default:
        return -1;
    }
}

/* The alert that ended the handshake: the first alert among the evidence
 * steps, else the session's first fatal (or unreadable) alert; NULL if none. */
static const step_t *ending_alert(const session_t *s, const diagnosis *dg)
{
    for (size_t i = 0; i < dg->n_evidence_steps; i++) {
        uint32_t k = dg->evidence_steps[i];
        if (k >= 1 && k <= s->n_steps &&
            (s->steps[k - 1].kind == STEP_ALERT || s->steps[k - 1].kind == STEP_ENCRYPTED_ALERT))
            return &s->steps[k - 1];
    }
    for (size_t i = 0; i < s->n_steps; i++) {
        const step_t *st = &s->steps[i];
        if (st->kind == STEP_ENCRYPTED_ALERT || (st->kind == STEP_ALERT && st->alert_level == 2))
            return st;
    }
    return NULL;
}

/* -q: the short cause after a failed verdict, enough to triage from one line:
 * the alert and who sent it, then the first error finding (other than the
 * alert itself) and the certificate it is about. */
static void short_cause(out_t *o, const session_t *s)
{
    const diagnosis *dg = o->dg;
    const char *sep = ": ";
    const step_t *al = ending_alert(s, dg);
    if (al) {
        name_buf nb;
        raw(o, sep);
        if (al->kind == STEP_ALERT)
            fmt(o, "%s sent alert %s", al->dir == DIR_C2S ? "client" : "server", names_alert(al->alert_desc, &nb));
        else
            fmt(o, "%s sent an encrypted alert", al->dir == DIR_C2S ? "client" : "server");
        sep = "; ";
    }
    const finding_t *fi = NULL;
    for (size_t i = 0; i < dg->findings.n && !fi; i++) {
        const finding_t *f = &dg->findings.items[i];
        if (f->severity == SEV_ERROR && f->code && strcmp(f->code, "fatal_alert") != 0)
            fi = f;
    }
    if (!fi)
        return;
    raw(o, sep);
    wire(o, fi->code);
    if (fi->where) {
        raw(o, " [");
        wire(o, fi->where);
        raw(o, "]");
    }
    int side = verdict_cert_side(dg->verdict);
    const chain_report *r = side >= 0 ? o->a->chain[side] : NULL;
    if (r && r->n_certs && !r->certs[0].decode_error && r->certs[0].subject) {
        raw(o, " ");
        wire(o, r->certs[0].subject);
    }
}

int rtext_session(FILE *f, const conn_view *c, const rtext_options *opt)
{
    rtext_options def = {0};
    if (!opt)
        opt = &def;
    const session_t *s = c->s;
    const diagnosis *dg = c->d;
    out_t o = {.f = f, .color = opt->color, .a = c->a, .dg = dg, .width = opt->width};
    if (opt->quiet) {
        header(&o, s);
        raw(&o, " ");
        color(&o, verdict_color(dg));
        raw(&o, verdict_name(dg->verdict));
        color(&o, C_RESET);
        if (dg->failed)
            short_cause(&o, s);
        raw(&o, "\n");
        return o.err ? -1 : 0;
    }
    header(&o, s);
    raw(&o, "\n");
    for (size_t i = 0; i < s->n_steps; i++)
        step_line(&o, s, &s->steps[i]);
    if (opt->verbosity >= 1)
        verbose_hello(&o, s);
    chain_block(&o, s, DIR_S2C, opt->verbosity);
    if (s->cr.present) {
        fmt(&o, "CertificateRequest: %zu acceptable CA%s%s\n", s->cr.n_ca_names,
            s->cr.n_ca_names == 1 ? "" : "s",
            s->cr.n_ca_names ? ":" : " (any CA the server trusts)");
        for (size_t i = 0; i < s->cr.n_ca_names; i++) {
            char *dn = dn_ca_name_string(s->cr.ca_names[i].data, s->cr.ca_names[i].len);
            raw(&o, "  - ");
            wire(&o, dn ? dn : "(unparsable name)");
            raw(&o, "\n");
            free(dn);
        }
    }
    chain_block(&o, s, DIR_C2S, opt->verbosity);
    for (int d = 0; d < 3; d++) {
        /* each side's CertificateVerify, then the server's signed ServerKeyExchange */
        const cert_verify_info *cv = d < 2 ? &s->side[d].cv : &s->ske_sig;
        if (!cv->present)
            continue;
        name_buf nb;
        fmt(&o, "%s: %s, ", d == DIR_C2S ? "Client CertificateVerify" : d == DIR_S2C ? "Server CertificateVerify"
                                                                             : "Server ServerKeyExchange signature",
            cv->scheme ? names_sigscheme(cv->scheme, &nb) : "(no scheme)");
        const proof_result *pr = d < 2 ? &c->a->cv[d] : &c->a->ske;
        const char *res = pr->result == 1 ? "verified" : pr->result == 0 ? "DOES NOT VERIFY" : "not checked";
        raw(&o, res);
        if (pr->note) {
            raw(&o, " (");
            char line[160];
            snprintf(line, sizeof line, "%s: %s, %s (",
                     d == DIR_C2S ? "Client CertificateVerify" : d == DIR_S2C ? "Server CertificateVerify"
                                                                   : "Server ServerKeyExchange signature",
                     cv->scheme ? names_sigscheme(cv->scheme, &nb) : "(no scheme)", res);
            para(&o, strlen(line), 2, pr->note);
            raw(&o, ")");
        }
        raw(&o, "\n");
    }
    raw(&o, "Verdict: ");
    color(&o, C_BOLD);
    color(&o, verdict_color(dg));
    raw(&o, verdict_name(dg->verdict));
    color(&o, C_RESET);
    raw(&o, "\n");
    if (dg->explanation) {
        raw(&o, "  ");
        para_once(&o, 2, 2, dg->explanation);
        raw(&o, "\n");
    }
    char ev[256];
    size_t evn = (size_t)snprintf(ev, sizeof ev, "Evidence: %s", evidence_name(dg->evidence));
    for (size_t i = 0; i < dg->n_evidence_steps && evn < sizeof ev; i++)
        evn += (size_t)snprintf(ev + evn, sizeof ev - evn, "%s%u", i ? ", " : " (steps ", dg->evidence_steps[i]);
    if (dg->n_evidence_steps && evn < sizeof ev)
        evn += (size_t)snprintf(ev + evn, sizeof ev - evn, ")");
    raw(&o, ev);
    if (dg->confirm) {
        raw(&o, "; to confirm: ");
        para_once(&o, strlen(ev) + strlen("; to confirm: "), 2, dg->confirm);
    }
    raw(&o, "\n");
    if (dg->next_step) {
        raw(&o, "Fix: ");
        para_once(&o, 5, 5, dg->next_step);
        raw(&o, "\n");
    }
    if (dg->findings.n) {
        raw(&o, "Findings:\n");
        for (size_t i = 0; i < dg->findings.n; i++) {
            const finding_t *fi = &dg->findings.items[i];
            raw(&o, "  ");
            color(&o, fi->severity == SEV_ERROR ? C_RED
                      : fi->severity == SEV_WARNING ? C_YELLOW
                                                    : C_DIM);
            fmt(&o, "%-7s", finding_sev_name(fi->severity));
            color(&o, C_RESET);
            raw(&o, " ");
            wire(&o, fi->code);
            size_t col = 2 + 7 + 1 + esc_columns(fi->code) + 2;
            if (fi->where) {
                raw(&o, " [");
                wire(&o, fi->where);
                raw(&o, "]");
                col += esc_columns(fi->where) + 3;
            }
            raw(&o, ": ");
            para(&o, col, 4, fi->message);
            raw(&o, "\n");
        }
    }
    raw(&o, "\n");
    return o.err ? -1 : 0;
}

/* ---- the text reporter ------------------------------------------------- */

typedef struct rtext_state {
    FILE *out;
    rtext_options opt;
} rtext_state;

static void *rtext_open(FILE *out, const report_options *opt)
{
    rtext_state *st = calloc(1, sizeof(*st));
    if (!st)
        return NULL;
    st->out = out;
    st->opt.color = opt->color;
    st->opt.verbosity = opt->verbosity;
    st->opt.quiet = opt->quiet;
    st->opt.width = opt->quiet ? 0 : opt->width;
    return st;
}

static int rtext_connection(void *state, const conn_view *c)
{
    rtext_state *st = state;
    return rtext_session(st->out, c, &st->opt);
}

static int rtext_summary(void *state, const summary *sm)
{
    rtext_state *st = state;
    if (st->opt.quiet) {
        /* -q: stdout holds exactly one line per connection; the totals go to stderr */
        if (fflush(st->out) != 0)
            return -1;
        return summary_write_text(stderr, sm, false, 0);
    }
    return summary_write_text(st->out, sm, st->opt.color, st->opt.width);
}

static void rtext_close(void *state) { free(state); }

const reporter_ops rtext_reporter = {"text", rtext_open, rtext_connection, rtext_summary, rtext_close, NULL, false};
