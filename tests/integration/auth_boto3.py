"""tests/integration/auth_boto3.py - negative authentication through Debian's
boto3 against `vigil serve`: a wrong secret and an unknown access key (API
and S3), requests signed 20 minutes in the past or future, a body changed
after signing, no Authorization at all, a garbage Authorization header, and
presigned S3 URLs that expired or were tampered with, and credential scopes
naming another region or service.  Each must get the
documented error (403 AccessDeniedException JSON on the API; S3's XML codes
on S3) and change nothing: the projects and the objects with their ETags
are compared before and after.

usage: auth_boto3.py BUCKET  (VIGIL_ENDPOINT and the AWS_* variables set by lib.sh)
"""
import datetime
import hashlib
import http.client
import json
import os
import sys
import time
import urllib.parse
import xml.etree.ElementTree as ET
from unittest import mock

import boto3
import botocore.auth
import botocore.config
import botocore.credentials
import botocore.exceptions
from botocore.awsrequest import AWSRequest

ENDPOINT = os.environ["VIGIL_ENDPOINT"]
REGION = os.environ["AWS_DEFAULT_REGION"]
KEY_ID = os.environ["AWS_ACCESS_KEY_ID"]
SECRET = os.environ["AWS_SECRET_ACCESS_KEY"]
HOST = urllib.parse.urlsplit(ENDPOINT).netloc
CONFIG = botocore.config.Config(retries={"max_attempts": 1})
# s3v4: boto3 1.26 presigns with SigV2 by default, which the service does not take
S3_CONFIG = CONFIG.merge(botocore.config.Config(s3={"addressing_style": "path"},
                                                signature_version="s3v4"))


def client(service, key_id=KEY_ID, secret=SECRET):
    return boto3.client(service, endpoint_url=ENDPOINT, region_name=REGION,
                        aws_access_key_id=key_id, aws_secret_access_key=secret,
                        config=S3_CONFIG if service == "s3" else CONFIG)


def send(method, url, body=b"", headers=None):
    """Sends a request as given; returns (status, headers, body bytes)."""
    parts = urllib.parse.urlsplit(url)
    target = parts.path + ("?" + parts.query if parts.query else "")
    conn = http.client.HTTPConnection(parts.netloc, timeout=30)
    try:
        conn.request(method, target, body=body, headers=dict(headers or {}))
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def signed(service, method, path, body=b"", headers=None, skew_minutes=0, secret=SECRET,
           region=REGION, scope_service=None):
    """A request signed by botocore's SigV4Auth (S3SigV4Auth for s3), its
    clock moved by skew_minutes, its credential scope naming region and
    scope_service (default: service); returns (url, headers)."""
    url = ENDPOINT + path
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    creds = botocore.credentials.Credentials(KEY_ID, secret)
    signer = (botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth)(
        creds, scope_service or service, region)
    when = datetime.datetime.utcnow() + datetime.timedelta(minutes=skew_minutes)
    fake = mock.Mock(wraps=datetime.datetime)
    fake.utcnow.return_value = when
    with mock.patch.object(botocore.auth.datetime, "datetime", fake):
        signer.add_auth(request)
    return url, dict(request.headers.items())


def expect_api_denied(what, status, headers, body):
    assert status == 403, f"{what}: status {status}, body {body!r}"
    error_type = {k.lower(): v for k, v in headers.items()}.get("x-amzn-errortype", "")
    assert error_type.split(":")[0] == "AccessDeniedException", f"{what}: {error_type!r} {body!r}"
    message = json.loads(body)["Message"]
    assert message, f"{what}: no Message"
    return message


def expect_s3_error(what, codes, statuses, status, body):
    assert status in statuses, f"{what}: status {status}, body {body!r}"
    root = ET.fromstring(body)
    assert root.tag == "Error" and root.findtext("Code") in codes, f"{what}: {body!r}"
    return root.findtext("Message")


