/*
 * aws_config.h - the profile, region, credentials and output format of a
 * `vigil lookoutvision` call, found where the AWS CLI finds them: command
 * line, environment, ~/.aws/credentials and ~/.aws/config.
 */
#ifndef VIGIL_AWS_CONFIG_H
#define VIGIL_AWS_CONFIG_H

#include <stddef.h>

typedef struct aws_settings {
    char *profile;           /* NULL: "default" */
    char *region;
    char *access_key_id;
    char *secret_access_key;
    char *session_token;
    char *output;            /* json, yaml, text or table */
} aws_settings;

typedef enum aws_config_status {
    AWS_CONFIG_OK = 0,
    AWS_CONFIG_NO_PROFILE,     /* the named profile is in neither file */
    AWS_CONFIG_NO_MEMORY,
} aws_config_status;

/* Fills settings from the options (NULL when not given) and then the
 * environment and the two files, in the AWS CLI's order of precedence:
 * AWS_PROFILE; AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY/AWS_SESSION_TOKEN
 * (unless --profile was given), then the profile in AWS_SHARED_CREDENTIALS_FILE
 * (~/.aws/credentials), then in AWS_CONFIG_FILE (~/.aws/config);
 * AWS_DEFAULT_REGION or AWS_REGION, then the profile's region;
 * AWS_DEFAULT_OUTPUT, then the profile's output, then json.  Missing
 * values stay NULL. */
aws_config_status aws_settings_load(aws_settings *settings, const char *profile_option,
                                    const char *region_option, const char *output_option);
void aws_settings_free(aws_settings *settings);

/* The value of key in section of an INI file as the AWS tools write them
 * ("[profile dev]" in config, "[dev]" in credentials), malloc'ed, or NULL;
 * *section_found tells whether the section exists. */
char *aws_ini_value(const char *path, const char *section, const char *key, int *section_found);

#endif
