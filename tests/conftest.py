import os
import tempfile

import boto3
import pytest

# Exercise verdicts record progress in ~/.cognito-lab unless told otherwise; tests (and the notebook
# kernels nbval and papermill start, which inherit this) must never write to the user's home.
os.environ.setdefault(
    "COGNITO_LAB_PROGRESS", os.path.join(tempfile.mkdtemp(prefix="cognito-lab-progress-"), "progress.json")
)

import labkit


@pytest.fixture
def sb():
    """A fresh sandbox for one test (in-process only)."""
    with labkit.Sandbox() as sandbox:
        yield sandbox


@pytest.fixture
def served_sb():
    """A fresh sandbox that is also served over HTTP on 127.0.0.1."""
    with labkit.Sandbox(serve=True) as sandbox:
        yield sandbox


@pytest.fixture
def client(sb):
    """``client("cognito-idp")``: a boto3 client made inside the test's sandbox."""
    return lambda name, **kw: boto3.client(name, **kw)
