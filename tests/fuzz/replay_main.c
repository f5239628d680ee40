/*
 * replay_main.c — plain driver for the fuzz targets when libFuzzer is not
 * linked (gcc, normal ASan/UBSan test build). Usage:
 *     fuzz_<target>_replay PATH...
 * Each PATH is a file or a directory (read one level deep, sorted by name);
 * every file is passed once to LLVMFuzzerTestOneInput(). Prints how many inputs
 * ran; exits 1 when no input was found (an empty corpus is a broken test),
 * 2 on an unreadable path. A crash aborts the process (sanitizers report it).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        return -1;
    }
    size_t cap = 4096, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf) {
            fclose(f);
            return -1;
        }
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        cap *= 2;
        uint8_t *nb = realloc(buf, cap);
        if (!nb)
            free(buf);
        buf = nb;
    }
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        free(buf);
        return -1;
    }
    /* exact-size copy so ASan catches a read one past the input */
    uint8_t *exact = malloc(n ? n : 1);
    if (!exact) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, n);
    free(exact);
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(int argc, char **argv)
{
    size_t ran = 0;
    int status = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        if (stat(argv[i], &st) != 0) {
            perror(argv[i]);
            status = 2;
            continue;
        }
        if (!S_ISDIR(st.st_mode)) {
            if (run_file(argv[i]) < 0)
                status = 2;
            else
                ran++;
            continue;
        }
        DIR *d = opendir(argv[i]);
        if (!d) {
            perror(argv[i]);
            status = 2;
            continue;
        }
        char **names = NULL;
        size_t nn = 0;
        struct dirent *de;
        while ((de = readdir(d)) != NULL) {
            if (de->d_name[0] == '.')
                continue;
            char **nb = realloc(names, (nn + 1) * sizeof(*names));
            if (!nb)
                break;
            names = nb;
            size_t l = strlen(argv[i]) + strlen(de->d_name) + 2;
            names[nn] = malloc(l);
            if (!names[nn])
                break;
            snprintf(names[nn], l, "%s/%s", argv[i], de->d_name);
            nn++;
        }
        closedir(d);
        if (nn) /* an empty directory (a target whose seeds are all committed) */
            qsort(names, nn, sizeof(*names), cmp_str);
        for (size_t k = 0; k < nn; k++) {
            struct stat fs;
            if (stat(names[k], &fs) == 0 && S_ISREG(fs.st_mode)) {
                if (run_file(names[k]) < 0)
                    status = 2;
                else
                    ran++;
            }
            free(names[k]);
        }
        free(names);
    }
    printf("replayed %zu input%s\n", ran, ran == 1 ? "" : "s");
    if (status)
        return status;
    return ran == 0 ? 1 : 0;
}
