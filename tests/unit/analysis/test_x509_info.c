/*
 * test_x509_info.c — per-certificate extraction (x509_info), one-line DNs
 * (dn) and --dump-certs files (certdump), on certificates made by OpenSSL in
 * the test and on hostile DER: garbage, every truncated prefix, length fields
 * off by one, trailing bytes, deep nesting, huge lengths.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "certdump.h"
#include "dn.h"
#include "x509_info.h"
#include "pki/test_pki.h"

/* A certificate's bytes as the analysis reads them (chain_verify.c): decoded,
 * then its facts extracted. */
static int extract(const uint8_t *der, size_t len, cert_info *out)
{
    X509 *x = x509i_decode(der, len);
    int rc = x509i_extract_x509(x, der, len, out);
    X509_free(x);
    return rc;
}

static EVP_PKEY *k_ca, *k_leaf, *k_rsa, *k_ed;
static X509 *ca, *leaf, *rsa_leaf, *ed_leaf;
static bytes_t leaf_der;

static int setup(void **state)
{
    (void)state;
    k_ca = tp_key_ec();
    k_leaf = tp_key_ec();
    k_rsa = tp_key_rsa(2048);
    k_ed = tp_key_named("ED25519");
    tp_opts o = {.nb = TP_T0 - 1000 * TP_DAY, .na = TP_T0 + 3650 * TP_DAY, .ca = 1, .pathlen = 0,
                 .org = "Zürich Test"};
    ca = tp_cert("Info CA", k_ca, NULL, NULL, &o);
    tp_opts l = {.nb = TP_T0 - TP_DAY, .na = TP_T0 + 90 * TP_DAY, .ca = 0, .pathlen = -1,
                 .eku = "serverAuth,clientAuth",
                 .san = "DNS:a.test,DNS:*.b.test,IP:192.0.2.7,IP:2001:db8::1,URI:spiffe://t/x,email:ops@a.test",
                 .serial = 0x1234abcd, .org = "Org"};
    leaf = tp_cert("a.test", k_leaf, ca, k_ca, &l);
    l.san = NULL;
    l.eku = "clientAuth";
    rsa_leaf = tp_cert("rsa.test", k_rsa, ca, k_ca, &l);
    l.md = "";
    ed_leaf = tp_cert("ed.test", k_ed, NULL, NULL, &l);
    leaf_der = tp_der(leaf);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(leaf_der.data);
    X509_free(ca);
    X509_free(leaf);
    X509_free(rsa_leaf);
    X509_free(ed_leaf);
    EVP_PKEY_free(k_ca);
    EVP_PKEY_free(k_leaf);
    EVP_PKEY_free(k_rsa);
    EVP_PKEY_free(k_ed);
    return 0;
}

