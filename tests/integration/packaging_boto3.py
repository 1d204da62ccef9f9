"""tests/integration/packaging_boto3.py - the model packaging operations
through Debian's boto3 against `vigil serve`, on the cookies project of
test_packaging.sh once its model 1 is trained and a first job (JOB_NAME)
SUCCEEDED: DescribeModelPackagingJob's members, a job with every optional
member, ListModelPackagingJobs and its pagination, ClientToken, and each
validation error and conflict (botocore's own validation off, so the
server's checks are the ones tested).

usage: packaging_boto3.py OUTPUT_BUCKET JOB_NAME
"""
import copy
import sys
import time

from lfv_client import client, expect_error

PROJECT = "cookies"


def wait(lfv, name):
    for _ in range(100):
        d = lfv.describe_model_packaging_job(ProjectName=PROJECT, JobName=name)
        d = d["ModelPackagingDescription"]
        if d["Status"] not in ("CREATED", "RUNNING"):
            return d
        time.sleep(0.2)
    raise AssertionError(f"job {name} still {d['Status']}")


def check_first(lfv, bucket, name):
    d = lfv.describe_model_packaging_job(ProjectName=PROJECT, JobName=name)
    d = d["ModelPackagingDescription"]
    assert (d["JobName"], d["ProjectName"], d["ModelVersion"]) == (name, PROJECT, "1"), d
    assert d["Status"] == "SUCCEEDED" and d["StatusMessage"], d
    assert d["ModelPackagingMethod"] == "Greengrass", d
    assert d["LastUpdatedTimestamp"] >= d["CreationTimestamp"], d
    g = d["ModelPackagingConfiguration"]["Greengrass"]
    assert g["TargetPlatform"] == {"Os": "LINUX", "Arch": "X86_64"}, g
    assert g["S3OutputLocation"] == {"Bucket": bucket, "Prefix": "edge"}, g
    assert "ModelPackagingJobDescription" not in d, d


def check_full(lfv, bucket):
    config = {"Greengrass": {
        "TargetPlatform": {"Os": "LINUX", "Arch": "ARM64", "Accelerator": "NVIDIA"},
        "CompilerOptions": '{"gpu-code": "sm_72", "trt-ver": "7.1.3", "cuda-ver": "10.2"}',
        "S3OutputLocation": {"Bucket": bucket, "Prefix": "full/"},
        "ComponentName": "cookies.full_model",
        "ComponentVersion": "2.3.4",
        "ComponentDescription": "Cookies (full options): v2",
        "Tags": [{"Key": "line", "Value": "3"}],
    }}
    r = lfv.start_model_packaging_job(ProjectName=PROJECT, ModelVersion="latest",
                                      JobName="full-job", Description="every member, set",
                                      Configuration=config, ClientToken="full-job-token")
    assert r["JobName"] == "full-job", r
    again = lfv.start_model_packaging_job(ProjectName=PROJECT, ModelVersion="latest",
                                          JobName="full-job", Description="every member, set",
                                          Configuration=config, ClientToken="full-job-token")
    assert again["JobName"] == "full-job", again
    expect_error("ConflictException", lfv.start_model_packaging_job, ProjectName=PROJECT,
                 ModelVersion="latest", JobName="full-job-2", Configuration=config,
                 ClientToken="full-job-token")
    d = wait(lfv, "full-job")
    assert d["Status"] == "SUCCEEDED", d
    assert d["ModelVersion"] == "1", d
    assert d["ModelPackagingJobDescription"] == "every member, set", d
    assert d["ModelPackagingConfiguration"] == config, d
    out = d["ModelPackagingOutputDetails"]["Greengrass"]
    assert (out["ComponentName"], out["ComponentVersion"]) == ("cookies.full_model", "2.3.4"), out
    assert out["ComponentVersionArn"].endswith(":components:cookies.full_model:versions:2.3.4")
    # the same component version cannot be published twice
    expect_error("ConflictException", lfv.start_model_packaging_job, ProjectName=PROJECT,
                 ModelVersion="1", JobName="full-again", Configuration=config)


