/*
 * kms_keyring.c - the KMS key ring in DATA/kms-keys.json (kms.h):
 *   {"keys":[{"KeyId":"...","Description":"...","KeyState":"Enabled",
 *             "CreationDate":1700000000,"Aliases":["alias/cookies"],
 *             "ServiceOwned":false,"Material":"64 hex digits"}]}
 * Changes hold an exclusive flock on DATA/kms-keys.lock while they read,
 * change and atomically replace the file; readers need no lock because the
 * file is only ever replaced by rename.
 */
#include "kms.h"

#include "atomic_file.h"
#include "error.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS_FILE "kms-keys.json"
#define LOCK_FILE "kms-keys.lock"
#define ALIAS_PREFIX "alias/"
#define RESERVED_ALIAS_PREFIX "alias/aws/"
#define ALIAS_NAME_MAX 250 /* after alias/, as AWS KMS allows */

typedef struct key_list {
    kms_key *keys;
    size_t count;
} key_list;

static void list_free(key_list *list)
{
    kms_keys_free(list->keys, list->count);
    *list = (key_list){0};
}

void kms_key_clear(kms_key *key) { OPENSSL_cleanse(key->material, sizeof key->material); }

void kms_keys_free(kms_key *keys, size_t count)
{
    for (size_t i = 0; i < count; i++)
        kms_key_clear(&keys[i]);
    free(keys);
}

static void ring_path(const kms_ring *ring, const char *name, char *out, size_t size)
{
    snprintf(out, size, "%s/%s", ring->data_dir, name);
}

/* ------------------------------------------------------------ names */

static int valid_key_id(const char *id)
{
    if (strlen(id) != KMS_KEY_ID_LENGTH)
        return 0;
    for (int i = 0; i < KMS_KEY_ID_LENGTH; i++) {
        int dash = i == 8 || i == 13 || i == 18 || i == 23;
        if (dash ? id[i] != '-' : !strchr("0123456789abcdef", id[i]) || !id[i])
            return 0;
    }
    return 1;
}

static int valid_alias(const char *alias)
{
    size_t prefix = strlen(ALIAS_PREFIX);
    size_t length = strlen(alias);
    if (strncmp(alias, ALIAS_PREFIX, prefix) != 0 || length == prefix ||
        length - prefix > ALIAS_NAME_MAX)
        return 0;
    for (const char *p = alias + prefix; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              strchr("/_-", *p)))
            return 0;
    return 1;
}