static void x509_digest_hex(X509 *x, const EVP_MD *md, char *out)
{
    unsigned char buf[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    assert_true(X509_digest(x, md, buf, &n));
    for (unsigned i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", buf[i]);
}

static void test_leaf_fields(void **state)
{
    (void)state;
    cert_info ci;
    assert_int_equal(extract(leaf_der.data, leaf_der.len, &ci), 0);
    assert_false(ci.decode_error);
    assert_int_equal(ci.der_len, leaf_der.len);
    assert_string_equal(ci.subject, "CN=a.test,O=Org");
    assert_string_equal(ci.issuer, "CN=Info CA,O=Zürich Test"); /* UTF-8 stays UTF-8 */
    assert_string_equal(ci.subject_cn, "a.test");
    assert_string_equal(ci.issuer_cn, "Info CA");
    assert_string_equal(ci.serial_hex, "1234abcd");
    assert_int_equal(ci.not_before, TP_T0 - TP_DAY);
    assert_int_equal(ci.not_after, TP_T0 + 90 * TP_DAY);
    assert_int_equal(ci.n_san, 6);
    assert_string_equal(ci.san[0], "DNS:a.test");
    assert_string_equal(ci.san[1], "DNS:*.b.test");
    assert_string_equal(ci.san[2], "IP:192.0.2.7");
    assert_string_equal(ci.san[3], "IP:2001:db8::1");
    assert_string_equal(ci.san[4], "URI:spiffe://t/x");
    assert_string_equal(ci.san[5], "email:ops@a.test");
    assert_string_equal(ci.key_alg, "EC");
    assert_int_equal(ci.key_bits, 256);
    assert_string_equal(ci.key_curve, "prime256v1");
    assert_string_equal(ci.sig_alg, "ecdsa-with-SHA256");
    assert_string_equal(ci.key_usage, "digitalSignature");
    assert_string_equal(ci.ext_key_usage, "serverAuth,clientAuth");
    assert_int_equal(ci.is_ca, 0);
    assert_int_equal(ci.path_len, -1);
    assert_non_null(ci.ski);
    assert_int_equal(strlen(ci.ski), 40);
    assert_false(ci.self_signed);
    char fp[65];
    x509_digest_hex(leaf, EVP_sha256(), fp);
    assert_string_equal(ci.sha256, fp);
    x509_digest_hex(leaf, EVP_sha1(), fp);
    assert_string_equal(ci.sha1, fp);
    /* AKI of the leaf is the SKI of the CA */
    cert_info cai;
    bytes_t d = tp_der(ca);
    assert_int_equal(extract(d.data, d.len, &cai), 0);
    assert_string_equal(ci.aki, cai.ski);
    assert_int_equal(cai.is_ca, 1);
    assert_int_equal(cai.path_len, 0);
    assert_string_equal(cai.key_usage, "keyCertSign,cRLSign");
    assert_null(cai.ext_key_usage);
    assert_true(cai.self_signed);
    assert_int_equal(cai.n_san, 0);
    cert_info_cleanup(&cai);
    free(d.data);
    cert_info_cleanup(&ci);
}

static void test_rsa_and_ed25519(void **state)
{
    (void)state;
    cert_info ci;
    bytes_t d = tp_der(rsa_leaf);
    assert_int_equal(extract(d.data, d.len, &ci), 0);
    assert_string_equal(ci.key_alg, "RSA");
    assert_int_equal(ci.key_bits, 2048);
    assert_null(ci.key_curve);
    assert_string_equal(ci.sig_alg, "ecdsa-with-SHA256");
    assert_string_equal(ci.ext_key_usage, "clientAuth");
    cert_info_cleanup(&ci);
    free(d.data);
    d = tp_der(ed_leaf);
    assert_int_equal(extract(d.data, d.len, &ci), 0);
    assert_string_equal(ci.key_alg, "ED25519");
    assert_string_equal(ci.sig_alg, "ED25519");
    assert_true(ci.self_signed);
    cert_info_cleanup(&ci);
    free(d.data);
}

static void assert_decode_error(const uint8_t *der, size_t len)
{
    cert_info ci;
    assert_int_equal(extract(der, len, &ci), 0);
    assert_true(ci.decode_error);
    assert_int_equal(ci.der_len, len);
    assert_int_equal(strlen(ci.sha256), 64);
    assert_int_equal(strlen(ci.sha1), 40);
    assert_null(ci.subject);
    assert_null(ci.key_alg);
    cert_info_cleanup(&ci);
}

static void test_truncation_sweep(void **state)
{
    (void)state;
    /* every proper prefix of a real certificate */
    for (size_t n = 0; n < leaf_der.len; n++)
        assert_decode_error(leaf_der.data, n);
    /* one trailing byte */
    uint8_t *buf = malloc(leaf_der.len + 1);
    memcpy(buf, leaf_der.data, leaf_der.len);
    buf[leaf_der.len] = 0x00;
    assert_decode_error(buf, leaf_der.len + 1);
    /* the outer length (30 82 hi lo) one too long, one too short, zero */
    assert_int_equal(buf[0], 0x30);
    assert_int_equal(buf[1], 0x82);
    size_t inner = ((size_t)buf[2] << 8) | buf[3];
    size_t variants[] = {inner + 1, inner - 1, 0};
    for (size_t i = 0; i < 3; i++) {
        buf[2] = (uint8_t)(variants[i] >> 8);
        buf[3] = (uint8_t)variants[i];
        assert_decode_error(buf, leaf_der.len);
    }
    free(buf);
}

static void test_hostile_der(void **state)
{
    (void)state;
    static const uint8_t huge_len[] = {0x30, 0x84, 0xff, 0xff, 0xff, 0xff, 0x30, 0x00};
    assert_decode_error(huge_len, sizeof(huge_len));
    static const uint8_t huge_len8[] = {0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    assert_decode_error(huge_len8, sizeof(huge_len8));
    static const uint8_t indefinite[] = {0x30, 0x80, 0x30, 0x80, 0x00, 0x00, 0x00, 0x00};
    assert_decode_error(indefinite, sizeof(indefinite));
    static const uint8_t not_seq[] = {0x04, 0x03, 'a', 'b', 'c'};
    assert_decode_error(not_seq, sizeof(not_seq));
    /* 100000 levels of nested SEQUENCE with indefinite lengths */
    size_t depth = 100000;
    uint8_t *deep = malloc(depth * 4);
    for (size_t i = 0; i < depth; i++) {
        deep[2 * i] = 0x30;
        deep[2 * i + 1] = 0x80;
    }
    memset(deep + 2 * depth, 0, 2 * depth);
    assert_decode_error(deep, depth * 4);
    /* nested definite-length SEQUENCEs, each 0x30 0x84 <len> */
    size_t levels = 10000, total = levels * 6;
    for (size_t i = 0; i < levels; i++) {
        size_t rest = total - 6 * (i + 1);
        uint8_t *p = deep + 6 * i;
        p[0] = 0x30;
        p[1] = 0x84;
        p[2] = (uint8_t)(rest >> 24);
        p[3] = (uint8_t)(rest >> 16);
        p[4] = (uint8_t)(rest >> 8);
        p[5] = (uint8_t)rest;
    }
    assert_decode_error(deep, total);
    /* pseudo-random garbage of many sizes (fixed LCG: reproducible) */
    uint32_t s = 12345;
    for (size_t n = 1; n < 2000; n += 37) {
        for (size_t i = 0; i < n; i++) {
            s = s * 1103515245u + 12345u;
            deep[i] = (uint8_t)(s >> 16);
        }
        deep[0] = 0x30;
        assert_decode_error(deep, n);
    }
    free(deep);
    /* NULL / empty */
    cert_info ci;
    assert_int_equal(extract(NULL, 0, &ci), 0);
    assert_true(ci.decode_error);
    cert_info_cleanup(&ci);
    assert_null(x509i_decode(NULL, 0));
}

static void test_flipped_bytes_never_crash(void **state)
{
    (void)state;
    /* every byte of a real certificate flipped in turn: decode or decode_error */
    uint8_t *buf = malloc(leaf_der.len);
    size_t decoded = 0;
    for (size_t i = 0; i < leaf_der.len; i++) {
        memcpy(buf, leaf_der.data, leaf_der.len);
        buf[i] ^= 0xff;
        cert_info ci;
        assert_int_equal(extract(buf, leaf_der.len, &ci), 0);
        if (!ci.decode_error) {
            decoded++;
            assert_non_null(ci.subject);
        }
        cert_info_cleanup(&ci);
    }
    /* flips inside the signature or key bits still decode */
    assert_true(decoded > 0);
    assert_true(decoded < leaf_der.len);
    free(buf);
}

static void test_dn(void **state)
{
    (void)state;
    unsigned char *der = NULL;
    int n = i2d_X509_NAME(X509_get_subject_name(ca), &der);
    assert_true(n > 0);
    char *s = dn_der_to_string(der, (size_t)n);
    assert_string_equal(s, "CN=Info CA,O=Zürich Test");
    free(s);
    /* trailing byte, truncation, garbage */
    unsigned char *buf = malloc((size_t)n + 1);
    memcpy(buf, der, (size_t)n);
    buf[n] = 0;
    assert_null(dn_der_to_string(buf, (size_t)n + 1));
    for (int k = 0; k < n; k++)
        assert_null(dn_der_to_string(buf, (size_t)k));
    static const uint8_t junk[] = {0x02, 0x01, 0x05};
    assert_null(dn_der_to_string(junk, sizeof(junk)));
    free(buf);
    OPENSSL_free(der);
    /* the empty Name is "" */
    static const uint8_t empty_name[] = {0x30, 0x00};
    s = dn_der_to_string(empty_name, sizeof(empty_name));
    assert_non_null(s);
    assert_string_equal(s, "");
    free(s);
    /* RFC 2253 escaping of specials inside a value */
    X509_NAME *nm = X509_NAME_new();
    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)"a,b+c", -1, -1, 0);
    s = dn_name_to_string(nm);
    assert_string_equal(s, "CN=a\\,b\\+c");
    free(s);
    char *cn = dn_name_cn(nm);
    assert_string_equal(cn, "a,b+c");
    free(cn);
    X509_NAME_free(nm);
}

/* ---------- certdump ---------- */

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = calloc(1, 65536);
    size_t n = fread(buf, 1, 65535, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static void test_certdump(void **state)
{
    (void)state;
    char *dir = tp_tmpdir("dump");
    cert_info ci;
    assert_int_equal(extract(leaf_der.data, leaf_der.len, &ci), 0);
    char *err = NULL;
    assert_int_equal(certdump_check_dir(dir, &err), 0);
    assert_int_equal(certdump_write(dir, leaf_der.data, leaf_der.len, ci.sha256, &err), 1);
    assert_null(err);
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s.pem", dir, ci.sha256) > 0);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    X509 *back = PEM_read_X509(f, NULL, NULL, NULL);
    fclose(f);
    assert_non_null(back);
    assert_int_equal(X509_cmp(back, leaf), 0);
    X509_free(back);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0644);
    /* exists: left alone, reported as 0 */
    char *before = read_file(path);
    assert_int_equal(certdump_write(dir, leaf_der.data, leaf_der.len, ci.sha256, &err), 0);
    char *after = read_file(path);
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* a symlink planted under the name is never followed */
    char *victim = NULL, *link = NULL;
    assert_true(asprintf(&victim, "%s/victim", dir) > 0);
    f = fopen(victim, "w");
    fputs("precious\n", f);
    fclose(f);
    cert_info ci2;
    bytes_t d2 = tp_der(rsa_leaf);
    assert_int_equal(extract(d2.data, d2.len, &ci2), 0);
    assert_true(asprintf(&link, "%s/%s.pem", dir, ci2.sha256) > 0);
    assert_int_equal(symlink(victim, link), 0);
    assert_int_equal(certdump_write(dir, d2.data, d2.len, ci2.sha256, &err), 0);
    char *v = read_file(victim);
    assert_string_equal(v, "precious\n");
    free(v);
    /* dangling symlink: still not followed (O_EXCL|O_NOFOLLOW) */
    char *dangling_target = NULL;
    assert_true(asprintf(&dangling_target, "%s/created-through-link", dir) > 0);
    assert_int_equal(unlink(link), 0);
    assert_int_equal(symlink(dangling_target, link), 0);
    assert_int_equal(certdump_write(dir, d2.data, d2.len, ci2.sha256, &err), 0);
    assert_int_equal(access(dangling_target, F_OK), -1);
    /* names are only ever a lowercase hex fingerprint */
    char evil[65] = "../../etc/passwd";
    assert_int_equal(certdump_write(dir, d2.data, d2.len, evil, &err), -1);
    assert_non_null(err);
    free(err);
    err = NULL;
    char upper[65];
    memcpy(upper, ci2.sha256, 65);
    upper[0] = 'A';
    assert_int_equal(certdump_write(dir, d2.data, d2.len, upper, &err), -1);
    free(err);
    err = NULL;
    /* undecodable bytes are still dumped as they came, under their hash */
    static const uint8_t junk[] = {0x30, 0x03, 0x01, 0x02, 0x03};
    char junk_fp[65];
    assert_int_equal(x509i_sha256_hex(junk, sizeof(junk), junk_fp), 0);
    assert_int_equal(certdump_write(dir, junk, sizeof(junk), junk_fp, &err), 1);
    /* missing directory */
    assert_int_equal(certdump_write("/nonexistent-dir-mtls", d2.data, d2.len, ci2.sha256, &err), -1);
    assert_non_null(strstr(err, "/nonexistent-dir-mtls"));
    free(err);
    err = NULL;
    assert_int_equal(certdump_check_dir("/nonexistent-dir-mtls", &err), -1);
    free(err);
    err = NULL;
    if (geteuid() == 0) {
        /* as root: refuse a directory owned by someone else */
        char *udir = NULL;
        assert_true(asprintf(&udir, "%s/user", dir) > 0);
        assert_int_equal(mkdir(udir, 0755), 0);
        assert_int_equal(chown(udir, 65534, 65534), 0);
        assert_int_equal(certdump_check_dir(udir, &err), -1);
        assert_non_null(strstr(err, "root"));
        free(err);
        err = NULL;
        assert_int_equal(certdump_write(udir, d2.data, d2.len, ci2.sha256, &err), -1);
        free(err);
        err = NULL;
        /* and a symlink to a directory */
        char *ldir = NULL;
        assert_true(asprintf(&ldir, "%s/linkdir", dir) > 0);
        char *real = NULL;
        assert_true(asprintf(&real, "%s/real", dir) > 0);
        assert_int_equal(mkdir(real, 0755), 0);
        assert_int_equal(symlink(real, ldir), 0);
        assert_int_equal(certdump_check_dir(ldir, &err), -1);
        free(err);
        err = NULL;
        assert_int_equal(certdump_check_dir(real, &err), 0);
        free(udir);
        free(ldir);
        free(real);
    }
    cert_info_cleanup(&ci);
    cert_info_cleanup(&ci2);
    free(d2.data);
    free(victim);
    free(link);
    free(dangling_target);
    free(path);
    tp_rmtree(dir);
    free(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_leaf_fields),
        cmocka_unit_test(test_rsa_and_ed25519),
        cmocka_unit_test(test_truncation_sweep),
        cmocka_unit_test(test_hostile_der),
        cmocka_unit_test(test_flipped_bytes_never_crash),
        cmocka_unit_test(test_dn),
        cmocka_unit_test(test_certdump),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
