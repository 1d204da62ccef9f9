/*
 * cmd_serve.c - `vigil serve`: the Lookout for Vision API and the S3
 * endpoint on one port, over a data directory that holds the access keys,
 * the objects (DATA/objects) and the metadata store.
 *
 * It opens the three stores, hosts again the models that were hosted when
 * it last stopped, starts the HTTP server (http_server.c), prints
 * the endpoint (and, on a first start, the root key with the commands that
 * point the aws CLI at it), then sleeps in sigwait until SIGINT or SIGTERM
 * and closes everything in reverse order.
 */
#include "background_jobs.h"
#include "cli_options.h"
#include "commands.h"
#include "data_permissions.h"
#include "detect_metrics.h"
#include "error.h"
#include "http_server.h"
#include "offline_cli.h"
#include "model_hosting.h"
#include "model_hosting_start.h"
#include "model_packaging.h"
#include "model_training.h"
#include "sealed_model.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SERVE_DEFAULT_LISTEN "127.0.0.1:9000"
#define SERVE_DEFAULT_REGION "us-east-1"
#define SERVE_DEFAULT_ACCOUNT "000000000000"
#define SERVE_DEFAULT_MAX_BODY ((size_t)64 << 20)
#define SERVE_DEFAULT_MAX_CONNECTIONS 256
#define SERVE_DEFAULT_MAX_CONNECTIONS_TEXT "256"
#define SERVE_DEFAULT_PER_CLIENT 64
#define SERVE_DEFAULT_PER_CLIENT_TEXT "64"
#define SERVE_DEFAULT_HEADER_TIMEOUT 30
#define SERVE_DEFAULT_HEADER_TIMEOUT_TEXT "30"
#define SERVE_DEFAULT_MIN_BODY_RATE 1024
#define SERVE_DEFAULT_MIN_BODY_RATE_TEXT "1024"
#define SERVE_DEFAULT_BODY_MEMORY ((size_t)1 << 30)

typedef struct serve_args {
    char host[256];
    uint16_t port;
    const char *data_dir, *region, *account_id;
    int max_connections, max_per_client, header_timeout, min_body_rate;
    size_t max_body, body_memory;
    char incoming[4096]; /* DATA/incoming: objects' bodies as they arrive */
    int no_metrics;
    const char *console_dir;
} serve_args;

static void usage(FILE *to)
{
    fprintf(to,
            "usage: vigil serve --data DIR [--listen HOST:PORT] [--region R] [--account-id ID]\n"
            "                   [--max-connections N] [--max-connections-per-client N]\n"
            "                   [--header-timeout S] [--min-body-rate B] [--max-body BYTES]\n"
            "                   [--body-memory BYTES]\n"
            "                   [--no-metrics] [--console-dir DIR]\n\n"
            "Serves the Lookout for Vision API (under /2020-11-20/) and an S3-compatible\n"
            "endpoint on one port, with everything kept in DIR.  Requests are signed with\n"
            "AWS Signature Version 4; the root key comes from VIGIL_ROOT_ACCESS_KEY_ID and\n"
            "VIGIL_ROOT_SECRET_ACCESS_KEY, or is generated on the first start.\n\n"
            "  --data DIR          data directory (created if needed)\n"
            "  --listen HOST:PORT  address to listen on (default " SERVE_DEFAULT_LISTEN
            "; port 0 picks one)\n"
            "  --region R          region in ARNs and signatures (default " SERVE_DEFAULT_REGION
            ")\n"
            "  --account-id ID     12-digit account id in ARNs (default " SERVE_DEFAULT_ACCOUNT
            ")\n"
            "  --max-connections N open connections served at once, each on its own thread\n"
            "                      (default " SERVE_DEFAULT_MAX_CONNECTIONS_TEXT "); requests on\n"
            "                      connections beyond it are answered 503 SlowDown (S3) or\n"
            "                      429 ThrottlingException (API)\n"
            "  --max-connections-per-client N\n"
            "                      the same for one client address (default "
            SERVE_DEFAULT_PER_CLIENT_TEXT ")\n"
            "  --header-timeout S  seconds a request's whole header section may take, from\n"
            "                      the connection's start or the previous answer; idle\n"
            "                      keep-alive connections close after as long (default "
            SERVE_DEFAULT_HEADER_TIMEOUT_TEXT ")\n"
            "  --min-body-rate B   bytes a second a request body must average after its\n"
            "                      first 10 seconds, 0 for none (default "
            SERVE_DEFAULT_MIN_BODY_RATE_TEXT ")\n"
            "  --max-body BYTES    largest request body accepted (default 67108864)\n"
            "  --body-memory BYTES request bodies held in memory at once; a request whose\n"
            "                      body would pass it is answered 503 SlowDown or 429\n"
            "                      ThrottlingException (default 1073741824)\n"
            "  --no-metrics        no unauthenticated GET /metrics (Prometheus counters)\n"
            "  --console-dir DIR   the web console's files, served at /console/\n"
            "                      (default " VIGIL_CONSOLE_DIR ")\n");
}

