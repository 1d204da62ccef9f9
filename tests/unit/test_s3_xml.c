/*
 * test_s3_xml.c - the S3 endpoint's XML: the writer escapes text and closes
 * what it opens; the reader takes the bodies botocore sends (declaration,
 * namespaces, prefixes, attributes, entities, character references, CDATA,
 * comments) and refuses what is not well-formed or could be abused (DTDs,
 * unknown entities, mismatched or unclosed tags, trailing content, deep
 * nesting, NUL bytes).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <cmocka.h>

#include "s3_xml.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static s3_xml_node *parse_ok(const char *text)
{
    s3_xml_node *root = NULL;
    vgl_error err;
    vgl_status status = s3_xml_parse((const uint8_t *)text, strlen(text), &root, &err);
    if (status != VGL_OK)
        fail_msg("refused %s: %s", text, err.message);
    return root;
}

static void assert_refused(const char *text)
{
    s3_xml_node *root = NULL;
    vgl_error err;
    if (s3_xml_parse((const uint8_t *)text, strlen(text), &root, &err) != VGL_EFORMAT)
        fail_msg("accepted %s", text);
    assert_null(root);
}

static void test_writer(void **state)
{
    (void)state;
    s3_xml x;
    size_t size;
    s3_xml_begin(&x, "ListBucketResult");
    s3_xml_element(&x, "Key", "a<b>&\"c'\r");
    s3_xml_open(&x, "Contents");
    s3_xml_elementf(&x, "Size", "%d", 42);
    s3_xml_close(&x, "Contents");
    char *doc = (char *)s3_xml_finish(&x, "ListBucketResult", &size);
    assert_string_equal(doc, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                             "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
                             "<Key>a&lt;b&gt;&amp;&quot;c&apos;&#13;</Key>"
                             "<Contents><Size>42</Size></Contents></ListBucketResult>");
    assert_int_equal(size, strlen(doc));
    /* What the writer escapes, the reader restores. */
    s3_xml_node *root = parse_ok(doc);
    assert_string_equal(s3_xml_child(root, "Key")->text, "a<b>&\"c'\r");
    s3_xml_free(root);
    free(doc);
}

/* Text from a request (a key sent as %FF) may not be UTF-8; the document
 * must stay parsable: each invalid byte becomes U+FFFD, valid text stays. */
static void test_writer_replaces_invalid_utf8(void **state)
{
    (void)state;
    s3_xml x;
    size_t size;
    s3_xml_begin_bare(&x, "Error");
    s3_xml_element(&x, "Key", "a\xff\xc3" "b\xc3\xa9");
    char *doc = (char *)s3_xml_finish(&x, "Error", &size);
    assert_non_null(strstr(doc, "<Key>a\xef\xbf\xbd\xef\xbf\xbd" "b\xc3\xa9</Key>"));
    s3_xml_node *root = parse_ok(doc);
    s3_xml_free(root);
    free(doc);
}

static void test_delete_body(void **state)
{
    (void)state;
    s3_xml_node *root = parse_ok(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        "<!-- a comment -->\n"
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\n"
        "  <Object><Key>a &amp; b</Key></Object>\n"
        "  <Object><Key>&#x65E5;&#26412;<![CDATA[<raw>]]></Key><VersionId/></Object>\n"
        "  <Quiet>true</Quiet>\n"
        "</Delete>\n");
    assert_string_equal(root->name, "Delete");
    assert_int_equal(root->n_children, 3);
    assert_string_equal(s3_xml_child(&root->children[0], "Key")->text, "a & b");
    assert_string_equal(s3_xml_child(&root->children[1], "Key")->text, "日本<raw>");
    assert_string_equal(s3_xml_child(&root->children[1], "VersionId")->text, "");
    assert_string_equal(s3_xml_child(root, "Quiet")->text, "true");
    assert_null(s3_xml_child(root, "Missing"));
    s3_xml_free(root);
}

static void test_prefixes_and_attributes(void **state)
{
    (void)state;
    s3_xml_node *root = parse_ok("<s3:CompleteMultipartUpload xmlns:s3='x' a=\"1\">"
                                 "<s3:Part><s3:PartNumber>1</s3:PartNumber></s3:Part>"
                                 "</s3:CompleteMultipartUpload>");
    assert_string_equal(root->name, "CompleteMultipartUpload");
    assert_string_equal(s3_xml_child(s3_xml_child(root, "Part"), "PartNumber")->text, "1");
    s3_xml_free(root);
}

static void test_refused(void **state)
{
    (void)state;
    assert_refused("");
    assert_refused("just text");
    assert_refused("<a>");
    assert_refused("<a></b>");
    assert_refused("<a><b></a></b>");
    assert_refused("<a></a><b></b>");
    assert_refused("<a></a>trailing");
    assert_refused("<a>&unknown;</a>");
    assert_refused("<a>&#0;</a>");
    assert_refused("<a>&#xD800;</a>");
    assert_refused("<a>&amp</a>");
    assert_refused("<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>");
    assert_refused("<a b=1></a>");
    assert_refused("<a b=\"1></a>");
    assert_refused("<a><!-- open </a>");
    assert_refused("<a><![CDATA[ open </a>");
    char deep[2048] = "";
    for (int i = 0; i < 40; i++)
        strcat(deep, "<d>");
    for (int i = 0; i < 40; i++)
        strcat(deep, "</d>");
    assert_refused(deep);
    s3_xml_node *root = NULL;
    vgl_error err;
    assert_int_equal(s3_xml_parse((const uint8_t *)"<a>\0</a>", 8, &root, &err), VGL_EFORMAT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writer),
        cmocka_unit_test(test_writer_replaces_invalid_utf8),
        cmocka_unit_test(test_delete_body),
        cmocka_unit_test(test_prefixes_and_attributes),
        cmocka_unit_test(test_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
