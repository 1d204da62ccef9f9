/*
 * space_reserve.h - a few megabytes the data directory keeps in hand, so
 * that on a full disk the deletes that free space can still be written.
 *
 * The reserve is a file of SPACE_RESERVE_BYTES allocated on the disk.  When
 * a delete fails for want of space its store gives the reserve up and tries
 * again; the reserve is taken back (if there is room) at the next start and
 * before later deletes.
 */
#ifndef VIGIL_SPACE_RESERVE_H
#define VIGIL_SPACE_RESERVE_H

#define SPACE_RESERVE_NAME "space-reserve"
#define SPACE_RESERVE_BYTES (8 << 20)

/* Allocates the reserve at path when it is not there; without room for all
 * of it, leaves none. */
void space_reserve_keep(const char *path);

/* Frees the reserve; 1 when there was one to free. */
int space_reserve_release(const char *path);

#endif
