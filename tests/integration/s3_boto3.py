"""tests/integration/s3_boto3.py - the S3 endpoint through boto3, as Lookout
for Vision scripts use it: ListObjectsV2 pages of 10 over the uploaded
cookies (every key once, in order), start-after, delimiters, the v1 listing
with markers; get_object with ranges (206, Content-Range, 416); copy_object;
delete_objects (verbose and quiet); keys with spaces, unicode, '+', '..'
segments and 1024 bytes; a multipart upload by hand (InvalidPartOrder,
InvalidPart, NoSuchUpload, the -N ETag); the S3 errors botocore parses;
virtual-host-style addressing.

usage: VIGIL_ENDPOINT=http://127.0.0.1:PORT python3 s3_boto3.py BUCKET COUNT
(BUCKET holds COUNT objects under cookies/, uploaded by test_s3.sh).
"""
import hashlib
import http.client
import os
import sys
import urllib.parse

import boto3
import botocore.config
import botocore.exceptions

ENDPOINT = os.environ["VIGIL_ENDPOINT"]
BUCKET, COUNT = sys.argv[1], int(sys.argv[2])


def client(style="path"):
    config = botocore.config.Config(s3={"addressing_style": style}, retries={"max_attempts": 1})
    return boto3.client("s3", endpoint_url=ENDPOINT, config=config)


s3 = client()


def check(condition, message):
    if not condition:
        print(f"FAIL: {message}", file=sys.stderr)
        sys.exit(1)


def error_of(call, **kwargs):
    """The (code, HTTP status) of a call expected to fail."""
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    check(False, f"{call.__name__} {kwargs} succeeded")


