/* space_reserve.c - see space_reserve.h. */
#include "space_reserve.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

void space_reserve_keep(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size == SPACE_RESERVE_BYTES)
        return;
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0)
        return;
    int failed = posix_fallocate(fd, 0, SPACE_RESERVE_BYTES) != 0;
    close(fd);
    if (failed)
        unlink(path);
}

int space_reserve_release(const char *path)
{
    return unlink(path) == 0;
}