/* A random (version 4) UUID, as AWS KMS key ids are. */
static vgl_status new_key_id(char out[KMS_KEY_ID_LENGTH + 1], vgl_error *err)
{
    uint8_t b[16];
    if (RAND_bytes(b, sizeof b) != 1)
        return vgl_error_set(err, VGL_EIO, "the system random generator failed");
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    snprintf(out, KMS_KEY_ID_LENGTH + 1,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
             b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return VGL_OK;
}

/* ------------------------------------------------------------ reading */

static int hex_value(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static int parse_material(const char *hex, uint8_t out[KMS_KEY_BYTES])
{
    if (!hex || strlen(hex) != 2 * KMS_KEY_BYTES)
        return -1;
    for (int i = 0; i < KMS_KEY_BYTES; i++) {
        int high = hex_value(hex[2 * i]), low = hex_value(hex[2 * i + 1]);
        if (high < 0 || low < 0)
            return -1;
        out[i] = (uint8_t)(high << 4 | low);
    }
    return 0;
}

static vgl_status parse_entry(json_t *entry, size_t index, const char *path, kms_key *key,
                              vgl_error *err)
{
    const char *id = json_string_value(json_object_get(entry, "KeyId"));
    const char *description = json_string_value(json_object_get(entry, "Description"));
    const char *state = json_string_value(json_object_get(entry, "KeyState"));
    json_t *created = json_object_get(entry, "CreationDate");
    json_t *aliases = json_object_get(entry, "Aliases");
    json_t *owned = json_object_get(entry, "ServiceOwned");
    const char *material = json_string_value(json_object_get(entry, "Material"));
    memset(key, 0, sizeof *key);
    int ok = id && valid_key_id(id) && description &&
             strlen(description) <= KMS_DESCRIPTION_MAX && state &&
             (!strcmp(state, "Enabled") || !strcmp(state, "Disabled")) &&
             json_is_integer(created) && json_is_array(aliases) &&
             json_array_size(aliases) <= KMS_MAX_ALIASES && json_is_boolean(owned) &&
             parse_material(material, key->material) == 0;
    for (size_t i = 0; ok && i < json_array_size(aliases); i++) {
        const char *alias = json_string_value(json_array_get(aliases, i));
        ok = alias && valid_alias(alias);
        if (ok)
            snprintf(key->aliases[i], sizeof key->aliases[i], "%s", alias);
    }
    if (!ok)
        return vgl_error_set(err, VGL_EFORMAT,
                             "%s: keys[%zu] is not a valid key (KeyId, Description, KeyState, "
                             "CreationDate, Aliases, ServiceOwned, Material)",
                             path, index);
    snprintf(key->key_id, sizeof key->key_id, "%s", id);
    snprintf(key->description, sizeof key->description, "%s", description);
    key->n_aliases = json_array_size(aliases);
    key->enabled = !strcmp(state, "Enabled");
    key->service_owned = json_is_true(owned);
    key->created = (time_t)json_integer_value(created);
    return VGL_OK;
}

/* The ring as it is on disk; no file is an empty ring.  A file other users
 * could read is refused: it holds the keys to every encrypted file. */
static vgl_status load_keys(const kms_ring *ring, key_list *list, vgl_error *err)
{
    char path[4096];
    ring_path(ring, KEYS_FILE, path, sizeof path);
    *list = (key_list){0};
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? VGL_OK
                               : vgl_error_set(err, VGL_EIO, "cannot open %s: %s", path,
                                               strerror(errno));
    struct stat st;
    json_error_t json_err;
    json_t *doc = NULL;
    vgl_status status = VGL_OK;
    if (fstat(fd, &st) != 0)
        status = vgl_error_set(err, VGL_EIO, "cannot stat %s: %s", path, strerror(errno));
    else if (st.st_mode & 077) /* VGL_EIO: VGL_EINVAL means a disabled key */
        status = vgl_error_set(err, VGL_EIO,
                               "%s holds encryption keys but other users may access it (mode "
                               "%04o); run chmod 600 %s",
                               path, (unsigned)(st.st_mode & 07777), path);
    else if (!(doc = json_loadfd(fd, 0, &json_err)))
        status = vgl_error_set(err, VGL_EFORMAT, "%s is not valid JSON (line %d: %s)", path,
                               json_err.line, json_err.text);
    close(fd);
    json_t *keys = json_object_get(doc, "keys");
    if (status == VGL_OK && !json_is_array(keys))
        status = vgl_error_set(err, VGL_EFORMAT, "%s: expected {\"keys\": [...]}", path);
    size_t n = json_array_size(keys);
    if (status == VGL_OK && n && !(list->keys = calloc(n, sizeof *list->keys)))
        status = vgl_error_set(err, VGL_ENOMEM, "out of memory reading %s", path);
    for (size_t i = 0; status == VGL_OK && i < n; i++) {
        status = parse_entry(json_array_get(keys, i), i, path, &list->keys[i], err);
        list->count += status == VGL_OK;
    }
    json_decref(doc);
    if (status != VGL_OK)
        list_free(list);
    return status;
}

/* ------------------------------------------------------------ writing */

static json_t *entry_json(const kms_key *key)
{
    char hex[2 * KMS_KEY_BYTES + 1];
    for (int i = 0; i < KMS_KEY_BYTES; i++)
        snprintf(hex + 2 * i, 3, "%02x", key->material[i]);
    json_t *aliases = json_array();
    for (size_t i = 0; aliases && i < key->n_aliases; i++)
        json_array_append_new(aliases, json_string(key->aliases[i]));
    json_t *entry = json_pack("{s:s, s:s, s:s, s:I, s:o, s:b, s:s}", "KeyId", key->key_id,
                              "Description", key->description, "KeyState",
                              key->enabled ? "Enabled" : "Disabled", "CreationDate",
                              (json_int_t)key->created, "Aliases", aliases, "ServiceOwned",
                              key->service_owned, "Material", hex);
    OPENSSL_cleanse(hex, sizeof hex);
    return entry;
}

static vgl_status save_keys(const kms_ring *ring, const key_list *list, vgl_error *err)
{
    char path[4096];
    ring_path(ring, KEYS_FILE, path, sizeof path);
    json_t *keys = json_array();
    for (size_t i = 0; keys && i < list->count; i++)
        json_array_append_new(keys, entry_json(&list->keys[i]));
    json_t *doc = keys ? json_pack("{s:o}", "keys", keys) : NULL;
    char *text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
    json_decref(doc);
    if (!text)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing %s", path);
    atomic_file file;
    vgl_status status = atomic_file_open(&file, path, err);
    if (status == VGL_OK && (status = atomic_file_write(&file, text, strlen(text), err)) != VGL_OK)
        atomic_file_abort(&file);
    else if (status == VGL_OK)
        status = atomic_file_commit(&file, err);
    OPENSSL_cleanse(text, strlen(text));
    free(text);
    return status;
}

/* Serialises changes between `vigil kms` and the server; released by close. */
static vgl_status lock_ring(const kms_ring *ring, int *fd, vgl_error *err)
{
    char path[4096];
    ring_path(ring, LOCK_FILE, path, sizeof path);
    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (*fd < 0)
        return vgl_error_set(err, VGL_EIO, "cannot open %s: %s", path, strerror(errno));
    while (flock(*fd, LOCK_EX) != 0)
        if (errno != EINTR) {
            vgl_status status = vgl_error_set(err, VGL_EIO, "cannot lock %s: %s", path,
                                              strerror(errno));
            close(*fd);
            return status;
        }
    return VGL_OK;
}

static vgl_status append_key(key_list *list, const kms_key *key, vgl_error *err)
{
    kms_key *grown = realloc(list->keys, (list->count + 1) * sizeof *grown);
    if (!grown)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory adding a key");
    list->keys = grown;
    list->keys[list->count++] = *key;
    return VGL_OK;
}

/* ------------------------------------------------------------ lookup */

static int has_alias(const kms_key *key, const char *alias)
{
    for (size_t i = 0; i < key->n_aliases; i++)
        if (strcmp(key->aliases[i], alias) == 0)
            return 1;
    return 0;
}

/* ref without this ring's "arn:aws:kms:REGION:ACCOUNT:" (then "key/ID" or
 * "alias/NAME"), or ref itself when it is no ARN; NULL for an ARN of
 * another region or account. */
static const char *strip_arn(const kms_ring *ring, const char *ref)
{
    if (strncmp(ref, "arn:", 4) != 0)
        return ref;
    char prefix[KMS_ARN_MAX];
    snprintf(prefix, sizeof prefix, "arn:aws:kms:%s:%s:", ring->region, ring->account_id);
    size_t length = strlen(prefix);
    if (strncmp(ref, prefix, length) != 0)
        return NULL;
    const char *rest = ref + length;
    /* in an ARN the key id comes as key/ID, never bare */
    return strncmp(rest, "key/", 4) == 0 || strncmp(rest, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) == 0
               ? rest
               : NULL;
}

static kms_key *find_in(const kms_ring *ring, const key_list *list, const char *ref)
{
    const char *name = strip_arn(ring, ref);
    if (!name)
        return NULL;
    if (name != ref && strncmp(name, "key/", 4) == 0)
        name += 4;
    else if (name != ref && strncmp(name, ALIAS_PREFIX, strlen(ALIAS_PREFIX)) != 0)
        return NULL;
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->keys[i].key_id, name) == 0 || has_alias(&list->keys[i], name))
            return &list->keys[i];
    return NULL;
}

