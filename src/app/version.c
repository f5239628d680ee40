/* version.c — `mtlsdump --version` (see version.h). */
#include "version.h"

#include <bzlib.h>
#include <cjson/cJSON.h>
#include <lz4.h>
#include <lzma.h>
#include <nghttp2/nghttp2.h>
#include <openssl/crypto.h>
#include <openssl/opensslv.h>
#include <pcap/pcap.h>
#include <zlib.h>
#include <zstd.h>

#include <string.h>

static const char *v_pcap(void) { return pcap_lib_version(); }
static const char *v_openssl(void) { return OpenSSL_version(OPENSSL_VERSION); }
static const char *v_cjson(void) { return cJSON_Version(); }
static const char *v_nghttp2(void)
{
    const nghttp2_info *i = nghttp2_version(0);
    return i ? i->version_str : "unknown";
}
static const char *v_zlib(void) { return zlibVersion(); }
static const char *v_lzma(void) { return lzma_version_string(); }
static const char *v_zstd(void) { return ZSTD_versionString(); }
static const char *v_bz2(void) { return BZ2_bzlibVersion(); }
static const char *v_lz4(void) { return LZ4_versionString(); }

#define STR_(x) #x
#define STR(x) STR_(x)

/* One row per library the binary links; the decompressors in the order
 * capture tries them. */
static const struct {
    const char *name;
    const char *(*runtime)(void); /* the version loaded now */
    const char *built;            /* the headers' version, NULL when the runtime string says it all */
} libs[] = {
    {"libpcap", v_pcap, NULL},
    {"OpenSSL", v_openssl, OPENSSL_VERSION_TEXT},
    {"cJSON", v_cjson, STR(CJSON_VERSION_MAJOR) "." STR(CJSON_VERSION_MINOR) "." STR(CJSON_VERSION_PATCH)},
    {"nghttp2", v_nghttp2, NGHTTP2_VERSION},
    {"zlib", v_zlib, ZLIB_VERSION},
    {"liblzma", v_lzma, LZMA_VERSION_STRING},
    {"libzstd", v_zstd, ZSTD_VERSION_STRING},
    {"libbz2", v_bz2, NULL}, /* its headers carry no version */
    {"liblz4", v_lz4, LZ4_VERSION_STRING},
};

int version_print(FILE *out)
{
    int err = fprintf(out, "mtlsdump %s\n", MTLS_VERSION) < 0;
    for (size_t i = 0; i < sizeof(libs) / sizeof(libs[0]); i++) {
        const char *rt = libs[i].runtime();
        err |= fprintf(out, "  %-9s %s", libs[i].name, rt ? rt : "unknown") < 0;
        if (libs[i].built && rt && strcmp(libs[i].built, rt) != 0)
            err |= fprintf(out, " (built with %s)", libs[i].built) < 0;
        err |= fputc('\n', out) == EOF;
    }
    return err ? -1 : 0;
}