def test_pagination():
    keys, token, pages = [], None, 0
    while True:
        kwargs = {"Bucket": BUCKET, "Prefix": "cookies/", "MaxKeys": 10}
        if token:
            kwargs["ContinuationToken"] = token
        page = s3.list_objects_v2(**kwargs)
        pages += 1
        check(page["KeyCount"] == len(page.get("Contents", [])), "KeyCount")
        check(page["KeyCount"] <= 10, "a page of more than MaxKeys")
        keys += [o["Key"] for o in page.get("Contents", [])]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    check(len(keys) == COUNT, f"{len(keys)} keys listed, {COUNT} uploaded")
    check(keys == sorted(set(keys)), "keys repeated or out of order")
    check(pages == (COUNT + 9) // 10, f"{pages} pages")
    paginated = [o["Key"] for p in s3.get_paginator("list_objects_v2").paginate(
        Bucket=BUCKET, Prefix="cookies/", PaginationConfig={"PageSize": 7}) for o in p.get("Contents", [])]
    check(paginated == keys, "the paginator disagrees")
    after = s3.list_objects_v2(Bucket=BUCKET, Prefix="cookies/", StartAfter=keys[49], MaxKeys=5)
    check([o["Key"] for o in after["Contents"]] == keys[50:55], "StartAfter")
    top = s3.list_objects_v2(Bucket=BUCKET, Prefix="cookies/", Delimiter="/")
    prefixes = [p["Prefix"] for p in top["CommonPrefixes"]]
    check("cookies/training-images/" in prefixes and "cookies/test-images/" in prefixes, f"prefixes {prefixes}")
    check([o["Key"] for o in top["Contents"]] == ["cookies/train.manifest"], "keys beside the prefixes")
    # Pages of one with a delimiter: each common prefix comes exactly once.
    seen, token = [], None
    while True:
        kwargs = {"Bucket": BUCKET, "Prefix": "cookies/", "Delimiter": "/", "MaxKeys": 1}
        if token:
            kwargs["ContinuationToken"] = token
        page = s3.list_objects_v2(**kwargs)
        seen += [p["Prefix"] for p in page.get("CommonPrefixes", [])] + [o["Key"] for o in page.get("Contents", [])]
        if not page["IsTruncated"]:
            break
        token = page["NextContinuationToken"]
    check(sorted(seen) == sorted(prefixes + ["cookies/train.manifest"]), f"delimited pages {seen}")
    v1 = s3.list_objects(Bucket=BUCKET, Prefix="cookies/", Marker=keys[9], MaxKeys=10)
    check([o["Key"] for o in v1["Contents"]] == keys[10:20] and v1["IsTruncated"], "ListObjects v1 with a marker")
    check(error_of(s3.list_objects_v2, Bucket=BUCKET, ContinuationToken="!!not-a-token")[0] == "InvalidArgument",
          "a bad continuation token")


def test_ranges_and_copy():
    body = bytes(range(256)) * 40
    put = s3.put_object(Bucket=BUCKET, Key="work/bytes.bin", Body=body, ContentType="application/x-test")
    check(put["ETag"] == '"%s"' % hashlib.md5(body).hexdigest(), "PutObject ETag")
    got = s3.get_object(Bucket=BUCKET, Key="work/bytes.bin", Range="bytes=100-199")
    check(got["ResponseMetadata"]["HTTPStatusCode"] == 206, "Range status")
    check(got["Body"].read() == body[100:200], "Range bytes")
    check(got["ContentRange"] == f"bytes 100-199/{len(body)}", got["ContentRange"])
    check(s3.get_object(Bucket=BUCKET, Key="work/bytes.bin", Range="bytes=-10")["Body"].read() == body[-10:], "suffix range")
    check(s3.get_object(Bucket=BUCKET, Key="work/bytes.bin", Range="bytes=10000-")["Body"].read() == body[10000:], "open range")
    check(error_of(s3.get_object, Bucket=BUCKET, Key="work/bytes.bin", Range="bytes=20000-20010") == ("InvalidRange", 416),
          "unsatisfiable range")
    whole = s3.get_object(Bucket=BUCKET, Key="work/bytes.bin")
    check(whole["Body"].read() == body and whole["ContentType"] == "application/x-test", "GetObject")
    copied = s3.copy_object(Bucket=BUCKET, Key="work/copy of bytes.bin",
                            CopySource={"Bucket": BUCKET, "Key": "work/bytes.bin"})
    check(copied["CopyObjectResult"]["ETag"] == put["ETag"], "CopyObject ETag")
    head = s3.head_object(Bucket=BUCKET, Key="work/copy of bytes.bin")
    check(head["ContentLength"] == len(body) and head["ContentType"] == "application/x-test", "copied object")
    check(error_of(s3.copy_object, Bucket=BUCKET, Key="x", CopySource={"Bucket": BUCKET, "Key": "nope"})[0] == "NoSuchKey",
          "copy of a missing key")


def test_odd_keys_and_delete():
    keys = ["odd/with space.txt", "odd/ünïcødé 日本.txt", "odd/a+b=c&d.txt", "odd/../escape.txt",
            "odd/x/./y//z.txt", "odd/%41%2F.txt", "odd/" + "k" * 1020]
    for key in keys:
        s3.put_object(Bucket=BUCKET, Key=key, Body=key.encode())
    for key in keys:
        check(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == key.encode(), f"odd key {key!r}")
    listed = [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET, Prefix="odd/")["Contents"]]
    check(listed == sorted(keys, key=lambda k: k.encode()), f"odd keys listed {listed}")
    check(error_of(s3.put_object, Bucket=BUCKET, Key="k" * 1025, Body=b"x")[0] == "KeyTooLongError", "1025-byte key")
    result = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys[:3]] + [{"Key": "odd/never"}]})
    check(sorted(d["Key"] for d in result["Deleted"]) == sorted(keys[:3] + ["odd/never"]), "DeleteObjects")
    quiet = s3.delete_objects(Bucket=BUCKET, Delete={"Objects": [{"Key": k} for k in keys[3:]], "Quiet": True})
    check("Deleted" not in quiet and "Errors" not in quiet, "quiet DeleteObjects")
    check("Contents" not in s3.list_objects_v2(Bucket=BUCKET, Prefix="odd/"), "keys left after DeleteObjects")
    check(s3.delete_object(Bucket=BUCKET, Key="odd/never")["ResponseMetadata"]["HTTPStatusCode"] == 204, "DeleteObject")


