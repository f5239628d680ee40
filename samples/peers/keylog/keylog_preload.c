/* keylog_preload.so — makes any program linked against OpenSSL 3 write an NSS
 * key log (SSLKEYLOGFILE format) to the file named by $SSLKEYLOGFILE, so the
 * captures of servers and clients that have no key-log option of their own
 * (libpq/psql, PostgreSQL, MariaDB, mosquitto, redis, ...) can be decrypted.
 *
 *   cc -shared -fPIC -O2 -o keylog_preload.so keylog_preload.c -ldl
 *   SSLKEYLOGFILE=/tmp/x.keys LD_PRELOAD=$PWD/keylog_preload.so psql ...
 *
 * It wraps SSL_new (every connection passes through it, whichever way the
 * program made its SSL_CTX) and installs SSL_CTX_set_keylog_callback on the
 * connection's context. Lines are appended with one write(2) each under
 * O_APPEND, so a server and its client may share one file. Test tool only:
 * never preload it into anything that handles real secrets. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/ssl.h>

static void write_line(const SSL *ssl, const char *line)
{
    (void)ssl;
    const char *path = getenv("SSLKEYLOGFILE");
    if (!path || !*path || !line)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    size_t n = strlen(line);
    char buf[1024];
    if (n + 1 <= sizeof buf) {
        memcpy(buf, line, n);
        buf[n] = '\n';
        ssize_t w = write(fd, buf, n + 1);
        (void)w;
    }
    close(fd);
}

SSL *SSL_new(SSL_CTX *ctx)
{
    static SSL *(*real)(SSL_CTX *);
    if (!real)
        real = (SSL * (*)(SSL_CTX *)) dlsym(RTLD_NEXT, "SSL_new");
    if (ctx && SSL_CTX_get_keylog_callback(ctx) == NULL)
        SSL_CTX_set_keylog_callback(ctx, write_line);
    return real ? real(ctx) : NULL;
}
