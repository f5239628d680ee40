#include "privdrop.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int priv_drop(const char *user, char **err)
{
    if (geteuid() != 0)
        return 0;
    if (user && strcmp(user, "root") == 0)
        return 0;
    const char *name = user ? user : "nobody";
    struct passwd *pw = getpwnam(name);
    if (!pw) {
        if (asprintf(err, "-Z: unknown user '%s'", name) < 0)
            *err = NULL;
        return -1;
    }
    if (setgroups(0, NULL) != 0 || setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0) {
        if (asprintf(err, "cannot drop privileges to '%s'", name) < 0)
            *err = NULL;
        return -1;
    }
    if (setuid(0) == 0) {
        *err = strdup("privilege drop did not stick (could regain root)");
        return -1;
    }
    return 0;
}
