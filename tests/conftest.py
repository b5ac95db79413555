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


@pytest.fixture(params=["in-process", "http"])
def transport(request):
    """Run the test once per transport: in-process (botocore hook) and over HTTP on 127.0.0.1."""
    return request.param


@pytest.fixture
def tsb(transport):
    """A fresh sandbox for one test, served over HTTP when the transport is ``"http"``."""
    with labkit.Sandbox(serve=transport == "http") as sandbox:
        yield sandbox


@pytest.fixture
def aws(tsb, transport):
    """``aws("cognito-idp")``: a boto3 client that reaches ``tsb`` by the test's transport."""

    def make(name, **kw):
        if transport == "http":
            kw.setdefault("endpoint_url", tsb.endpoint_url)
        return boto3.client(name, **kw)

    return make


@pytest.fixture
def client(sb):
    """``client("cognito-idp")``: a boto3 client made inside the test's sandbox."""
    return lambda name, **kw: boto3.client(name, **kw)


def pytest_collection_modifyitems(config, items):
    """nbval's items (every ``notebooks/*.ipynb`` cell) are notebook tests too, so that the fast tier
    ``./test -m "not notebook and not browser"`` leaves them out like the papermill ones."""
    for item in items:
        if str(getattr(item, "path", "")).endswith(".ipynb"):
            item.add_marker(pytest.mark.notebook)
