/*
 * chain_anchors.c — loading the trust anchors of --ca / --client-ca /
 * --server-ca (a PEM file or a directory of them) into an X509_STORE, and
 * every CA-file certificate into the bundle (see chain_verify.c).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "chain_ctx_access.h"
#include "text.h"

static bool in_stack(STACK_OF(X509) *sk, X509 *x)
{
    for (int i = 0; i < sk_X509_num(sk); i++)
        if (X509_cmp(sk_X509_value(sk, i), x) == 0)
            return true;
    return false;
}

/* Push x (one new reference) unless an equal certificate is there. 1 added,
 * 0 already there, -1 on OOM. */
int chain_push_unique(STACK_OF(X509) *sk, X509 *x)
{
    if (in_stack(sk, x))
        return 0;
    if (!X509_up_ref(x))
        return -1;
    if (!sk_X509_push(sk, x)) {
        X509_free(x);
        return -1;
    }
    return 1;
}

/* A PEM file's certificates all go into *st, as a server or client loading
 * the same file would use them (OpenSSL completes a chain from intermediates
 * in its CA file, so a leaf-only chain that such a peer accepts is valid here
 * too); every one is also remembered in bundle, so an issuer missing on
 * the other side is known (missing_intermediate) rather than foreign
 * (untrusted_root). CRLs go to the store. Returns the number of
 * certificates, -1 on OOM. */
static int load_file(STACK_OF(X509) *bundle, X509_STORE *st, const char *path)
{
    X509_STORE *tmp = X509_STORE_new();
    int n = 0;
    if (!tmp)
        return -1;
    if (!X509_STORE_load_file(tmp, path)) {
        X509_STORE_free(tmp);
        return 0;
    }
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(tmp);
    for (int i = 0; n >= 0 && i < sk_X509_OBJECT_num(objs); i++) {
        X509_OBJECT *o = sk_X509_OBJECT_value(objs, i);
        X509 *x = X509_OBJECT_get0_X509(o);
        X509_CRL *crl = X509_OBJECT_get0_X509_CRL(o);
        if (x) {
            n++;
            if (!X509_STORE_add_cert(st, x) ||
                chain_push_unique(bundle, x) < 0)
                n = -1;
        } else if (crl && !X509_STORE_add_crl(st, crl)) {
            n = -1;
        }
    }
    X509_STORE_free(tmp);
    return n;
}

/* Every PEM file directly in a CA directory, loaded as load_file does (even
 * without c_rehash's hashed names). The number of certificates, -1 on OOM. */
static int load_dir(STACK_OF(X509) *bundle, X509_STORE *st, const char *path)
{
    DIR *d = opendir(path);
    if (!d)
        return 0;
    int total = 0;
    struct dirent *de;
    while (total >= 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *f = text_printf("%s/%s", path, de->d_name);
        struct stat fs;
        if (f && stat(f, &fs) == 0 && S_ISREG(fs.st_mode)) {
            int n = load_file(bundle, st, f);
            total = n < 0 ? -1 : total + n;
        }
        free(f);
    }
    closedir(d);
    ERR_clear_error();
    return total;
}

int chain_anchors_load(X509_STORE **st, STACK_OF(X509) *bundle, const char *path, char **err)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        if (err)
            *err = text_printf("cannot open CA path %s", path);
        return -1;
    }
    if (!*st && !(*st = X509_STORE_new()))
        return -1;
    int ok;
    if (S_ISDIR(sb.st_mode)) {
        int n = load_dir(bundle, *st, path);
        if (n < 0)
            return -1;
        ok = n > 0 && X509_STORE_load_path(*st, path);
        if (n == 0) {
            ERR_clear_error();
            if (err)
                *err = text_printf("no CA certificates in directory %s (expecting PEM files, e.g. "
                                   "from c_rehash or update-ca-certificates)", path);
            return -1;
        }
    } else {
        int n = load_file(bundle, *st, path);
        if (n < 0)
            return -1;
        ok = n > 0;
    }
    ERR_clear_error();
    if (!ok) {
        if (err)
            *err = text_printf("no CA certificates could be loaded from %s (expecting PEM)", path);
        return -1;
    }
    return 0;
}

/* ---------- the system store ---------- */

static X509_STORE *g_system_store; /* one reference held for the process */
static pthread_once_t g_system_once = PTHREAD_ONCE_INIT;

/* A directory of c_rehash links ("3513523f.0"): OpenSSL reads a certificate
 * from it only when a chain asks for its subject. */
static bool hashed_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return false;
    bool found = false;
    for (struct dirent *de; !found && (de = readdir(d)) != NULL;) {
        const char *n = de->d_name;
        size_t len = strlen(n);
        found = len >= 10 && n[8] == '.' && strspn(n, "0123456789abcdef") == 8 &&
                strspn(n + 9, "0123456789") == len - 9;
    }
    closedir(d);
    return found;
}

/* OpenSSL's default places (SSL_CERT_FILE / SSL_CERT_DIR honoured). The
 * default file (Debian: ca-certificates.crt, ~140 certificates) is decoded
 * whole when loaded, ~20 ms; when the default directory holds hashed links
 * to the same certificates and SSL_CERT_FILE is not set, the directory
 * alone serves, certificate by certificate. */
static void system_store_load(void)
{
    X509_STORE *st = X509_STORE_new();
    const char *dir = getenv(X509_get_default_cert_dir_env());
    if (!dir)
        dir = X509_get_default_cert_dir();
    bool dir_only = !getenv(X509_get_default_cert_file_env()) && dir && !strchr(dir, ':') && hashed_dir(dir);
    if (st && (dir_only ? X509_STORE_load_path(st, dir) : X509_STORE_set_default_paths(st)) == 1)
        g_system_store = st;
    else
        X509_STORE_free(st);
    ERR_clear_error();
}

X509_STORE *chain_system_store(void)
{
    (void)pthread_once(&g_system_once, system_store_load);
    if (!g_system_store || X509_STORE_up_ref(g_system_store) != 1)
        return NULL;
    return g_system_store;
}
