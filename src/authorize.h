/*
 * authorize.h - per-key permissions at the door of every operation: may
 * the caller perform an action (lookoutvision:CreateModel, s3:GetObject)
 * on a resource (an ARN, or "*"), and the sentence AWS answers when not.
 * The checks run before an operation changes anything.
 */
#ifndef VIGIL_AUTHORIZE_H
#define VIGIL_AUTHORIZE_H

#include "service.h"

/* 1 when allowed; else 0 with message: "User: arn:aws:iam::ACCOUNT:user/KEY
 * is not authorized to perform: ACTION on resource: RESOURCE because ...". */
int service_authorize(const service *svc, const auth_identity *caller, const char *action,
                      const char *resource, char *message, size_t size);

#endif
