/*
 * cli_input.c - input files and skeletons: JSON through jansson, YAML
 * through libyaml's event parser, skeletons walked from the operation's
 * shapes as the AWS CLI's ArgumentGenerator walks them.
 */
#include "cli_input.h"

#include "cli_param.h"

#include <yaml.h>

#include <ctype.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------- YAML */

typedef struct yaml_reader {
    yaml_parser_t parser;
    char *error;
} yaml_reader;

static int next_event(yaml_reader *r, yaml_event_t *event)
{
    if (yaml_parser_parse(&r->parser, event))
        return 1;
    if (asprintf(&r->error, "Invalid YAML: %s at line %zu column %zu",
                 r->parser.problem ? r->parser.problem : "syntax error",
                 r->parser.problem_mark.line + 1, r->parser.problem_mark.column + 1) < 0)
        r->error = NULL;
    return 0;
}

static int matches(const char *pattern, const char *text)
{
    regex_t re;
    if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
        return 0;
    int ok = regexec(&re, text, 0, NULL, 0) == 0;
    regfree(&re);
    return ok;
}

/* A plain scalar typed as the safe loader types it. */
static json_t *plain_scalar(const char *text)
{
    if (!*text || !strcmp(text, "~") || !strcmp(text, "null") || !strcmp(text, "Null") ||
        !strcmp(text, "NULL"))
        return json_null();
    if (matches("^(true|True|TRUE)$", text))
        return json_true();
    if (matches("^(false|False|FALSE)$", text))
        return json_false();
    if (matches("^[-+]?[0-9]+$", text))
        return json_integer(strtoll(text, NULL, 10));
    if (matches("^[-+]?(\\.[0-9]+|[0-9]+(\\.[0-9]*)?)([eE][-+]?[0-9]+)?$", text))
        return json_real(strtod(text, NULL));
    return json_string(text);
}

static json_t *yaml_node(yaml_reader *r, yaml_event_t *event);

static json_t *yaml_mapping(yaml_reader *r)
{
    json_t *object = json_object();
    for (;;) {
        yaml_event_t event;
        if (!next_event(r, &event))
            break;
        if (event.type == YAML_MAPPING_END_EVENT) {
            yaml_event_delete(&event);
            return object;
        }
        json_t *key = yaml_node(r, &event);
        yaml_event_delete(&event);
        if (!key)
            break;
        yaml_event_t value_event;
        if (!next_event(r, &value_event)) {
            json_decref(key);
            break;
        }
        json_t *value = yaml_node(r, &value_event);
        yaml_event_delete(&value_event);
        char *name = json_is_string(key) ? strdup(json_string_value(key)) : NULL;
        if (!name) {
            /* An unquoted number or boolean as a key: its text. */
            name = json_dumps(key, JSON_ENCODE_ANY);
        }
        json_decref(key);
        if (!value || !name) {
            free(name);
            json_decref(value);
            break;
        }
        json_object_set_new(object, name, value);
        free(name);
    }
    json_decref(object);
    return NULL;
}

static json_t *yaml_sequence(yaml_reader *r)
{
    json_t *list = json_array();
    for (;;) {
        yaml_event_t event;
        if (!next_event(r, &event))
            break;
        if (event.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&event);
            return list;
        }
        json_t *value = yaml_node(r, &event);
        yaml_event_delete(&event);
        if (!value)
            break;
        json_array_append_new(list, value);
    }
    json_decref(list);
    return NULL;
}

