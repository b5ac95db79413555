"""The exercise machinery without the sandbox: placeholders, explanations of exceptions, verdict display."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from labkit.exercises import core, explain, exercises


def _empty(x):
    ...


def _documented(x):
    """Only a docstring and a pass."""
    pass


def _returns_none_after_work(x):
    x.append(1)
    return None


@pytest.mark.parametrize("answer", [..., None, _empty, _documented, lambda: None, lambda *a: ..., {"a": ..., "b": None}])
def test_placeholders_are_not_attempted(answer):
    assert core.is_placeholder(answer)


@pytest.mark.parametrize("answer", [0, "", "x", _returns_none_after_work, lambda x: x, {"a": ..., "b": "AccessDenied"}, {}])
def test_real_answers_are_checked(answer):
    assert not core.is_placeholder(answer)


def test_an_aws_error_is_named_by_its_code_and_explained():
    err = ClientError({"Error": {"Code": "NotAuthorizedException", "Message": "Incorrect username or password."}}, "InitiateAuth")
    assert explain.name(err) == "ClientError NotAuthorizedException (Incorrect username or password.)"
    assert "wrong password" in explain.meaning(err)
    unknown = ClientError({"Error": {"Code": "SomethingNew", "Message": ""}}, "X")
    assert explain.name(unknown) == "ClientError SomethingNew" and "error code" in explain.meaning(unknown)


def test_python_errors_are_explained_by_their_class():
    assert "dict" in explain.meaning(KeyError("x")) and explain.name(KeyError("x")) == "KeyError ('x')"
    assert "cells above" in explain.meaning(NameError("name 'sb' is not defined"))

    class MyLookup(LookupError):
        pass

    assert "fix the cause" in explain.meaning(MyLookup())
    assert len(explain.name(ValueError("v" * 500))) < 200


def test_a_checker_bug_or_unforeseen_answer_is_a_verdict():
    def checker(answer, run):
        run.passed("first")
        raise ZeroDivisionError("boom")

    ex = core.Exercise(id="99.1", notebook="99-x", title="T", prompt="", starter="", hints=["h"], checker=checker)
    verdict = core.grade(ex, 1, sb=type("S", (), {"running": True})())
    assert verdict.status == "failed" and "ZeroDivisionError" in repr(verdict)


def test_verdict_html_escapes_the_learners_text():
    def checker(answer, run):
        run.failed(f"you said {answer}", "<b>why</b>")

    ex = core.Exercise(id="99.2", notebook="99-x", title="T", prompt="", starter="", hints=["a < b"], checker=checker)
    html = core.grade(ex, "<script>alert(1)</script>", sb=type("S", (), {"running": True})())._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html and "&lt;b&gt;why" in html


def test_every_notebook_module_loads_and_ids_are_consistent():
    for ex in exercises():
        number, index = ex.id.split(".")
        assert ex.notebook.startswith(number + "-") and index.isdigit()
        assert ex.kind in ("value", "function") and ex.level in ("read", "use", "write")
