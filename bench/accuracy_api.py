#!/usr/bin/python3
"""accuracy_api.py - one set of bench/accuracy.sh through the API, as a user
of the Lookout for Vision API would run it with boto3: the images and masks
uploaded to the S3 endpoint, the manifests rewritten to s3:// references,
a project with a training and a test dataset, CreateModel, and the figures
read back from the EvaluationResult in the output bucket.

Usage: accuracy_api.py ENDPOINT SETTING_DIR WORK_DIR   (credentials from the
environment).  Prints one JSON line.
"""
import json
import os
import sys
import time

import boto3

BUCKET, OUTPUT, PROJECT = "bench-images", "bench-output", "bench"


def upload(s3, manifest_path, work, name):
    """Uploads what the manifest references; returns the rewritten manifest's key."""
    lines = []
    for text in open(manifest_path):
        entry = json.loads(text)
        for key in ("source-ref", "anomaly-mask-ref"):
            if key in entry:
                object_key = "files" + entry[key]
                s3.upload_file(entry[key], BUCKET, object_key)
                entry[key] = "s3://%s/%s" % (BUCKET, object_key)
        lines.append(json.dumps(entry))
    body = "\n".join(lines) + "\n"
    with open(os.path.join(work, name), "w") as f:
        f.write(body)
    s3.put_object(Bucket=BUCKET, Key="manifests/" + name, Body=body.encode())
    return "manifests/" + name


def wait(describe, field, busy, timeout=3600):
    start = time.time()
    while True:
        status = describe()[field]
        if status not in busy:
            return status
        if time.time() - start > timeout:
            raise SystemExit("still %s after %d s" % (status, timeout))
        time.sleep(2)


def main(endpoint, setting_dir, work):
    os.makedirs(work, exist_ok=True)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    lfv = boto3.client("lookoutvision", endpoint_url=endpoint)
    for bucket in (BUCKET, OUTPUT):
        s3.create_bucket(Bucket=bucket)
    lfv.create_project(ProjectName=PROJECT)
    for kind in ("train", "test"):
        key = upload(s3, os.path.join(setting_dir, kind + ".manifest"), work, kind + ".manifest")
        lfv.create_dataset(ProjectName=PROJECT, DatasetType=kind, DatasetSource={
            "GroundTruthManifest": {"S3Object": {"Bucket": BUCKET, "Key": key}}})
        status = wait(lambda: lfv.describe_dataset(ProjectName=PROJECT, DatasetType=kind)
                      ["DatasetDescription"], "Status", ("CREATE_IN_PROGRESS",))
        assert status == "CREATE_COMPLETE", status
    start = time.time()
    version = lfv.create_model(ProjectName=PROJECT, OutputConfig={
        "S3Location": {"Bucket": OUTPUT, "Prefix": "out/"}})["ModelMetadata"]["ModelVersion"]
    status = wait(lambda: lfv.describe_model(ProjectName=PROJECT, ModelVersion=version)
                  ["ModelDescription"], "Status", ("TRAINING",))
    seconds = time.time() - start
    description = lfv.describe_model(ProjectName=PROJECT, ModelVersion=version)["ModelDescription"]
    assert status == "TRAINED", description
    result = json.loads(s3.get_object(Bucket=OUTPUT, Key=description["EvaluationResult"]["Key"])
                        ["Body"].read())
    metrics = result["AggregatedEvaluationResults"]["Metrics"]
    print(json.dumps({"engine": "vigil (API)", "set": os.path.basename(os.path.dirname(setting_dir)),
                      "setting": os.path.basename(setting_dir), "train_s": round(seconds, 1),
                      "roc_auc": metrics.get("ROCAUC"), "f1": metrics["F1Score"],
                      "precision": metrics["Precision"], "recall": metrics["Recall"],
                      "performance": description["Performance"]}))


if __name__ == "__main__":
    main(*sys.argv[1:4])
