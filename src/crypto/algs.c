/*
 * algs.c — OpenSSL digests fetched once per process (algs.h).
 */
#include "algs.h"

#include <pthread.h>
#include <strings.h>

#include <openssl/err.h>

static const char *const md_names[ALGS_N_MD] = {
    [ALGS_MD5] = "MD5", [ALGS_SHA1] = "SHA1", [ALGS_SHA256] = "SHA256",
    [ALGS_SHA384] = "SHA384", [ALGS_SHA512] = "SHA512",
};

static EVP_MD *mds[ALGS_N_MD];
static pthread_once_t fetched = PTHREAD_ONCE_INIT;

static void fetch_all(void)
{
    for (int i = 0; i < ALGS_N_MD; i++)
        mds[i] = EVP_MD_fetch(NULL, md_names[i], NULL); /* MD5 is absent in FIPS mode: NULL */
    ERR_clear_error();
}

const EVP_MD *algs_md_get(algs_md id)
{
    if ((unsigned)id >= ALGS_N_MD)
        return NULL;
    pthread_once(&fetched, fetch_all);
    return mds[id];
}

const EVP_MD *algs_md_named(const char *name)
{
    if (!name)
        return NULL;
    pthread_once(&fetched, fetch_all);
    for (int i = 0; i < ALGS_N_MD; i++)
        if (mds[i] && (strcasecmp(name, md_names[i]) == 0 || EVP_MD_is_a(mds[i], name)))
            return mds[i];
    return NULL;
}

int algs_digest(algs_md id, const void *data, size_t len, unsigned char *out, unsigned int *out_len)
{
    const EVP_MD *md = algs_md_get(id);
    return md && EVP_Digest(data, len, out, out_len, md, NULL) == 1;
}
