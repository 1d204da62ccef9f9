/*
 * sealed_file.h - files encrypted at rest (envelope encryption): each file
 * gets a fresh random 256-bit data key, which is stored wrapped (AES-256-GCM)
 * under a key of the KMS key ring (kms.h); the body is AES-256-GCM in
 * authenticated chunks, so a file of any size streams through a small
 * buffer.  Any change to any byte, a truncation, a foreign file or another
 * key is detected and reported (VGL_EFORMAT), never decrypted into wrong
 * bytes.  The layout is in docs/encryption.md.
 */
#ifndef VIGIL_SEALED_FILE_H
#define VIGIL_SEALED_FILE_H

#include "kms.h"

#include <stddef.h>
#include <stdint.h>

#define SEALED_CHUNK_SIZE 65536

/* Writing: the file appears whole at commit (atomic_file.h), mode 0600. */
typedef struct sealed_writer sealed_writer;

vgl_status sealed_writer_open(const char *path, const kms_key *key, sealed_writer **out,
                              vgl_error *err);
vgl_status sealed_writer_write(sealed_writer *writer, const void *data, size_t size,
                               vgl_error *err);
/* Both end the writer, committed or dropped. */
vgl_status sealed_writer_commit(sealed_writer *writer, vgl_error *err);
void sealed_writer_abort(sealed_writer *writer);

/* The whole of data as one sealed file. */
vgl_status sealed_file_write(const char *path, const kms_key *key, const void *data, size_t size,
                             vgl_error *err);

/* Reading: the key the header names must be in ring and enabled.  Each
 * authenticated chunk goes to sink in order; bytes reach the sink only
 * after their chunk was verified, but a later chunk may still fail, so a
 * sink must discard what it got when the read fails. */
typedef vgl_status (*sealed_sink)(void *context, const uint8_t *data, size_t size,
                                  vgl_error *err);
vgl_status sealed_file_read(const char *path, const kms_ring *ring, sealed_sink sink,
                            void *context, vgl_error *err);

/* The whole plaintext in memory (malloc'ed), refused with VGL_ELIMIT when
 * longer than max_size. */
vgl_status sealed_file_read_all(const char *path, const kms_ring *ring, size_t max_size,
                                uint8_t **data, size_t *size, vgl_error *err);

#endif
