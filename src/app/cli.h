/* cli.h — tcpdump-style command line. */
#ifndef MTLS_CLI_H
#define MTLS_CLI_H

#include <stdio.h>

#include "compiler.h"
#include "config.h"

typedef enum cli_result { CLI_RUN = 0, CLI_EXIT_OK, CLI_EXIT_USAGE } cli_result;

/* Parse argv into cfg (defaults applied first). CLI_EXIT_OK after --help /
 * --version (already printed); CLI_EXIT_USAGE after printing an error. */
MTLS_WARN_UNUSED cli_result cli_parse(int argc, char **argv, mtls_config *cfg);
void cli_cleanup(mtls_config *cfg);
void cli_usage(FILE *out);

#endif