def expect_client_error(what, code, status, call, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{what}: {got} instead of {code}: {e}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == status, f"{what}: {e.response}"
        return
    raise AssertionError(f"{what}: succeeded; expected {code}")


def state(lfv, s3, bucket):
    """Everything a refused request could have changed."""
    projects = [p["ProjectName"] for p in lfv.list_projects()["Projects"]]
    objects = [(o["Key"], o["ETag"], o["Size"])
               for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    return projects, objects


def check_wrong_keys(bucket):
    bad_secret_lfv = client("lookoutvision", secret="wrong" + SECRET[5:])  # same length
    bad_secret_s3 = client("s3", secret="wrong" + SECRET[5:])
    unknown_lfv = client("lookoutvision", key_id="AKIAUNKNOWN000000000")
    unknown_s3 = client("s3", key_id="AKIAUNKNOWN000000000")
    expect_client_error("API, wrong secret", "AccessDeniedException", 403,
                        bad_secret_lfv.create_project, ProjectName="auth-wrong-secret")
    expect_client_error("API, unknown key", "AccessDeniedException", 403,
                        unknown_lfv.create_project, ProjectName="auth-unknown-key")
    expect_client_error("S3, wrong secret", "SignatureDoesNotMatch", 403,
                        bad_secret_s3.put_object, Bucket=bucket, Key="auth/wrong", Body=b"x")
    expect_client_error("S3, unknown key", "InvalidAccessKeyId", 403,
                        unknown_s3.put_object, Bucket=bucket, Key="auth/unknown", Body=b"x")
    expect_client_error("S3 delete, wrong secret", "SignatureDoesNotMatch", 403,
                        bad_secret_s3.delete_object, Bucket=bucket, Key="auth/kept.txt")
    print("ok: wrong secret and unknown key (boto3)")


def check_skew(bucket):
    body = json.dumps({"ProjectName": "auth-skewed"}).encode()
    headers = {"Content-Type": "application/json"}
    for minutes in (-20, 20):
        url, h = signed("lookoutvision", "POST", "/2020-11-20/projects", body, headers,
                        skew_minutes=minutes)
        message = expect_api_denied(f"API signed {minutes} min off", *send("POST", url, body, h))
        assert any(w in message.lower() for w in ("expired", "not yet current", "skew")), message
        url, h = signed("s3", "PUT", f"/{bucket}/auth/skewed", b"skewed", skew_minutes=minutes)
        expect_s3_error(f"S3 signed {minutes} min off", {"RequestTimeTooSkewed"}, {403},
                        *send("PUT", url, b"skewed", h)[::2])
    print("ok: requests signed 20 minutes in the past or future")


def check_tampered_body(bucket):
    headers = {"Content-Type": "application/json"}
    signed_body = json.dumps({"ProjectName": "auth-signed"}).encode()
    sent_body = json.dumps({"ProjectName": "auth-sent00"}).encode()
    assert len(signed_body) == len(sent_body)
    url, h = signed("lookoutvision", "POST", "/2020-11-20/projects", signed_body, headers)
    expect_api_denied("API body changed after signing", *send("POST", url, sent_body, h))
    # S3 signs the body's hash: the header no longer matches what arrives
    url, h = signed("s3", "PUT", f"/{bucket}/auth/kept.txt", b"signed!", {})
    expect_s3_error("S3 body changed after signing", {"XAmzContentSHA256Mismatch", "BadDigest"},
                    {400}, *send("PUT", url, b"sent!!!", h)[::2])
    # ... and changing the header too breaks the signature
    h["X-Amz-Content-SHA256"] = hashlib.sha256(b"sent!!!").hexdigest()
    expect_s3_error("S3 body and hash header changed", {"SignatureDoesNotMatch"}, {403},
                    *send("PUT", url, b"sent!!!", h)[::2])
    print("ok: body changed after signing")


def check_missing_and_garbage(bucket):
    body = json.dumps({"ProjectName": "auth-unsigned"}).encode()
    headers = {"Content-Type": "application/json"}
    expect_api_denied("API without Authorization",
                      *send("POST", ENDPOINT + "/2020-11-20/projects", body, headers))
    expect_s3_error("S3 without Authorization", {"AccessDenied"}, {403},
                    *send("PUT", f"{ENDPOINT}/{bucket}/auth/unsigned", b"x")[::2])
    garbage = dict(headers, Authorization="AWS4-HMAC-SHA256 garbage")
    expect_api_denied("API with a garbage Authorization",
                      *send("POST", ENDPOINT + "/2020-11-20/projects", body, garbage))
    expect_s3_error("S3 with a garbage Authorization", {"AuthorizationHeaderMalformed"}, {400},
                    *send("PUT", f"{ENDPOINT}/{bucket}/auth/garbage", b"x",
                          {"Authorization": "AWS4-HMAC-SHA256 garbage"})[::2])
    # a signature from the right key, over another request's headers
    url, h = signed("lookoutvision", "GET", "/2020-11-20/projects")
    expect_api_denied("API signature of another path",
                      *send("POST", ENDPOINT + "/2020-11-20/projects", body, dict(h, **headers)))
    print("ok: missing, malformed and misplaced signatures")


def check_scope(bucket):
    """A correct signature whose credential scope names another region or
    service is refused: AWS does the same, and a key's signature for one
    service must not open the other."""
    for region, scope in (("eu-west-9", "lookoutvision"), (REGION, "s3")):
        url, h = signed("lookoutvision", "GET", "/2020-11-20/projects", region=region,
                        scope_service=scope)
        message = expect_api_denied(f"ListProjects signed for {region}/{scope}",
                                    *send("GET", url, b"", h))
        assert "scope" in message, message
    for region, scope in (("eu-west-9", "s3"), (REGION, "lookoutvision"), (REGION, "iam")):
        url, h = signed("s3", "GET", f"/{bucket}/auth/kept.txt", region=region,
                        scope_service=scope)
        message = expect_s3_error(f"S3 GET signed for {region}/{scope}",
                                  {"AuthorizationHeaderMalformed"}, {400},
                                  *send("GET", url, b"", h)[::2])
        assert region in message or scope in message, message
    print("ok: credential scopes of another region or service")


def check_presigned(s3, bucket):
    good = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "auth/kept.txt"},
                                     ExpiresIn=60)
    status, _, body = send("GET", good)
    assert status == 200 and body == b"kept\n", (status, body)

    short = s3.generate_presigned_url("get_object", Params={"Bucket": bucket, "Key": "auth/kept.txt"},
                                      ExpiresIn=1)
    time.sleep(2.2)
    message = expect_s3_error("presigned GET, expired", {"AccessDenied"}, {403},
                              *send("GET", short)[::2])
    assert "expired" in message.lower(), message

    other_key = good.replace("auth/kept.txt", "auth/other.txt")
    expect_s3_error("presigned GET, key changed", {"SignatureDoesNotMatch"}, {403},
                    *send("GET", other_key)[::2])
    longer = good.replace("X-Amz-Expires=60", "X-Amz-Expires=3600")
    assert longer != good
    expect_s3_error("presigned GET, expiry lengthened", {"SignatureDoesNotMatch"}, {403},
                    *send("GET", longer)[::2])
    sig_at = good.index("X-Amz-Signature=") + len("X-Amz-Signature=")
    flipped = good[:sig_at] + ("0" if good[sig_at] != "0" else "1") + good[sig_at + 1:]
    expect_s3_error("presigned GET, signature changed", {"SignatureDoesNotMatch"}, {403},
                    *send("GET", flipped)[::2])

    put = s3.generate_presigned_url("put_object", Params={"Bucket": bucket, "Key": "auth/put.txt"},
                                    ExpiresIn=60)
    expect_s3_error("presigned PUT used on another key", {"SignatureDoesNotMatch"}, {403},
                    *send("PUT", put.replace("auth/put.txt", "auth/kept.txt"), b"overwritten")[::2])
    expect_s3_error("presigned PUT sent as DELETE", {"SignatureDoesNotMatch"}, {403},
                    *send("DELETE", put.replace("auth/put.txt", "auth/kept.txt"))[::2])
    short_put = s3.generate_presigned_url("put_object",
                                          Params={"Bucket": bucket, "Key": "auth/put.txt"},
                                          ExpiresIn=1)
    time.sleep(2.2)
    expect_s3_error("presigned PUT, expired", {"AccessDenied"}, {403},
                    *send("PUT", short_put, b"late")[::2])
    print("ok: presigned URLs expired or tampered with")


def main():
    bucket = sys.argv[1]
    lfv, s3 = client("lookoutvision"), client("s3")
    before = state(lfv, s3, bucket)
    check_wrong_keys(bucket)
    check_skew(bucket)
    check_tampered_body(bucket)
    check_missing_and_garbage(bucket)
    check_presigned(s3, bucket)
    check_scope(bucket)
    after = state(lfv, s3, bucket)
    assert before == after, f"refused requests changed the state:\n{before}\n{after}"
    assert s3.get_object(Bucket=bucket, Key="auth/kept.txt")["Body"].read() == b"kept\n"
    print("ok: refused requests changed no project and no object")


if __name__ == "__main__":
    main()