/* HOST:PORT or [IPV6]:PORT; 0 on success. */
static int parse_listen(const char *text, serve_args *a)
{
    const char *colon = strrchr(text, ':');
    if (!colon || colon == text)
        return -1;
    const char *host = text;
    size_t host_length = (size_t)(colon - text);
    if (host[0] == '[' && host[host_length - 1] == ']') {
        host++;
        host_length -= 2;
    }
    if (host_length == 0 || host_length >= sizeof a->host)
        return -1;
    char *end;
    errno = 0;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (errno || *end || end == colon + 1 || port > 65535)
        return -1;
    memcpy(a->host, host, host_length);
    a->host[host_length] = '\0';
    a->port = (uint16_t)port;
    return 0;
}

static int valid_account_id(const char *id)
{
    if (strlen(id) != 12)
        return 0;
    for (; *id; id++)
        if (*id < '0' || *id > '9')
            return 0;
    return 1;
}

static int parse_max_body(const char *text, size_t *out)
{
    char *end;
    errno = 0;
    unsigned long long value = strtoull(text, &end, 10);
    if (errno || *end || end == text || text[0] == '-' || value == 0 || value > SIZE_MAX - 1)
        return -1;
    *out = (size_t)value;
    return 0;
}

static int fail_usage(const char *problem)
{
    fprintf(stderr, "vigil serve: %s\nRun 'vigil serve --help' for its options.\n", problem);
    return CLI_USAGE;
}

