/*
 * s3_xml.h - the XML the S3 endpoint speaks: a writer for its responses and
 * a small strict reader for the request bodies it accepts
 * (CreateBucketConfiguration, Delete, CompleteMultipartUpload).
 *
 * The reader builds a tree of elements with their text; namespaces prefixes
 * are dropped and attributes ignored, as S3's own bodies carry nothing there
 * that matters.  It refuses DTDs (no entity expansion attacks), unknown
 * entities, mismatched tags, trailing content and nesting deeper than 32.
 */
#ifndef VIGIL_S3_XML_H
#define VIGIL_S3_XML_H

#include "vigil.h"

#include <stddef.h>
#include <stdint.h>

#define S3_XMLNS "http://s3.amazonaws.com/doc/2006-03-01/"

/* A response document being written; an allocation failure is remembered
 * and reported by s3_xml_finish. */
typedef struct s3_xml {
    char *data;
    size_t size, capacity;
    int failed;
} s3_xml;

/* The XML declaration and the root element with S3's namespace. */
void s3_xml_begin(s3_xml *x, const char *root);
/* The same without the namespace, as S3 writes <Error>. */
void s3_xml_begin_bare(s3_xml *x, const char *root);
void s3_xml_open(s3_xml *x, const char *name);
void s3_xml_close(s3_xml *x, const char *name);
/* <name>text</name>, text escaped. */
void s3_xml_element(s3_xml *x, const char *name, const char *text);
void s3_xml_elementf(s3_xml *x, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Closes root and hands over the document (malloc'ed), or NULL when out of
 * memory. */
uint8_t *s3_xml_finish(s3_xml *x, const char *root, size_t *size);
/* Appends text escaped for XML character data. */
void s3_xml_escaped(s3_xml *x, const char *text);

typedef struct s3_xml_node {
    char *name;                    /* local name, without a namespace prefix */
    char *text;                    /* the character data directly inside, entities decoded */
    struct s3_xml_node *children;
    size_t n_children;
} s3_xml_node;

/* Parses a whole document; VGL_EFORMAT with a message when it is not
 * well-formed XML of the accepted subset. */
vgl_status s3_xml_parse(const uint8_t *data, size_t size, s3_xml_node **root, vgl_error *err);
/* The first child named name, or NULL. */
const s3_xml_node *s3_xml_child(const s3_xml_node *node, const char *name);
void s3_xml_free(s3_xml_node *root);

#endif
