/*
 * cmd_keys.c - `vigil keys`: the access keys of a data directory and their
 * policies (create, list, delete, put-policy), safe while `vigil serve`
 * runs on it: keys.json is replaced atomically and the server rereads it on
 * the next request (keyring.c).
 *
 * Output is JSON in the shape of IAM's answers (AccessKey,
 * AccessKeyMetadata); a new key's secret is printed once, by create, and
 * never again.  Edits hold an exclusive lock on DIR/keys.lock so two
 * `vigil keys` runs cannot lose each other's change.
 */
#include "auth.h"
#include "commands.h"
#include "data_permissions.h"
#include "error.h"
#include "offline_cli.h"

#include <jansson.h>
#include <openssl/crypto.h>

#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

typedef struct keys_args {
    const char *data_dir;
    const char *access_key_id;
    const char *policy; /* file://PATH or the JSON itself */
} keys_args;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: vigil keys create --data DIR [--policy POLICY]\n"
            "       vigil keys list --data DIR\n"
            "       vigil keys delete --data DIR --access-key-id ID\n"
            "       vigil keys put-policy --data DIR --access-key-id ID --policy POLICY\n\n"
            "Manages the access keys of a `vigil serve` data directory; a running server\n"
            "applies the change to its next request.  POLICY is an IAM policy document,\n"
            "inline or as file://PATH:\n\n"
            "  {\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\",\n"
            "    \"Action\": [\"lookoutvision:*\"], \"Resource\": \"*\"},\n"
            "   {\"Effect\": \"Deny\", \"Action\": \"lookoutvision:TagResource\", \"Resource\": "
            "\"*\"}]}\n\n"
            "Actions are lookoutvision:<Operation> and s3:<Action>, resources ARNs\n"
            "(arn:aws:lookoutvision:REGION:ACCOUNT:project/NAME, .../model/NAME/VERSION,\n"
            "arn:aws:s3:::BUCKET/KEY), both with * and ? wildcards.  An explicit Deny\n"
            "wins; a key without a policy may do nothing; the root key may do everything\n"
            "and takes no policy.  create prints the new secret once.\n");
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fputs("vigil keys: ", stderr);
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    va_end(args);
    return CLI_FAILED;
}

static int fail_usage(const char *problem)
{
    fprintf(stderr, "vigil keys: %s\nRun 'vigil keys --help' for its commands.\n", problem);
    return CLI_USAGE;
}

static void print_json(json_t *value)
{
    char *text = json_dumps(value, JSON_INDENT(2));
    if (text) {
        puts(text);
        OPENSSL_cleanse(text, strlen(text));
        free(text);
    }
}

/* ------------------------------------------------------------ policy */

/* --policy: a file://PATH or the document itself, checked as the server
 * will read it; NULL after printing why. */
static json_t *read_policy(const char *argument)
{
    json_error_t json_err;
    const char *path = !strncmp(argument, "file://", 7) ? argument + 7 : NULL;
    json_t *doc = path ? json_load_file(path, 0, &json_err) : json_loads(argument, 0, &json_err);
    if (!doc && path && json_err.line < 0) /* jansson's mark of a file it could not open */
        fail("--policy: cannot read %s: %s", path, json_err.text);
    else if (!doc)
        fail("--policy %s is not a JSON document (line %d: %s)", path ? path : "", json_err.line,
             json_err.text);
    if (!doc)
        return NULL;
    access_policy *policy;
    vgl_error err;
    if (access_policy_parse(doc, &policy, &err) != VGL_OK) {
        fail("--policy%s%s: %s", path ? " " : "", path ? path : "", err.message);
        json_decref(doc);
        return NULL;
    }
    access_policy_free(policy);
    return doc;
}

/* --------------------------------------------------------- key file */

/* Locks the directory's keys against other `vigil keys` runs; -1 on
 * failure (printed). */
static int lock_keys(const char *data_dir)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/keys.lock", data_dir);
    int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd < 0 || flock(fd, LOCK_EX) != 0) {
        fail("cannot lock %s: %m", path);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    return fd;
}

/* Opens the ring (which checks the whole file; it must know the root key,
 * from keys.json or the environment, and never makes one) and reads
 * keys.json as a document ({"keys": []} when the root comes from the
 * environment and there is no file yet). */
