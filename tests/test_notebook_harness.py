"""The notebook harness fails when the behaviour it guards is broken.

Each test feeds the harness a small notebook with one known fault (an edited stored output, a cell that
only works once per kernel, parameters that never reach the sandbox...) and checks that it is caught.
"""

from __future__ import annotations

import subprocess
import sys

import nbformat
import pytest

from notebook_harness import SANITIZE_FILE, comparable, run_twice, sanitize

PARAMS = nbformat.v4.new_code_cell('SEED = 2026\nREGION = "us-east-1"', metadata={"tags": ["parameters"]})
SANDBOX = "import boto3\nimport labkit\n\nsb = labkit.Sandbox.fresh(seed=SEED, region=REGION)"
OTHER = {"SEED": 7, "REGION": "eu-west-1"}


def _notebook(tmp_path, *sources, name="nb.ipynb"):
    cells = [nbformat.v4.new_code_cell(PARAMS.source, metadata=PARAMS.metadata)]
    cells += [nbformat.v4.new_code_cell(source) for source in sources]
    nb = nbformat.v4.new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}})
    path = tmp_path / name
    nbformat.write(nb, path)
    return path


@pytest.mark.parametrize(
    "text, expected",
    [
        ("token eyJraWQiOiJhYmMiLCJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl end", "token JWT end"),
        ("short eyJraWQiOiJhYmMi...", "short JWT..."),
        ("sub 0b5b6a4e-7d0c-4a55-9c1f-3f0f9b1d2e3a", "sub UUID"),
        ("identity us-east-1:0b5b6a4e-7d0c-4a55-9c1f-3f0f9b1d2e3a", "identity us-east-1:UUID"),
        ("at 2026-11-26T07:54:38.289872+00:00.", "at TIMESTAMP."),
        ("at 2026-11-26 07:54:38", "at TIMESTAMP"),
        ("datetime.datetime(2026, 11, 26, 7, 37, 28, 635000, tzinfo=tzlocal())", "DATETIME"),
        ("key ASIAQ2W3E4R5T6Y7U2I3", "key ASIA-KEY"),
        ("secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY!", "secret SECRET-40!"),
        ("{'kid': 'abc/DEF+123='}", "{'kid': 'KID'}"),
        ('{"kid": "x"}', '{"kid": "KID"}'),
        ("kid 14yRjQ9xJJUxzC03WAxQaB9wmPa5KzVjnRSa5L/UVIU=", "kid KID"),
        ("<object object at 0x7f3aa6d4fe50>", "<object object at 0xADDRESS>"),
        ("exp 1795679678 iat 1795679678289 ms", "exp EPOCH iat EPOCH ms"),
        ("session IQoJb3JpZ2luX2VjEabc+/def==", "session SESSION-TOKEN"),
        ("blob " + "Ab1/" * 30, "blob OPAQUE-TOKEN"),
    ],
)
def test_sanitizer_masks_what_differs_between_honest_runs(text, expected):
    assert sanitize(text) == expected


@pytest.mark.parametrize(
    "text",
    ["pool us-east-1_huG8GP38g", "2 user pool(s), HTTP 200", "ResourceNotFoundException - User pool x does not exist.", "-" * 120],
)
def test_sanitizer_keeps_what_a_lesson_shows(text):
    assert sanitize(text) == text


def test_comparable_merges_streams_and_ignores_images():
    outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="a "),
        nbformat.v4.new_output("stream", name="stdout", text="b"),
        nbformat.v4.new_output("display_data", data={"image/png": "iVBOR", "text/plain": "<Figure>"}),
    ]
    assert comparable(outputs) == [
        {"stream": "stdout", "text": "a b"},
        {"output_type": "display_data", "data": {"text/plain": "<Figure>"}},
    ]


@pytest.mark.notebook
def test_a_rerunnable_notebook_passes_and_the_parameters_reach_the_sandbox(tmp_path):
    path = _notebook(tmp_path, SANDBOX, 'idp = boto3.client("cognito-idp")\nprint(idp.create_user_pool(PoolName="p")["UserPool"]["Name"])')
    runs = run_twice(path, OTHER, tmp_path / "out.ipynb")
    assert runs.probe == {"seed": 7, "region": "eu-west-1", "running": True}
    assert runs.differences() == []


@pytest.mark.notebook
def test_a_notebook_whose_second_run_shows_something_else_is_caught(tmp_path):
    path = _notebook(tmp_path, "try:\n    runs += 1\nexcept NameError:\n    runs = 1\nprint('run', runs)")
    runs = run_twice(path, OTHER, tmp_path / "out.ipynb")
    assert runs.probe is None  # this notebook starts no sandbox: the probe says so
    (difference,) = runs.differences()
    assert "run 1" in difference and "run 2" in difference


@pytest.mark.notebook
def test_a_cell_that_only_works_once_per_kernel_is_caught(tmp_path):
    path = _notebook(tmp_path, "assert 'done' not in globals(), 'only once per kernel'\ndone = True")
    with pytest.raises(AssertionError, match=r"(?s)failed in the second Run All in the same kernel.*only once per kernel"):
        run_twice(path, OTHER, tmp_path / "out.ipynb")


@pytest.mark.notebook
def test_a_notebook_that_fails_with_other_parameters_is_caught(tmp_path):
    path = _notebook(tmp_path, "assert REGION == 'us-east-1', 'only works in us-east-1'")
    with pytest.raises(AssertionError, match=r"(?s)failed in the first Run All.*only works in us-east-1"):
        run_twice(path, OTHER, tmp_path / "out.ipynb")