/* Returns -1 to go on, or the exit code. */
static int parse_args(int argc, char **argv, serve_args *a)
{
    enum { LISTEN = 256, DATA, REGION, ACCOUNT, MAX_CONNECTIONS, PER_CLIENT, HEADER_TIMEOUT,
           MIN_BODY_RATE, MAX_BODY, BODY_MEMORY, NO_METRICS, CONSOLE_DIR, HELP };
    static const struct option options[] = {{"listen", required_argument, 0, LISTEN},
                                            {"data", required_argument, 0, DATA},
                                            {"region", required_argument, 0, REGION},
                                            {"account-id", required_argument, 0, ACCOUNT},
                                            {"max-connections", required_argument, 0,
                                             MAX_CONNECTIONS},
                                            {"max-connections-per-client", required_argument, 0,
                                             PER_CLIENT},
                                            {"header-timeout", required_argument, 0,
                                             HEADER_TIMEOUT},
                                            {"min-body-rate", required_argument, 0,
                                             MIN_BODY_RATE},
                                            {"max-body", required_argument, 0, MAX_BODY},
                                            {"body-memory", required_argument, 0, BODY_MEMORY},
                                            {"no-metrics", no_argument, 0, NO_METRICS},
                                            {"console-dir", required_argument, 0, CONSOLE_DIR},
                                            {"help", no_argument, 0, HELP},
                                            {0, 0, 0, 0}};
    *a = (serve_args){.region = SERVE_DEFAULT_REGION,
                      .account_id = SERVE_DEFAULT_ACCOUNT,
                      .max_connections = SERVE_DEFAULT_MAX_CONNECTIONS,
                      .max_per_client = SERVE_DEFAULT_PER_CLIENT,
                      .header_timeout = SERVE_DEFAULT_HEADER_TIMEOUT,
                      .min_body_rate = SERVE_DEFAULT_MIN_BODY_RATE,
                      .max_body = SERVE_DEFAULT_MAX_BODY,
                      .body_memory = SERVE_DEFAULT_BODY_MEMORY,
                      .console_dir = VIGIL_CONSOLE_DIR};
    parse_listen(SERVE_DEFAULT_LISTEN, a);
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, ":", options, NULL)) != -1) {
        switch (opt) {
        case LISTEN:
            if (parse_listen(optarg, a))
                return fail_usage("--listen wants HOST:PORT, e.g. 127.0.0.1:9000");
            break;
        case DATA: a->data_dir = optarg; break;
        case REGION: a->region = optarg; break;
        case ACCOUNT:
            if (!valid_account_id(optarg))
                return fail_usage("--account-id wants 12 digits");
            a->account_id = optarg;
            break;
        case MAX_CONNECTIONS:
            if (cli_parse_int("serve", "--max-connections", optarg, 1, &a->max_connections))
                return CLI_USAGE;
            break;
        case PER_CLIENT:
            if (cli_parse_int("serve", "--max-connections-per-client", optarg, 1,
                              &a->max_per_client))
                return CLI_USAGE;
            break;
        case HEADER_TIMEOUT:
            if (cli_parse_int("serve", "--header-timeout", optarg, 1, &a->header_timeout))
                return CLI_USAGE;
            break;
        case MIN_BODY_RATE:
            if (cli_parse_int("serve", "--min-body-rate", optarg, 0, &a->min_body_rate))
                return CLI_USAGE;
            break;
        case MAX_BODY:
            if (parse_max_body(optarg, &a->max_body))
                return fail_usage("--max-body wants a positive number of bytes");
            break;
        case BODY_MEMORY:
            if (parse_max_body(optarg, &a->body_memory))
                return fail_usage("--body-memory wants a positive number of bytes");
            break;
        case NO_METRICS: a->no_metrics = 1; break;
        case CONSOLE_DIR: a->console_dir = optarg; break;
        case HELP: usage(stdout); return 0;
        default: return cli_option_error("serve", opt, argv);
        }
    }
    if (optind < argc)
        return fail_usage("unexpected argument");
    if (!a->data_dir)
        return fail_usage("--data is required");
    if (!a->region[0])
        return fail_usage("--region must not be empty");
    if (snprintf(a->incoming, sizeof a->incoming, "%s/incoming", a->data_dir) >=
        (int)sizeof a->incoming)
        return fail_usage("--data is too long a path");
    return -1;
}

/* The endpoint as a URL, with brackets around an IPv6 address. */
static void endpoint_format(const serve_args *a, uint16_t port, char *out, size_t size)
{
    int ipv6 = strchr(a->host, ':') != NULL;
    snprintf(out, size, "http://%s%s%s:%u", ipv6 ? "[" : "", a->host, ipv6 ? "]" : "",
             (unsigned)port);
}

static void print_welcome(const serve_args *a, const service *svc, const char *endpoint,
                          int created_root)
{
    printf("vigil serve: data in %s, region %s, account %s\n", a->data_dir, svc->region,
           svc->account_id);
    if (created_root) {
        printf("\nA root access key was created (shown only now; it is kept in %s):\n\n"
               "  export AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s AWS_DEFAULT_REGION=%s\n"
               "  aws --endpoint-url %s lookoutvision list-projects\n\n",
               a->data_dir, keyring_root_access_key(svc->keys), keyring_root_secret(svc->keys),
               svc->region, endpoint);
    } else {
        printf("root access key id: %s\n", keyring_root_access_key(svc->keys));
    }
    /* Scripts (tests/integration/lib.sh) read the port from this line. */
    printf("endpoint: %s\n", endpoint);
    printf("console: %s/console/\n", endpoint);
    fflush(stdout);
}

/* DATA/incoming, emptied of what a killed server left there. */
static vgl_status incoming_prepare(const char *dir, vgl_error *err)
{
    vgl_status status = cli_make_dirs(dir, err);
    DIR *d = status == VGL_OK ? opendir(dir) : NULL;
    for (struct dirent *e; d && (e = readdir(d));) {
        char path[4200];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (e->d_name[0] != '.')
            unlink(path);
    }
    if (d)
        closedir(d);
    return status;
}

