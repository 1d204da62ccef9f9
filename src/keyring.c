/*
 * keyring.c - the access keys `vigil serve` accepts: the root key pair from
 * VIGIL_ROOT_ACCESS_KEY_ID / VIGIL_ROOT_SECRET_ACCESS_KEY, or from the data
 * directory's keys.json, or generated on first start and written there.
 *
 * keys.json holds the root key (unless the environment names it) and any
 * further keys, each with an optional IAM-shaped policy (access_policy.h):
 *   {"keys":[{"access_key_id":"VK...","secret_access_key":"...","root":true},
 *            {"access_key_id":"VK...","secret_access_key":"...","policy":{...}}]}
 * It is written atomically with mode 0600, and a keys.json other users can
 * read is refused: the secrets are the service's only credentials.
 *
 * The root key may do everything; another key may do what its policy
 * allows, and nothing without one (like an IAM user without policies).
 * `vigil keys` edits keys.json while the server runs: every lookup checks
 * the file's inode, size and mtime (one stat) and rereads it when they
 * changed, so a new key or policy applies to the next request.
 */
#include "auth.h"
#include "error.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <pthread.h>

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

typedef struct keyring_key {
    char *access_key_id;
    char *secret;
    access_policy *policy; /* NULL: the key may do nothing (never set on the root) */
} keyring_key;

typedef struct key_list {
    keyring_key *keys;
    size_t count;
} key_list;

/* What tells a rewritten keys.json from the one last read: `vigil keys`
 * replaces it by a rename, so the inode changes even within one mtime
 * tick. */
typedef struct file_stamp {
    int present;
    dev_t device;
    ino_t inode;
    struct timespec modified;
    off_t size;
} file_stamp;

struct keyring {
    keyring_key root;   /* fixed for the server's life */
    key_list others;    /* keys.json's other keys, reloaded when the file changes */
    char *path;         /* keys.json */
    file_stamp stamp;   /* of the keys.json `others` came from */
    pthread_mutex_t lock; /* guards others and stamp */
};

/* ---------------------------------------------------------- validation */

int keyring_valid_access_key(const char *id)
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
    if (!keyring_valid_access_key(id))
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
    access_policy_free(key->policy);
    memset(key, 0, sizeof *key);
}

static void free_list(key_list *list)
{
    for (size_t i = 0; i < list->count; i++)
        free_key(&list->keys[i]);
    free(list->keys);
    list->keys = NULL;
    list->count = 0;
}

void keyring_free(keyring *ring)
{
    if (!ring)
        return;
    free_key(&ring->root);
    free_list(&ring->others);
    free(ring->path);
    pthread_mutex_destroy(&ring->lock);
    free(ring);
}

/* Fills key with copies; takes policy (freed on failure). */
static vgl_status set_key(keyring_key *key, const char *id, const char *secret,
                          access_policy *policy, vgl_error *err)
{
    key->access_key_id = strdup(id);
    key->secret = strdup(secret);
    key->policy = policy;
    if (!key->access_key_id || !key->secret) {
        free_key(key);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory loading access keys");
    }
    return VGL_OK;
}

static vgl_status add_key(key_list *list, const char *id, const char *secret,
                          access_policy *policy, vgl_error *err)
{
    keyring_key *keys = realloc(list->keys, (list->count + 1) * sizeof *keys);
    if (!keys) {
        access_policy_free(policy);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory loading access keys");
    }
    list->keys = keys;
    memset(&keys[list->count], 0, sizeof *keys);
    vgl_status status = set_key(&keys[list->count], id, secret, policy, err);
    list->count += status == VGL_OK;
    return status;
}

static const keyring_key *find_in(const key_list *list, const char *access_key_id)
{
    for (size_t i = 0; i < list->count; i++)
        if (strcmp(list->keys[i].access_key_id, access_key_id) == 0)
            return &list->keys[i];
    return NULL;
}

/* ------------------------------------------------------------ keys.json */

/* What one read of keys.json yields: its root entry (when wanted) and its
 * other keys. */
typedef struct file_keys {
    keyring_key root;
    int roots;       /* entries marked root */
    key_list others;
} file_keys;