def test_multipart():
    key = "work/multi.bin"
    parts = [os.urandom(5 * 1024 * 1024), os.urandom(5 * 1024 * 1024), b"tail"]
    upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    etags = [s3.upload_part(Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=n + 1, Body=p)["ETag"]
             for n, p in reversed(list(enumerate(parts)))][::-1]
    listing = [{"PartNumber": n + 1, "ETag": e} for n, e in enumerate(etags)]
    check(error_of(s3.complete_multipart_upload, Bucket=BUCKET, Key=key, UploadId=upload,
                   MultipartUpload={"Parts": listing[::-1]})[0] == "InvalidPartOrder", "InvalidPartOrder")
    wrong = [dict(p) for p in listing]
    wrong[1]["ETag"] = '"%s"' % ("0" * 32)
    check(error_of(s3.complete_multipart_upload, Bucket=BUCKET, Key=key, UploadId=upload,
                   MultipartUpload={"Parts": wrong})[0] == "InvalidPart", "InvalidPart")
    done = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload, MultipartUpload={"Parts": listing})
    expected = hashlib.md5(b"".join(hashlib.md5(p).digest() for p in parts)).hexdigest() + "-3"
    check(done["ETag"] == f'"{expected}"', f"multipart ETag {done['ETag']}")
    check(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read() == b"".join(parts), "multipart bytes")
    check(error_of(s3.upload_part, Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=1, Body=b"x")
          == ("NoSuchUpload", 404), "a part for a completed upload")
    small = s3.create_multipart_upload(Bucket=BUCKET, Key="work/small.bin")["UploadId"]
    small_parts = [{"PartNumber": n, "ETag": s3.upload_part(
        Bucket=BUCKET, Key="work/small.bin", UploadId=small, PartNumber=n, Body=b"tiny")["ETag"]}
        for n in (1, 2)]
    check(error_of(s3.complete_multipart_upload, Bucket=BUCKET, Key="work/small.bin",
                   UploadId=small, MultipartUpload={"Parts": small_parts})
          == ("EntityTooSmall", 400), "a part under 5 MiB but the last")
    s3.abort_multipart_upload(Bucket=BUCKET, Key="work/small.bin", UploadId=small)
    aborted = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
    s3.abort_multipart_upload(Bucket=BUCKET, Key=key, UploadId=aborted)
    check(error_of(s3.complete_multipart_upload, Bucket=BUCKET, Key=key, UploadId=aborted,
                   MultipartUpload={"Parts": listing})[0] == "NoSuchUpload", "complete after abort")


def test_errors():
    check(error_of(s3.get_object, Bucket=BUCKET, Key="missing") == ("NoSuchKey", 404), "NoSuchKey")
    check(error_of(s3.head_object, Bucket=BUCKET, Key="missing")[1] == 404, "HeadObject of a missing key")
    check(error_of(s3.get_object, Bucket="no-such-bucket", Key="k") == ("NoSuchBucket", 404), "NoSuchBucket")
    check(error_of(s3.head_bucket, Bucket="no-such-bucket")[1] == 404, "HeadBucket of a missing bucket")
    check(error_of(s3.create_bucket, Bucket=BUCKET) == ("BucketAlreadyOwnedByYou", 409), "create twice")
    check(error_of(s3.create_bucket, Bucket="ab")[0] == "InvalidBucketName", "a 2-character bucket")
    check(error_of(s3.delete_bucket, Bucket=BUCKET) == ("BucketNotEmpty", 409), "BucketNotEmpty")
    check(s3.get_bucket_location(Bucket=BUCKET)["LocationConstraint"] is None, "GetBucketLocation")
    s3.create_bucket(Bucket="scratch-bucket", CreateBucketConfiguration={"LocationConstraint": "us-east-1"})
    check("scratch-bucket" in [b["Name"] for b in s3.list_buckets()["Buckets"]], "ListBuckets")
    s3.head_bucket(Bucket="scratch-bucket")
    s3.delete_bucket(Bucket="scratch-bucket")
    check(error_of(s3.get_bucket_acl, Bucket=BUCKET)[1] == 501, "an unimplemented subresource")
    check(error_of(s3.get_bucket_tagging, Bucket=BUCKET) == ("NoSuchTagSet", 404), "bucket tags")
    check(s3.get_object_tagging(Bucket=BUCKET, Key="work/bytes.bin")["TagSet"] == [], "object tags")


def test_virtual_host():
    """A presigned virtual-host URL (bucket.localhost:PORT) sent to the
    loopback address with that Host header."""
    port = urllib.parse.urlsplit(ENDPOINT).port
    virtual = boto3.client("s3", endpoint_url=f"http://localhost:{port}",
                           config=botocore.config.Config(s3={"addressing_style": "virtual"},
                                                         signature_version="s3v4"))
    url = urllib.parse.urlsplit(virtual.generate_presigned_url(
        "get_object", Params={"Bucket": BUCKET, "Key": "work/bytes.bin"}, ExpiresIn=300))
    check(url.hostname == f"{BUCKET}.localhost", f"not a virtual-host URL: {url.geturl()}")
    connection = http.client.HTTPConnection("127.0.0.1", port)
    connection.request("GET", f"{url.path}?{url.query}", headers={"Host": url.netloc})
    reply = connection.getresponse()
    check(reply.status == 200 and reply.read() == bytes(range(256)) * 40, f"virtual-host GET: {reply.status}")


test_pagination()
test_ranges_and_copy()
test_odd_keys_and_delete()
test_multipart()
test_errors()
test_virtual_host()
print("ok: boto3 pagination, ranges, copy, odd keys, delete_objects, multipart, errors, virtual host")