def check_list(lfv, first):
    jobs = lfv.list_model_packaging_jobs(ProjectName=PROJECT)["ModelPackagingJobs"]
    assert [j["JobName"] for j in jobs] == [first, "full-job"], jobs
    assert all(j["ModelPackagingMethod"] == "Greengrass" and j["ProjectName"] == PROJECT
               for j in jobs), jobs
    assert jobs[1]["ModelPackagingJobDescription"] == "every member, set", jobs
    page = lfv.list_model_packaging_jobs(ProjectName=PROJECT, MaxResults=1)
    assert [j["JobName"] for j in page["ModelPackagingJobs"]] == [first], page
    rest = lfv.list_model_packaging_jobs(ProjectName=PROJECT, MaxResults=1,
                                         NextToken=page["NextToken"])
    assert [j["JobName"] for j in rest["ModelPackagingJobs"]] == ["full-job"], rest
    assert "NextToken" not in rest, rest
    paginated = [j["JobName"] for p in lfv.get_paginator("list_model_packaging_jobs").paginate(
        ProjectName=PROJECT, PaginationConfig={"PageSize": 1}) for j in p["ModelPackagingJobs"]]
    assert paginated == [first, "full-job"], paginated
    unchecked = client(validate=False)
    expect_error("ValidationException", unchecked.list_model_packaging_jobs, ProjectName=PROJECT,
                 MaxResults=101)
    expect_error("ValidationException", unchecked.list_model_packaging_jobs, ProjectName=PROJECT,
                 NextToken="bm90IGEgdG9rZW4=")
    expect_error("ValidationException", unchecked.describe_model_packaging_job,
                 ProjectName=PROJECT, JobName="bad_name")