static vgl_status not_found(const char *ref, vgl_error *err)
{
    return vgl_error_set(err, VGL_ENOTFOUND,
                         "The KMS key %.600s does not exist (`vigil kms list` shows the keys).",
                         ref);
}

vgl_status kms_find_key(const kms_ring *ring, const char *ref, kms_key *out, vgl_error *err)
{
    key_list list;
    vgl_status status = load_keys(ring, &list, err);
    if (status != VGL_OK)
        return status;
    const kms_key *key = find_in(ring, &list, ref);
    if (key)
        *out = *key;
    list_free(&list);
    return key ? VGL_OK : not_found(ref, err);
}

vgl_status kms_list_keys(const kms_ring *ring, kms_key **keys, size_t *count, vgl_error *err)
{
    key_list list;
    vgl_status status = load_keys(ring, &list, err);
    *keys = list.keys;
    *count = list.count;
    return status;
}

/* ------------------------------------------------------------ changes */

static vgl_status fresh_key(const char *description, kms_key *key, vgl_error *err)
{
    memset(key, 0, sizeof *key);
    if (strlen(description) > KMS_DESCRIPTION_MAX)
        return vgl_error_set(err, VGL_EINVAL, "a key description has at most %d characters",
                             KMS_DESCRIPTION_MAX);
    snprintf(key->description, sizeof key->description, "%s", description);
    key->enabled = 1;
    key->created = time(NULL);
    vgl_status status = new_key_id(key->key_id, err);
    if (status == VGL_OK && RAND_bytes(key->material, KMS_KEY_BYTES) != 1)
        status = vgl_error_set(err, VGL_EIO, "the system random generator failed");
    return status;
}

