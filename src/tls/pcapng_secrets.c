#include "pcapng_secrets.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "secrets_block.h"

int pcapng_load_secrets(const char *path, keylog *kl)
{
    if (!path || strcmp(path, "-") == 0)
        return 0;
    struct stat sb;
    if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))
        return 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    uint8_t hdr[12];
    int loaded = 0;
    bool be = false;
    long pos = 0;
    for (;;) {
        if (fseek(f, pos, SEEK_SET) != 0 || fread(hdr, 1, sizeof hdr, f) != sizeof hdr)
            break;
        cur_t c;
        cur_init(&c, hdr, sizeof hdr);
        uint32_t type, total;
        if (pos == 0) {
            if (pcapng_parse_shb_start(&c, &be, &total).status != DX_OK)
                break; /* not pcapng */
        } else {
            if (pcapng_parse_block_header(&c, be, &type, &total).status != DX_OK)
                break;
            if (type == PCAPNG_BT_SHB) {
                cur_init(&c, hdr, sizeof hdr);
                if (pcapng_parse_shb_start(&c, &be, &total).status != DX_OK)
                    break;
            } else if (type == PCAPNG_BT_EPB || type == PCAPNG_BT_SPB || type == PCAPNG_BT_PB) {
                break; /* secrets come before the packets they decrypt */
            } else if (type == PCAPNG_BT_DSB) {
                size_t body_len = total - 12;
                uint8_t *body = malloc(body_len ? body_len : 1);
                if (!body)
                    break;
                if (fseek(f, pos + 8, SEEK_SET) != 0 || fread(body, 1, body_len, f) != body_len) {
                    free(body);
                    break;
                }
                cur_t bc, secrets;
                cur_init(&bc, body, body_len);
                uint32_t stype;
                if (pcapng_parse_dsb(&bc, be, &stype, &secrets).status == DX_OK && stype == PCAPNG_SECRETS_TLS) {
                    if (keylog_add_buffer(kl, cur_ptr(&secrets), cur_remaining(&secrets)) >= 0)
                        loaded++;
                }
                free(body);
            }
        }
        pos += (long)total;
    }
    fclose(f);
    return loaded;
}
