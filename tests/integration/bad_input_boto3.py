"""tests/integration/bad_input_boto3.py - bad input of every kind thrown at
`vigil serve` as raw requests signed with botocore's SigV4Auth and sent with
http.client, so the body, query and method are exactly what the test wants:
malformed JSON and wrong JSON types for every member of CreateProject,
CreateDataset, UpdateDatasetEntries and TagResource, over-long, non-ASCII
and off-pattern names, empty and missing members, a body over --max-body,
bad ListDatasetEntries filters and NextTokens, unknown and malformed ARNs,
wrong methods on known paths; then S3: bad digests, malformed XML, copies
from nowhere, bad bucket names and listing arguments.  Each must answer its
documented error; test_bad_input.sh checks afterwards that none of them
changed anything.

usage: bad_input_boto3.py BUCKET PROJECT MAX_BODY
       (VIGIL_ENDPOINT and the AWS_* variables set by lib.sh)
"""
import base64
import hashlib
import http.client
import json
import os
import sys
import urllib.parse
import xml.etree.ElementTree as ET

import boto3
import botocore.auth
import botocore.config
import botocore.credentials
import botocore.exceptions
from botocore.awsrequest import AWSRequest

ENDPOINT = os.environ["VIGIL_ENDPOINT"]
REGION = os.environ["AWS_DEFAULT_REGION"]
CREDS = botocore.credentials.Credentials(os.environ["AWS_ACCESS_KEY_ID"],
                                         os.environ["AWS_SECRET_ACCESS_KEY"])
API = "/2020-11-20"
FAILURES = []


def send(service, method, path, body=b"", headers=None):
    """Signs (SigV4Auth, or S3SigV4Auth for s3) and sends one request;
    returns (status, lower-cased headers, body).  The request is sent whole
    even when the server answers early (a body over --max-body)."""
    request = AWSRequest(method=method, url=ENDPOINT + path, data=body,
                         headers=dict(headers or {}))
    signer = botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth
    signer(CREDS, service, REGION).add_auth(request)
    parts = urllib.parse.urlsplit(ENDPOINT)
    conn = http.client.HTTPConnection(parts.netloc, timeout=60)
    try:
        try:
            conn.request(method, path, body=body, headers=dict(request.headers.items()))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may answer and close before reading a refused body
        response = conn.getresponse()
        return (response.status, {k.lower(): v for k, v in response.getheaders()},
                response.read())
    finally:
        conn.close()


def api(method, path, body=b"", headers=None):
    if isinstance(body, (dict, list, str, int, float, bool)) or body is None:
        body = json.dumps(body).encode()
    h = {"Content-Type": "application/json"}
    h.update(headers or {})
    return send("lookoutvision", method, API + path, body, h)


def check(what, condition, detail):
    if not condition:
        FAILURES.append(f"{what}: {detail}")
        print(f"FAIL: {what}: {detail}", file=sys.stderr)


def expect_api(what, result, types, statuses):
    status, headers, body = result
    error_type = headers.get("x-amzn-errortype", "").split(":")[0]
    ok = status in statuses and error_type in types
    if ok:
        try:
            ok = bool(json.loads(body)["Message"])
        except (ValueError, KeyError):
            ok = False
    check(what, ok, f"expected {'/'.join(types)} {statuses}, got {status} {error_type!r} {body[:300]!r}")


def invalid(what, result):
    expect_api(what, result, ("ValidationException",), (400,))


def not_found(what, result):
    expect_api(what, result, ("ResourceNotFoundException",), (404,))


def b64(data):
    return base64.b64encode(data).decode()


BAD_NAMES = ["", "a" * 256, "\u00e9", "caf\u00e9", "\u65e5\u672c", "\U0001f36a", "cookie\U0001f36a",
             "\uff41bc", "a b", "-a", "_a", "a/b", "a.b", "a:b", "a\nb", "a\tb", "a%b", "a+b"]

# JSON that is not a JSON object, or not JSON
NOT_OBJECTS = [b"{", b'{"ProjectName": ', b"[]", b'"x"', b"null", b"42", b"true", b"{]",
               b'{"a":1}}', b"\xff\xfe{}", b'{"ProjectName":"ok"} trailing']