static int open_keys(const char *data_dir, keyring **ring, json_t **doc)
{
    vgl_error err;
    *doc = NULL;
    if (keyring_open(data_dir, ring, NULL, &err) != VGL_OK)
        return fail("%s", err.message);
    if (keyring_file_read(data_dir, doc, &err) != VGL_OK) {
        keyring_free(*ring);
        *ring = NULL;
        return fail("%s", err.message);
    }
    if (!*doc)
        *doc = json_pack("{s:[]}", "keys");
    return *doc ? 0 : fail("out of memory");
}

/* The index of the entry for id in keys.json, or -1. */
static long find_entry(const json_t *doc, const char *id)
{
    const json_t *keys = json_object_get(doc, "keys");
    for (size_t i = 0; i < json_array_size(keys); i++) {
        const char *entry_id =
            json_string_value(json_object_get(json_array_get(keys, i), "access_key_id"));
        if (entry_id && !strcmp(entry_id, id))
            return (long)i;
    }
    return -1;
}

/* ---------------------------------------------------------- commands */

static int keys_create(const keys_args *a, keyring *ring, json_t *doc)
{
    json_t *policy = a->policy ? read_policy(a->policy) : NULL;
    if (a->policy && !policy)
        return CLI_FAILED;
    char id[KEYRING_ACCESS_KEY_LENGTH + 1], secret[KEYRING_SECRET_LENGTH + 1];
    vgl_error err;
    vgl_status status;
    char scratch[2];
    /* 36^18 ids make a collision all but impossible; still, never reuse one. */
    do
        status = keyring_generate_pair(id, secret, &err);
    while (status == VGL_OK &&
           (find_entry(doc, id) >= 0 || keyring_secret(ring, id, scratch, sizeof scratch) ||
            keyring_is_root(ring, id)));
    json_t *entry = status == VGL_OK ? json_pack("{s:s, s:s}", "access_key_id", id,
                                                 "secret_access_key", secret)
                                     : NULL;
    if (entry && policy)
        json_object_set(entry, "policy", policy);
    if (status == VGL_OK && (!entry || json_array_append_new(json_object_get(doc, "keys"), entry)))
        status = vgl_error_set(&err, VGL_ENOMEM, "out of memory");
    if (status == VGL_OK)
        status = keyring_file_write(a->data_dir, doc, &err);
    int code = 0;
    if (status == VGL_OK) {
        json_t *out = json_pack("{s:{s:s, s:s, s:s}}", "AccessKey", "AccessKeyId", id,
                                "SecretAccessKey", secret, "Status", "Active");
        if (out && policy)
            json_object_set(json_object_get(out, "AccessKey"), "Policy", policy);
        print_json(out);
        json_decref(out);
    } else {
        code = fail("%s", err.message);
    }
    json_decref(policy);
    OPENSSL_cleanse(secret, sizeof secret);
    return code;
}

static int keys_list(const keys_args *a, keyring *ring, json_t *doc)
{
    (void)a;
    json_t *list = json_array();
    json_array_append_new(list, json_pack("{s:s, s:b}", "AccessKeyId",
                                          keyring_root_access_key(ring), "Root", 1));
    const json_t *keys = json_object_get(doc, "keys");
    for (size_t i = 0; i < json_array_size(keys); i++) {
        const json_t *entry = json_array_get(keys, i);
        if (json_is_true(json_object_get(entry, "root")))
            continue; /* listed first, or yielding to the environment's */
        json_t *item = json_pack("{s:O}", "AccessKeyId", json_object_get(entry, "access_key_id"));
        json_t *policy = json_object_get(entry, "policy");
        if (item && policy)
            json_object_set(item, "Policy", policy);
        json_array_append_new(list, item);
    }
    json_t *out = json_pack("{s:o}", "AccessKeyMetadata", list);
    print_json(out);
    json_decref(out);
    return 0;
}

/* The entry delete and put-policy act on: an existing key other than the
 * root; -1 after printing why. */
static long editable_entry(const keys_args *a, keyring *ring, const json_t *doc)
{
    if (keyring_is_root(ring, a->access_key_id)) {
        fail("%s is the root key: it may do everything and cannot be deleted or given a "
             "policy",
             a->access_key_id);
        return -1;
    }
    long index = find_entry(doc, a->access_key_id);
    if (index < 0)
        fail("no access key %s in %s/keys.json; 'vigil keys list --data %s' lists them",
             a->access_key_id, a->data_dir, a->data_dir);
    return index;
}

