/*
 * aws_config.c - reads the AWS CLI's settings: environment variables and
 * the INI files ~/.aws/credentials and ~/.aws/config (or the files named by
 * AWS_SHARED_CREDENTIALS_FILE and AWS_CONFIG_FILE).
 */
#include "aws_config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static char *trimmed_copy(const char *start, const char *end)
{
    while (start < end && isspace((unsigned char)*start))
        start++;
    while (end > start && isspace((unsigned char)end[-1]))
        end--;
    return strndup(start, (size_t)(end - start));
}

char *aws_ini_value(const char *path, const char *section, const char *key, int *section_found)
{
    FILE *file = fopen(path, "r");
    if (!file)
        return NULL;
    char line[4096];
    int in_section = 0;
    char *value = NULL;
    while (!value && fgets(line, sizeof line, file)) {
        char *end = line + strcspn(line, "\r\n");
        *end = '\0';
        char *p = line;
        while (isspace((unsigned char)*p))
            p++;
        if (*p == '#' || *p == ';' || *p == '\0')
            continue;
        if (*p == '[') {
            char *close = strchr(p, ']');
            char *name = close ? trimmed_copy(p + 1, close) : NULL;
            in_section = name && strcmp(name, section) == 0;
            if (in_section && section_found)
                *section_found = 1;
            free(name);
            continue;
        }
        /* Indented lines continue a nested value ("s3 =\n  key = v"). */
        if (!in_section || p != line)
            continue;
        char *equals = strchr(p, '=');
        if (!equals)
            continue;
        char *name = trimmed_copy(p, equals);
        if (name && strcmp(name, key) == 0)
            value = trimmed_copy(equals + 1, end);
        free(name);
    }
    fclose(file);
    return value;
}

/* A file path from the environment, else ~/.aws/NAME. */
static char *aws_file(const char *variable, const char *name)
{
    const char *set = getenv(variable);
    if (set && *set)
        return strdup(set);
    const char *home = getenv("HOME");
    char *path = NULL;
    if (asprintf(&path, "%s/.aws/%s", home ? home : "", name) < 0)
        return NULL;
    return path;
}

static char *env_copy(const char *name)
{
    const char *value = getenv(name);
    return value && *value ? strdup(value) : NULL;
}

typedef struct profile_files {
    char *credentials;
    char *config;
    char *config_section; /* "default" or "profile NAME" */
    const char *name;
    int found;
} profile_files;

/* The key from the credentials file, else from the config file. */
static char *profile_value(profile_files *files, const char *key, int from_credentials)
{
    char *value = NULL;
    if (from_credentials)
        value = aws_ini_value(files->credentials, files->name, key, &files->found);
    if (!value)
        value = aws_ini_value(files->config, files->config_section, key, &files->found);
    return value;
}

aws_config_status aws_settings_load(aws_settings *settings, const char *profile_option,
                                    const char *region_option, const char *output_option)
{
    memset(settings, 0, sizeof *settings);
    settings->profile = profile_option ? strdup(profile_option) : env_copy("AWS_PROFILE");
    profile_files files = {0};
    files.name = settings->profile ? settings->profile : "default";
    files.credentials = aws_file("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    files.config = aws_file("AWS_CONFIG_FILE", "config");
    if (strcmp(files.name, "default") == 0)
        files.config_section = strdup("default");
    else if (asprintf(&files.config_section, "profile %s", files.name) < 0)
        files.config_section = NULL;
    aws_config_status status = AWS_CONFIG_OK;
    if (!files.credentials || !files.config || !files.config_section) {
        status = AWS_CONFIG_NO_MEMORY;
        goto done;
    }
    /* botocore leaves the environment's keys aside for an explicit --profile. */
    if (!profile_option && getenv("AWS_ACCESS_KEY_ID") && getenv("AWS_SECRET_ACCESS_KEY")) {
        settings->access_key_id = env_copy("AWS_ACCESS_KEY_ID");
        settings->secret_access_key = env_copy("AWS_SECRET_ACCESS_KEY");
        settings->session_token = env_copy("AWS_SESSION_TOKEN");
    } else {
        settings->access_key_id = profile_value(&files, "aws_access_key_id", 1);
        settings->secret_access_key = profile_value(&files, "aws_secret_access_key", 1);
        settings->session_token = profile_value(&files, "aws_session_token", 1);
    }
    settings->region = region_option ? strdup(region_option) : env_copy("AWS_DEFAULT_REGION");
    if (!settings->region)
        settings->region = env_copy("AWS_REGION");
    if (!settings->region)
        settings->region = profile_value(&files, "region", 0);
    settings->output = output_option ? strdup(output_option) : env_copy("AWS_DEFAULT_OUTPUT");
    if (!settings->output)
        settings->output = profile_value(&files, "output", 0);
    if (!settings->output)
        settings->output = strdup("json");
    /* A named profile must exist in one of the files; "default" need not. */
    if (!files.found && settings->profile) {
        int found = 0;
        free(aws_ini_value(files.credentials, files.name, "", &found));
        free(aws_ini_value(files.config, files.config_section, "", &found));
        if (!found)
            status = AWS_CONFIG_NO_PROFILE;
    }
done:
    free(files.credentials);
    free(files.config);
    free(files.config_section);
    return status;
}

void aws_settings_free(aws_settings *settings)
{
    free(settings->profile);
    free(settings->region);
    free(settings->access_key_id);
    free(settings->secret_access_key);
    free(settings->session_token);
    free(settings->output);
    memset(settings, 0, sizeof *settings);
}
