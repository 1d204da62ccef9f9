/*
 * keyring.c - the access keys `vigil serve` accepts: the root key pair from
 * VIGIL_ROOT_ACCESS_KEY_ID / VIGIL_ROOT_SECRET_ACCESS_KEY, or from the data
 * directory's keys.json, or generated on first start and written there.
 *
 * keys.json holds a list so that more keys (with an optional per-key
 * policy, issue 5) fit later without a format change:
 *   {"keys":[{"access_key_id":"VK...","secret_access_key":"...","root":true}]}
 * It is written atomically with mode 0600, and a keys.json other users can
 * read is refused: the secrets are the service's only credentials.
 */
#include "auth.h"
#include "error.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define KEYS_FILE "keys.json"
#define ENV_ACCESS_KEY "VIGIL_ROOT_ACCESS_KEY_ID"
#define ENV_SECRET "VIGIL_ROOT_SECRET_ACCESS_KEY"
#define ACCESS_KEY_MIN 16
#define ACCESS_KEY_MAX 128 /* IAM's limits for an access key id */
#define SECRET_MIN 16
#define SECRET_MAX 1024
#define GENERATED_ACCESS_KEY_LENGTH 20
#define GENERATED_SECRET_LENGTH 40

typedef struct keyring_key {
    char *access_key_id;
    char *secret;
    int root;
} keyring_key;

struct keyring {
    keyring_key *keys;
    size_t count;
    size_t root; /* index of the root key */
};

/* ---------------------------------------------------------- validation */

static int valid_access_key(const char *id)
{
    size_t length = strlen(id);
    if (length < ACCESS_KEY_MIN || length > ACCESS_KEY_MAX)
        return 0;
    for (size_t i = 0; i < length; i++)
        if (!((id[i] >= 'A' && id[i] <= 'Z') || (id[i] >= '0' && id[i] <= '9')))
            return 0;
    return 1;
}

/* Printable ASCII without spaces: a secret must survive being pasted into
 * an AWS config file or an environment variable. */
static int valid_secret(const char *secret)
{
    size_t length = strlen(secret);
    if (length < SECRET_MIN || length > SECRET_MAX)
        return 0;
    for (size_t i = 0; i < length; i++)
        if (secret[i] <= ' ' || secret[i] > '~')
            return 0;
    return 1;
}

static vgl_status check_pair(const char *id, const char *secret, const char *origin,
                             vgl_error *err)
{
    if (!valid_access_key(id))
        return vgl_error_set(err, VGL_EINVAL,
                             "%s: the access key id must be %d to %d characters of A-Z and 0-9",
                             origin, ACCESS_KEY_MIN, ACCESS_KEY_MAX);
    if (!valid_secret(secret))
        return vgl_error_set(err, VGL_EINVAL,
                             "%s: the secret access key must be %d to %d printable characters "
                             "without spaces",
                             origin, SECRET_MIN, SECRET_MAX);
    return VGL_OK;
}

/* ---------------------------------------------------------------- ring */

static void free_key(keyring_key *key)
{
    if (key->secret) {
        OPENSSL_cleanse(key->secret, strlen(key->secret));
        free(key->secret);
    }
    free(key->access_key_id);
}

void keyring_free(keyring *ring)
{
    if (!ring)
        return;
    for (size_t i = 0; i < ring->count; i++)
        free_key(&ring->keys[i]);
    free(ring->keys);
    free(ring);
}

static vgl_status add_key(keyring *ring, const char *id, const char *secret, int root,
                          vgl_error *err)
{
    keyring_key *keys = realloc(ring->keys, (ring->count + 1) * sizeof *keys);
    if (!keys)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory loading access keys");
    ring->keys = keys;
    keyring_key *key = &keys[ring->count];
    key->access_key_id = strdup(id);
    key->secret = strdup(secret);
    key->root = root;
    ring->count++;
    if (!key->access_key_id || !key->secret)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory loading access keys");
    if (root)
        ring->root = ring->count - 1;
    return VGL_OK;
}

static const keyring_key *find_key(const keyring *ring, const char *access_key_id)
{
    for (size_t i = 0; i < ring->count; i++)
        if (strcmp(ring->keys[i].access_key_id, access_key_id) == 0)
            return &ring->keys[i];
    return NULL;
}

const char *keyring_secret(const keyring *ring, const char *access_key_id)
{
    const keyring_key *key = find_key(ring, access_key_id);
    return key ? key->secret : NULL;
}

const char *keyring_root_access_key(const keyring *ring)
{
    return ring->keys[ring->root].access_key_id;
}

const char *keyring_root_secret(const keyring *ring)
{
    return ring->keys[ring->root].secret;
}

/* ------------------------------------------------------------ keys.json */

/* One entry of "keys"; unknown members (a future "policy") are ignored.
 * When skip_root, the file's root key yields to the environment's. */
