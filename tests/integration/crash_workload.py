"""tests/integration/crash_workload.py - what tests/integration/test_crash.sh
runs while it kills the server, and what it checks after each restart.

  workload JOURNAL ROUND   runs a mixed workload until the server goes away:
                           uploads (single and multipart), deletes, dataset
                           imports, entry updates, dataset deletes and
                           trainings, appending to JOURNAL (JSON lines,
                           flushed) what it is about to do ("intent") and
                           what the server acknowledged ("ack");
  check JOURNAL DATA_DIR   after a restart: every acknowledged object reads
                           back with its ETag (an object whose delete was in
                           flight may be either way, one whose delete was
                           acknowledged is gone), every dataset's ImageStats
                           equal its entries, no dataset, model or packaging
                           job is left in progress, SQLite's integrity check
                           passes.  Prints the counts it checked.

The images come from the cookies the test uploaded to BUCKET/cookies/ with
their manifest at BUCKET/cookies/s3.manifest (lib.sh's upload_cookies).
VIGIL_ENDPOINT and the AWS_* variables come from lib.sh.
"""
import json
import os
import random
import sqlite3
import sys

import boto3
import botocore.config
import botocore.exceptions

BUCKET = "vigil-crash"
PROJECT = "crash"
CONFIG = botocore.config.Config(retries={"max_attempts": 1}, connect_timeout=3,
                                read_timeout=30, s3={"addressing_style": "path"})


def clients():
    endpoint = os.environ["VIGIL_ENDPOINT"]
    return (boto3.client("s3", endpoint_url=endpoint, config=CONFIG),
            boto3.client("lookoutvision", endpoint_url=endpoint, config=CONFIG))


class Journal:
    def __init__(self, path):
        self.file = open(path, "a")

    def write(self, **entry):
        self.file.write(json.dumps(entry) + "\n")
        self.file.flush()
        os.fsync(self.file.fileno())


def workload(journal_path, round_no):
    s3, lfv = clients()
    journal = Journal(journal_path)
    rng = random.Random(round_no)
    manifest = s3.get_object(Bucket=BUCKET, Key="cookies/s3.manifest")["Body"].read().decode()
    lines = manifest.splitlines()
    n = 0
    while True:
        n += 1
        key = f"objects/r{round_no}-{n}"
        action = rng.choice(["put", "put", "put", "multipart", "delete", "import", "update",
                             "train", "delete-dataset"])
        try:
            if action == "put":
                body = os.urandom(rng.randrange(1, 300000))
                journal.write(op="put", phase="intent", key=key)
                etag = s3.put_object(Bucket=BUCKET, Key=key, Body=body)["ETag"]
                journal.write(op="put", phase="ack", key=key, etag=etag)
            elif action == "multipart":
                parts = [os.urandom(5 << 20), os.urandom(rng.randrange(1, 100000))]
                journal.write(op="put", phase="intent", key=key)
                upload = s3.create_multipart_upload(Bucket=BUCKET, Key=key)["UploadId"]
                listed = [{"PartNumber": i + 1, "ETag": s3.upload_part(
                    Bucket=BUCKET, Key=key, UploadId=upload, PartNumber=i + 1, Body=p)["ETag"]}
                    for i, p in enumerate(parts)]
                etag = s3.complete_multipart_upload(Bucket=BUCKET, Key=key, UploadId=upload,
                                                    MultipartUpload={"Parts": listed})["ETag"]
                journal.write(op="put", phase="ack", key=key, etag=etag)
            elif action == "delete":
                listing = s3.list_objects_v2(Bucket=BUCKET, Prefix="objects/").get("Contents", [])
                if listing:
                    victim = rng.choice(listing)["Key"]
                    journal.write(op="delete", phase="intent", key=victim)
                    s3.delete_object(Bucket=BUCKET, Key=victim)
                    journal.write(op="delete", phase="ack", key=victim)
            elif action == "import":
                kind = rng.choice(["train", "test"])
                lfv.create_dataset(ProjectName=PROJECT, DatasetType=kind, DatasetSource={
                    "GroundTruthManifest": {"S3Object": {"Bucket": BUCKET,
                                                         "Key": "cookies/s3.manifest"}}})
            elif action == "update":
                chosen = "\n".join(rng.sample(lines, 5))
                lfv.update_dataset_entries(ProjectName=PROJECT,
                                           DatasetType=rng.choice(["train", "test"]),
                                           Changes=chosen.encode())
            elif action == "train":
                lfv.create_model(ProjectName=PROJECT, OutputConfig={
                    "S3Location": {"Bucket": BUCKET, "Prefix": f"models/r{round_no}/"}})
            elif action == "delete-dataset":
                lfv.delete_dataset(ProjectName=PROJECT, DatasetType=rng.choice(["train", "test"]))
        except botocore.exceptions.ClientError:
            continue  # refused (a conflict, a missing dataset): the next action
        except (botocore.exceptions.EndpointConnectionError,
                botocore.exceptions.ConnectionClosedError,
                botocore.exceptions.ReadTimeoutError):
            return  # the server was killed