/* Opens the key ring, the objects and the metadata store into svc. */
static vgl_status stores_open(const serve_args *a, service *svc, int *created_root,
                              vgl_error *err)
{
    vgl_status status = cli_make_dirs(a->data_dir, err);
    data_permissions_restrict(a->data_dir);
    if (status == VGL_OK)
        status = incoming_prepare(svc->incoming_dir, err);
    if (status == VGL_OK)
        status = keyring_open(a->data_dir, &svc->keys, created_root, err);
    if (status != VGL_OK)
        return status;
    size_t length = strlen(a->data_dir) + sizeof "/objects";
    char *objects = malloc(length);
    if (!objects)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory");
    snprintf(objects, length, "%s/objects", a->data_dir);
    status = blob_local_open(objects, &svc->blobs, err);
    free(objects);
    if (status != VGL_OK)
        return status;
    status = metadata_store_open(a->data_dir, &svc->store, err);
    model_training_clean(a->data_dir); /* snapshots of trainings a kill cut short */
    if (status == VGL_OK)
        status = detect_metrics_create(&svc->metrics, err);
    /* the hosted models (StartModel) live in memory, owned by the service */
    return status == VGL_OK ? model_registry_create(&svc->models, err) : status;
}

static void stores_close(service *svc)
{
    model_registry_free(svc->models); /* unhosts every model still hosted */
    detect_metrics_free(svc->metrics);
    if (svc->store)
        metadata_store_close(svc->store);
    if (svc->blobs)
        svc->blobs->ops->close(svc->blobs);
    if (svc->keys)
        keyring_free(svc->keys);
}

/* Blocks until SIGINT or SIGTERM; they were blocked in every thread before
 * the server started, so they arrive here and nowhere else. */
static int wait_for_stop(const sigset_t *stop_signals)
{
    int signal_number = 0;
    sigwait(stop_signals, &signal_number);
    return signal_number;
}

int cmd_serve(int argc, char **argv)
{
    serve_args a;
    int rc = parse_args(argc, argv, &a);
    if (rc >= 0)
        return rc;
    service svc = {.data_dir = a.data_dir,
                   .region = a.region,
                   .account_id = a.account_id,
                   .max_body_bytes = a.max_body,
                   .metrics_endpoint = !a.no_metrics,
                   .console_dir = a.console_dir,
                   .incoming_dir = a.incoming};
    sealed_model_use_ring(&(kms_ring){a.data_dir, a.region, a.account_id}); /* hosting */
    vgl_error err = {0};
    int created_root = 0;
    if (stores_open(&a, &svc, &created_root, &err) != VGL_OK) {
        fprintf(stderr, "vigil serve: %s\n", err.message);
        stores_close(&svc);
        return CLI_FAILED;
    }
    sigset_t stop_signals;
    sigemptyset(&stop_signals);
    sigaddset(&stop_signals, SIGINT);
    sigaddset(&stop_signals, SIGTERM);
    pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
    /* A client that hangs up mid-response must not kill the server. */
    signal(SIGPIPE, SIG_IGN);
    /* before the first request, so the models are HOSTED when it comes, and
     * after the mask, which the units' threads inherit */
    model_hosting_restore(&svc);
    http_server *server = NULL;
    http_guard_limits limits = {(unsigned)a.max_connections, (unsigned)a.max_per_client,
                                (unsigned)a.header_timeout, (unsigned)a.min_body_rate,
                                a.body_memory};
    if (http_server_start(&svc, a.host, a.port, &limits, &server, &err) !=
        VGL_OK) {
        fprintf(stderr, "vigil serve: %s\n", err.message);
        stores_close(&svc);
        return CLI_FAILED;
    }
    char endpoint[300];
    endpoint_format(&a, http_server_port(server), endpoint, sizeof endpoint);
    print_welcome(&a, &svc, endpoint, created_root);
    int signal_number = wait_for_stop(&stop_signals);
    printf("vigil serve: %s received, stopping\n", strsignal(signal_number));
    fflush(stdout);
    http_server_stop(server);
    /* imports and trainings still running stop before the stores close */
    background_jobs_drain();
    stores_close(&svc);
    return 0;
}
