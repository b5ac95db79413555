"""A real JupyterHub: three learners sign in, start their servers and run a lab notebook in their own
kernels through the hub's proxy, as their browsers would; each has a sandbox of their own.

The hub is ``jupyterhub`` (test extras) behind npm's ``configurable-http-proxy`` (installed into
``.cache/node/`` on first use: node and npm must be there, or this fails, loudly); the learners' servers
are local processes (``SimpleLocalProcessSpawner``), their homes folders of a temporary directory.
"""

from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import pytest

from labkit.classroom.hub import HubError, Learner, LocalHub

# "notebook" too: it runs a lab notebook (three times), so the fast tier (-m "not notebook ...") leaves it out
pytestmark = [pytest.mark.hub, pytest.mark.notebook]

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "notebooks" / "00-welcome.ipynb"
NAMES = ["alice", "bob", "carol"]

#: Run in a learner's kernel after the notebook: make a pool, a user (whose code goes to the inbox) and
#: a guest identity, and print their ids.
MAKE_THINGS = '''
import json
import boto3
idp = boto3.client("cognito-idp")
pool = idp.create_user_pool(PoolName="class-pool", AutoVerifiedAttributes=["email"])["UserPool"]["Id"]
app = idp.create_user_pool_client(UserPoolId=pool, ClientName="web")["UserPoolClient"]["ClientId"]
idp.sign_up(ClientId=app, Username="{name}-only", Password="Class-Passw0rd!",
            UserAttributes=[{{"Name": "email", "Value": "{name}@example.com"}}])
code = sb.inbox("{name}@example.com").latest.code
ident = boto3.client("cognito-identity")
ipool = ident.create_identity_pool(IdentityPoolName="class_ids", AllowUnauthenticatedIdentities=True)["IdentityPoolId"]
identity = ident.get_id(IdentityPoolId=ipool)["IdentityId"]
users = [u["Username"] for u in idp.list_users(UserPoolId=pool)["Users"]]
print(json.dumps({{"pool": pool, "app": app, "code": code, "ipool": ipool, "identity": identity, "users": users}}))
'''

#: Run in another learner's kernel with the first learner's ids: what of it can be seen?
LOOK_FOR = '''
import json
import boto3
from botocore.exceptions import ClientError
idp, ident = boto3.client("cognito-idp"), boto3.client("cognito-identity")
def seen(call):
    try:
        call()
        return "visible"
    except ClientError as err:
        return err.response["Error"]["Code"]
found = {{
    "pool": seen(lambda: idp.describe_user_pool(UserPoolId="{pool}")),
    "user": seen(lambda: idp.admin_get_user(UserPoolId="{pool}", Username="{name}-only")),
    "code": seen(lambda: idp.confirm_sign_up(ClientId="{app}", Username="{name}-only", ConfirmationCode="{code}")),
    "identity_pool": seen(lambda: ident.describe_identity_pool(IdentityPoolId="{ipool}")),
    "identity": seen(lambda: ident.describe_identity(IdentityId="{identity}")),
    "mail": len(sb.inbox("{name}@example.com")),
    "pool_names": sorted(p["Name"] for p in idp.list_user_pools(MaxResults=60)["UserPools"]),
}}
print(json.dumps(found))
'''


def _json_of(run):
    assert run.status == "ok", run.error
    return json.loads(run.text().strip().splitlines()[-1])


@pytest.fixture(scope="module")
def hub():
    with LocalHub(timeout=120) as running:
        yield running
        pids = {p.pid for p in running.processes()}
    gone = [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != psutil.STATUS_ZOMBIE]
    assert not gone, f"processes the hub started are still running: {gone}"


@pytest.fixture(scope="module")
def learners(hub):
    """Three learners join at once: sign in, start a server, open the notebook, Run All."""
    class_ = [hub.learner(name) for name in NAMES]
    with ThreadPoolExecutor(len(class_)) as pool:
        times = list(pool.map(lambda learner: learner.join(NOTEBOOK), class_))
    for learner, spent in zip(class_, times):
        learner.times = spent
        print(learner.name, {k: round(v, 1) for k, v in spent.items()})
    return class_