def _stored(tmp_path, name, *cells):
    """A notebook with hand-written stored outputs: ``cells`` are (source, stdout) pairs."""
    path = _notebook(tmp_path, *[source for source, _ in cells], name=name)
    nb = nbformat.read(path, as_version=4)
    for count, cell in enumerate(nb.cells, start=1):
        cell.execution_count = count
    for cell, (_, stdout) in zip(nb.cells[1:], cells):
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=stdout)]
    nbformat.write(nb, path)
    return path


@pytest.mark.notebook
def test_nbval_fails_on_an_edited_stored_output_and_passes_on_sanitized_differences(tmp_path):
    """pytest --nbval (strict, the lab's sanitizer, none of our ini options) on two notebooks: the one
    whose only difference is a fresh UUID passes; the one with an edited stored output fails."""
    request = ("import uuid\nprint('request', uuid.uuid4())", "request 0b5b6a4e-7d0c-4a55-9c1f-3f0f9b1d2e3a\n")
    _stored(tmp_path, "a_honest.ipynb", ("print('2 user pools')", "2 user pools\n"), request)
    _stored(tmp_path, "b_edited.ipynb", ("print('2 user pools')", "3 user pools\n"), request)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rf", "-p", "no:cacheprovider", "-p", "no:hypothesispytest",
         "--nbval", "--nbval-current-env", f"--nbval-sanitize-with={SANITIZE_FILE}", "a_honest.ipynb", "b_edited.ipynb"],
        cwd=tmp_path, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1 and failed[0].startswith("FAILED b_edited.ipynb::Cell 1"), result.stdout
    assert "3 user pools" in result.stdout and "2 user pools" in result.stdout


TRUST = ('{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, '
         '"Action": "sts:AssumeRole"}]}')


@pytest.mark.notebook
def test_a_cell_that_fails_when_re_run_after_the_last_one_is_caught(tmp_path):
    """Run All twice passes (the sandbox cell starts afresh each time), but re-running the CreateRole cell after the
    last one meets its own role: the sweep names the cell (numbered as in the notebook file), its first line and
    AWS's error, and leaves the second run's outputs for the other checks."""
    path = _notebook(
        tmp_path, SANDBOX,
        f'iam = boto3.client("iam")  # make the app\'s role\niam.create_role(RoleName="app", AssumeRolePolicyDocument={TRUST!r})',
        'print(iam.get_role(RoleName="app")["Role"]["RoleName"])',
    )
    runs = run_twice(path, OTHER, tmp_path / "out.ipynb")
    assert runs.probe == {"seed": 7, "region": "eu-west-1", "running": True}
    assert runs.differences() == []
    (failure,) = runs.rerun_failures
    assert failure["cell"] == 2 and failure["first_line"] == 'iam = boto3.client("iam")  # make the app\'s role'
    assert failure["error"].startswith("EntityAlreadyExistsException: ") and "Role with name app already exists." in failure["error"]
    (line,) = runs.rerun_report()
    assert line.startswith("cell 2 (") and "EntityAlreadyExists" in line
    assert not [o for cell in runs.notebook.cells for o in cell.get("outputs", []) if o.get("output_type") == "error"]


@pytest.mark.notebook
def test_a_re_runnable_set_up_cell_passes_the_sweep(tmp_path):
    """The same cell written as set-up code for AWS: a second run finds the role and updates its trust policy."""
    path = _notebook(
        tmp_path, SANDBOX,
        'iam = boto3.client("iam")\n'
        "try:\n"
        f'    iam.create_role(RoleName="app", AssumeRolePolicyDocument={TRUST!r})\n'
        "except iam.exceptions.EntityAlreadyExistsException:  # ran before\n"
        f'    iam.update_assume_role_policy(RoleName="app", PolicyDocument={TRUST!r})',
        'print(iam.get_role(RoleName="app")["Role"]["RoleName"])',
    )
    runs = run_twice(path, OTHER, tmp_path / "out.ipynb")
    assert runs.rerun_failures == [] and runs.rerun_report() == []
    assert isinstance(runs.rerun_seconds, float) and runs.rerun_seconds >= 0


@pytest.mark.notebook
def test_the_sweep_re_runs_each_later_cell_once_last_first(tmp_path):
    """Each cell writes its letter to a file: two Run Alls (abc abc), then the sweep: c, then b; not the
    parameters cell, papermill's injected cell or the cell after the parameters (the sandbox cell's place)."""
    log = tmp_path / "order.txt"
    path = _notebook(tmp_path, *[f"open({str(log)!r}, 'a').write({letter!r})" for letter in "abc"])
    runs = run_twice(path, OTHER, tmp_path / "out.ipynb")
    assert log.read_text() == "abcabccb"
    assert runs.rerun_failures == []


@pytest.mark.notebook
def test_a_cell_broken_by_what_a_later_cell_did_is_caught(tmp_path):
    """A cell that uses a token a later cell let expire (it moved the clock) fails in the sweep; the cells
    that move the clock and make the token, re-run themselves, pass."""
    path = _notebook(
        tmp_path, "clock = [0]",
        "token = {'exp': clock[0] + 3600}",
        "assert token['exp'] > clock[0], 'the token has expired'\nprint('used the token')",
        "clock[0] += 3601  # an hour later",
    )
    runs = run_twice(path, OTHER, tmp_path / "out.ipynb")
    assert [(f["cell"], f["error"]) for f in runs.rerun_failures] == [(3, "AssertionError: the token has expired")]