static vgl_status load_entry(keyring *ring, json_t *entry, size_t index, const char *path,
                             int skip_root, int *roots, vgl_error *err)
{
    const char *id = json_string_value(json_object_get(entry, "access_key_id"));
    const char *secret = json_string_value(json_object_get(entry, "secret_access_key"));
    json_t *root = json_object_get(entry, "root");
    if (!json_is_object(entry) || !id || !secret || (root && !json_is_boolean(root)))
        return vgl_error_set(err, VGL_EFORMAT,
                             "%s: keys[%zu] must be an object with string \"access_key_id\" "
                             "and \"secret_access_key\" and an optional boolean \"root\"",
                             path, index);
    char origin[64];
    snprintf(origin, sizeof origin, "keys[%zu]", index);
    vgl_error pair_err;
    if (check_pair(id, secret, origin, &pair_err) != VGL_OK)
        return vgl_error_set(err, VGL_EFORMAT, "%s: %s", path, pair_err.message);
    int is_root = json_is_true(root);
    *roots += is_root;
    if (is_root && skip_root)
        return VGL_OK;
    if (find_key(ring, id))
        return vgl_error_set(err, VGL_EFORMAT, "%s: access key %s appears twice", path, id);
    return add_key(ring, id, secret, is_root, err);
}

static vgl_status check_file_mode(int fd, const char *path, vgl_error *err)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return vgl_error_set(err, VGL_EIO, "cannot stat %s: %s", path, strerror(errno));
    if (st.st_mode & 077)
        return vgl_error_set(err, VGL_EINVAL,
                             "%s holds secret keys but other users may access it (mode %04o); "
                             "run chmod 600 %s",
                             path, (unsigned)(st.st_mode & 07777), path);
    return VGL_OK;
}

/* Reads keys.json into ring; *found is 0 when there is no such file. */
static vgl_status load_file(keyring *ring, const char *path, int skip_root, int *found,
                            vgl_error *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *found = fd >= 0;
    if (fd < 0)
        return errno == ENOENT ? VGL_OK
                               : vgl_error_set(err, VGL_EIO, "cannot open %s: %s", path,
                                               strerror(errno));
    vgl_status status = check_file_mode(fd, path, err);
    json_error_t json_err;
    json_t *doc = status == VGL_OK ? json_loadfd(fd, 0, &json_err) : NULL;
    close(fd);
    if (status != VGL_OK)
        return status;
    if (!doc)
        return vgl_error_set(err, VGL_EFORMAT, "%s is not valid JSON (line %d: %s)", path,
                             json_err.line, json_err.text);
    json_t *keys = json_object_get(doc, "keys");
    int roots = 0;
    if (!json_is_array(keys))
        status = vgl_error_set(err, VGL_EFORMAT, "%s: expected {\"keys\": [...]}", path);
    for (size_t i = 0; status == VGL_OK && i < json_array_size(keys); i++)
        status = load_entry(ring, json_array_get(keys, i), i, path, skip_root, &roots, err);
    json_decref(doc);
    /* With the root from the environment the file may have none. */
    if (status == VGL_OK && roots != 1 && !(skip_root && roots == 0))
        status = vgl_error_set(err, VGL_EFORMAT,
                               "%s must mark exactly one key \"root\": true (found %d)", path,
                               roots);
    return status;
}

/* ------------------------------------------------------ generated keys */

/* count characters drawn uniformly from alphabet: random bytes beyond the
 * largest multiple of the alphabet's size are drawn again, so no character
 * is more likely than another. */
static vgl_status random_text(char *out, size_t count, const char *alphabet, vgl_error *err)
{
    size_t size = strlen(alphabet);
    size_t limit = 256 - 256 % size;
    size_t n = 0;
    unsigned char bytes[64];
    while (n < count) {
        if (RAND_bytes(bytes, sizeof bytes) != 1)
            return vgl_error_set(err, VGL_EIO, "the system random generator failed");
        for (size_t i = 0; i < sizeof bytes && n < count; i++)
            if (bytes[i] < limit)
                out[n++] = alphabet[bytes[i] % size];
    }
    out[n] = '\0';
    OPENSSL_cleanse(bytes, sizeof bytes);
    return VGL_OK;
}

/* "VK" and 18 upper-case letters or digits, like an AWS key id; a 40-character
 * alphanumeric secret (about 238 bits). */
static vgl_status generate_root(char id[GENERATED_ACCESS_KEY_LENGTH + 1],
                                char secret[GENERATED_SECRET_LENGTH + 1], vgl_error *err)
{
    static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static const char mixed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    memcpy(id, "VK", 2);
    vgl_status status = random_text(id + 2, GENERATED_ACCESS_KEY_LENGTH - 2, upper, err);
    return status != VGL_OK ? status : random_text(secret, GENERATED_SECRET_LENGTH, mixed, err);
}

static vgl_status write_all(int fd, const char *text, const char *path, vgl_error *err)
{
    size_t length = strlen(text);
    while (length > 0) {
        ssize_t n = write(fd, text, length);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return vgl_error_set(err, VGL_EIO, "cannot write %s: %s", path, strerror(errno));
        text += n;
        length -= (size_t)n;
    }
    return VGL_OK;
}

