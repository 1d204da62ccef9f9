/* data_permissions.c - see data_permissions.h. */
#define _XOPEN_SOURCE 700
#include "data_permissions.h"

#include <ftw.h>
#include <sys/stat.h>

static int restrict_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)ftw;
    if (type == FTW_D || type == FTW_DP)
        chmod(path, S_IRWXU);
    else if (type == FTW_F && (st->st_mode & (S_IRWXG | S_IRWXO)))
        chmod(path, st->st_mode & S_IRWXU);
    return 0;
}

void data_permissions_restrict(const char *dir)
{
    umask(077);
    /* FTW_PHYS: a symbolic link is not followed out of the directory */
    nftw(dir, restrict_one, 32, FTW_PHYS);
}
