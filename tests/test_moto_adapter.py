"""labkit.moto_adapter: the only module that touches moto, and its contract check at Sandbox.start().

If an internal of moto that labkit relies on is missing or has changed shape, the sandbox must refuse
to start at once, with a message naming the moto version and what is wrong, never run as raw moto.
"""

from __future__ import annotations

import functools
import importlib
import pathlib
import re
import statistics
import time

import boto3
import moto
import pytest
import requests

import labkit
from labkit import moto_adapter
from labkit.moto_adapter import CONTRACT, MotoContractBroken

ROOT = pathlib.Path(__file__).resolve().parents[1]


def _parent_and_name(item):
    obj = importlib.import_module(item.module)
    *path, last = item.attribute.split(".")
    for part in path:
        obj = getattr(obj, part)
    return obj, last


def _removable():
    """Every contract item whose attribute its module or class owns (so it can be taken away)."""
    moto_adapter.lighten_user_pools()  # what every sandbox start does first: moto's key global replaced
    out = []
    for item in CONTRACT:
        parent, name = _parent_and_name(item)
        if name in vars(parent):
            out.append(pytest.param(item, id=item.name))
    return out


REMOVABLE = _removable()


def _start_fails(match: str) -> str:
    with pytest.raises(MotoContractBroken) as err:
        labkit.Sandbox().start()
    message = str(err.value)
    assert f"moto {moto.__version__}" in message
    assert match in message
    assert labkit.Sandbox.current() is None  # nothing half-started is left behind
    return message


def test_the_contract_holds_on_the_pinned_moto():
    moto_adapter.check_contract(full=True)  # including the modules the sandbox imports lazily
    with labkit.Sandbox() as sb:
        moto_adapter.check_contract()  # now also the live probes through moto's responses mock
        assert sb.running


def test_most_of_the_contract_can_be_taken_away_one_by_one():
    assert len(REMOVABLE) >= 20  # the parametrized test below covers nearly every item


@pytest.mark.parametrize("item", REMOVABLE)
def test_a_missing_internal_stops_the_sandbox_at_once(item, monkeypatch):
    parent, name = _parent_and_name(item)
    monkeypatch.delattr(parent, name)
    message = _start_fails(item.name)
    assert "missing" in message and item.used_for in message


def test_a_changed_signature_is_named(monkeypatch):
    from moto.cognitoidp.models import CognitoIdpUser

    def renamed(self, pool_id, name, password, status, attributes):  # moto renamed a parameter
        pass

    monkeypatch.setattr(CognitoIdpUser, "__init__", renamed)
    message = _start_fails("moto.cognitoidp.models.CognitoIdpUser takes (pool_id, name, password, status, attributes)")
    assert "labkit passes (user_pool_id, username, password, status, attributes)" in message


def test_a_field_moto_no_longer_sets_is_named(monkeypatch):
    from moto.cognitoidp.models import CognitoIdpUser

    original = CognitoIdpUser.__init__

    @functools.wraps(original)
    def without_lookup(self, *args, **kwargs):
        original(self, *args, **kwargs)
        del self.attribute_lookup

    monkeypatch.setattr(CognitoIdpUser, "__init__", without_lookup)
    _start_fails("moto's Cognito objects lack attribute_lookup")


def test_a_process_prepared_request_patch_that_does_nothing_is_caught(monkeypatch):
    """What happened on moto 5.2.1: labkit's patch was in place, moto called something else, and
    plain-HTTP JWKS reads got moto's shipped ``kid: dummy`` key."""
    from moto.core.models import botocore_stubber

    labkit.Sandbox().start().stop()  # the hooks are installed (once per process)
    monkeypatch.delattr(botocore_stubber, "process_prepared_request")  # moto's own callback again
    _start_fails("labkit's process_prepared_request patch does not take effect")


def test_a_not_implemented_patch_that_does_nothing_is_caught(monkeypatch):
    import moto.core.custom_responses_mock as crm
    import moto.core.models as moto_models

    labkit.Sandbox().start().stop()
    monkeypatch.setattr(moto_models, "not_implemented_callback", crm.not_implemented_callback)
    _start_fails("labkit's not_implemented_callback patch does not take effect")


def test_moto_back_in_botocore_handlers_is_caught(monkeypatch):
    from botocore.handlers import BUILTIN_HANDLERS
    from moto.core.models import botocore_stubber

    labkit.Sandbox().start().stop()
    monkeypatch.setattr("botocore.handlers.BUILTIN_HANDLERS", BUILTIN_HANDLERS + [("before-send", botocore_stubber)])
    monkeypatch.setattr(moto_adapter, "BUILTIN_HANDLERS", BUILTIN_HANDLERS + [("before-send", botocore_stubber)])
    _start_fails("moto's before-send handler came back into BUILTIN_HANDLERS")


def test_after_a_refusal_a_sound_moto_starts_again(monkeypatch):
    monkeypatch.delattr("moto.cognitoidp.utils.flatten_attrs")
    _start_fails("flatten_attrs")
    monkeypatch.undo()
    with labkit.Sandbox() as sb:
        assert boto3.client("cognito-idp").list_user_pools(MaxResults=1)["UserPools"] == []
        assert sb.running


def test_plain_http_reaches_the_sandbox_not_moto():
    """The hook the check probes is the one a learner's ``requests.get(jwks_url)`` goes through."""
    with labkit.Sandbox() as sb:
        pool = boto3.client("cognito-idp").create_user_pool(PoolName="p")["UserPool"]["Id"]
        reply = requests.get(f"https://cognito-idp.{sb.region}.amazonaws.com/{pool}/.well-known/jwks.json")
        assert [k["kid"] for k in reply.json()["keys"]] == [sb.keys.for_owner(pool).kid]
        assert "dummy" not in reply.text


def test_the_check_is_cheap(capsys):
    labkit.Sandbox().start().stop()
    static, live = [], []
    for _ in range(5):
        t = time.perf_counter()
        moto_adapter.check_contract()  # no mock running: the static part
        static.append(time.perf_counter() - t)
    with labkit.Sandbox():
        for _ in range(5):
            t = time.perf_counter()
            moto_adapter.check_contract()  # mock running: static part and the two live probes
            live.append(time.perf_counter() - t)
    static_ms, live_ms = statistics.median(static) * 1000, statistics.median(live) * 1000
    with capsys.disabled():
        print(f"\ncheck_contract: {static_ms:.2f} ms static, {live_ms:.2f} ms with the live probes (medians of 5)")
    assert static_ms < 50 and live_ms < 200  # generous: the machine may be busy


def test_only_the_adapter_imports_moto():
    importers = []
    for path in sorted((ROOT / "labkit").rglob("*.py")):
        if re.search(r"^\s*(from|import) moto\b", path.read_text(), re.M):
            importers.append(path.relative_to(ROOT).as_posix())
    assert importers == ["labkit/moto_adapter.py"]