static int keys_delete(const keys_args *a, keyring *ring, json_t *doc)
{
    long index = editable_entry(a, ring, doc);
    if (index < 0)
        return CLI_FAILED;
    json_array_remove(json_object_get(doc, "keys"), (size_t)index);
    vgl_error err;
    if (keyring_file_write(a->data_dir, doc, &err) != VGL_OK)
        return fail("%s", err.message);
    json_t *out = json_pack("{s:s, s:b}", "AccessKeyId", a->access_key_id, "Deleted", 1);
    print_json(out);
    json_decref(out);
    return 0;
}

static int keys_put_policy(const keys_args *a, keyring *ring, json_t *doc)
{
    long index = editable_entry(a, ring, doc);
    json_t *policy = index >= 0 ? read_policy(a->policy) : NULL;
    if (!policy)
        return CLI_FAILED;
    json_t *entry = json_array_get(json_object_get(doc, "keys"), (size_t)index);
    json_object_set(entry, "policy", policy);
    vgl_error err;
    int code = 0;
    if (keyring_file_write(a->data_dir, doc, &err) != VGL_OK) {
        code = fail("%s", err.message);
    } else {
        json_t *out = json_pack("{s:s, s:O}", "AccessKeyId", a->access_key_id, "Policy", policy);
        print_json(out);
        json_decref(out);
    }
    json_decref(policy);
    return code;
}

/* ------------------------------------------------------------ main */

typedef int (*keys_command)(const keys_args *a, keyring *ring, json_t *doc);

typedef struct command_spec {
    const char *name;
    keys_command run;
    int needs_key, needs_policy, takes_policy, edits;
} command_spec;

static const command_spec COMMANDS[] = {
    {"create", keys_create, 0, 0, 1, 1},
    {"list", keys_list, 0, 0, 0, 0},
    {"delete", keys_delete, 1, 0, 0, 1},
    {"put-policy", keys_put_policy, 1, 1, 1, 1},
};

static int parse_args(int argc, char **argv, const command_spec *spec, keys_args *a)
{
    enum { DATA = 256, KEY, POLICY, HELP };
    static const struct option options[] = {{"data", required_argument, 0, DATA},
                                            {"access-key-id", required_argument, 0, KEY},
                                            {"policy", required_argument, 0, POLICY},
                                            {"help", no_argument, 0, HELP},
                                            {0, 0, 0, 0}};
    *a = (keys_args){0};
    opterr = 0;
    optind = 1;
    int opt;
    while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (opt) {
        case DATA: a->data_dir = optarg; break;
        case KEY: a->access_key_id = optarg; break;
        case POLICY: a->policy = optarg; break;
        case HELP: usage(stdout); return 0;
        default: return cli_option_error("keys", opt, argv);
        }
    }
    if (optind < argc)
        return fail_usage("unexpected argument");
    if (!a->data_dir)
        return fail_usage("--data is required");
    if (spec->needs_key && !a->access_key_id)
        return fail_usage("--access-key-id is required");
    if (!spec->needs_key && a->access_key_id)
        return fail_usage("--access-key-id is for delete and put-policy");
    if (a->access_key_id && !keyring_valid_access_key(a->access_key_id))
        return fail_usage("--access-key-id wants 16 to 128 characters of A-Z and 0-9");
    if (spec->needs_policy && !a->policy)
        return fail_usage("--policy is required");
    if (!spec->takes_policy && a->policy)
        return fail_usage("--policy is for create and put-policy");
    return -1;
}

int cmd_keys(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? CLI_USAGE : 0;
    }
    const command_spec *spec = NULL;
    for (size_t i = 0; i < sizeof COMMANDS / sizeof *COMMANDS; i++)
        if (!strcmp(argv[1], COMMANDS[i].name))
            spec = &COMMANDS[i];
    if (!spec)
        return fail_usage("unknown command; use create, list, delete or put-policy");
    keys_args a;
    int code = parse_args(argc - 1, argv + 1, spec, &a);
    if (code >= 0)
        return code;
    data_permissions_restrict(a.data_dir);
    int lock = spec->edits ? lock_keys(a.data_dir) : 0;
    if (lock < 0)
        return CLI_FAILED;
    keyring *ring = NULL;
    json_t *doc = NULL;
    code = open_keys(a.data_dir, &ring, &doc);
    if (code == 0)
        code = spec->run(&a, ring, doc);
    json_decref(doc);
    keyring_free(ring);
    if (spec->edits)
        close(lock);
    return code;
}