static json_t *yaml_node(yaml_reader *r, yaml_event_t *event)
{
    switch (event->type) {
    case YAML_MAPPING_START_EVENT:
        return yaml_mapping(r);
    case YAML_SEQUENCE_START_EVENT:
        return yaml_sequence(r);
    case YAML_SCALAR_EVENT: {
        const char *text = (const char *)event->data.scalar.value;
        const char *tag = (const char *)event->data.scalar.tag;
        if (tag && strcmp(tag, "tag:yaml.org,2002:binary") == 0) {
            /* base64 text, possibly folded over lines: kept as one word. */
            char *compact = malloc(strlen(text) + 1);
            size_t n = 0;
            for (const char *p = text; compact && *p; p++)
                if (!isspace((unsigned char)*p))
                    compact[n++] = *p;
            if (!compact)
                return NULL;
            compact[n] = '\0';
            json_t *value = json_string(compact);
            free(compact);
            return value;
        }
        if (tag && strcmp(tag, "tag:yaml.org,2002:str") == 0)
            return json_string(text);
        if (event->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
            return json_string(text);
        return plain_scalar(text);
    }
    case YAML_ALIAS_EVENT:
        r->error = strdup("Invalid YAML: aliases are not supported");
        return NULL;
    default:
        r->error = strdup("Invalid YAML: unexpected event");
        return NULL;
    }
}

json_t *cli_yaml_parse(const char *text, size_t length, char **error)
{
    yaml_reader r = {0};
    *error = NULL;
    if (!yaml_parser_initialize(&r.parser)) {
        *error = strdup("out of memory");
        return NULL;
    }
    yaml_parser_set_input_string(&r.parser, (const unsigned char *)text, length);
    json_t *result = NULL;
    yaml_event_t event;
    /* STREAM-START, DOCUMENT-START, the root node; an empty stream is an
     * empty document. */
    while (next_event(&r, &event)) {
        yaml_event_type_t type = event.type;
        if (type == YAML_STREAM_END_EVENT) {
            yaml_event_delete(&event);
            if (!result)
                result = json_null();
            break;
        }
        if (type == YAML_STREAM_START_EVENT || type == YAML_DOCUMENT_START_EVENT ||
            type == YAML_DOCUMENT_END_EVENT) {
            yaml_event_delete(&event);
            continue;
        }
        json_t *node = yaml_node(&r, &event);
        yaml_event_delete(&event);
        if (!node)
            break;
        if (result) {
            json_decref(node);
            json_decref(result);
            result = NULL;
            r.error = strdup("Invalid YAML: more than one document");
            break;
        }
        result = node;
    }
    yaml_parser_delete(&r.parser);
    if (r.error) {
        json_decref(result);
        *error = r.error;
        return NULL;
    }
    if (!result)
        *error = strdup("Invalid YAML");
    return result;
}

json_t *cli_input_load(const char *value, int yaml, char **error)
{
    char *contents = NULL;
    size_t size = 0;
    *error = NULL;
    if (cli_param_file(value, &contents, &size, error) && !contents)
        return NULL;
    const char *text = contents ? contents : value;
    size_t length = contents ? size : strlen(value);
    json_t *input;
    if (yaml) {
        input = cli_yaml_parse(text, length, error);
        if (input && json_is_null(input)) {
            json_decref(input);
            input = json_object();
        }
    } else {
        json_error_t json_error;
        input = json_loadb(text, length, 0, &json_error);
        if (!input && asprintf(error, "Invalid JSON received: %s", json_error.text) < 0)
            *error = NULL;
    }
    if (input && !json_is_object(input)) {
        json_decref(input);
        input = NULL;
        *error = strdup(yaml ? "The input YAML must be a mapping." : "Invalid JSON received.");
    }
    free(contents);
    return input;
}

/* ------------------------------------------------------------ skeletons */

static json_t *skeleton(const cli_shape *shape, const char *member_name, int output)
{
    switch (shape->type) {
    case CLI_STRUCTURE: {
        json_t *object = json_object();
        for (size_t i = 0; i < shape->n_members; i++)
            json_object_set_new(object, shape->members[i].name,
                                skeleton(shape->members[i].shape, shape->members[i].name,
                                         output));
        return object;
    }
    case CLI_LIST: {
        json_t *list = json_array();
        json_array_append_new(list, skeleton(shape->element, member_name, output));
        return list;
    }
    case CLI_MAP: {
        json_t *map = json_object();
        json_object_set_new(map, "KeyName", json_string(""));
        return map;
    }
    case CLI_STRING:
        return json_string(output ? member_name : "");
    case CLI_INTEGER:
        return json_integer(0);
    case CLI_FLOAT:
        return json_real(0.0);
    case CLI_BOOLEAN:
        return json_true();
    case CLI_TIMESTAMP:
        return json_string("1970-01-01T00:00:00");
    case CLI_BLOB:
        return json_null();
    }
    return json_null();
}

json_t *cli_skeleton_input(const cli_shape *shape)
{
    return skeleton(shape, "", 0);
}

json_t *cli_skeleton_output(const cli_shape *shape)
{
    return skeleton(shape, "", 1);
}

static const char *yaml_scalar(const cli_shape *shape)
{
    switch (shape->type) {
    case CLI_STRING: return "''";
    case CLI_INTEGER: return "0";
    case CLI_FLOAT: return "0.0";
    case CLI_BOOLEAN: return "true";
    case CLI_TIMESTAMP: return "1970-01-01 00:00:00";
    case CLI_BLOB: return "!!binary ''";
    default: return "";
    }
}

/* One structure's members at indent; first_prefix replaces the indent of
 * the first line (a list item's "- "). */
static void yaml_structure(FILE *out, const cli_shape *shape, int indent, const char *first_prefix)
{
    for (size_t i = 0; i < shape->n_members; i++) {
        const cli_member *m = &shape->members[i];
        if (i == 0 && first_prefix)
            fprintf(out, "%*s%s", indent - (int)strlen(first_prefix), "", first_prefix);
        else
            fprintf(out, "%*s", indent, "");
        const char *comment = m->required ? "  # [REQUIRED]" : "";
        const cli_shape *s = m->shape;
        if (s->type == CLI_STRUCTURE) {
            fprintf(out, "%s:%s\n", m->name, comment);
            yaml_structure(out, s, indent + 2, NULL);
        } else if (s->type == CLI_LIST && s->element->type == CLI_STRUCTURE) {
            fprintf(out, "%s:%s\n", m->name, comment);
            yaml_structure(out, s->element, indent + 2, "- ");
        } else if (s->type == CLI_LIST) {
            fprintf(out, "%s:%s\n%*s- %s\n", m->name, comment, indent, "",
                     yaml_scalar(s->element));
        } else {
            fprintf(out, "%s: %s%s\n", m->name, yaml_scalar(s), comment);
        }
    }
}

void cli_skeleton_yaml(FILE *out, const cli_shape *shape)
{
    yaml_structure(out, shape, 0, NULL);
}
