/*
 * crypto_floor — the cryptography a corpus makes any mTLS analyser do, done alone.
 *
 * Reads the floor file gen_realistic writes next to its corpus and performs exactly the
 * verifications listed there with OpenSSL: one EVP_DigestVerify per visible signature
 * (TLS 1.2 ServerKeyExchange and CertificateVerify; TLS 1.3 CertificateVerify only with
 * the key log, since without it they are encrypted) and one X509_verify_cert per distinct
 * visible chain against the CA bundle mtlsdump is given with --ca, at the capture time.
 * Distinct certificates are decoded once (as mtlsdump's chain cache does). Prints the
 * process CPU time of that work. Exits 1 if a signature does not verify (the floor file
 * would be wrong) or if the number of chains that fail differs from --expect-invalid.
 *
 * Usage: crypto_floor FLOOR CA.pem [--keylog] [--reps N]
 *   --keylog  include what only the key log makes visible (TLS 1.3 CertificateVerify,
 *             TLS 1.3 chains)
 * Output: one line, "floor: signatures N chains N invalid_chains N certs N cpu_s X
 *         sig_s X chain_s X decode_s X" (the run with the median cpu_s of --reps runs;
 *         sig_s and chain_s include the first decode of each certificate they use,
 *         decode_s is that decoding alone).
 */
#define _POSIX_C_SOURCE 200809L
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void die(const char *what)
{
    fprintf(stderr, "crypto_floor: %s\n", what);
    ERR_print_errors_fp(stderr);
    exit(2);
}

typedef struct blob {
    const uint8_t *p;
    uint32_t n;
} blob;

typedef struct sigrec {
    int vis;
    uint16_t scheme;
    uint32_t cert;
    blob content, sig;
} sigrec;

typedef struct chainrec {
    bool vis0, vis1;
    uint32_t n, ids[4];
} chainrec;

static uint8_t *g_buf;
static size_t g_len, g_pos;
static blob *g_cert_der;
static uint32_t g_ncerts;
static sigrec *g_sigs;
static size_t g_nsigs;
static chainrec *g_chains;
static size_t g_nchains;
static time_t g_time;

static uint32_t rd32(void)
{
    if (g_pos + 4 > g_len)
        die("truncated floor file");
    const uint8_t *p = g_buf + g_pos;
    g_pos += 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static blob rdblob(void)
{
    uint32_t n = rd32();
    if (g_pos + n > g_len)
        die("truncated floor file");
    blob b = {g_buf + g_pos, n};
    g_pos += n;
    return b;
}

static uint8_t rd8(void)
{
    if (g_pos >= g_len)
        die("truncated floor file");
    return g_buf[g_pos++];
}

static void *grow(void *p, size_t n, size_t size)
{
    if ((n & (n - 1)) == 0) {
        p = realloc(p, (n ? n * 2 : 1) * size);
        if (!p)
            die("out of memory");
    }
    return p;
}

static void load(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        die("cannot open the floor file");
    size_t cap = 1 << 20;
    g_buf = malloc(cap);
    size_t n;
    while (g_buf && (n = fread(g_buf + g_len, 1, cap - g_len, f)) > 0) {
        g_len += n;
        if (g_len == cap)
            g_buf = realloc(g_buf, cap *= 2);
    }
    fclose(f);
    if (!g_buf || g_len < 15 || memcmp(g_buf, "MTLSFLOOR1\n", 11) != 0)
        die("not a floor file");
    g_pos = 11;
    g_time = (time_t)rd32();
    while (g_pos < g_len) {
        uint8_t t = rd8();
        if (t == 'C') {
            uint32_t id = rd32();
            if (id != g_ncerts)
                die("certificate ids out of order");
            g_cert_der = grow(g_cert_der, g_ncerts, sizeof(blob));
            g_cert_der[g_ncerts++] = rdblob();
        } else if (t == 'S') {
            sigrec s;
            s.vis = rd8();
            s.scheme = (uint16_t)(rd8() << 8);
            s.scheme |= rd8();
            s.cert = rd32();
            s.content = rdblob();
            s.sig = rdblob();
            if (s.cert >= g_ncerts)
                die("signature names an unknown certificate");
            g_sigs = grow(g_sigs, g_nsigs, sizeof(sigrec));
            g_sigs[g_nsigs++] = s;
        } else if (t == 'H') {
            chainrec c;
            c.vis0 = rd8();
            c.vis1 = rd8();
            c.n = rd32();
            if (c.n == 0 || c.n > 4)
                die("bad chain length");
            for (uint32_t i = 0; i < c.n; i++)
                if ((c.ids[i] = rd32()) >= g_ncerts)
                    die("chain names an unknown certificate");
            g_chains = grow(g_chains, g_nchains, sizeof(chainrec));
            g_chains[g_nchains++] = c;
        } else {
            die("unknown record in the floor file");
        }
    }
}

static double cpu_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static X509 **g_x509;
static double g_decode_s;
static uint32_t g_decoded;

static X509 *cert(uint32_t id)
{
    if (!g_x509[id]) {
        double t0 = cpu_now();
        const unsigned char *p = g_cert_der[id].p;
        g_x509[id] = d2i_X509(NULL, &p, (long)g_cert_der[id].n);
        if (!g_x509[id])
            die("d2i_X509");
        X509_get0_pubkey(g_x509[id]); /* the key is decoded here too */
        g_decode_s += cpu_now() - t0;
        g_decoded++;
    }
    return g_x509[id];
}

static bool verify_sig(const sigrec *s)
{
    const EVP_MD *md;
    switch (s->scheme & 0xff00) {
    case 0x0400: md = EVP_sha256(); break;
    case 0x0500: md = EVP_sha384(); break;
    case 0x0600: md = EVP_sha512(); break;
    case 0x0800:
        md = (s->scheme & 0xff) == 4 || (s->scheme & 0xff) == 9   ? EVP_sha256()
             : (s->scheme & 0xff) == 5 || (s->scheme & 0xff) == 10 ? EVP_sha384()
                                                                    : EVP_sha512();
        break;
    default: die("unsupported signature scheme");
    }
    EVP_PKEY *pk = X509_get0_pubkey(cert(s->cert));
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    if (!m || EVP_DigestVerifyInit(m, &pc, md, NULL, pk) != 1)
        die("EVP_DigestVerifyInit");
    if ((s->scheme & 0xff00) == 0x0800 &&
        (EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PSS_PADDING) != 1 ||
         EVP_PKEY_CTX_set_rsa_pss_saltlen(pc, RSA_PSS_SALTLEN_DIGEST) != 1))
        die("PSS parameters");
    int r = EVP_DigestVerify(m, s->sig.p, s->sig.n, s->content.p, s->content.n);
    EVP_MD_CTX_free(m);
    return r == 1;
}

