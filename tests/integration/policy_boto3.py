"""tests/integration/policy_boto3.py - a key whose policy denies
lookoutvision:TagResource, through Debian's boto3 against `vigil serve`:
TagResource and CreateModel with Tags raise ClientError with the code
AccessDeniedException (HTTP 403) naming the action and the resource, an
S3 read outside the key's bucket raises AccessDenied, and what the policy
allows (DescribeModel, ListTagsForResource) works.

usage: policy_boto3.py KEY_ID SECRET PROJECT MODEL_VERSION OUTPUT_BUCKET FOREIGN_BUCKET FOREIGN_KEY
(VIGIL_ENDPOINT and AWS_DEFAULT_REGION set by lib.sh)
"""
import os
import sys

import boto3
import botocore.config
import botocore.exceptions

(KEY_ID, SECRET, PROJECT, VERSION, OUTPUT_BUCKET, FOREIGN_BUCKET,
 FOREIGN_KEY) = sys.argv[1:8]
ENDPOINT = os.environ["VIGIL_ENDPOINT"]
CONFIG = botocore.config.Config(retries={"max_attempts": 1},
                                s3={"addressing_style": "path"})
session = boto3.session.Session(aws_access_key_id=KEY_ID, aws_secret_access_key=SECRET,
                                region_name=os.environ["AWS_DEFAULT_REGION"])
lfv = session.client("lookoutvision", endpoint_url=ENDPOINT, config=CONFIG)
s3 = session.client("s3", endpoint_url=ENDPOINT, config=CONFIG)


def expect_denied(call, code, action, **kwargs):
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        error = e.response["Error"]
        assert error["Code"] == code, f"{call.__name__}: {error}"
        assert e.response["ResponseMetadata"]["HTTPStatusCode"] == 403, e.response
        assert f"is not authorized to perform: {action} on resource:" in error["Message"], error
        return error["Message"]
    raise AssertionError(f"{call.__name__} was allowed")


model_arn = lfv.describe_model(ProjectName=PROJECT, ModelVersion=VERSION)[
    "ModelDescription"]["ModelArn"]
message = expect_denied(lfv.tag_resource, "AccessDeniedException", "lookoutvision:TagResource",
                        ResourceArn=model_arn, Tags=[{"Key": "team", "Value": "qa"}])
assert model_arn in message and KEY_ID in message, message
# the modeled exception class is what boto3 raises
try:
    lfv.tag_resource(ResourceArn=model_arn, Tags=[{"Key": "team", "Value": "qa"}])
    raise AssertionError("TagResource was allowed")
except lfv.exceptions.AccessDeniedException:
    pass
assert lfv.list_tags_for_resource(ResourceArn=model_arn)["Tags"] == []
expect_denied(lfv.create_model, "AccessDeniedException", "lookoutvision:TagResource",
              ProjectName=PROJECT, Tags=[{"Key": "team", "Value": "qa"}],
              OutputConfig={"S3Location": {"Bucket": OUTPUT_BUCKET, "Prefix": "boto3/"}})
expect_denied(s3.get_object, "AccessDenied", "s3:GetObject",
              Bucket=FOREIGN_BUCKET, Key=FOREIGN_KEY)
print("boto3: TagResource and CreateModel with Tags denied (AccessDeniedException), "
      "a foreign bucket's object denied (AccessDenied), DescribeModel allowed")
