/*
 * cmd_kms.c - `vigil kms`: the KMS key ring of a data directory (kms.h),
 * the keys CreateModel's KmsKeyId names.  Output is JSON shaped like the aws
 * CLI's `aws kms` answers (KeyMetadata).  Safe while `vigil serve` runs on
 * the same directory: the ring is changed under a lock and replaced whole,
 * and the server reads it at every use.
 */
#include "commands.h"
#include "data_permissions.h"
#include "kms.h"
#include "offline_cli.h"

#include <getopt.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

/* The same defaults as `vigil serve`, so that the ARNs printed match. */
#define KMS_DEFAULT_REGION "us-east-1"
#define KMS_DEFAULT_ACCOUNT "000000000000"

static void usage(FILE *to)
{
    fprintf(to,
            "usage: vigil kms create --data DIR [--alias alias/NAME]... [--description TEXT]\n"
            "       vigil kms list --data DIR\n"
            "       vigil kms disable --data DIR KEY\n"
            "       vigil kms enable --data DIR KEY\n\n"
            "The KMS keys of a `vigil serve` data directory: CreateModel's KmsKeyId names one\n"
            "(its key id, key ARN, alias name or alias ARN) to encrypt the model's training\n"
            "copies and model file; a disabled key can no longer be used.\n\n"
            "  --data DIR          the data directory of `vigil serve`\n"
            "  --alias alias/NAME  an alias of the new key (repeatable)\n"
            "  --description TEXT  the new key's description\n"
            "  --region R          region in the ARNs (default " KMS_DEFAULT_REGION
            ", as vigil serve)\n"
            "  --account-id ID     account id in the ARNs (default " KMS_DEFAULT_ACCOUNT ")\n");
}

typedef struct kms_args {
    const char *action, *key, *description;
    const char *aliases[KMS_MAX_ALIASES];
    size_t n_aliases;
    kms_ring ring;
} kms_args;

static int fail_usage(const char *problem)
{
    fprintf(stderr, "vigil kms: %s\nRun 'vigil kms --help' for its options.\n", problem);
    return CLI_USAGE;
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, kms_args *a)
{
    enum { DATA = 256, ALIAS, DESCRIPTION, REGION, ACCOUNT, HELP };
    static const struct option options[] = {{"data", required_argument, 0, DATA},
                                            {"alias", required_argument, 0, ALIAS},
                                            {"description", required_argument, 0, DESCRIPTION},
                                            {"region", required_argument, 0, REGION},
                                            {"account-id", required_argument, 0, ACCOUNT},
                                            {"help", no_argument, 0, HELP},
                                            {0, 0, 0, 0}};
    *a = (kms_args){.ring = {NULL, KMS_DEFAULT_REGION, KMS_DEFAULT_ACCOUNT}};
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (opt) {
        case DATA: a->ring.data_dir = optarg; break;
        case ALIAS:
            if (a->n_aliases == KMS_MAX_ALIASES)
                return fail_usage("too many --alias options");
            a->aliases[a->n_aliases++] = optarg;
            break;
        case DESCRIPTION: a->description = optarg; break;
        case REGION: a->ring.region = optarg; break;
        case ACCOUNT:
            if (strlen(optarg) != 12 || strspn(optarg, "0123456789") != 12)
                return fail_usage("--account-id wants 12 digits");
            a->ring.account_id = optarg;
            break;
        case HELP: usage(stdout); return 0;
        default: return cli_option_error("kms", opt, argv);
        }
    }
    if (optind >= argc)
        return fail_usage("which action: create, list, disable or enable?");
    a->action = argv[optind++];
    int wants_key = !strcmp(a->action, "disable") || !strcmp(a->action, "enable");
    if (!wants_key && strcmp(a->action, "create") && strcmp(a->action, "list"))
        return fail_usage("the action is create, list, disable or enable");
    if (wants_key && optind < argc)
        a->key = argv[optind++];
    if (wants_key && !a->key)
        return fail_usage("which key? give its id, ARN, alias or alias ARN");
    if (optind < argc)
        return fail_usage("unexpected argument");
    if (strcmp(a->action, "create") && (a->n_aliases || a->description))
        return fail_usage("--alias and --description are for create");
    if (!a->ring.data_dir)
        return fail_usage("--data is required");
    if (!a->ring.region[0])
        return fail_usage("--region must not be empty");
    return -1;
}

static json_t *key_metadata(const kms_ring *ring, const kms_key *key)
{
    char arn[KMS_ARN_MAX], created[32];
    struct tm tm;
    kms_key_arn(ring, key, arn, sizeof arn);
    gmtime_r(&key->created, &tm);
    strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
    json_t *aliases = json_array();
    for (size_t i = 0; i < key->n_aliases; i++) {
        char alias_arn[KMS_ARN_MAX];
        kms_alias_arn(ring, key->aliases[i], alias_arn, sizeof alias_arn);
        json_array_append_new(aliases, json_pack("{s:s, s:s}", "AliasName", key->aliases[i],
                                                 "AliasArn", alias_arn));
    }
    return json_pack("{s:s, s:s, s:s, s:s, s:b, s:s, s:s, s:s, s:s, s:s, s:o}", "AWSAccountId",
                     ring->account_id, "KeyId", key->key_id, "Arn", arn, "CreationDate",
                     created, "Enabled", key->enabled, "Description", key->description,
                     "KeyUsage", "ENCRYPT_DECRYPT", "KeyState",
                     key->enabled ? "Enabled" : "Disabled", "KeyManager",
                     key->service_owned ? "AWS" : "CUSTOMER", "KeySpec", "SYMMETRIC_DEFAULT",
                     "Aliases", aliases);
}

static void print_json(json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(4));
    if (text)
        printf("%s\n", text);
    free(text);
    json_decref(doc);
}

static vgl_status run(const kms_args *a, vgl_error *err)
{
    kms_key key;
    vgl_status status;
    if (!strcmp(a->action, "list")) {
        kms_key *keys = NULL;
        size_t count = 0;
        status = kms_list_keys(&a->ring, &keys, &count, err);
        json_t *list = json_array();
        for (size_t i = 0; status == VGL_OK && i < count; i++)
            json_array_append_new(list, key_metadata(&a->ring, &keys[i]));
        kms_keys_free(keys, count);
        if (status == VGL_OK)
            print_json(json_pack("{s:o}", "Keys", list));
        else
            json_decref(list);
        return status;
    }
    if (!strcmp(a->action, "create")) {
        status = cli_make_dirs(a->ring.data_dir, err);
        if (status == VGL_OK)
            status = kms_create_key(&a->ring, a->description, a->aliases, a->n_aliases, &key,
                                    err);
    } else {
        status = kms_set_enabled(&a->ring, a->key, !strcmp(a->action, "enable"), &key, err);
    }
    if (status == VGL_OK)
        print_json(json_pack("{s:o}", "KeyMetadata", key_metadata(&a->ring, &key)));
    kms_key_clear(&key);
    return status;
}

int cmd_kms(int argc, char **argv)
{
    kms_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    data_permissions_restrict(a.ring.data_dir);
    vgl_error err = {0};
    if (run(&a, &err) != VGL_OK) {
        fprintf(stderr, "vigil kms: %s\n", err.message);
        return CLI_FAILED;
    }
    return 0;
}
