/*
 * access_policy.c - parsing and evaluating IAM-shaped policy documents
 * (access_policy.h).  A parsed policy owns copies of its patterns, so the
 * JSON document can be freed at once.
 */
#include "access_policy.h"
#include "error.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

/* Like IAM's limits: an action or resource is a short string, and a
 * pattern check stays cheap. */
#define MAX_PATTERN 2048

typedef struct statement {
    int deny;
    char **actions;
    size_t n_actions;
    char **resources;
    size_t n_resources;
} statement;

struct access_policy {
    statement *statements;
    size_t count;
};

/* ------------------------------------------------------------ matching */

static int same_char(char a, char b, int ignore_case)
{
    return ignore_case ? tolower((unsigned char)a) == tolower((unsigned char)b) : a == b;
}

/* Iterative glob matching with one backtrack point: linear in practice and
 * never recursive, whatever the number of stars. */
int access_pattern_matches(const char *pattern, const char *text, int ignore_case)
{
    const char *star = NULL, *resume = NULL;
    while (*text) {
        if (*pattern == '*') {
            star = pattern++;
            resume = text;
        } else if (*pattern && (*pattern == '?' || same_char(*pattern, *text, ignore_case))) {
            pattern++;
            text++;
        } else if (star) {
            pattern = star + 1;
            text = ++resume;
        } else {
            return 0;
        }
    }
    while (*pattern == '*')
        pattern++;
    return *pattern == '\0';
}

static int any_matches(char *const *patterns, size_t count, const char *text, int ignore_case)
{
    for (size_t i = 0; i < count; i++)
        if (access_pattern_matches(patterns[i], text, ignore_case))
            return 1;
    return 0;
}

access_decision access_policy_evaluate(const access_policy *policy, const char *action,
                                       const char *resource)
{
    int allowed = 0;
    for (size_t i = 0; policy && i < policy->count; i++) {
        const statement *s = &policy->statements[i];
        if (!any_matches(s->actions, s->n_actions, action, 1) ||
            !any_matches(s->resources, s->n_resources, resource, 0))
            continue;
        if (s->deny)
            return ACCESS_EXPLICIT_DENY;
        allowed = 1;
    }
    return allowed ? ACCESS_ALLOWED : ACCESS_IMPLICIT_DENY;
}

/* ------------------------------------------------------------ parsing */

static void free_strings(char **strings, size_t count)
{
    for (size_t i = 0; i < count; i++)
        free(strings[i]);
    free(strings);
}

void access_policy_free(access_policy *policy)
{
    if (!policy)
        return;
    for (size_t i = 0; i < policy->count; i++) {
        free_strings(policy->statements[i].actions, policy->statements[i].n_actions);
        free_strings(policy->statements[i].resources, policy->statements[i].n_resources);
    }
    free(policy->statements);
    free(policy);
}

/* An action is "*" or "service:Name" where both parts are letters, digits,
 * '-' and wildcards: a typo like "lookoutvision CreateModel" would
 * otherwise silently match nothing. */
static int valid_action(const char *action)
{
    if (!strcmp(action, "*"))
        return 1;
    const char *colon = strchr(action, ':');
    if (!colon || colon == action || colon[1] == '\0')
        return 0;
    for (const char *c = action; *c; c++)
        if (c != colon && !isalnum((unsigned char)*c) && !strchr("-*?", *c))
            return 0;
    return 1;
}

/* A resource is "*" or an ARN: "arn:" and at least five colons. */
static int valid_resource(const char *resource)
{
    if (!strcmp(resource, "*"))
        return 1;
    if (strncmp(resource, "arn:", 4))
        return 0;
    int colons = 0;
    for (const char *c = resource; *c; c++)
        colons += *c == ':';
    return colons >= 5;
}

/* "Action" or "Resource": a string or a non-empty list of strings, each
 * valid for its kind. */
static vgl_status read_patterns(const json_t *value, size_t index, const char *member,
                                int (*valid)(const char *), const char *expected, char ***out,
                                size_t *count, vgl_error *err)
{
    size_t n = json_is_array(value) ? json_array_size(value) : 1;
    if (!value || (!json_is_string(value) && !json_is_array(value)) || n == 0)
        return vgl_error_set(err, VGL_EFORMAT,
                             "Statement[%zu]: \"%s\" must be a string or a non-empty list of "
                             "strings",
                             index, member);
    *out = calloc(n, sizeof **out);
    if (!*out)
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading a policy");
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_is_array(value) ? json_array_get(value, i) : value;
        const char *text = json_string_value(item);
        if (!text || !text[0] || strlen(text) > MAX_PATTERN || !valid(text))
            return vgl_error_set(err, VGL_EFORMAT,
                                 "Statement[%zu]: \"%s\" %s%s%s is not %s", index, member,
                                 text ? "\"" : "", text ? text : "(not a string)",
                                 text ? "\"" : "", expected);
        if (!((*out)[i] = strdup(text)))
            return vgl_error_set(err, VGL_ENOMEM, "out of memory reading a policy");
        *count = i + 1;
    }
    return VGL_OK;
}