WRONG_TYPES = [None, 1, 1.5, True, [], ["x"], {}, {"a": "b"}]


def check_create_project():
    for body in NOT_OBJECTS:
        invalid(f"CreateProject body {body!r}", api("POST", "/projects", body))
    invalid("CreateProject {}", api("POST", "/projects", {}))
    for value in WRONG_TYPES:
        invalid(f"CreateProject ProjectName={value!r}",
                api("POST", "/projects", {"ProjectName": value}))
    for name in BAD_NAMES:
        invalid(f"CreateProject ProjectName={name[:20]!r} ({len(name)} chars)",
                api("POST", "/projects", {"ProjectName": name}))
    invalid("CreateProject with invalid UTF-8", api("POST", "/projects",
                                                    b'{"ProjectName":"a\xffb"}'))
    invalid("CreateProject with a NUL", api("POST", "/projects", b'{"ProjectName":"a\\u0000b"}'))
    for token in ["bad token!", "t" * 65, "a_b", "a.b"]:
        invalid(f"CreateProject ClientToken {token[:20]!r}",
                api("POST", "/projects", {"ProjectName": "bad-token-project"},
                    {"X-Amzn-Client-Token": token}))
    for name in BAD_NAMES[1:]:
        quoted = urllib.parse.quote(name, safe="")
        invalid(f"DescribeProject {name[:20]!r}", api("GET", f"/projects/{quoted}"))
        invalid(f"DeleteProject {name[:20]!r}", api("DELETE", f"/projects/{quoted}"))
    invalid("DescribeProject with invalid UTF-8", api("GET", "/projects/a%FFb"))
    print("ok: CreateProject, DescribeProject, DeleteProject bad input")


def check_create_dataset(project):
    path = f"/projects/{project}/datasets"
    for body in NOT_OBJECTS:
        invalid(f"CreateDataset body {body!r}", api("POST", path, body))
    invalid("CreateDataset {}", api("POST", path, {}))
    for value in WRONG_TYPES + ["", "TRAIN", "Test", "validation", "train ", "\u00e9", "t" * 11]:
        invalid(f"CreateDataset DatasetType={value!r}", api("POST", path, {"DatasetType": value}))
    s3object = {"Bucket": "vigil-bad-input", "Key": "cookies/s3.manifest"}

    def source(**changes):
        obj = dict(s3object, **changes)
        obj = {k: v for k, v in obj.items() if v is not Ellipsis}
        return {"DatasetType": "test",
                "DatasetSource": {"GroundTruthManifest": {"S3Object": obj}}}

    for value in [1, "x", [], True]:
        invalid(f"CreateDataset DatasetSource={value!r}",
                api("POST", path, {"DatasetType": "test", "DatasetSource": value}))
        invalid(f"CreateDataset GroundTruthManifest={value!r}",
                api("POST", path, {"DatasetType": "test",
                                   "DatasetSource": {"GroundTruthManifest": value}}))
        invalid(f"CreateDataset S3Object={value!r}",
                api("POST", path, {"DatasetType": "test",
                                   "DatasetSource": {"GroundTruthManifest": {"S3Object": value}}}))
    for member in ("Bucket", "Key"):
        invalid(f"CreateDataset without {member}", api("POST", path, source(**{member: ...})))
        for value in WRONG_TYPES:
            invalid(f"CreateDataset {member}={value!r}", api("POST", path, source(**{member: value})))
    for bucket in ["", "ab", "b" * 64, "b\u00fccket", "a b", "a/b"]:
        invalid(f"CreateDataset Bucket={bucket!r}", api("POST", path, source(Bucket=bucket)))
    for key in ["", "\u00e9.manifest", "/abs.manifest", "k" * 1025, "a b", "a\nb"]:
        invalid(f"CreateDataset Key={key[:20]!r}", api("POST", path, source(Key=key)))
    for value in [1, [], {}, True, ""]:
        invalid(f"CreateDataset VersionId={value!r}", api("POST", path, source(VersionId=value)))
    for name in BAD_NAMES[1:]:
        quoted = urllib.parse.quote(name, safe="")
        invalid(f"CreateDataset in project {name[:20]!r}",
                api("POST", f"/projects/{quoted}/datasets", {"DatasetType": "test"}))
    for dataset_type in ["TRAIN", "validation", "%C3%A9", "t" * 11]:
        invalid(f"DescribeDataset {dataset_type}",
                api("GET", f"/projects/{project}/datasets/{dataset_type}"))
        invalid(f"DeleteDataset {dataset_type}",
                api("DELETE", f"/projects/{project}/datasets/{dataset_type}"))
    print("ok: CreateDataset, DescribeDataset, DeleteDataset bad input")


