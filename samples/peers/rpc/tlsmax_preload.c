/* tlsmax_preload.so — caps the TLS version of every connection an OpenSSL 3
 * program makes at TLS 1.2 when MTLS_TLS_MAX=1.2 is set. Python's gRPC
 * (python3-grpcio links the system libssl) has no option for the protocol
 * version, and gRPC core sets its own min/max on the SSL_CTX after creating it,
 * so neither the program nor an OpenSSL configuration file can force TLS 1.2:
 * this wraps SSL_new and calls SSL_set_max_proto_version on the new connection.
 *
 *   cc -shared -fPIC -O2 -o tlsmax_preload.so tlsmax_preload.c -ldl
 *   MTLS_TLS_MAX=1.2 LD_PRELOAD="$PWD/tlsmax_preload.so $PWD/keylog_preload.so" prog
 *
 * Chains with keylog_preload.so (each looks up the next SSL_new with
 * RTLD_NEXT). Test tool only. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <openssl/ssl.h>

SSL *SSL_new(SSL_CTX *ctx)
{
    static SSL *(*real)(SSL_CTX *);
    if (!real)
        real = (SSL * (*)(SSL_CTX *)) dlsym(RTLD_NEXT, "SSL_new");
    SSL *ssl = real ? real(ctx) : NULL;
    const char *max = getenv("MTLS_TLS_MAX");
    if (ssl && max && strcmp(max, "1.2") == 0)
        SSL_set_max_proto_version(ssl, TLS1_2_VERSION);
    return ssl;
}