def test_every_learners_notebook_passed_in_their_own_kernel(hub, learners):
    kernels = set()
    for learner in learners:
        run = learner.last_run
        assert run.passed, f"{learner.name}: {run.failures}"
        assert len(run.cells) == sum(c["cell_type"] == "code" for c in json.loads(NOTEBOOK.read_text())["cells"])
        where = _json_of(learner.execute("import json, os; print(json.dumps([os.environ['HOME'], "
                                         "os.environ['JUPYTERHUB_USER'], os.getpid()]))"))
        assert where[:2] == [str(hub.home(learner.name)), learner.name]
        kernels.add(where[2])
        saved = json.loads((hub.home(learner.name) / NOTEBOOK.name).read_text())  # saved through the contents API
        stored = json.loads(NOTEBOOK.read_text())
        with_outputs = [i for i, c in enumerate(stored["cells"]) if c["cell_type"] == "code" and c["outputs"]]
        assert with_outputs and all(saved["cells"][i]["outputs"] for i in with_outputs), "saved with its outputs"
    assert len(kernels) == len(NAMES), "one kernel process per learner"


def test_each_learner_has_a_sandbox_of_their_own(learners):
    alice, bob, carol = learners
    made = _json_of(alice.execute(MAKE_THINGS.format(name="alice")))
    assert made["users"] == ["alice-only"] and len(made["code"]) == 6
    for other in (bob, carol):
        seen = _json_of(other.execute(LOOK_FOR.format(name="alice", **made)))
        assert seen == {"pool": "ResourceNotFoundException", "user": "ResourceNotFoundException",
                        "code": "ResourceNotFoundException", "identity_pool": "ResourceNotFoundException",
                        "identity": "ResourceNotFoundException", "mail": 0,
                        "pool_names": [n for n in seen["pool_names"] if n != "class-pool"]}, seen
    # bob makes the same things. The same seed gives him the same ids (the notebooks' outputs are
    # deterministic), yet the same id names his own pool: it holds his user only, and alice's pool of
    # that id has no bob in it
    mine = _json_of(bob.execute(MAKE_THINGS.format(name="bob")))
    assert mine["users"] == ["bob-only"] and (mine["pool"], mine["app"]) == (made["pool"], made["app"])
    seen = _json_of(alice.execute(LOOK_FOR.format(name="bob", **mine)))
    assert (seen["pool"], seen["user"], seen["code"], seen["mail"]) == ("visible", "UserNotFoundException",
                                                                        "UserNotFoundException", 0), seen


def test_a_learner_cannot_reach_another_learners_server(hub, learners):
    alice, bob, _ = learners
    response = bob.http.get(f"{alice.server_url}/api/contents", headers={"Authorization": f"token {bob.token}"},
                            timeout=60, allow_redirects=False)
    assert response.status_code in (302, 403), response.status_code
    assert alice.api("GET", "/contents")["type"] == "directory"


def test_a_wrong_password_is_refused(hub):
    with pytest.raises(HubError, match="could not sign in"):
        Learner(hub, "mallory").sign_in(password="not-the-workshop-password")


def test_the_instructor_sees_each_learners_exercises(hub, learners):
    """Exercise verdicts go to each learner's home; ``python -m labkit.classroom progress`` reads them."""
    alice, bob, _ = learners
    assert "passed" in alice.execute('from labkit.exercises import check\ncheck("00.3", "cognito-identity")').text()
    assert "passed" not in bob.execute('from labkit.exercises import check\ncheck("00.3", "cognito-idp")').text()
    result = subprocess.run([sys.executable, "-m", "labkit.classroom", "progress", "--homes", str(hub.homes / "*"),
                             "--notebook", "00", "--csv", "-"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    rows = {(r.split(",")[0], r.split(",")[1]): r.split(",")[4] for r in result.stdout.splitlines()[1:]}
    assert rows["alice", "00.3"] == "passed" and rows["bob", "00.3"] == "attempted"
    assert rows["carol", "00.3"] == "not attempted"