def check_update_entries(project, bucket, max_body):
    path = f"/projects/{project}/datasets/train/entries"
    for body in NOT_OBJECTS:
        invalid(f"UpdateDatasetEntries body {body!r}", api("PATCH", path, body))
    invalid("UpdateDatasetEntries {}", api("PATCH", path, {}))
    for value in WRONG_TYPES:
        invalid(f"UpdateDatasetEntries Changes={value!r}", api("PATCH", path, {"Changes": value}))
    lines = [b"not json\n", b"[1]\n", b'"x"\n', b'{"source-ref": 5}\n', b'{"no-source": "x"}\n',
             b'{"source-ref": "s3://%s/a.jpg"\n' % bucket.encode(), b"\n\n", b" ", b"\xff\xfe\n"]
    for changes in ["", "!!!!", "YQ", "YQ=", "Y Q==", "\u00e9\u00e9\u00e9\u00e9"] + [b64(l) for l in lines]:
        invalid(f"UpdateDatasetEntries Changes={changes[:40]!r}",
                api("PATCH", path, {"Changes": changes}))
    big = 10 * 1024 * 1024 + 1
    if big * 4 // 3 + 64 < max_body:
        line = b'{"source-ref": "s3://%s/a.jpg"}\n' % bucket.encode()
        invalid("UpdateDatasetEntries Changes of 10 MiB + 1",
                api("PATCH", path, {"Changes": b64((line * (big // len(line) + 1))[:big])}))
    for dataset_type in ["TRAIN", "validation"]:
        invalid(f"UpdateDatasetEntries on {dataset_type}",
                api("PATCH", f"/projects/{project}/datasets/{dataset_type}/entries",
                    {"Changes": b64(lines[0])}))
    print("ok: UpdateDatasetEntries bad input")


def check_tags(arn):
    path = "/tags/" + urllib.parse.quote(arn, safe="")
    for body in NOT_OBJECTS:
        invalid(f"TagResource body {body!r}", api("POST", path, body))
    invalid("TagResource {}", api("POST", path, {}))
    for value in [None, 1, "x", {}, True]:
        invalid(f"TagResource Tags={value!r}", api("POST", path, {"Tags": value}))
    bad_tags = [[1], [None], ["k=v"], [[]], [{"Key": 1, "Value": "v"}], [{"Key": "k"}],
                [{"Value": "v"}], [{"Key": "k", "Value": None}], [{"Key": "k", "Value": 1}],
                [{"Key": None, "Value": "v"}], [{"Key": "", "Value": "v"}],
                [{"Key": "k" * 129, "Value": "v"}], [{"Key": "k", "Value": "v" * 257}],
                [{"Key": "aws:k", "Value": "v"}], [{"Key": "AWS:k", "Value": "v"}],
                [{"Key": "a\u0001b", "Value": "v"}], [{"Key": "k", "Value": "a\u0007"}],
                [{"Key": "a*b", "Value": "v"}], [{"Key": "k", "Value": "a;b"}],
                [{"Key": f"k{i}", "Value": "v"} for i in range(201)],
                # a good tag first: the call must be refused whole
                [{"Key": "added", "Value": "v"}, {"Key": 1, "Value": "v"}],
                [{"Key": "added", "Value": "v"}, {"Key": "aws:x", "Value": "v"}],
                [{"Key": "added", "Value": "v"}, {"Key": "k" * 129, "Value": "v"}]]
    for tags in bad_tags:
        invalid(f"TagResource Tags={json.dumps(tags)[:60]}", api("POST", path, {"Tags": tags}))
    # (no tagKeys at all is an empty TagKeyList, which the model allows: min 0)
    invalid("UntagResource tagKeys=''", api("DELETE", path + "?tagKeys="))
    invalid("UntagResource tagKeys of 129", api("DELETE", path + "?tagKeys=" + "k" * 129))
    # unknown and malformed ARNs
    prefix = arn.rsplit("/", 1)[0]
    account = arn.split(":")[4]
    unknown = [prefix + "/nothing-here",
               arn.replace(":" + account + ":", ":111111111111:"),
               arn.replace(":us-east-1:", ":eu-west-1:"),
               arn + "/model/1"]
    for other in unknown:
        q = "/tags/" + urllib.parse.quote(other, safe="")
        expect_api(f"ListTagsForResource {other}", api("GET", q),
                   ("ResourceNotFoundException", "ValidationException"), (404, 400))
        expect_api(f"TagResource {other}",
                   api("POST", q, {"Tags": [{"Key": "k", "Value": "v"}]}),
                   ("ResourceNotFoundException", "ValidationException"), (404, 400))
        expect_api(f"UntagResource {other}", api("DELETE", q + "?tagKeys=k"),
                   ("ResourceNotFoundException", "ValidationException"), (404, 400))
    not_found("TagResource on an unknown project",
              api("POST", "/tags/" + urllib.parse.quote(unknown[0], safe=""),
                  {"Tags": [{"Key": "k", "Value": "v"}]}))
    for other in ["not-an-arn", "arn:aws:s3:::bucket", "a" * 1012, prefix + "/\u00e9",
                  "arn:aws:lookoutvision:us-east-1:" + account + ":project/"]:
        q = "/tags/" + urllib.parse.quote(other, safe="")
        expect_api(f"ListTagsForResource {other[:40]!r}", api("GET", q),
                   ("ValidationException", "ResourceNotFoundException"), (400, 404))
        expect_api(f"TagResource {other[:40]!r}",
                   api("POST", q, {"Tags": [{"Key": "k", "Value": "v"}]}),
                   ("ValidationException", "ResourceNotFoundException"), (400, 404))
    print("ok: TagResource, UntagResource, ListTagsForResource bad input and unknown ARNs")


def check_list_entries(project):
    path = f"/projects/{project}/datasets/train/entries?"
    bad = {
        "createdBefore": ["notadate", "2020-13-01T00:00:00Z", "2020-01-01T25:00:00Z", "",
                          "2020-01-01T00:00:00+25:00", "nan", "inf", "1e999", "2020-01-01Tx"],
        "createdAfter": ["notadate", "2020-00-10T00:00:00Z", "", "yesterday", "-inf"],
        "anomalyClass": ["", "1", "Normal", "ANOMALY", "anomaly ", "\u00e9", "normal,anomaly"],
        "labeled": ["", "yes", "1", "TRUE", "truee"],
        "maxResults": ["", "0", "-1", "101", "abc", "1.5", "99999999999999999999"],
        "sourceRefContains": ["", "   ", "\t", "s" * 2049],
        "nextToken": ["!!", "Zm9v", "Zm9vYmFy", "a" * 2049, "====", "e30=", "not a token",
                      b64(b'{"s":"0000000000000000","c":"1"}')],
    }
    for member, values in bad.items():
        for value in values:
            query = urllib.parse.urlencode({member: value}, quote_via=urllib.parse.quote)
            invalid(f"ListDatasetEntries {member}={value[:30]!r}", api("GET", path + query))
    status, _, body = api("GET", "/projects?maxResults=1")
    token = json.loads(body).get("NextToken") if status == 200 else None
    if token:
        invalid("ListDatasetEntries with a ListProjects token",
                api("GET", path + urllib.parse.urlencode({"nextToken": token})))
    status, _, body = api("GET", path + "maxResults=1&anomalyClass=normal")
    token = json.loads(body).get("NextToken") if status == 200 else None
    check("ListDatasetEntries page 1", token, f"{status} {body[:200]!r}")
    if token:
        invalid("ListDatasetEntries token replayed with other filters",
                api("GET", path + urllib.parse.urlencode({"nextToken": token,
                                                          "anomalyClass": "anomaly"})))
    for query in ["maxResults=0", "maxResults=101", "nextToken=%21%21", "nextToken=Zm9v"]:
        invalid(f"ListProjects {query}", api("GET", "/projects?" + query))
    print("ok: ListDatasetEntries and ListProjects bad filters and tokens")


def check_methods(project, arn):
    tags = "/tags/" + urllib.parse.quote(arn, safe="")
    wrong = [("PUT", "/projects"), ("PATCH", "/projects"), ("DELETE", "/projects"),
             ("PUT", f"/projects/{project}"), ("POST", f"/projects/{project}"),
             ("PATCH", f"/projects/{project}"), ("PUT", f"/projects/{project}/datasets"),
             ("GET", f"/projects/{project}/datasets"), ("DELETE", f"/projects/{project}/datasets"),
             ("POST", f"/projects/{project}/datasets/train"),
             ("PUT", f"/projects/{project}/datasets/train"),
             ("PUT", f"/projects/{project}/datasets/train/entries"),
             ("POST", f"/projects/{project}/datasets/train/entries"),
             ("DELETE", f"/projects/{project}/datasets/train/entries"),
             ("PUT", tags), ("PATCH", tags), ("GET", "/tags"), ("GET", ""), ("GET", "/"),
             ("GET", "/nothing"), ("GET", f"/projects/{project}/datasets/train/entries/x"),
             ("GET", "/projects//datasets"), ("GET", "/projects/" + "/a" * 20)]
    for method, path in wrong:
        expect_api(f"{method} {path[:60]}", api(method, path, b'{"ProjectName": "method-test"}'),
                   ("UnknownOperationException", "ValidationException"), (404, 405, 400))
    print("ok: wrong methods and unknown paths")


def check_huge_body(max_body):
    body = b'{"ProjectName": "' + b"h" * (max_body + 1024) + b'"}'
    status, headers, payload = api("POST", "/projects", body)
    error_type = headers.get("x-amzn-errortype", "").split(":")[0]
    check("CreateProject over --max-body",
          status == 413 or (status == 400 and error_type == "ValidationException"),
          f"{status} {error_type!r} {payload[:200]!r}")
    print("ok: a body over --max-body refused")


def s3_client():
    return boto3.client("s3", endpoint_url=ENDPOINT, region_name=REGION,
                        aws_access_key_id=CREDS.access_key, aws_secret_access_key=CREDS.secret_key,
                        config=botocore.config.Config(retries={"max_attempts": 1},
                                                      parameter_validation=False,
                                                      s3={"addressing_style": "path"}))


def expect_s3(what, codes, call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        check(what, got in codes, f"{got} instead of {'/'.join(codes)}: {e}")
        return
    except botocore.exceptions.BotoCoreError as e:
        check(what, False, f"client error {e!r}")
        return
    check(what, False, f"succeeded; expected {'/'.join(codes)}")


def expect_s3_raw(what, codes, result):
    status, _, body = result
    try:
        code = ET.fromstring(body).findtext("Code")
    except ET.ParseError:
        code = None
    check(what, 400 <= status < 500 and code in codes, f"{status} {body[:300]!r}")


def check_s3(bucket):
    s3 = s3_client()
    key = "cookies/training-images/normal-1.jpg"
    wrong_md5 = base64.b64encode(hashlib.md5(b"other").digest()).decode()
    expect_s3("PUT over an object with a wrong Content-MD5", {"BadDigest"},
              s3.put_object, Bucket=bucket, Key=key, Body=b"new", ContentMD5=wrong_md5)
    expect_s3("PUT with a malformed Content-MD5", {"InvalidDigest"},
              s3.put_object, Bucket=bucket, Key=key, Body=b"new", ContentMD5="xx")
    expect_s3("copy from a missing key over an object", {"NoSuchKey"},
              s3.copy_object, Bucket=bucket, Key=key, CopySource=f"{bucket}/nothing.jpg")
    expect_s3("copy from a missing bucket over an object", {"NoSuchBucket", "NoSuchKey"},
              s3.copy_object, Bucket=bucket, Key=key, CopySource="vigil-nothing/x.jpg")
    expect_s3_raw("copy with a malformed source", {"InvalidArgument", "InvalidRequest"},
                  send("s3", "PUT", f"/{bucket}/{key}", b"",
                       {"x-amz-copy-source": "no-slash"}))
    xml = b"<Delete><Object><Key>" + key.encode()
    expect_s3_raw("DeleteObjects with malformed XML", {"MalformedXML"},
                  send("s3", "POST", f"/{bucket}?delete", xml,
                       {"Content-MD5": base64.b64encode(hashlib.md5(xml).digest()).decode()}))
    xml = b"<Delete><Object><Key>%s</Key></Object></Delete>" % key.encode()
    expect_s3_raw("DeleteObjects with a wrong Content-MD5", {"BadDigest", "InvalidDigest"},
                  send("s3", "POST", f"/{bucket}?delete", xml, {"Content-MD5": wrong_md5}))
    expect_s3("DeleteBucket of a non-empty bucket", {"BucketNotEmpty"},
              s3.delete_bucket, Bucket=bucket)
    for name in ["ab", "b" * 64, "Upper-Case", "under_score", "-dash", "a..b", "192.168.0.1"]:
        expect_s3(f"CreateBucket {name!r}", {"InvalidBucketName"}, s3.create_bucket, Bucket=name)
    expect_s3("CreateBucket of an existing bucket", {"BucketAlreadyOwnedByYou",
                                                     "BucketAlreadyExists"},
              s3.create_bucket, Bucket=bucket)
    expect_s3("PUT to a missing bucket", {"NoSuchBucket"},
              s3.put_object, Bucket="vigil-nothing", Key="x", Body=b"x")
    expect_s3("GET past the end", {"InvalidRange"},
              s3.get_object, Bucket=bucket, Key=key, Range="bytes=99999999-")
    expect_s3("CompleteMultipartUpload of an unknown upload", {"NoSuchUpload"},
              s3.complete_multipart_upload, Bucket=bucket, Key=key, UploadId="nothing",
              MultipartUpload={"Parts": [{"PartNumber": 1, "ETag": '"x"'}]})
    expect_s3("UploadPart to an unknown upload", {"NoSuchUpload"},
              s3.upload_part, Bucket=bucket, Key=key, UploadId="nothing", PartNumber=1, Body=b"x")
    for query in ["max-keys=-1", "max-keys=abc", "continuation-token=%21%21notatoken"]:
        expect_s3_raw(f"ListObjectsV2 {query}", {"InvalidArgument"},
                      send("s3", "GET", f"/{bucket}?list-type=2&{query}"))
    expect_s3_raw("PATCH on an object", {"MethodNotAllowed"},
                  send("s3", "PATCH", f"/{bucket}/{key}", b"x"))
    expect_s3_raw("object key with invalid UTF-8", {"InvalidURI", "InvalidArgument", "NoSuchKey"},
                  send("s3", "GET", f"/{bucket}/a%FFb"))
    print("ok: S3 bad input")


def main():
    bucket, project, max_body = sys.argv[1], sys.argv[2], int(sys.argv[3])
    status, _, body = api("GET", f"/projects/{project}")
    assert status == 200, body
    arn = json.loads(body)["ProjectDescription"]["ProjectArn"]
    check_create_project()
    check_create_dataset(project)
    check_update_entries(project, bucket, max_body)
    check_tags(arn)
    check_list_entries(project)
    check_methods(project, arn)
    check_huge_body(max_body)
    check_s3(bucket)
    if FAILURES:
        print(f"{len(FAILURES)} bad-input checks failed", file=sys.stderr)
        sys.exit(1)
    print("ok: every bad input refused with its error")


if __name__ == "__main__":
    main()
