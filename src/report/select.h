/*
 * select.h — which connections the user asked to see (--only-failures,
 * --sni, --client-subject, --client-fingerprint). The exit code and the
 * summary follow the selected connections.
 */
#ifndef MTLS_SELECT_H
#define MTLS_SELECT_H

#include <stdbool.h>

#include "config.h"
#include "conn_view.h"

bool report_selected(const mtls_config *cfg, const conn_view *c);

#endif
