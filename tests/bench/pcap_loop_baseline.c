/* pcap_loop_baseline: the physical limit for a libpcap-based reader. A bare pcap_loop()
 * over FILE that touches every captured byte (sums them, so the compiler cannot skip the
 * reads) and prints packets, bytes and the sum. mtlsdump's throughput is reported as a
 * ratio to this program on the same file in the same run. It reads the file through the
 * same 1 MiB stdio buffer as mtlsdump (stdio's default, one 4 KiB block per read(2), costs
 * more system time than the whole loop), so the limit stays the limit.
 *
 * Usage: pcap_loop_baseline FILE
 */
#define _DEFAULT_SOURCE 1
#include <pcap/pcap.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct acc {
    uint64_t packets;
    uint64_t bytes;
    uint64_t sum;
};

static void on_packet(u_char *user, const struct pcap_pkthdr *h, const u_char *data)
{
    struct acc *a = (struct acc *)(void *)user;
    uint64_t s = 0;
    size_t i = 0;
    /* 8 bytes at a time through memcpy (no alignment assumptions) into four 16-bit lanes,
     * folded every 128 words before a lane can overflow (128 * 2 * 255 < 65536) */
    while (i + 8 <= h->caplen) {
        uint64_t lanes = 0;
        for (unsigned k = 0; k < 128 && i + 8 <= h->caplen; k++, i += 8) {
            uint64_t w;
            memcpy(&w, data + i, 8);
            lanes += (w & 0x00ff00ff00ff00ffull) + ((w >> 8) & 0x00ff00ff00ff00ffull);
        }
        s += (lanes & 0xffff) + ((lanes >> 16) & 0xffff) + ((lanes >> 32) & 0xffff) + (lanes >> 48);
    }
    for (; i < h->caplen; i++)
        s += data[i];
    a->sum += s;
    a->packets++;
    a->bytes += h->caplen;
}

int main(int argc, char **argv)
{
    char err[PCAP_ERRBUF_SIZE];
    if (argc != 2) {
        fprintf(stderr, "usage: pcap_loop_baseline FILE\n");
        return 2;
    }
    enum { READ_BUFFER = 1 << 20 };
    FILE *f = fopen(argv[1], "rb");
    char *buf = malloc(READ_BUFFER);
    if (!f || !buf) {
        perror("pcap_loop_baseline");
        return 2;
    }
    setvbuf(f, buf, _IOFBF, READ_BUFFER);
    pcap_t *p = pcap_fopen_offline(f, err);
    if (!p) {
        fprintf(stderr, "pcap_loop_baseline: %s\n", err);
        fclose(f);
        free(buf);
        return 2;
    }
    struct acc a = {0, 0, 0};
    if (pcap_loop(p, -1, on_packet, (u_char *)(void *)&a) == PCAP_ERROR) {
        fprintf(stderr, "pcap_loop_baseline: %s\n", pcap_geterr(p));
        pcap_close(p);
        free(buf);
        return 2;
    }
    pcap_close(p); /* closes f */
    free(buf);
    printf("packets %llu bytes %llu sum %llu\n", (unsigned long long)a.packets,
           (unsigned long long)a.bytes, (unsigned long long)a.sum);
    return 0;
}
