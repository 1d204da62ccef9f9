/*
 * client_operations.h - the Lookout for Vision API (2020-11-20) as the
 * `vigil lookoutvision` client needs it: each operation's HTTP binding and
 * the shapes of its input and output, transcribed from the API model
 * (lookoutvision-2020-11-20.service.json and .paginators.json).
 */
#ifndef VIGIL_CLIENT_OPERATIONS_H
#define VIGIL_CLIENT_OPERATIONS_H

#include <stddef.h>

typedef enum cli_type {
    CLI_STRING,
    CLI_INTEGER,
    CLI_BOOLEAN,
    CLI_BLOB,
    CLI_TIMESTAMP,
    CLI_FLOAT,
    CLI_STRUCTURE,
    CLI_LIST,
    CLI_MAP,
} cli_type;

/* Where a request member travels. */
typedef enum cli_location {
    CLI_IN_BODY,
    CLI_IN_URI,
    CLI_IN_QUERY,
    CLI_IN_HEADER,
} cli_location;

typedef struct cli_shape cli_shape;

typedef struct cli_member {
    const char *name;          /* "ProjectName" */
    const cli_shape *shape;
    cli_location location;
    const char *location_name; /* "projectName", "X-Amzn-Client-Token"; NULL in the body */
    int required;
    int idempotency_token;     /* filled with a UUID v4 when absent */
} cli_member;

struct cli_shape {
    const char *name;
    cli_type type;
    const cli_member *members; /* structure */
    size_t n_members;
    const char *payload;       /* structure: the member sent as the raw body */
    const cli_shape *element;  /* list */
    int has_min;               /* botocore checks min (length or value) client-side */
    long min;
    const char *const *enum_values; /* NULL-terminated, or NULL */
    int streaming;
};

typedef struct cli_operation {
    const char *name;          /* "CreateProject" */
    const char *command;       /* "create-project" */
    const char *method;
    const char *uri;           /* "/2020-11-20/projects/{projectName}" */
    int success_status;
    const cli_shape *input;
    const cli_shape *output;
    const char *result_key;    /* paginated operations: the list to gather; else NULL */
} cli_operation;

extern const cli_operation cli_operations[];
extern const size_t cli_n_operations;

/* The operation of a command name ("describe-project"), or NULL. */
const cli_operation *cli_find_operation(const char *command);
/* A structure's member by name, or NULL. */
const cli_member *cli_find_member(const cli_shape *structure, const char *name);

#endif