static vgl_status check_aliases(const key_list *list, const char *const *aliases, size_t n,
                                vgl_error *err)
{
    if (n > KMS_MAX_ALIASES)
        return vgl_error_set(err, VGL_EINVAL, "a key has at most %d aliases", KMS_MAX_ALIASES);
    for (size_t i = 0; i < n; i++) {
        if (!valid_alias(aliases[i]))
            return vgl_error_set(err, VGL_EINVAL,
                                 "%.300s is not an alias name: alias/ then 1 to %d of A-Z, "
                                 "a-z, 0-9, '/', '_' and '-'",
                                 aliases[i], ALIAS_NAME_MAX);
        if (strncmp(aliases[i], RESERVED_ALIAS_PREFIX, strlen(RESERVED_ALIAS_PREFIX)) == 0)
            return vgl_error_set(err, VGL_EINVAL, "%.300s: aliases beginning with "
                                 RESERVED_ALIAS_PREFIX " are reserved for the service",
                                 aliases[i]);
        for (size_t k = 0; k < list->count; k++)
            if (has_alias(&list->keys[k], aliases[i]))
                return vgl_error_set(err, VGL_EINVAL, "the alias %.300s already names key %s",
                                     aliases[i], list->keys[k].key_id);
        for (size_t k = 0; k < i; k++)
            if (strcmp(aliases[k], aliases[i]) == 0)
                return vgl_error_set(err, VGL_EINVAL, "the alias %.300s is given twice",
                                     aliases[i]);
    }
    return VGL_OK;
}

