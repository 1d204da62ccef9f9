#!/usr/bin/python3
"""make_seeds.py - writes the seed corpora of tests/fuzz/corpus/ (small
inputs of each kind the fuzzers start from; all made here, none copied from
a dataset).  Run again only to change the seeds: they are committed.

usage: make_seeds.py CORPUS_DIR   (Debian's python3: PIL and botocore)
"""
import datetime
import hashlib
import io
import json
import os
import struct
import sys
from unittest import mock

import botocore.auth
import botocore.credentials
from botocore.awsrequest import AWSRequest
from PIL import Image

KEY, SECRET = "AKIAFUZZFUZZFUZZ0001", "fuzz/secret/key/0000000000000000000000000"
WHEN = datetime.datetime(2026, 5, 17, 9, 30, 15)  # fuzz_sigv4.c's clock


def write(folder, name, data):
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())


def request_text(method, target, headers, body=b""):
    lines = [f"{method} {target}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\n".join(lines) + "\n\n").encode() + body


def signed(service, method, target, body=b"", headers=None, presign=False):
    url = "http://127.0.0.1:9000" + target
    request = AWSRequest(method=method, url=url, data=body, headers=dict(headers or {}))
    creds = botocore.credentials.Credentials(KEY, SECRET)
    if presign:
        signer = botocore.auth.S3SigV4QueryAuth(creds, "s3", "us-east-1", expires=3600)
    else:
        signer = (botocore.auth.S3SigV4Auth if service == "s3" else botocore.auth.SigV4Auth)(
            creds, service, "us-east-1")
    fake = mock.Mock(wraps=datetime.datetime)
    fake.utcnow.return_value = WHEN
    with mock.patch.object(botocore.auth.datetime, "datetime", fake):
        signer.add_auth(request)
    split = request.url.split("127.0.0.1:9000", 1)[1]
    headers = {k: v for k, v in request.headers.items()}
    headers["Host"] = "127.0.0.1:9000"
    return request_text(method, split, headers, body)


def sigv4_seeds(out):
    body = json.dumps({"ProjectName": "p"}).encode()
    write(out, "api-list", signed("lookoutvision", "GET", "/2020-11-20/projects"))
    write(out, "api-create", signed("lookoutvision", "POST", "/2020-11-20/projects", body,
                                    {"Content-Type": "application/json"}))
    write(out, "s3-put", signed("s3", "PUT", "/bucket/a%20b/k.txt?x-id=PutObject", b"hello"))
    write(out, "s3-presigned", signed("s3", "GET", "/bucket/key?versionId=1", presign=True))
    write(out, "unsigned", request_text("GET", "/2020-11-20/projects", {"Host": "h"}))


def lfv_seeds(out):
    j = {"Content-Type": "application/json"}
    project = "/2020-11-20/projects/p"
    seeds = {
        "create-project": ("POST", "/2020-11-20/projects", {"ProjectName": "p"}),
        "list-projects": ("GET", "/2020-11-20/projects?maxResults=5&nextToken=abc", None),
        "describe-project": ("GET", project, None),
        "create-dataset": ("POST", project + "/datasets",
                           {"DatasetType": "train", "DatasetSource": {"GroundTruthManifest": {
                               "S3Object": {"Bucket": "b", "Key": "m.manifest"}}}}),
        "list-entries": ("GET", project + "/datasets/train/entries?labeled=true&anomalyClass=normal"
                         "&beforeCreationDate=2026-01-01T00:00:00Z&sourceRefContains=x", None),
        "update-entries": ("PATCH", project + "/datasets/train/entries",
                           {"Changes": "eyJzb3VyY2UtcmVmIjoiczM6Ly9iL2suanBnIn0="}),
        "create-model": ("POST", project + "/models",
                         {"OutputConfig": {"S3Location": {"Bucket": "b", "Prefix": "out/"}},
                          "Tags": [{"Key": "k", "Value": "v"}], "Description": "d"}),
        "start-model": ("POST", project + "/models/1/start",
                        {"MinInferenceUnits": 1, "MaxInferenceUnits": 2}),
        "detect": ("POST", project + "/models/1/detect", None),
        "packaging": ("POST", project + "/modelpackagingjobs",
                      {"ModelVersion": "1", "JobName": "j", "Configuration": {"Greengrass": {
                          "ComponentName": "c", "S3OutputLocation": {"Bucket": "b", "Prefix": "p"},
                          "TargetPlatform": {"Os": "LINUX", "Arch": "X86_64"}}}}),
        "tag": ("POST", "/2020-11-20/tags/arn%3Aaws%3Alookoutvision%3Aus-east-1%3A000000000000"
                "%3Aproject%2Fp", {"Tags": [{"Key": "k", "Value": "v"}]}),
        "untag": ("DELETE", "/2020-11-20/tags/arn%3Aaws%3Alookoutvision%3Aus-east-1%3A0000000000"
                  "00%3Amodel%2Fp%2F1?tagKeys=k&tagKeys=j", None),
    }
    for name, (method, target, body) in seeds.items():
        headers = dict(j, **{"Host": "h", "X-Amzn-Client-Token": "token-1"})
        data = json.dumps(body).encode() if body is not None else b""
        if name == "detect":
            headers["Content-Type"] = "image/png"
            data = tiny_png("RGB")
        write(out, name, request_text(method, target, headers, data))