/* Writes text to path through a 0600 temporary file in the same folder,
 * fsync'ed and renamed, so a crash never leaves a half-written key file;
 * then checks the mode really is 0600 (a filesystem may not honour it). */
static vgl_status write_private_file(const char *data_dir, const char *path, const char *text,
                                     vgl_error *err)
{
    size_t tmp_size = strlen(path) + 16;
    char *tmp = malloc(tmp_size);
    if (!tmp)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory writing %s", path);
    snprintf(tmp, tmp_size, "%s.tmp.XXXXXX", path);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        vgl_status status = vgl_error_set(err, VGL_EIO, "cannot create a file in %s: %s",
                                          data_dir, strerror(errno));
        free(tmp);
        return status;
    }
    vgl_status status = fchmod(fd, 0600) == 0
                            ? write_all(fd, text, tmp, err)
                            : vgl_error_set(err, VGL_EIO, "cannot chmod %s: %s", tmp,
                                            strerror(errno));
    if (status == VGL_OK && fsync(fd) != 0)
        status = vgl_error_set(err, VGL_EIO, "cannot sync %s: %s", tmp, strerror(errno));
    if (close(fd) != 0 && status == VGL_OK)
        status = vgl_error_set(err, VGL_EIO, "cannot write %s: %s", tmp, strerror(errno));
    if (status == VGL_OK && rename(tmp, path) != 0)
        status = vgl_error_set(err, VGL_EIO, "cannot rename %s to %s: %s", tmp, path,
                               strerror(errno));
    if (status != VGL_OK)
        unlink(tmp);
    free(tmp);
    /* The rename itself is durable once the folder is synced. */
    int dir = status == VGL_OK ? open(data_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC) : -1;
    if (dir >= 0) {
        fsync(dir);
        close(dir);
    }
    struct stat st;
    if (status == VGL_OK && (stat(path, &st) != 0 || (st.st_mode & 0777) != 0600))
        status = vgl_error_set(err, VGL_EIO, "%s was written but its mode is not 0600", path);
    return status;
}

static vgl_status create_root(keyring *ring, const char *data_dir, const char *path,
                              vgl_error *err)
{
    char id[GENERATED_ACCESS_KEY_LENGTH + 1], secret[GENERATED_SECRET_LENGTH + 1];
    vgl_status status = generate_root(id, secret, err);
    json_t *doc = NULL;
    char *text = NULL;
    if (status == VGL_OK) {
        doc = json_pack("{s:[{s:s,s:s,s:b}]}", "keys", "access_key_id", id, "secret_access_key",
                        secret, "root", 1);
        text = doc ? json_dumps(doc, JSON_INDENT(2)) : NULL;
        if (!text)
            status = vgl_error_set(err, VGL_ENOMEM, "out of memory writing %s", path);
    }
    if (status == VGL_OK)
        status = write_private_file(data_dir, path, text, err);
    if (status == VGL_OK)
        status = add_key(ring, id, secret, 1, err);
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    json_decref(doc);
    OPENSSL_cleanse(secret, sizeof secret);
    return status;
}

/* ---------------------------------------------------------------- open */

/* The root key from the environment when both variables are set; *set
 * tells whether they were. */
static vgl_status env_root(keyring *ring, int *set, vgl_error *err)
{
    const char *id = getenv(ENV_ACCESS_KEY);
    const char *secret = getenv(ENV_SECRET);
    *set = id && secret;
    if (!id && !secret)
        return VGL_OK;
    if (!*set)
        return vgl_error_set(err, VGL_EINVAL, "set both %s and %s, or neither",
                             ENV_ACCESS_KEY, ENV_SECRET);
    vgl_status status = check_pair(id, secret, ENV_ACCESS_KEY "/" ENV_SECRET, err);
    return status != VGL_OK ? status : add_key(ring, id, secret, 1, err);
}

vgl_status keyring_open(const char *data_dir, keyring **out, int *created_root, vgl_error *err)
{
    *out = NULL;
    *created_root = 0;
    keyring *ring = calloc(1, sizeof *ring);
    size_t path_size = strlen(data_dir) + sizeof "/" KEYS_FILE;
    char *path = malloc(path_size);
    if (!ring || !path) {
        free(ring);
        free(path);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory opening the key ring");
    }
    snprintf(path, path_size, "%s/" KEYS_FILE, data_dir);
    int from_env = 0, found = 0;
    vgl_status status = env_root(ring, &from_env, err);
    /* keys.json may hold further keys even when the environment names the
     * root; its own root entry then yields. */
    if (status == VGL_OK)
        status = load_file(ring, path, from_env, &found, err);
    if (status == VGL_OK && !from_env && !found) {
        status = create_root(ring, data_dir, path, err);
        *created_root = status == VGL_OK;
    }
    free(path);
    if (status != VGL_OK) {
        keyring_free(ring);
        return status;
    }
    *out = ring;
    return VGL_OK;
}
