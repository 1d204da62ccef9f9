"""tests/integration/lfv_client.py - what the boto3 scripts share: a
Lookout for Vision client on the test server (VIGIL_ENDPOINT and the AWS_*
variables set by lib.sh) and the check that a call fails with an error code.
"""
import os

import boto3
import botocore.config
import botocore.exceptions


def client(validate=True):
    """validate=False skips botocore's own parameter checks, so that the
    server's are tested."""
    return boto3.client(
        "lookoutvision",
        endpoint_url=os.environ["VIGIL_ENDPOINT"],
        config=botocore.config.Config(parameter_validation=validate,
                                      retries={"max_attempts": 1}),
    )


def expect_error(code, call, **kwargs):
    """Calls call(**kwargs), which must fail with error `code`; returns the
    error response."""
    try:
        call(**kwargs)
    except botocore.exceptions.ClientError as e:
        got = e.response["Error"]["Code"]
        assert got == code, f"{call.__name__}: {got} instead of {code}: {e}"
        return e.response
    raise AssertionError(f"{call.__name__}({kwargs}) succeeded; expected {code}")