/* The optional "policy" of entry index; the root may not have one. */
static vgl_status load_policy(json_t *entry, size_t index, int is_root, const char *path,
                              access_policy **policy, vgl_error *err)
{
    *policy = NULL;
    json_t *document = json_object_get(entry, "policy");
    if (!document)
        return VGL_OK;
    if (is_root)
        return vgl_error_set(err, VGL_EFORMAT,
                             "%s: keys[%zu] is the root key, which may do everything: remove "
                             "its \"policy\"",
                             path, index);
    vgl_error policy_err;
    if (access_policy_parse(document, policy, &policy_err) != VGL_OK)
        return vgl_error_set(err, policy_err.status, "%s: keys[%zu].policy: %s", path, index,
                             policy_err.message);
    return VGL_OK;
}

/* One entry of "keys".  With keep_root the root entry is kept in out->root;
 * else (the root comes from the environment, or is fixed since the server
 * started) it is only counted. */
static vgl_status load_entry(json_t *entry, size_t index, const char *path, int keep_root,
                             file_keys *out, vgl_error *err)
{
    const char *id = json_string_value(json_object_get(entry, "access_key_id"));
    const char *secret = json_string_value(json_object_get(entry, "secret_access_key"));
    json_t *root = json_object_get(entry, "root");
    if (!json_is_object(entry) || !id || !secret || (root && !json_is_boolean(root)))
        return vgl_error_set(err, VGL_EFORMAT,
                             "%s: keys[%zu] must be an object with string \"access_key_id\" "
                             "and \"secret_access_key\", an optional boolean \"root\" and an "
                             "optional \"policy\"",
                             path, index);
    char origin[64];
    snprintf(origin, sizeof origin, "keys[%zu]", index);
    vgl_error pair_err;
    if (check_pair(id, secret, origin, &pair_err) != VGL_OK)
        return vgl_error_set(err, VGL_EFORMAT, "%s: %s", path, pair_err.message);
    int is_root = json_is_true(root);
    if (find_in(&out->others, id) || (out->root.access_key_id && !strcmp(out->root.access_key_id, id)))
        return vgl_error_set(err, VGL_EFORMAT, "%s: access key %s appears twice", path, id);
    access_policy *policy;
    vgl_status status = load_policy(entry, index, is_root, path, &policy, err);
    if (status != VGL_OK)
        return status;
    out->roots += is_root;
    if (!is_root)
        return add_key(&out->others, id, secret, policy, err);
    return keep_root && out->roots == 1 ? set_key(&out->root, id, secret, NULL, err) : VGL_OK;
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

static void stamp_of(const struct stat *st, file_stamp *stamp)
{
    *stamp = (file_stamp){.present = 1, .device = st->st_dev, .inode = st->st_ino,
                          .modified = st->st_mtim, .size = st->st_size};
}

static int same_stamp(const file_stamp *a, const file_stamp *b)
{
    return a->present == b->present && a->device == b->device && a->inode == b->inode &&
           a->modified.tv_sec == b->modified.tv_sec &&
           a->modified.tv_nsec == b->modified.tv_nsec && a->size == b->size;
}

/* Reads keys.json (stamp->present is 0 when there is none) and checks it
 * as a whole: exactly one root, or at most one when the root comes from
 * elsewhere (root_elsewhere). */
static vgl_status load_file(const char *path, int root_elsewhere, file_keys *out,
                            file_stamp *stamp, vgl_error *err)
{
    memset(out, 0, sizeof *out);
    memset(stamp, 0, sizeof *stamp);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return errno == ENOENT ? VGL_OK
                               : vgl_error_set(err, VGL_EIO, "cannot open %s: %s", path,
                                               strerror(errno));
    struct stat st;
    if (fstat(fd, &st) == 0)
        stamp_of(&st, stamp);
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
    if (!json_is_array(keys))
        status = vgl_error_set(err, VGL_EFORMAT, "%s: expected {\"keys\": [...]}", path);
    for (size_t i = 0; status == VGL_OK && i < json_array_size(keys); i++)
        status = load_entry(json_array_get(keys, i), i, path, !root_elsewhere, out, err);
    json_decref(doc);
    if (status == VGL_OK && out->roots != 1 && !(root_elsewhere && out->roots == 0))
        status = vgl_error_set(err, VGL_EFORMAT,
                               "%s must mark exactly one key \"root\": true (found %d)", path,
                               out->roots);
    if (status != VGL_OK) {
        free_key(&out->root);
        free_list(&out->others);
    }
    return status;
}

/* Rereads keys.json when it changed since the last read; the root stays
 * as the server started with it.  A file that no longer reads keeps the
 * previous keys (and says why once): `vigil keys` writes atomically, so
 * this is a hand edit in progress.  Called with ring->lock held. */
static void refresh(keyring *ring)
{
    struct stat st;
    file_stamp now = {0};
    if (stat(ring->path, &st) == 0)
        stamp_of(&st, &now);
    if (same_stamp(&now, &ring->stamp))
        return;
    file_keys loaded;
    file_stamp stamp;
    vgl_error err;
    if (load_file(ring->path, 1, &loaded, &stamp, &err) != VGL_OK) {
        fprintf(stderr, "vigil serve: keeping the previous access keys: %s\n", err.message);
        ring->stamp = now;
        return;
    }
    /* The root's id is never a second key, even if the file says so. */
    for (size_t i = 0; i < loaded.others.count; i++)
        if (!strcmp(loaded.others.keys[i].access_key_id, ring->root.access_key_id)) {
            fprintf(stderr, "vigil serve: keeping the previous access keys: %s lists the root "
                            "key %s as another key\n", ring->path, ring->root.access_key_id);
            free_list(&loaded.others);
            ring->stamp = now;
            return;
        }
    free_list(&ring->others);
    ring->others = loaded.others;
    ring->stamp = stamp;
}

/* The key's entry under the lock (after a refresh), or NULL; the root
 * first. */
static const keyring_key *lookup_locked(keyring *ring, const char *access_key_id)
{
    if (!strcmp(ring->root.access_key_id, access_key_id))
        return &ring->root;
    refresh(ring);
    return find_in(&ring->others, access_key_id);
}

/* The ring is logically const for its users; the lock and the reload are
 * its own business. */
static keyring *mutable_ring(const keyring *ring) { return (keyring *)ring; }

int keyring_secret(const keyring *ring, const char *access_key_id, char *out, size_t size)
{
    keyring *r = mutable_ring(ring);
    pthread_mutex_lock(&r->lock);
    const keyring_key *key = lookup_locked(r, access_key_id);
    int found = key && strlen(key->secret) < size;
    if (found)
        memcpy(out, key->secret, strlen(key->secret) + 1);
    pthread_mutex_unlock(&r->lock);
    return found;
}

access_decision keyring_authorize(const keyring *ring, const char *access_key_id,
                                  const char *action, const char *resource)
{
    keyring *r = mutable_ring(ring);
    pthread_mutex_lock(&r->lock);
    const keyring_key *key = lookup_locked(r, access_key_id);
    access_decision decision = !key                ? ACCESS_IMPLICIT_DENY
                               : key == &r->root   ? ACCESS_ALLOWED
                                                   : access_policy_evaluate(key->policy, action,
                                                                            resource);
    pthread_mutex_unlock(&r->lock);
    return decision;
}

int keyring_is_root(const keyring *ring, const char *access_key_id)
{
    return !strcmp(ring->root.access_key_id, access_key_id);
}

const char *keyring_root_access_key(const keyring *ring)
{
    return ring->root.access_key_id;
}

const char *keyring_root_secret(const keyring *ring)
{
    return ring->root.secret;
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
vgl_status keyring_generate_pair(char id[KEYRING_ACCESS_KEY_LENGTH + 1],
                                 char secret[KEYRING_SECRET_LENGTH + 1], vgl_error *err)
{
    static const char upper[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    static const char mixed[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    memcpy(id, "VK", 2);
    vgl_status status = random_text(id + 2, KEYRING_ACCESS_KEY_LENGTH - 2, upper, err);
    return status != VGL_OK ? status : random_text(secret, KEYRING_SECRET_LENGTH, mixed, err);
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

/* ------------------------------------------------------- the key file */

static char *keys_path(const char *data_dir)
{
    size_t size = strlen(data_dir) + sizeof "/" KEYS_FILE;
    char *path = malloc(size);
    if (path)
        snprintf(path, size, "%s/" KEYS_FILE, data_dir);
    return path;
}

vgl_status keyring_file_read(const char *data_dir, json_t **doc, vgl_error *err)
{
    *doc = NULL;
    char *path = keys_path(data_dir);
    if (!path)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading the access keys");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    vgl_status status = VGL_OK;
    if (fd < 0 && errno != ENOENT)
        status = vgl_error_set(err, VGL_EIO, "cannot open %s: %s", path, strerror(errno));
    if (fd >= 0) {
        json_error_t json_err;
        status = check_file_mode(fd, path, err);
        if (status == VGL_OK && !(*doc = json_loadfd(fd, 0, &json_err)))
            status = vgl_error_set(err, VGL_EFORMAT, "%s is not valid JSON (line %d: %s)", path,
                                   json_err.line, json_err.text);
        close(fd);
    }
    free(path);
    return status;
}

vgl_status keyring_file_write(const char *data_dir, const json_t *doc, vgl_error *err)
{
    char *path = keys_path(data_dir);
    char *text = json_dumps(doc, JSON_INDENT(2));
    vgl_status status = path && text ? write_private_file(data_dir, path, text, err)
                                     : vgl_error_set(err, VGL_ENOMEM,
                                                     "out of memory writing the access keys");
    if (text) {
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
    free(path);
    return status;
}

static vgl_status create_root(keyring *ring, const char *data_dir, vgl_error *err)
{
    char id[KEYRING_ACCESS_KEY_LENGTH + 1], secret[KEYRING_SECRET_LENGTH + 1];
    vgl_status status = keyring_generate_pair(id, secret, err);
    json_t *doc = NULL;
    if (status == VGL_OK) {
        doc = json_pack("{s:[{s:s,s:s,s:b}]}", "keys", "access_key_id", id, "secret_access_key",
                        secret, "root", 1);
        status = doc ? keyring_file_write(data_dir, doc, err)
                     : vgl_error_set(err, VGL_ENOMEM, "out of memory creating the root key");
    }
    if (status == VGL_OK)
        status = set_key(&ring->root, id, secret, NULL, err);
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
    return status != VGL_OK ? status : set_key(&ring->root, id, secret, NULL, err);
}

vgl_status keyring_open(const char *data_dir, keyring **out, int *created_root, vgl_error *err)
{
    *out = NULL;
    if (created_root)
        *created_root = 0;
    keyring *ring = calloc(1, sizeof *ring);
    if (!ring || pthread_mutex_init(&ring->lock, NULL) != 0) {
        free(ring);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory opening the key ring");
    }
    int from_env = 0;
    file_keys loaded = {0};
    vgl_status status = (ring->path = keys_path(data_dir))
                            ? env_root(ring, &from_env, err)
                            : vgl_error_set(err, VGL_ENOMEM, "out of memory opening the key ring");
    /* keys.json may hold further keys even when the environment names the
     * root; its own root entry then yields. */
    if (status == VGL_OK)
        status = load_file(ring->path, from_env, &loaded, &ring->stamp, err);
    if (status == VGL_OK && from_env && find_in(&loaded.others, ring->root.access_key_id))
        status = vgl_error_set(err, VGL_EFORMAT, "%s lists the root key %s as another key",
                               ring->path, ring->root.access_key_id);
    if (status == VGL_OK) {
        ring->others = loaded.others;
        loaded.others = (key_list){0};
        if (!from_env && ring->stamp.present) {
            ring->root = loaded.root;
            loaded.root = (keyring_key){0};
        }
    }
    free_key(&loaded.root);
    free_list(&loaded.others);
    if (status == VGL_OK && !from_env && !ring->stamp.present && !created_root)
        status = vgl_error_set(err, VGL_ENOTFOUND,
                               "%s holds no root key and %s is not set: give the root key the "
                               "server uses in %s and %s, or start `vigil serve` once to create "
                               "one",
                               ring->path, ENV_ACCESS_KEY, ENV_ACCESS_KEY, ENV_SECRET);
    else if (status == VGL_OK && !from_env && !ring->stamp.present) {
        status = create_root(ring, data_dir, err);
        *created_root = status == VGL_OK;
        /* the file just written is the one read */
        struct stat st;
        if (status == VGL_OK && stat(ring->path, &st) == 0)
            stamp_of(&st, &ring->stamp);
    }
    if (status != VGL_OK) {
        keyring_free(ring);
        return status;
    }
    *out = ring;
    return VGL_OK;
}
