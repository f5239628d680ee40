/* terminal.c — the terminal the report goes to (see terminal.h). */
#include "terminal.h"

#include <stdlib.h>
#include <sys/ioctl.h>
#include <unistd.h>

size_t terminal_width(FILE *terminal)
{
    if (!isatty(fileno(terminal)))
        return 0;
    const char *env = getenv("COLUMNS");
    char *end = NULL;
    long v = env && *env ? strtol(env, &end, 10) : 0;
    if (end && !*end && v > 0 && v < 10000)
        return (size_t)v;
    struct winsize ws;
    if (ioctl(fileno(terminal), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 80;
}

