#include "crypto_mem.h"

#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/decoder.h>
#include <openssl/encoder.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>

#include "resfail.h"

/* While OpenSSL starts up (crypto_warm_up: its init and the first use of
 * each kind of algorithm, which makes the name map and its locks): OpenSSL
 * 3.0 does not check every allocation there (a lock it then takes is NULL)
 * and crashes after one failed; nothing has been read or written yet, so the
 * run ends at once with its message and exit status 2 instead. */
static volatile int g_starting;

static void failed_allocation(void)
{
    resfail_note();
    if (g_starting) {
        static const char msg[] = "mtlsdump: cannot start: out of memory while OpenSSL started up\n";
        ssize_t w = write(STDERR_FILENO, msg, sizeof(msg) - 1);
        (void)w;
        _exit(2);
    }
}

static void *count_malloc(size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    void *p = malloc(n);
    if (!p && n)
        failed_allocation();
    return p;
}

static void *count_realloc(void *old, size_t n, const char *file, int line)
{
    (void)file;
    (void)line;
    void *p = realloc(old, n);
    if (!p && n)
        failed_allocation();
    return p;
}

static void count_free(void *p, const char *file, int line)
{
    (void)file;
    (void)line;
    free(p);
}

bool crypto_mem_install(void) { return CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free) == 1; }

static void keep_none(void *method, void *arg)
{
    (void)method;
    (void)arg;
}

#define KEEP_NONE(type)                                   \
    static void none_##type(type *m, void *arg) { keep_none(m, arg); }
KEEP_NONE(EVP_MD)
KEEP_NONE(EVP_CIPHER)
KEEP_NONE(EVP_SIGNATURE)
KEEP_NONE(EVP_KEYMGMT)
KEEP_NONE(EVP_KEYEXCH)
KEEP_NONE(EVP_ASYM_CIPHER)
KEEP_NONE(EVP_KEM)
KEEP_NONE(EVP_KDF)
KEEP_NONE(EVP_MAC)
KEEP_NONE(EVP_RAND)
KEEP_NONE(OSSL_DECODER)
KEEP_NONE(OSSL_ENCODER)

bool crypto_warm_up(void)
{
    uint64_t failures = resfail_count();
    /* OpenSSL's own start first: when it failed, the rest would crash on its
     * missing locks (seen with OpenSSL 3.0) */
    g_starting = 1;
    if (OPENSSL_init_crypto(0, NULL) != 1 || resfail_count() != failures) {
        g_starting = 0;
        return false;
    }
    EVP_MD_do_all_provided(NULL, none_EVP_MD, NULL);
    EVP_CIPHER_do_all_provided(NULL, none_EVP_CIPHER, NULL);
    EVP_SIGNATURE_do_all_provided(NULL, none_EVP_SIGNATURE, NULL);
    EVP_KEYMGMT_do_all_provided(NULL, none_EVP_KEYMGMT, NULL);
    EVP_KEYEXCH_do_all_provided(NULL, none_EVP_KEYEXCH, NULL);
    EVP_ASYM_CIPHER_do_all_provided(NULL, none_EVP_ASYM_CIPHER, NULL);
    EVP_KEM_do_all_provided(NULL, none_EVP_KEM, NULL);
    EVP_KDF_do_all_provided(NULL, none_EVP_KDF, NULL);
    EVP_MAC_do_all_provided(NULL, none_EVP_MAC, NULL);
    EVP_RAND_do_all_provided(NULL, none_EVP_RAND, NULL);
    OSSL_DECODER_do_all_provided(NULL, none_OSSL_DECODER, NULL);
    OSSL_ENCODER_do_all_provided(NULL, none_OSSL_ENCODER, NULL);
    g_starting = 0;
    return resfail_count() == failures;
}
