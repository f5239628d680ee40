#include "certdump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>

#include "text.h"

static void set_err(char **err, const char *fmt, ...) MTLS_PRINTF(2, 3);
static void set_err(char **err, const char *fmt, ...)
{
    if (!err)
        return;
    va_list ap;
    va_start(ap, fmt);
    *err = text_vprintf(fmt, ap);
    va_end(ap);
}

/* Open DIR as a directory fd and apply the ownership rule. Returns the fd or
 * -1 with *err set. */
static int open_dir(const char *dir, char **err)
{
    bool root = geteuid() == 0;
    int flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC | (root ? O_NOFOLLOW : 0);
    int fd = open(dir, flags);
    if (fd < 0) {
        set_err(err, "--dump-certs %s: cannot open directory: %s%s", dir, strerror(errno),
                root && errno == ELOOP ? " (a symlink is refused when running as root)" : "");
        return -1;
    }
    struct stat st;
    if (fstat(fd, &st) != 0 || !S_ISDIR(st.st_mode)) {
        set_err(err, "--dump-certs %s: not a directory", dir);
        close(fd);
        return -1;
    }
    if (root && st.st_uid != 0) {
        set_err(err,
                "--dump-certs %s: refusing to write as root into a directory owned by uid %u; "
                "use a root-owned directory or run without root (-Z USER)",
                dir, (unsigned)st.st_uid);
        close(fd);
        return -1;
    }
    if (root && (st.st_mode & S_IWOTH) && !(st.st_mode & S_ISVTX)) {
        set_err(err, "--dump-certs %s: refusing to write as root into a world-writable directory",
                dir);
        close(fd);
        return -1;
    }
    return fd;
}

int certdump_check_dir(const char *dir, char **err)
{
    if (err)
        *err = NULL;
    if (!dir || !*dir) {
        set_err(err, "--dump-certs needs a directory");
        return -1;
    }
    int fd = open_dir(dir, err);
    if (fd < 0)
        return -1;
    close(fd);
    return 0;
}

static bool hex64(const char *s)
{
    for (int i = 0; i < 64; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
            return false;
    return s[64] == '\0';
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int certdump_write(const char *dir, const uint8_t *der, size_t len, const char sha256_hex[65],
                   char **err)
{
    if (err)
        *err = NULL;
    if (!sha256_hex || !hex64(sha256_hex)) {
        set_err(err, "--dump-certs: refusing a file name that is not a SHA-256 hex fingerprint");
        return -1;
    }
    if (!der || len == 0 || len > (size_t)INT32_MAX) {
        set_err(err, "--dump-certs: empty or oversized certificate");
        return -1;
    }
    if (!dir || !*dir) {
        set_err(err, "--dump-certs needs a directory");
        return -1;
    }
    /* the DER is written as it came off the wire, even when it does not
     * decode, so the exact bytes can be examined */
    BIO *mem = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long pem_len = 0;
    if (!mem || !PEM_write_bio(mem, "CERTIFICATE", "", der, (long)len) ||
        (pem_len = BIO_get_mem_data(mem, &pem)) <= 0) {
        BIO_free(mem);
        ERR_clear_error();
        set_err(err, "--dump-certs: cannot encode PEM");
        return -1;
    }
    int dfd = open_dir(dir, err);
    if (dfd < 0) {
        BIO_free(mem);
        return -1;
    }
    char name[64 + 5];
    memcpy(name, sha256_hex, 64);
    memcpy(name + 64, ".pem", 5);
    int rc = -1;
    int fd = openat(dfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST) {
            rc = 0; /* written before (or something else is there): never touched */
        } else {
            set_err(err, "--dump-certs %s/%s: %s", dir, name, strerror(errno));
        }
    } else {
        int wrc = write_all(fd, pem, (size_t)pem_len);
        if (close(fd) != 0)
            wrc = -1;
        if (wrc == 0) {
            rc = 1;
        } else {
            set_err(err, "--dump-certs %s/%s: write failed: %s", dir, name, strerror(errno));
            unlinkat(dfd, name, 0);
        }
    }
    close(dfd);
    BIO_free(mem);
    return rc;
}

void certdump_connection(const char *dir, const conn_view *c)
{
    for (int d = 0; d < 2; d++) {
        const side_info *si = &c->s->side[d];
        const chain_report *r = c->a->chain[d];
        for (size_t i = 0; r && i < si->n_certs && i < r->n_certs; i++) {
            char *err = NULL;
            if (certdump_write(dir, si->certs[i].data, si->certs[i].len, r->certs[i].sha256, &err) < 0)
                fprintf(stderr, "mtlsdump: warning: --dump-certs: %s\n", err ? err : "write failed");
            free(err);
        }
    }
}