static vgl_status read_statement(const json_t *object, size_t index, statement *s,
                                 vgl_error *err)
{
    if (!json_is_object(object))
        return vgl_error_set(err, VGL_EFORMAT, "Statement[%zu] must be an object", index);
    static const char *const refused[] = {"NotAction", "NotResource", "Principal",
                                          "NotPrincipal", "Condition"};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++)
        if (json_object_get(object, refused[i]))
            return vgl_error_set(err, VGL_EFORMAT,
                                 "Statement[%zu]: \"%s\" is not supported; use Effect, Action "
                                 "and Resource",
                                 index, refused[i]);
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)object, key, value) {
        if (strcmp(key, "Sid") && strcmp(key, "Effect") && strcmp(key, "Action") &&
            strcmp(key, "Resource"))
            return vgl_error_set(err, VGL_EFORMAT, "Statement[%zu]: unknown member \"%s\"",
                                 index, key);
    }
    const json_t *sid = json_object_get(object, "Sid");
    if (sid && !json_is_string(sid))
        return vgl_error_set(err, VGL_EFORMAT, "Statement[%zu]: \"Sid\" must be a string",
                             index);
    const char *effect = json_string_value(json_object_get(object, "Effect"));
    if (!effect || (strcmp(effect, "Allow") && strcmp(effect, "Deny")))
        return vgl_error_set(err, VGL_EFORMAT,
                             "Statement[%zu]: \"Effect\" must be \"Allow\" or \"Deny\"", index);
    s->deny = !strcmp(effect, "Deny");
    vgl_status status = read_patterns(json_object_get(object, "Action"), index, "Action",
                                      valid_action, "\"*\" or SERVICE:ACTION (e.g. "
                                                    "lookoutvision:CreateModel)",
                                      &s->actions, &s->n_actions, err);
    return status != VGL_OK
               ? status
               : read_patterns(json_object_get(object, "Resource"), index, "Resource",
                               valid_resource, "\"*\" or an ARN (arn:PARTITION:SERVICE:REGION:"
                                               "ACCOUNT:RESOURCE)",
                               &s->resources, &s->n_resources, err);
}

/* The members of the document itself: Version (optional, one of IAM's
 * two), Id (optional), Statement (an object or a list). */
static vgl_status check_document(const json_t *document, vgl_error *err)
{
    if (!json_is_object(document))
        return vgl_error_set(err, VGL_EFORMAT,
                             "a policy must be a JSON object with a \"Statement\" list");
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *)document, key, value) {
        if (strcmp(key, "Version") && strcmp(key, "Id") && strcmp(key, "Statement"))
            return vgl_error_set(err, VGL_EFORMAT, "policy: unknown member \"%s\"", key);
    }
    const json_t *version = json_object_get(document, "Version");
    const char *text = json_string_value(version);
    if (version && (!text || (strcmp(text, "2012-10-17") && strcmp(text, "2008-10-17"))))
        return vgl_error_set(err, VGL_EFORMAT,
                             "policy: \"Version\" must be \"2012-10-17\" (or \"2008-10-17\")");
    const json_t *statements = json_object_get(document, "Statement");
    if (!json_is_array(statements) && !json_is_object(statements))
        return vgl_error_set(err, VGL_EFORMAT,
                             "policy: \"Statement\" must be a list of statements or one "
                             "statement");
    return VGL_OK;
}

vgl_status access_policy_parse(const json_t *document, access_policy **out, vgl_error *err)
{
    *out = NULL;
    vgl_status status = check_document(document, err);
    if (status != VGL_OK)
        return status;
    const json_t *statements = json_object_get(document, "Statement");
    size_t n = json_is_array(statements) ? json_array_size(statements) : 1;
    access_policy *policy = calloc(1, sizeof *policy);
    if (!policy || !(policy->statements = calloc(n ? n : 1, sizeof *policy->statements))) {
        free(policy);
        return vgl_error_set(err, VGL_ENOMEM, "out of memory reading a policy");
    }
    for (size_t i = 0; status == VGL_OK && i < n; i++) {
        const json_t *item = json_is_array(statements) ? json_array_get(statements, i)
                                                       : statements;
        policy->count = i + 1; /* the statement is freed with the policy, even half-read */
        status = read_statement(item, i, &policy->statements[i], err);
    }
    if (status != VGL_OK) {
        access_policy_free(policy);
        return status;
    }
    *out = policy;
    return VGL_OK;
}
