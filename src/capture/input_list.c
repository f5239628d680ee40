/* input_list.c — -r FILE, -r DIR and -V LIST made into one list of paths (input_list.h). */
#include "input_list.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "file_source.h"
#include "text.h"

static int add(input_list *l, char *path, char **err)
{
    if (!path) {
        *err = text_printf("out of memory listing the capture files");
        return -1;
    }
    char **np = realloc(l->paths, (l->n + 1) * sizeof(*np));
    if (!np) {
        free(path);
        *err = text_printf("out of memory listing the capture files");
        return -1;
    }
    l->paths = np;
    l->paths[l->n++] = path;
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Does this regular file start like a capture (pcap, pcapng, compressed)? */
static bool looks_like_capture(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return true; /* let opening it say why it cannot be read */
    unsigned char head[8];
    size_t n = fread(head, 1, sizeof head, f);
    fclose(f);
    return capture_magic(head, n);
}

/* The capture files of a directory, by name; anything else gets a note. */
static int add_dir(input_list *l, const char *dir, char **err)
{
    DIR *d = opendir(dir);
    if (!d) {
        *err = text_printf("cannot read directory '%s': %s", dir, strerror(errno));
        return -1;
    }
    size_t first = l->n;
    int rc = 0;
    struct dirent *de;
    while (rc == 0 && (de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        char *path = text_printf("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", de->d_name);
        struct stat sb;
        if (path && (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode))) {
            fprintf(stderr, "mtlsdump: note: skipping '%s': not a regular file\n", path);
            free(path);
        } else if (path && !looks_like_capture(path)) {
            fprintf(stderr, "mtlsdump: note: skipping '%s': not a capture file (pcap, pcapng or compressed)\n", path);
            free(path);
        } else {
            rc = add(l, path, err);
        }
    }
    closedir(d);
    if (rc == 0 && l->n == first) {
        *err = text_printf("no capture file in directory '%s'", dir);
        rc = -1;
    }
    if (rc == 0)
        qsort(l->paths + first, l->n - first, sizeof(char *), by_name); /* cap-00, cap-01, ... */
    return rc;
}

/* One name given by the user: a directory is opened up, anything else is a file. */
static int add_name(input_list *l, const char *name, char **err)
{
    struct stat sb;
    if (strcmp(name, "-") != 0 && stat(name, &sb) == 0 && S_ISDIR(sb.st_mode)) {
        l->expanded = true;
        return add_dir(l, name, err);
    }
    return add(l, strdup(name), err);
}

/* -V LIST: one path per line; blank lines are skipped. */
static int add_list(input_list *l, const char *list, char **err)
{
    FILE *f = fopen(list, "r");
    if (!f) {
        *err = text_printf("cannot read the list of captures '%s' (-V): %s", list, strerror(errno));
        return -1;
    }
    l->expanded = true;
    size_t first = l->n, cap = 0;
    char *line = NULL;
    ssize_t len;
    int rc = 0;
    while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
        while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
            line[--len] = '\0';
        if (len > 0)
            rc = add_name(l, line, err);
    }
    free(line);
    fclose(f);
    if (rc == 0 && l->n == first) {
        *err = text_printf("the list of captures '%s' (-V) names no file", list);
        rc = -1;
    }
    return rc;
}

int input_list_build(const mtls_config *cfg, input_list *out, char **err)
{
    memset(out, 0, sizeof(*out));
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < cfg->n_read_files; i++)
        rc = add_name(out, cfg->read_files[i], err);
    if (rc == 0 && cfg->read_list)
        rc = add_list(out, cfg->read_list, err);
    if (rc == 0 && cfg->n_read_files == 0 && !cfg->read_list && cfg->read_file) /* a caller that set read_file alone */
        rc = add_name(out, cfg->read_file, err);
    size_t stdin_uses = 0;
    for (size_t i = 0; rc == 0 && i < out->n; i++)
        stdin_uses += strcmp(out->paths[i], "-") == 0;
    if (rc == 0 && stdin_uses > 1) {
        *err = text_printf("standard input (-r -) can be read only once");
        rc = -1;
    }
    if (rc < 0)
        input_list_cleanup(out);
    return rc;
}

void input_list_cleanup(input_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->paths[i]);
    free(l->paths);
    memset(l, 0, sizeof(*l));
}