typedef struct result {
    double cpu, sig, chain, decode;
    size_t nsig, nchain, invalid, bad_sigs;
} result;

static result run_once(X509_STORE *store, bool keylog)
{
    result r = {0};
    for (uint32_t i = 0; i < g_ncerts; i++) {
        X509_free(g_x509[i]);
        g_x509[i] = NULL;
    }
    g_decode_s = 0;
    g_decoded = 0;
    double t0 = cpu_now();
    for (size_t i = 0; i < g_nsigs; i++) {
        if (g_sigs[i].vis && !keylog)
            continue;
        r.nsig++;
        if (!verify_sig(&g_sigs[i]))
            r.bad_sigs++;
    }
    double t1 = cpu_now();
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    for (size_t i = 0; i < g_nchains; i++) {
        const chainrec *c = &g_chains[i];
        if (!(keylog ? c->vis1 : c->vis0))
            continue;
        r.nchain++;
        STACK_OF(X509) *untrusted = sk_X509_new_null();
        for (uint32_t k = 1; k < c->n; k++)
            sk_X509_push(untrusted, cert(c->ids[k]));
        if (!ctx || X509_STORE_CTX_init(ctx, store, cert(c->ids[0]), untrusted) != 1)
            die("X509_STORE_CTX_init");
        X509_STORE_CTX_set_time(ctx, 0, g_time);
        if (X509_verify_cert(ctx) != 1)
            r.invalid++;
        X509_STORE_CTX_cleanup(ctx);
        sk_X509_free(untrusted);
    }
    X509_STORE_CTX_free(ctx);
    double t2 = cpu_now();
    r.cpu = t2 - t0;
    r.decode = g_decode_s;
    r.sig = t1 - t0;
    r.chain = t2 - t1;
    return r;
}

static int cmp_result(const void *a, const void *b)
{
    double x = ((const result *)a)->cpu, y = ((const result *)b)->cpu;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    bool keylog = false;
    int reps = 1;
    long expect_invalid = -1;
    const char *floor_path = NULL, *ca_path = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--keylog"))
            keylog = true;
        else if (!strcmp(argv[i], "--reps") && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--expect-invalid") && i + 1 < argc)
            expect_invalid = atol(argv[++i]);
        else if (!floor_path)
            floor_path = argv[i];
        else if (!ca_path)
            ca_path = argv[i];
        else
            floor_path = NULL, i = argc;
    }
    if (!floor_path || !ca_path || reps < 1) {
        fputs("usage: crypto_floor FLOOR CA.pem [--keylog] [--reps N] [--expect-invalid N]\n", stderr);
        return 2;
    }
    load(floor_path);
    X509_STORE *store = X509_STORE_new();
    if (!store || X509_STORE_load_file(store, ca_path) != 1)
        die("cannot load the CA bundle");
    g_x509 = calloc(g_ncerts ? g_ncerts : 1, sizeof(X509 *));
    result *rs = calloc((size_t)reps, sizeof(result));
    if (!g_x509 || !rs)
        die("out of memory");
    for (int i = 0; i < reps; i++)
        rs[i] = run_once(store, keylog);
    qsort(rs, (size_t)reps, sizeof(result), cmp_result);
    result r = rs[reps / 2];
    printf("floor: signatures %zu chains %zu invalid_chains %zu certs %u cpu_s %.4f sig_s %.4f chain_s %.4f "
           "decode_s %.4f\n",
           r.nsig, r.nchain, r.invalid, g_decoded, r.cpu, r.sig, r.chain, r.decode);
    int rc = 0;
    if (r.bad_sigs) {
        fprintf(stderr, "crypto_floor: %zu signatures did not verify\n", r.bad_sigs);
        rc = 1;
    }
    if (expect_invalid >= 0 && (size_t)expect_invalid != r.invalid) {
        fprintf(stderr, "crypto_floor: %zu chains invalid, expected %ld\n", r.invalid, expect_invalid);
        rc = 1;
    }
    for (uint32_t i = 0; i < g_ncerts; i++)
        X509_free(g_x509[i]);
    free(g_x509);
    free(rs);
    X509_STORE_free(store);
    free(g_sigs);
    free(g_chains);
    free(g_cert_der);
    free(g_buf);
    return rc;
}