vgl_status kms_create_key(const kms_ring *ring, const char *description,
                          const char *const *aliases, size_t n_aliases, kms_key *out,
                          vgl_error *err)
{
    int lock = -1;
    key_list list = {0};
    vgl_status status = lock_ring(ring, &lock, err);
    if (status == VGL_OK)
        status = load_keys(ring, &list, err);
    if (status == VGL_OK)
        status = check_aliases(&list, aliases, n_aliases, err);
    if (status == VGL_OK)
        status = fresh_key(description ? description : "", out, err);
    for (size_t i = 0; status == VGL_OK && i < n_aliases; i++)
        snprintf(out->aliases[i], sizeof out->aliases[i], "%s", aliases[i]);
    out->n_aliases = status == VGL_OK ? n_aliases : 0;
    if (status == VGL_OK)
        status = append_key(&list, out, err);
    if (status == VGL_OK)
        status = save_keys(ring, &list, err);
    list_free(&list);
    if (lock >= 0)
        close(lock);
    return status;
}

vgl_status kms_set_enabled(const kms_ring *ring, const char *ref, int enabled, kms_key *out,
                           vgl_error *err)
{
    int lock = -1;
    key_list list = {0};
    vgl_status status = lock_ring(ring, &lock, err);
    if (status == VGL_OK)
        status = load_keys(ring, &list, err);
    kms_key *key = status == VGL_OK ? find_in(ring, &list, ref) : NULL;
    if (status == VGL_OK && !key)
        status = not_found(ref, err);
    else if (status == VGL_OK && key->service_owned)
        status = vgl_error_set(err, VGL_EINVAL,
                               "key %s is the service's own key; it cannot be disabled",
                               key->key_id);
    if (status == VGL_OK) {
        key->enabled = enabled;
        *out = *key;
        status = save_keys(ring, &list, err);
    }
    list_free(&list);
    if (lock >= 0)
        close(lock);
    return status;
}

/* The service-owned key, created under the lock when there is none yet. */
static vgl_status service_key(const kms_ring *ring, kms_key *out, vgl_error *err)
{
    if (kms_find_key(ring, KMS_SERVICE_ALIAS, out, err) == VGL_OK)
        return VGL_OK;
    int lock = -1;
    key_list list = {0};
    vgl_status status = lock_ring(ring, &lock, err);
    if (status == VGL_OK)
        status = load_keys(ring, &list, err);
    const kms_key *found = status == VGL_OK ? find_in(ring, &list, KMS_SERVICE_ALIAS) : NULL;
    if (found) { /* created by another process since the first look */
        *out = *found;
    } else if (status == VGL_OK) {
        status = fresh_key("Default key that protects Vigil's copies of training images and "
                           "its models when no KmsKeyId is given",
                           out, err);
        snprintf(out->aliases[0], sizeof out->aliases[0], "%s", KMS_SERVICE_ALIAS);
        out->n_aliases = 1;
        out->service_owned = 1;
        if (status == VGL_OK)
            status = append_key(&list, out, err);
        if (status == VGL_OK)
            status = save_keys(ring, &list, err);
    }
    list_free(&list);
    if (lock >= 0)
        close(lock);
    return status;
}

vgl_status kms_usable_key(const kms_ring *ring, const char *ref, kms_key *out, vgl_error *err)
{
    vgl_status status = ref && ref[0] ? kms_find_key(ring, ref, out, err)
                                      : service_key(ring, out, err);
    if (status == VGL_OK && !out->enabled) {
        kms_key_clear(out);
        status = vgl_error_set(err, VGL_EINVAL,
                               "The KMS key %.600s is disabled (`vigil kms enable` enables it).",
                               ref && ref[0] ? ref : out->key_id);
    }
    return status;
}

void kms_key_arn(const kms_ring *ring, const kms_key *key, char *out, size_t size)
{
    snprintf(out, size, "arn:aws:kms:%s:%s:key/%s", ring->region, ring->account_id, key->key_id);
}

void kms_alias_arn(const kms_ring *ring, const char *alias, char *out, size_t size)
{
    snprintf(out, size, "arn:aws:kms:%s:%s:%s", ring->region, ring->account_id, alias);
}
