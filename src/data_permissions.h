/*
 * data_permissions.h - a data directory only its owner can read: images,
 * models, metadata.db, keys and the KMS key ring.
 */
#ifndef VIGIL_DATA_PERMISSIONS_H
#define VIGIL_DATA_PERMISSIONS_H

/* From now on this process creates files 0600 and directories 0700
 * (umask 077), and what dir already holds is brought to those modes
 * (files that older versions wrote 0644, directories 0755).  Failures to
 * change a mode are ignored: the server still runs, as before. */
void data_permissions_restrict(const char *dir);

#endif
