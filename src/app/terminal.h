/*
 * terminal.h — what a report needs to know of the terminal it goes to.
 */
#ifndef MTLS_APP_TERMINAL_H
#define MTLS_APP_TERMINAL_H

#include <stddef.h>
#include <stdio.h>

/* The width of the terminal the report goes to: $COLUMNS when set (as ls and
 * less take it), else TIOCGWINSZ, else 80; 0 when it is not a terminal (files
 * and pipes get one line per paragraph). */
size_t terminal_width(FILE *terminal);

#endif
