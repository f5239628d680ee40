/* endpoint_text.c — "ip:port" of an endpoint (see endpoint_text.h). */
#include "endpoint_text.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <sys/socket.h>

char *endpoint_text(const endpoint_t *e, char *buf, size_t bufsz)
{
    char ip[INET6_ADDRSTRLEN] = "?";
    if (e->family == 6) {
        inet_ntop(AF_INET6, e->addr, ip, sizeof ip);
        snprintf(buf, bufsz, "[%s]:%u", ip, (unsigned)e->port);
    } else {
        inet_ntop(AF_INET, e->addr, ip, sizeof ip);
        snprintf(buf, bufsz, "%s:%u", ip, (unsigned)e->port);
    }
    return buf;
}
