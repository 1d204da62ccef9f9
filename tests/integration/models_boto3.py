"""tests/integration/models_boto3.py - the model operations through Debian's
boto3 against `vigil serve`, on the cookies project of test_models.sh
while its model 1 is HOSTED: DescribeModel's members, ListModels, the
DetectAnomalyResult of a segmentation model (background first, a PNG
mask of the image's size), ClientToken conflicts and the errors boto3's
own validation would otherwise stop (MinInferenceUnits 0, a bad version).

usage: models_boto3.py COOKIES_DIR OUTPUT_BUCKET
(VIGIL_ENDPOINT and the AWS_* variables set by lib.sh)
"""
import glob
import os
import struct
import sys

import boto3

from lfv_client import client, expect_error

PROJECT = "cookies"


def check_describe(lfv, s3, bucket):
    d = lfv.describe_model(ProjectName=PROJECT, ModelVersion="1")["ModelDescription"]
    assert d["Status"] == "HOSTED" and d["ModelVersion"] == "1", d
    assert d["ModelArn"].endswith(":model/cookies/1"), d
    perf = d["Performance"]
    assert all(0.0 <= perf[k] <= 1.0 for k in ("F1Score", "Recall", "Precision")), perf
    assert perf["F1Score"] >= 0.95, perf
    assert d["EvaluationEndTimestamp"] >= d["CreationTimestamp"], d
    assert d["OutputConfig"]["S3Location"]["Bucket"] == bucket, d
    assert d["MinInferenceUnits"] == 1, d
    for member in ("EvaluationResult", "EvaluationManifest"):
        location = d[member]
        body = s3.get_object(Bucket=location["Bucket"], Key=location["Key"])["Body"].read()
        assert body, member
    latest = lfv.describe_model(ProjectName=PROJECT, ModelVersion="latest")["ModelDescription"]
    assert int(latest["ModelVersion"]) >= 1, latest


def check_list(lfv):
    models = lfv.list_models(ProjectName=PROJECT)["Models"]
    assert [m["ModelVersion"] for m in models] == ["1"], models
    assert models[0]["Status"] == "HOSTED", models
    assert "Performance" in models[0], models
    expect_error("ResourceNotFoundException", lfv.list_models, ProjectName="no-such-project")


def png_size(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n", data[:8]
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def jpeg_size(path):
    data = open(path, "rb").read()
    i = 2
    while i < len(data):
        marker, length = data[i + 1], struct.unpack(">H", data[i + 2:i + 4])[0]
        if 0xC0 <= marker <= 0xC3:
            height, width = struct.unpack(">HH", data[i + 5:i + 9])
            return width, height
        i += 2 + length
    raise AssertionError(f"no frame header in {path}")


def check_detect(lfv, cookies):
    wrong = 0
    images = sorted(glob.glob(os.path.join(cookies, "test-images", "*.jpg")))
    for path in images:
        with open(path, "rb") as f:
            r = lfv.detect_anomalies(ProjectName=PROJECT, ModelVersion="1",
                                     Body=f.read(), ContentType="image/jpeg")
        result = r["DetectAnomalyResult"]
        assert result["Source"] == {"Type": "direct"}, result
        assert 0.0 <= result["Confidence"] <= 1.0, result
        anomalies = result["Anomalies"]
        assert anomalies[0]["Name"] == "background", anomalies
        assert anomalies[0]["PixelAnomaly"]["Color"] == "#FFFFFF", anomalies
        area = sum(a["PixelAnomaly"]["TotalPercentageArea"] for a in anomalies)
        assert abs(area - 1.0) < 1e-3, anomalies
        assert png_size(result["AnomalyMask"]) == jpeg_size(path), path
        expected = "anomaly" in os.path.basename(path)
        wrong += result["IsAnomalous"] != expected
    assert wrong <= 1, f"{wrong} of {len(images)} test images decided wrongly"
    return len(images) - wrong, len(images)


def check_errors(lfv, raw, bucket):
    expect_error("ResourceNotFoundException", lfv.describe_model, ProjectName=PROJECT,
                 ModelVersion="99")
    r = expect_error("ConflictException", lfv.start_model, ProjectName=PROJECT,
                     ModelVersion="1", MinInferenceUnits=1)
    assert r["ResourceType"] == "MODEL", r
    expect_error("ConflictException", lfv.delete_model, ProjectName=PROJECT, ModelVersion="1")
    expect_error("ValidationException", raw.start_model, ProjectName=PROJECT,
                 ModelVersion="1", MinInferenceUnits=0)
    expect_error("ValidationException", raw.describe_model, ProjectName=PROJECT,
                 ModelVersion="one")
    expect_error("ValidationException", lfv.detect_anomalies, ProjectName=PROJECT,
                 ModelVersion="1", Body=b"not an image", ContentType="image/jpeg")
    expect_error("ValidationException", lfv.create_model, ProjectName=PROJECT,
                 OutputConfig={"S3Location": {"Bucket": "no-such-bucket"}})
    # test_models.sh created model 1 with ClientToken first-model and other parameters
    expect_error("ConflictException", lfv.create_model, ProjectName=PROJECT,
                 ClientToken="first-model",
                 OutputConfig={"S3Location": {"Bucket": bucket, "Prefix": "elsewhere/"}})


def main():
    cookies, bucket = sys.argv[1], sys.argv[2]
    lfv, raw = client(), client(validate=False)
    s3 = boto3.client("s3", endpoint_url=os.environ["VIGIL_ENDPOINT"])
    check_describe(lfv, s3, bucket)
    check_list(lfv)
    right, total = check_detect(lfv, cookies)
    check_errors(lfv, raw, bucket)
    print(f"ok: boto3 model checks ({right} of {total} test images right)")


if __name__ == "__main__":
    main()