def manifest_seeds(out):
    line = {"source-ref": "s3://b/images/anomaly-1.jpg", "anomaly-label": 1,
            "anomaly-label-metadata": {"class-name": "anomaly", "type":
                                       "groundtruth/image-classification", "job-name": "j"},
            "anomaly-mask-ref": "s3://b/masks/anomaly-1.png",
            "anomaly-mask-ref-metadata": {"internal-color-map": {
                "0": {"class-name": "BACKGROUND", "hex-color": "#ffffff"},
                "1": {"class-name": "cracked", "hex-color": "#23A436"}},
                "type": "groundtruth/semantic-segmentation", "job-name": "m"}}
    normal = {"source-ref": "s3://b/images/normal-1.jpg", "anomaly-label": 0,
              "anomaly-label-metadata": {"class-name": "normal", "type":
                                         "groundtruth/image-classification"}}
    write(out, "two-lines", json.dumps(line) + "\n" + json.dumps(normal) + "\n")
    write(out, "unlabelled", json.dumps({"source-ref": "s3://b/x.png"}) + "\r\n\n")


def xml_seeds(out):
    write(out, "complete", '<?xml version="1.0" encoding="UTF-8"?><CompleteMultipartUpload '
          'xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Part><PartNumber>1</PartNumber>'
          '<ETag>"a54357aff0632cce46d942af68356b38"</ETag></Part></CompleteMultipartUpload>')
    write(out, "delete", "<Delete><Quiet>true</Quiet><Object><Key>a&amp;b</Key></Object>"
          "<Object><Key>&#x41;&lt;</Key></Object></Delete>")
    write(out, "bucket", "<CreateBucketConfiguration><LocationConstraint>eu-west-1"
          "</LocationConstraint></CreateBucketConfiguration>")


def tiny_png(mode, **options):
    image = Image.new(mode, (8, 6))
    image.putdata([(i * 37) % 256 if mode in ("L", "P") else ((i * 37) % 256, i * 5, 200)
                   for i in range(48)])
    buffer = io.BytesIO()
    image.save(buffer, "PNG", **options)
    return buffer.getvalue()


def image_seeds(out):
    write(out, "rgb.png", tiny_png("RGB"))
    write(out, "grey.png", tiny_png("L"))
    write(out, "palette.png", tiny_png("P"))
    write(out, "interlaced.png", tiny_png("RGB", optimize=False))
    for name, options in (("baseline.jpg", {}), ("progressive.jpg", {"progressive": True}),
                          ("q10.jpg", {"quality": 10})):
        buffer = io.BytesIO()
        Image.new("RGB", (16, 8), (120, 80, 40)).save(buffer, "JPEG", **options)
        write(out, name, buffer.getvalue())
    buffer = io.BytesIO()
    Image.new("L", (8, 8), 77).save(buffer, "JPEG")
    write(out, "grey.jpg", buffer.getvalue())


def modelfile_seed(out):
    """A model file with a few keys and one tensor, laid out as
    docs/model-format.md says (the fuzzer sets the CRCs)."""
    def kv(key, kind, count, value):
        k = key.encode() + b"\0"
        k += b"\0" * (-len(k) % 8)
        value += b"\0" * (-len(value) % 8)
        return struct.pack("<IIQ", len(key), kind, count) + k + value
    STRING, INT = 1, 2  # vgl_kv_type
    entries = kv("general.kind", STRING, 13, b"anomaly_model\0") + \
        kv("model.class_count", INT, 1, struct.pack("<q", 0))
    name = b"memory_bank\0" + b"\0" * 4
    # name_len, dtype F32, ndim 2, reserved; offset, nbytes; shape; name
    tensor = struct.pack("<IIII", 11, 0, 2, 0) + struct.pack("<QQ", 0, 32) + \
        struct.pack("<qq", 2, 4) + name
    tables = entries + tensor
    data_offset = 64 + len(tables)
    data_offset += -data_offset % 64
    data = struct.pack("<8f", *range(8)) + b"\0" * 32
    size = data_offset + len(data)
    header = b"VIGILMF\0" + struct.pack("<IIQQQQQII", 1, 0, size, 2, 1, data_offset, 0, 0, 0)
    body = header + tables + b"\0" * (data_offset - 64 - len(tables)) + data
    write(out, "small.vgm", body)


def main(corpus):
    sigv4_seeds(os.path.join(corpus, "fuzz_sigv4"))
    lfv_seeds(os.path.join(corpus, "fuzz_lfv"))
    manifest_seeds(os.path.join(corpus, "fuzz_manifest"))
    xml_seeds(os.path.join(corpus, "fuzz_s3_xml"))
    image_seeds(os.path.join(corpus, "fuzz_image"))
    modelfile_seed(os.path.join(corpus, "fuzz_modelfile"))


if __name__ == "__main__":
    main(sys.argv[1])