def check_errors(lfv, bucket):
    base = {"Greengrass": {"TargetDevice": "jetson_xavier",
                           "S3OutputLocation": {"Bucket": bucket},
                           "ComponentName": "errors"}}

    def with_(change):
        config = copy.deepcopy(base)
        change(config["Greengrass"])
        return config

    unchecked = client(validate=False)
    cases = [
        ("no ModelVersion", {"Configuration": base}),
        ("bad ModelVersion", {"ModelVersion": "0", "Configuration": base}),
        ("bad JobName", {"ModelVersion": "1", "JobName": "has space", "Configuration": base}),
        ("long JobName", {"ModelVersion": "1", "JobName": "j" * 65, "Configuration": base}),
        ("bad Description", {"ModelVersion": "1", "Description": "no <tags>",
                             "Configuration": base}),
        ("no Configuration", {"ModelVersion": "1"}),
        ("no Greengrass", {"ModelVersion": "1", "Configuration": {}}),
    ]
    def drop(key):
        return lambda g: g.pop(key)
    def put(key, value):
        return lambda g: g.update({key: value})
    def platform(value):
        return lambda g: (g.pop("TargetDevice"), g.update({"TargetPlatform": value}))
    configs = [
        ("neither target", drop("TargetDevice")),
        ("both targets", put("TargetPlatform", {"Os": "LINUX", "Arch": "ARM64"})),
        ("unknown TargetDevice", put("TargetDevice", "raspberry_pi")),
        ("CompilerOptions with TargetDevice", put("CompilerOptions", '{"mcpu": "core-avx2"}')),
        ("bad Os", platform({"Os": "WINDOWS", "Arch": "X86_64"})),
        ("no Arch", platform({"Os": "LINUX"})),
        ("bad Accelerator", platform({"Os": "LINUX", "Arch": "X86_64", "Accelerator": "AMD"})),
        ("NVIDIA without options", platform({"Os": "LINUX", "Arch": "X86_64",
                                             "Accelerator": "NVIDIA"})),
        ("NVIDIA without cuda-ver", lambda g: (platform({"Os": "LINUX", "Arch": "X86_64",
                                                         "Accelerator": "NVIDIA"})(g),
            g.update({"CompilerOptions": '{"gpu-code": "sm_75", "trt-ver": "7.1.3"}'}))),
        ("NVIDIA bad trt-ver", lambda g: (platform({"Os": "LINUX", "Arch": "X86_64",
                                                    "Accelerator": "NVIDIA"})(g),
            g.update({"CompilerOptions":
                      '{"gpu-code": "sm_75", "trt-ver": "7.1", "cuda-ver": "10.2"}'}))),
        ("CompilerOptions not JSON", lambda g: (platform({"Os": "LINUX", "Arch": "X86_64"})(g),
                                                g.update({"CompilerOptions": "mcpu=x"}))),
        ("unknown CPU option", lambda g: (platform({"Os": "LINUX", "Arch": "X86_64"})(g),
                                          g.update({"CompilerOptions": '{"gpu-code": "sm_75"}'}))),
        ("CompilerOptions too short", lambda g: (platform({"Os": "LINUX", "Arch": "X86_64"})(g),
                                                 g.update({"CompilerOptions": "{}"}))),
        ("no S3OutputLocation", drop("S3OutputLocation")),
        ("bad Bucket", put("S3OutputLocation", {"Bucket": "b"})),
        ("bad Prefix", put("S3OutputLocation", {"Bucket": bucket, "Prefix": "/abs"})),
        ("no ComponentName", drop("ComponentName")),
        ("bad ComponentName", put("ComponentName", "a/b")),
        ("bad ComponentVersion", put("ComponentVersion", "1.0")),
        ("long ComponentVersion part", put("ComponentVersion", "1234567.0.0")),
        ("bad ComponentDescription", put("ComponentDescription", "<b>")),
        ("bad tag key", put("Tags", [{"Key": "aws:reserved", "Value": "v"}])),
        ("tag without Value", put("Tags", [{"Key": "k"}])),
        ("too many tags", put("Tags", [{"Key": f"k{i}", "Value": "v"} for i in range(201)])),
    ]
    for what, change in configs:
        cases.append((what, {"ModelVersion": "1", "Configuration": with_(change)}))
    for what, kwargs in cases:
        r = expect_error("ValidationException", unchecked.start_model_packaging_job,
                         ProjectName=PROJECT, **kwargs)
        assert r["Error"]["Message"], what
    expect_error("ValidationException", lfv.start_model_packaging_job, ProjectName=PROJECT,
                 ModelVersion="1", Configuration=with_(
                     put("S3OutputLocation", {"Bucket": "no-such-bucket"})))
    expect_error("ResourceNotFoundException", lfv.start_model_packaging_job,
                 ProjectName="no-such-project", ModelVersion="1", Configuration=base)
    r = expect_error("ResourceNotFoundException", lfv.start_model_packaging_job,
                     ProjectName=PROJECT, ModelVersion="9", Configuration=base)
    assert r["ResourceType"] == "MODEL", r
    r = expect_error("ResourceNotFoundException", lfv.describe_model_packaging_job,
                     ProjectName=PROJECT, JobName="no-such-job")
    assert r["ResourceType"] == "MODEL_PACKAGE_JOB" and r["ResourceId"] == "no-such-job", r
    jobs = lfv.list_model_packaging_jobs(ProjectName=PROJECT)["ModelPackagingJobs"]
    assert len(jobs) == 2, f"a refused call recorded a job: {jobs}"


def main():
    bucket, first = sys.argv[1], sys.argv[2]
    lfv = client()
    check_first(lfv, bucket, first)
    check_full(lfv, bucket)
    check_list(lfv, first)
    check_errors(lfv, bucket)
    print("ok: boto3: DescribeModelPackagingJob, every optional member, ClientToken,"
          " ListModelPackagingJobs pages, validation errors and conflicts")


if __name__ == "__main__":
    main()
