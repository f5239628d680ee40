#include "select.h"

#include <string.h>
#include <strings.h>

bool report_selected(const mtls_config *cfg, const conn_view *c)
{
    const session_t *s = c->s;
    if (cfg->only_failures && !c->d->failed)
        return false;
    if (cfg->filter_sni && (!s->ch.sni || strcmp(s->ch.sni, cfg->filter_sni) != 0))
        return false;
    const chain_report *cr = c->a->chain[DIR_C2S];
    const cert_info *leaf = cr && cr->n_certs ? &cr->certs[0] : NULL;
    if (cfg->filter_client_subject && (!leaf || !leaf->subject || !strstr(leaf->subject, cfg->filter_client_subject)))
        return false;
    if (cfg->filter_client_fp) {
        if (!leaf)
            return false;
        size_t k = strlen(cfg->filter_client_fp);
        if (k > 64 || strncasecmp(leaf->sha256, cfg->filter_client_fp, k) != 0)
            return false;
    }
    return true;
}
