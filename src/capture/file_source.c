/* file_source.c — one capture file: opened plain, compressed or streamed,
 * read by libpcap (pcap) or pcapng_reader (pcapng). See file_source.h. */
#include "file_source.h"

#include <errno.h>
#include <fcntl.h>
#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decompress.h"
#include "text.h"

struct file_source {
    FILE *f;            /* the stream read: the file itself or a decompressor over it */
    pcap_t *p;          /* classic pcap: libpcap reads f (and closes it) */
    pcapng_reader *ng;  /* pcapng: our own reader over f */
    bool compressed;
    int blocking_fd;    /* stdin, a pipe or a FIFO: reads can block */
    pcapng_tap *tap;    /* secrets in a streamed pcapng */
    char *iobuf;        /* f's stdio buffer, freed after its fclose */
};

static const uint8_t pcapng_magic[4] = {0x0A, 0x0D, 0x0D, 0x0A};

bool capture_magic(const unsigned char *head, size_t n)
{
    static const uint32_t pcap_magics[] = {0xa1b2c3d4u, 0xa1b23c4du, 0xa1b2cd34u}; /* usec, nsec, Kuznetzov */
    if (n >= 4 && memcmp(head, pcapng_magic, 4) == 0)
        return true;
    if (compression_of(head, n) != COMPRESSION_NONE)
        return true;
    if (n < 4)
        return false;
    uint32_t be = (uint32_t)head[0] << 24 | (uint32_t)head[1] << 16 | (uint32_t)head[2] << 8 | head[3];
    uint32_t le = (uint32_t)head[3] << 24 | (uint32_t)head[2] << 16 | (uint32_t)head[1] << 8 | head[0];
    for (size_t i = 0; i < MTLS_ARRAY_LEN(pcap_magics); i++)
        if (be == pcap_magics[i] || le == pcap_magics[i])
            return true;
    return false;
}

void file_source_close(file_source *s)
{
    if (!s)
        return;
    if (s->p)
        pcap_close(s->p); /* closes f */
    else if (s->f)
        fclose(s->f);
    pcapng_reader_free(s->ng);
    pcapng_tap_free(s->tap);
    free(s->iobuf);
    free(s);
}

/* libpcap often starts its message with the path: name it once. */
static char *pcap_open_error(const char *path, const char *errbuf, compression kind)
{
    const char *why = errbuf;
    size_t pl = strlen(path);
    if (strncmp(why, path, pl) == 0 && strncmp(why + pl, ": ", 2) == 0)
        why += pl + 2;
    if (kind != COMPRESSION_NONE)
        return text_printf("cannot read capture '%s': %s (after %s decompression)", path, why, compression_name(kind));
    return text_printf("cannot read capture '%s': %s", path, why);
}

/* The stream to read: the file itself when it is a plain regular file (head:
 * its first bytes, the stream rewound), else a decompressor (which also
 * serves a pipe, with the tap watching the bytes). 0, or -1 with *err. */
static int open_stream(file_source *s, const char *path, size_t iobuf_size, unsigned char *head, size_t *head_len,
                       compression *kind, char **err)
{
    bool is_stdin = strcmp(path, "-") == 0;
    FILE *raw = is_stdin ? stdin : fopen(path, "rb");
    if (!raw) {
        *err = text_printf("cannot read capture '%s': %s", path, strerror(errno));
        return -1;
    }
    struct stat sb;
    bool have_stat = fstat(fileno(raw), &sb) == 0;
    bool regular = have_stat && S_ISREG(sb.st_mode);
    if (!is_stdin && have_stat && S_ISDIR(sb.st_mode)) {
        fclose(raw); /* named inside a -V list, or reached some other way */
        *err = text_printf("cannot read capture '%s': it is a directory", path);
        return -1;
    }
    /* stdio's default buffer is one block (4 KiB): a read(2) per 4 KiB of
     * capture would cost more than everything libpcap does with it */
    if (regular && !is_stdin && (s->iobuf = malloc(iobuf_size)) != NULL)
        (void)setvbuf(raw, s->iobuf, _IOFBF, iobuf_size); /* glibc ignores a size without a buffer */
    unsigned char magic[8]; /* the longest magic number (xz) is 6 bytes */
    size_t magic_len = regular ? fread(magic, 1, sizeof magic, raw) : 0;
    *head_len = magic_len < DECOMPRESS_HEAD ? magic_len : DECOMPRESS_HEAD;
    memcpy(head, magic, *head_len);
    *kind = COMPRESSION_NONE;
    if (regular && !is_stdin && compression_of(magic, magic_len) == COMPRESSION_NONE) {
        rewind(raw); /* the fast path: read the file itself (its secrets are scanned by name) */
        s->f = raw;
        return 0;
    }
    if (regular)
        rewind(raw);
    else
        s->blocking_fd = fileno(raw); /* a read can block forever: remember how to end it */
    char *derr = NULL;
    if (!(s->tap = pcapng_tap_new()) ||
        !(s->f = decompress_open(raw, s->tap, kind, head, head_len, &derr))) {
        *err = text_printf("cannot read capture '%s': %s", path, derr ? derr : "out of memory");
        free(derr);
        fclose(raw);
        return -1;
    }
    s->compressed = *kind != COMPRESSION_NONE;
    return 0;
}

file_source *file_source_open(const char *path, size_t iobuf_size, char **err)
{
    file_source *s = calloc(1, sizeof(*s));
    if (!s) {
        *err = text_printf("out of memory opening '%s'", path);
        return NULL;
    }
    s->blocking_fd = -1;
    unsigned char head[DECOMPRESS_HEAD];
    size_t head_len;
    compression kind;
    if (open_stream(s, path, iobuf_size, head, &head_len, &kind, err) < 0) {
        file_source_close(s);
        return NULL;
    }
    if (head_len == 4 && memcmp(head, pcapng_magic, 4) == 0) {
        if (!(s->ng = pcapng_reader_new(s->f, NULL, 0))) { /* the stream still starts with the magic */
            *err = text_printf("out of memory opening '%s'", path);
            file_source_close(s);
            return NULL;
        }
        return s;
    }
    char errbuf[PCAP_ERRBUF_SIZE];
    errbuf[0] = '\0';
    s->p = pcap_fopen_offline_with_tstamp_precision(s->f, PCAP_TSTAMP_PRECISION_MICRO, errbuf);
    if (!s->p) {
        *err = pcap_open_error(path, errbuf, kind);
        file_source_close(s);
        return NULL;
    }
    return s;
}

int file_source_next(file_source *s, pcapng_packet *out, char **err)
{
    if (s->ng)
        return pcapng_reader_next(s->ng, out, err);
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(s->p, &h, &data);
    if (rc == PCAP_ERROR_BREAK)
        return 0; /* the end of the file */
    if (rc != 1) {
        *err = text_printf("%s", pcap_geterr(s->p));
        return -1;
    }
    out->ts_us = (uint64_t)h->ts.tv_sec * 1000000ull + (uint64_t)h->ts.tv_usec;
    out->data = data;
    out->caplen = h->caplen;
    out->wirelen = h->len;
    out->linktype = pcap_datalink(s->p);
    return 1;
}

int file_source_linktype(const file_source *s) { return s->p ? pcap_datalink(s->p) : -1; }
bool file_source_compressed(const file_source *s) { return s->compressed; }
int file_source_blocking_fd(const file_source *s) { return s->blocking_fd; }
pcapng_tap *file_source_tap(const file_source *s) { return s->tap; }
