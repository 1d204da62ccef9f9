"""tests/integration/lfv_boto3.py - what the aws CLI cannot send, through
Debian's boto3 against `vigil serve`: requests that skip botocore's own
checks (MaxResults 0, a malformed JSON body), pagination of ListProjects
with foreign and malformed NextTokens, the modeled members of the error
responses, and ClientToken replays.

usage: lfv_boto3.py BUCKET  (VIGIL_ENDPOINT and the AWS_* variables set by lib.sh)
"""
import sys
import time

from lfv_client import client, expect_error


def check_errors(lfv):
    r = expect_error("ResourceNotFoundException", lfv.describe_project, ProjectName="nope")
    assert r["ResourceId"] == "nope" and r["ResourceType"] == "PROJECT", r
    assert r["ResponseMetadata"]["HTTPStatusCode"] == 404
    lfv.create_project(ProjectName="py-dup")
    r = expect_error("ConflictException", lfv.create_project, ProjectName="py-dup")
    assert r["ResourceType"] == "PROJECT" and r["ResponseMetadata"]["HTTPStatusCode"] == 409, r
    assert r["Error"]["Message"], r


def check_pagination(lfv, raw):
    for i in range(5):
        lfv.create_project(ProjectName=f"py-page-{i}")
    names = [p["ProjectName"]
             for page in lfv.get_paginator("list_projects").paginate(PaginationConfig={"PageSize": 2})
             for p in page["Projects"]]
    assert names == sorted(names) and len(set(names)) == len(names), names
    assert all(f"py-page-{i}" in names for i in range(5)), names
    page = lfv.list_projects(MaxResults=2)
    assert "NextToken" in page and len(page["Projects"]) == 2, page
    expect_error("ValidationException", raw.list_projects, MaxResults=0)
    expect_error("ValidationException", lfv.list_projects, MaxResults=101)
    expect_error("ValidationException", lfv.list_projects, NextToken="not a token!")
    expect_error("ValidationException", lfv.list_projects, NextToken="Zm9vYmFy")
    # a ListProjects token is refused by ListDatasetEntries
    lfv.create_dataset(ProjectName="py-page-0", DatasetType="test")
    expect_error("ValidationException", lfv.list_dataset_entries, ProjectName="py-page-0",
                 DatasetType="test", NextToken=page["NextToken"])


def check_bad_json(raw):
    def spoil_body(request, **_):
        request.data = b'{"ProjectName": '
    raw.meta.events.register("before-sign.lookoutvision.CreateProject", spoil_body)
    expect_error("ValidationException", raw.create_project, ProjectName="py-json")
    raw.meta.events.unregister("before-sign.lookoutvision.CreateProject", spoil_body)


def check_idempotency(lfv):
    a = lfv.create_project(ProjectName="py-idem", ClientToken="py-token-1")
    b = lfv.create_project(ProjectName="py-idem", ClientToken="py-token-1")
    assert a["ProjectMetadata"] == b["ProjectMetadata"], (a, b)
    expect_error("ConflictException", lfv.create_project, ProjectName="py-other",
                 ClientToken="py-token-1")
    d1 = lfv.delete_project(ProjectName="py-idem", ClientToken="py-token-2")
    d2 = lfv.delete_project(ProjectName="py-idem", ClientToken="py-token-2")
    assert d1["ProjectArn"] == d2["ProjectArn"], (d1, d2)


def check_update_entries(lfv, bucket):
    lfv.create_project(ProjectName="py-update")
    lfv.create_dataset(ProjectName="py-update", DatasetType="train")
    expect_error("ValidationException", lfv.update_dataset_entries, ProjectName="py-update",
                 DatasetType="train", Changes=b'{"label": 1}\n')
    line = ('{"source-ref": "s3://%s/cookies/training-images/normal-1.jpg"}\n' % bucket).encode()
    r = lfv.update_dataset_entries(ProjectName="py-update", DatasetType="train", Changes=line)
    assert r["Status"] == "UPDATE_IN_PROGRESS", r
    for _ in range(300):  # the model has no waiters: poll
        d = lfv.describe_dataset(ProjectName="py-update", DatasetType="train")["DatasetDescription"]
        if not d["Status"].endswith("_IN_PROGRESS"):
            break
        time.sleep(0.2)
    assert d["Status"] == "UPDATE_COMPLETE", d
    assert d["ImageStats"] == {"Total": 1, "Labeled": 0, "Normal": 0, "Anomaly": 0}, d


def main():
    bucket = sys.argv[1]
    lfv, raw = client(), client(validate=False)
    check_errors(lfv)
    check_pagination(lfv, raw)
    check_bad_json(raw)
    check_idempotency(lfv)
    check_update_entries(lfv, bucket)
    print("ok: boto3 checks")


if __name__ == "__main__":
    main()
