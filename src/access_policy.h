/*
 * access_policy.h - what an access key may do: a policy document in the
 * shape of an IAM identity-based policy, and its evaluation.
 *
 *   {"Version": "2012-10-17",
 *    "Statement": [{"Sid": "...", "Effect": "Allow" | "Deny",
 *                   "Action": "lookoutvision:Describe*" | [...],
 *                   "Resource": "arn:aws:lookoutvision:*:*:project/cookies" | [...]}]}
 *
 * Evaluation follows IAM: an explicit Deny wins, then any Allow, else the
 * request is denied (default deny).  Actions match case-insensitively,
 * resources case-sensitively; both take the wildcards * (any run of
 * characters, '/' and ':' included) and ? (one character).  Statements
 * using what Vigil does not evaluate (NotAction, NotResource, Principal,
 * Condition) are refused rather than half-applied.
 */
#ifndef VIGIL_ACCESS_POLICY_H
#define VIGIL_ACCESS_POLICY_H

#include "vigil.h"

#include <jansson.h>

typedef struct access_policy access_policy;

typedef enum access_decision {
    ACCESS_ALLOWED = 0,
    ACCESS_IMPLICIT_DENY, /* no statement allows it */
    ACCESS_EXPLICIT_DENY, /* a Deny statement matches */
} access_decision;

/* Parses a policy document; VGL_EFORMAT with a message naming the
 * offending statement and member. */
vgl_status access_policy_parse(const json_t *document, access_policy **out, vgl_error *err);
void access_policy_free(access_policy *policy);

/* The decision for action (e.g. "lookoutvision:CreateModel") on resource
 * (an ARN, or "*" for operations on no particular resource). */
access_decision access_policy_evaluate(const access_policy *policy, const char *action,
                                       const char *resource);

/* 1 when text matches pattern with * and ?; case-insensitive on request. */
int access_pattern_matches(const char *pattern, const char *text, int ignore_case);

#endif
