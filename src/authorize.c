/*
 * authorize.c - service_authorize (authorize.h): the key ring's decision,
 * worded like IAM's denials so that scripts matching AWS's messages work.
 */
#include "authorize.h"

#include <stdio.h>

int service_authorize(const service *svc, const auth_identity *caller, const char *action,
                      const char *resource, char *message, size_t size)
{
    access_decision decision =
        keyring_authorize(svc->keys, caller->access_key_id, action, resource);
    if (decision == ACCESS_ALLOWED)
        return 1;
    /* A key has no user name: the key id stands for it in the user's ARN. */
    if (decision == ACCESS_EXPLICIT_DENY)
        snprintf(message, size,
                 "User: arn:aws:iam::%s:user/%s is not authorized to perform: %s on resource: "
                 "%s with an explicit deny in an identity-based policy",
                 svc->account_id, caller->access_key_id, action, resource);
    else
        snprintf(message, size,
                 "User: arn:aws:iam::%s:user/%s is not authorized to perform: %s on resource: "
                 "%s because no identity-based policy allows the %s action",
                 svc->account_id, caller->access_key_id, action, resource, action);
    return 0;
}