def check_objects(s3, journal_path):
    state = {}
    for line in open(journal_path):
        e = json.loads(line)
        known = state.get(e["key"], {})
        if e["op"] == "put" and e["phase"] == "ack":
            state[e["key"]] = {"etag": e["etag"], "deleting": False, "deleted": False}
        elif e["op"] == "delete" and known:
            known["deleting" if e["phase"] == "intent" else "deleted"] = True
    checked = 0
    for key, s in state.items():
        try:
            got = s3.head_object(Bucket=BUCKET, Key=key)["ETag"]
        except botocore.exceptions.ClientError as e:
            assert e.response["Error"]["Code"] in ("404", "NoSuchKey"), e
            got = None
        if s["deleted"]:
            assert got is None, f"{key}: deleted, yet it is there"
        elif s["deleting"]:
            assert got in (None, s["etag"]), f"{key}: {got} is neither gone nor {s['etag']}"
        else:
            assert got == s["etag"], f"{key}: acknowledged with {s['etag']}, reads {got}"
        if got is not None:
            body = s3.get_object(Bucket=BUCKET, Key=key)["Body"].read()
            assert len(body) == s3.head_object(Bucket=BUCKET, Key=key)["ContentLength"], key
        checked += 1
    return checked


def all_entries(lfv, kind):
    entries, token = [], None
    while True:
        args = {"ProjectName": PROJECT, "DatasetType": kind, "MaxResults": 100}
        if token:
            args["NextToken"] = token
        page = lfv.list_dataset_entries(**args)
        entries += [json.loads(e) for e in page["DatasetEntries"]]
        token = page.get("NextToken")
        if not token:
            return entries


def check_datasets(lfv):
    datasets = 0
    for d in lfv.describe_project(ProjectName=PROJECT)["ProjectDescription"]["Datasets"]:
        kind = d["DatasetType"]
        desc = lfv.describe_dataset(ProjectName=PROJECT, DatasetType=kind)["DatasetDescription"]
        assert not desc["Status"].endswith("_IN_PROGRESS"), f"{kind}: {desc['Status']}"
        entries = all_entries(lfv, kind)
        labels = [e.get("anomaly-label") for e in entries if "anomaly-label-metadata" in e]
        expected = {"Total": len(entries), "Labeled": len(labels),
                    "Normal": labels.count(0), "Anomaly": labels.count(1)}
        assert desc["ImageStats"] == expected, f"{kind}: {desc['ImageStats']} != {expected}"
        datasets += 1
    for m in lfv.list_models(ProjectName=PROJECT)["Models"]:
        assert m["Status"] != "TRAINING", f"model {m['ModelVersion']} still TRAINING"
    return datasets


def check(journal_path, data_dir):
    s3, lfv = clients()
    objects = check_objects(s3, journal_path)
    datasets = check_datasets(lfv)
    db = sqlite3.connect(os.path.join(data_dir, "metadata.db"))
    result = db.execute("PRAGMA integrity_check").fetchone()[0]
    db.close()
    assert result == "ok", f"integrity_check: {result}"
    print(f"checked {objects} objects, {datasets} datasets, no job in progress, integrity ok")


if __name__ == "__main__":
    if sys.argv[1] == "workload":
        workload(sys.argv[2], int(sys.argv[3]))
    else:
        check(sys.argv[2], sys.argv[3])
