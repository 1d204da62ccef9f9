/*
 * kms.h - the key ring behind CreateModel's KmsKeyId: named 256-bit keys kept
 * in the data directory (kms-keys.json, mode 0600), which wrap the data keys
 * of the encrypted files (sealed_file.h).  docs/encryption.md describes it.
 *
 * A key has an id in the UUID form AWS KMS uses, the ARN
 * arn:aws:kms:REGION:ACCOUNT:key/ID, optional aliases (alias/NAME, whose ARN
 * is arn:aws:kms:REGION:ACCOUNT:alias/NAME), a state (Enabled or Disabled), a
 * creation date and a description.  The service-owned key (alias
 * alias/aws/lookoutvision) encrypts when no KmsKeyId is given; it is created
 * on first use.
 *
 * Nothing is cached: every lookup reads the file, and every change is a
 * locked read-modify-write replaced by rename, so `vigil kms` may change the
 * ring while `vigil serve` runs and the server sees the change at once.
 */
#ifndef VIGIL_KMS_H
#define VIGIL_KMS_H

#include "vigil.h"

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define KMS_KEY_ID_LENGTH 36 /* 8-4-4-4-12 hexadecimal digits */
#define KMS_KEY_BYTES 32     /* AES-256 */
#define KMS_MAX_ALIASES 8
#define KMS_ALIAS_MAX 256    /* AWS KMS's limit for an alias name */
#define KMS_DESCRIPTION_MAX 8192
#define KMS_ARN_MAX 512
#define KMS_SERVICE_ALIAS "alias/aws/lookoutvision"

/* Where a ring lives and how its ARNs read; nothing else (no state). */
typedef struct kms_ring {
    const char *data_dir;
    const char *region;
    const char *account_id;
} kms_ring;

typedef struct kms_key {
    char key_id[KMS_KEY_ID_LENGTH + 1];
    char description[KMS_DESCRIPTION_MAX + 1];
    char aliases[KMS_MAX_ALIASES][KMS_ALIAS_MAX + 1];
    size_t n_aliases;
    int enabled;
    int service_owned;
    time_t created;
    uint8_t material[KMS_KEY_BYTES];
} kms_key;

/* Creates an enabled key with fresh random material.  Each alias must be
 * alias/ then 1 to 250 of A-Z a-z 0-9 / _ -, not start with alias/aws/
 * (reserved for the service), and not be taken: VGL_EINVAL otherwise. */
vgl_status kms_create_key(const kms_ring *ring, const char *description,
                          const char *const *aliases, size_t n_aliases, kms_key *out,
                          vgl_error *err);

/* Every key, in creation order (malloc'ed; free with kms_keys_free). */
vgl_status kms_list_keys(const kms_ring *ring, kms_key **keys, size_t *count, vgl_error *err);
void kms_keys_free(kms_key *keys, size_t count);

/* Enables or disables the key `ref` names (as kms_find_key accepts). */
vgl_status kms_set_enabled(const kms_ring *ring, const char *ref, int enabled, kms_key *out,
                           vgl_error *err);

/* The key `ref` names, whatever its state: a key id, a key ARN, an alias
 * name or an alias ARN (the forms KmsKeyId accepted).  An ARN of another
 * region or account names no key here.  VGL_ENOTFOUND when none matches. */
vgl_status kms_find_key(const kms_ring *ring, const char *ref, kms_key *out, vgl_error *err);

/* The key to encrypt or decrypt with: kms_find_key's, or the service-owned
 * key (created now if need be) when ref is NULL or empty.  VGL_ENOTFOUND for
 * an unknown key, VGL_EINVAL for a disabled one, with messages saying so;
 * VGL_EIO or VGL_EFORMAT when the ring itself cannot be read. */
vgl_status kms_usable_key(const kms_ring *ring, const char *ref, kms_key *out, vgl_error *err);

void kms_key_arn(const kms_ring *ring, const kms_key *key, char *out, size_t size);
void kms_alias_arn(const kms_ring *ring, const char *alias, char *out, size_t size);

/* Wipes the key material. */
void kms_key_clear(kms_key *key);

#endif
