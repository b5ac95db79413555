"""``python -m labkit.bench``: how fast the lab is, in one run.

    python -m labkit.bench            # every section, medians over several runs
    python -m labkit.bench --quick    # fewer repetitions (a minute or so)
    python -m labkit.bench --only cold-start --only call-latency
    python -m labkit.bench --json benchmarks/results/latest.json

A section is a named function that returns :class:`Figure` rows. Add one with the decorator, here or in
a file ``benchmarks/bench_<topic>.py`` (loaded automatically)::

    from labkit.bench import Figure, benchmark

    @benchmark("srp-sign-in")
    def srp_sign_in(quick: bool) -> list[Figure]:
        seconds = ...
        return [Figure("SRP sign-in", seconds * 1000, "ms", target="<= 50 ms", ok=seconds <= 0.05)]

Targets are reported, never asserted: a figure over its target is marked, the run still succeeds.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import statistics
import subprocess
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"


@dataclass
class Figure:
    """One measured number."""

    name: str
    value: float
    unit: str
    target: str = ""  # what we aim for, in words ("<= 1.0 s")
    ok: bool | None = None  # None: no target
    note: str = ""


@dataclass
class Benchmark:
    name: str
    fn: Callable[[bool], list[Figure]]
    doc: str


#: The sections, in the order they run. ``@benchmark`` appends to it.
BENCHMARKS: list[Benchmark] = []


def benchmark(name: str):
    """Register ``fn(quick: bool) -> list[Figure]`` as the section ``name``."""

    def register(fn):
        BENCHMARKS.append(Benchmark(name, fn, (fn.__doc__ or "").strip().splitlines()[0] if fn.__doc__ else ""))
        return fn

    return register


def median_of(n: int, fn: Callable[[], float]) -> float:
    return statistics.median(fn() for _ in range(n))


# ------------------------------------------------------------------------------------- cold start
COLD_START = """
import importlib, json, time
phases = {}
t = time.perf_counter()
import boto3, labkit
phases["import boto3, labkit"] = time.perf_counter() - t
t = time.perf_counter()
from labkit import moto_adapter
moto_adapter.load()
phases["import moto"] = time.perf_counter() - t
from labkit.sandbox import COMPONENTS
for name in COMPONENTS:
    t = time.perf_counter()
    try:
        importlib.import_module("labkit." + name)
    except ModuleNotFoundError:
        continue
    phases["import labkit." + name] = time.perf_counter() - t
t = time.perf_counter()
sb = labkit.Sandbox.fresh()
phases["Sandbox.fresh() (install the components)"] = time.perf_counter() - t
t = time.perf_counter()
boto3.client("cognito-idp").list_user_pools(MaxResults=1)
phases["first list_user_pools"] = time.perf_counter() - t
print(json.dumps(phases))
"""


def _run_child(code: str) -> tuple[float, float, str]:
    """Run ``python -c code``: (wall seconds, CPU seconds of the child, its stdout)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, out


@benchmark("cold-start")
def cold_start(quick: bool) -> list[Figure]:
    """A fresh interpreter to its first Cognito call through the sandbox (subprocesses, medians)."""
    runs = 3 if quick else 5
    samples = [_run_child(COLD_START) for _ in range(runs)]
    wall = statistics.median(w for w, _, _ in samples)
    cpu = statistics.median(c for _, c, _ in samples)
    phases = [json.loads(out.strip().splitlines()[-1]) for _, _, out in samples]
    bare = statistics.median(_run_child("pass")[0] for _ in range(runs))
    note = f"median of {runs}"
    figures = [
        Figure("cold start: interpreter to first Cognito call", wall, "s", "<= 1.0 s", wall <= 1.0, note),
        Figure("  the same, CPU time (less sensitive to load)", cpu, "s", note=note),
    ]
    for phase in phases[0]:  # wall time of each step inside the child
        figures.append(Figure(f"  {phase}", statistics.median(p.get(phase, 0.0) for p in phases), "s", note=note))
    figures.append(Figure("  a bare interpreter", bare, "s", note=note))
    return figures


# ------------------------------------------------------------------------------------- per call
def _call_chain(region: str, count: int) -> tuple[float, int]:
    """A fixed chain of user-pool calls, ``count`` times; returns (seconds, number of calls)."""
    import boto3

    idp = boto3.client("cognito-idp", region_name=region)
    pool_id = idp.create_user_pool(PoolName="bench")["UserPool"]["Id"]
    idp.describe_user_pool(UserPoolId=pool_id)  # warm: backends load lazily
    calls = 0
    start = time.perf_counter()
    for i in range(count):
        username = f"user{i}"
        idp.describe_user_pool(UserPoolId=pool_id)
        idp.admin_create_user(UserPoolId=pool_id, Username=username, TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS")
        idp.admin_get_user(UserPoolId=pool_id, Username=username)
        idp.list_users(UserPoolId=pool_id, Limit=10)
        idp.admin_update_user_attributes(UserPoolId=pool_id, Username=username, UserAttributes=[{"Name": "name", "Value": "Bench"}])
        idp.list_user_pools(MaxResults=10)
        calls += 6
    return time.perf_counter() - start, calls


@benchmark("call-latency")
def call_latency(quick: bool) -> list[Figure]:
    """Per-call latency of a fixed chain of user-pool calls: the sandbox beside raw moto (mock_aws)."""
    from . import moto_adapter
    from .sandbox import Sandbox

    count = 10 if quick else 40
    rounds = 1 if quick else 3
    sandbox_ms, moto_ms = [], []
    for _ in range(rounds):
        with Sandbox() as sb:
            seconds, calls = _call_chain(sb.region, count)
        sandbox_ms.append(seconds / calls * 1000)
        with moto_adapter.raw_moto():
            seconds, calls = _call_chain("us-east-1", count)
        moto_ms.append(seconds / calls * 1000)
    return versus_moto("per call", statistics.median(sandbox_ms), statistics.median(moto_ms),
                       note=f"{count} x 6 calls, median of {rounds}")


def versus_moto(what: str, sandbox_ms: float, moto_ms: float, note: str, target: float = 1.5) -> list[Figure]:
    """The figures of a "the sandbox beside raw moto" section: both times and their ratio against ``target``."""
    ratio = sandbox_ms / moto_ms
    return [
        Figure(f"{what}, through the sandbox", sandbox_ms, "ms", note=note),
        Figure(f"{what}, raw moto (mock_aws)", moto_ms, "ms", note=note),
        Figure("sandbox / raw moto", ratio, "x", f"<= {target}x", ratio <= target),
    ]


# ------------------------------------------------------------------------------------- sign-in kinds
def _sign_in_kinds(sb, rounds: int) -> dict[str, float]:
    """Median milliseconds of three whole sign-ins through boto3 in ``sb``: a password, a USER_AUTH email code
    (InitiateAuth, the code from the inbox, RespondToAuthChallenge) and a password then an email MFA code."""
    import boto3

    idp = boto3.client("cognito-idp", region_name=sb.region)
    ses = {"EmailSendingAccount": "DEVELOPER", "SourceArn": "arn:aws:ses:us-east-1:123456789012:identity/no-reply@example.com"}
    pool = idp.create_user_pool(PoolName="bench", EmailConfiguration=ses,
                                Policies={"SignInPolicy": {"AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP"]}})["UserPool"]["Id"]
    app = idp.create_user_pool_client(UserPoolId=pool, ClientName="app", ExplicitAuthFlows=[
        "ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
    for name in ("plain", "mfa"):
        email = f"{name}@example.com"
        idp.admin_create_user(UserPoolId=pool, Username=name, MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": email}, {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=pool, Username=name, Password="Passw0rd!", Permanent=True)
    idp.set_user_pool_mfa_config(UserPoolId=pool, MfaConfiguration="OPTIONAL", EmailMfaConfiguration={})
    idp.admin_set_user_mfa_preference(UserPoolId=pool, Username="mfa", EmailMfaSettings={"Enabled": True, "PreferredMfa": True})

    def password():
        idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "plain", "PASSWORD": "Passw0rd!"})

    def email_code():
        step = idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH",
                                 AuthParameters={"USERNAME": "plain", "PREFERRED_CHALLENGE": "EMAIL_OTP"})
        idp.respond_to_auth_challenge(ClientId=app, ChallengeName="EMAIL_OTP", Session=step["Session"], ChallengeResponses={
            "USERNAME": "plain", "EMAIL_OTP_CODE": sb.inbox("plain@example.com").latest.code})

    def email_mfa():
        step = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={"USERNAME": "mfa", "PASSWORD": "Passw0rd!"})
        idp.respond_to_auth_challenge(ClientId=app, ChallengeName="EMAIL_OTP", Session=step["Session"], ChallengeResponses={
            "USERNAME": "mfa", "EMAIL_OTP_CODE": sb.inbox("mfa@example.com").latest.code})

    out = {}
    for label, fn in (("password", password), ("email code", email_code), ("email MFA", email_mfa)):
        fn()  # warm
        out[label] = median_of(rounds, lambda fn=fn: _timed(fn)) * 1000
    return out


def _timed(fn) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


@benchmark("sign-in-kinds")
def sign_in_kinds(quick: bool) -> list[Figure]:
    """Sandbox-side latency of a whole sign-in: password (USER_PASSWORD_AUTH), USER_AUTH email code, email MFA."""
    from .sandbox import Sandbox

    rounds = 5 if quick else 25
    with Sandbox() as sb:
        ms = _sign_in_kinds(sb, rounds)
    note = f"in-process boto3, median of {rounds}"
    return [Figure("password sign-in (1 call)", ms["password"], "ms", "<= 50 ms", ms["password"] <= 50, note),
            Figure("USER_AUTH email-code sign-in (2 calls)", ms["email code"], "ms", "<= 100 ms", ms["email code"] <= 100, note),
            Figure("password + email MFA sign-in (2 calls)", ms["email MFA"], "ms", "<= 100 ms", ms["email MFA"] <= 100, note)]

# ------------------------------------------------------------------------------------- passkeys
@benchmark("passkey-sign-in")
def passkey_sign_in(quick: bool) -> list[Figure]:
    """A passkey sign-in (USER_AUTH, WEB_AUTHN) beside a password sign-in, sandbox side (in-process)."""
    import boto3

    from .authenticators import passkey_authenticator
    from .sandbox import Sandbox

    count = 10 if quick else 40
    password = "Passw0rd!"
    with Sandbox() as sb:
        idp = boto3.client("cognito-idp", region_name=sb.region)
        pool = idp.create_user_pool(PoolName="bench", Policies={"SignInPolicy": {
            "AllowedFirstAuthFactors": ["PASSWORD", "EMAIL_OTP", "WEB_AUTHN"]}})["UserPool"]["Id"]
        idp.create_user_pool_domain(Domain="bench-passkeys", UserPoolId=pool)
        app = idp.create_user_pool_client(UserPoolId=pool, ClientName="bench", ExplicitAuthFlows=[
            "ALLOW_USER_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH"])["UserPoolClient"]["ClientId"]
        idp.admin_create_user(UserPoolId=pool, Username="alice", MessageAction="SUPPRESS", UserAttributes=[
            {"Name": "email", "Value": "alice@example.com"}, {"Name": "email_verified", "Value": "true"}])
        idp.admin_set_user_password(UserPoolId=pool, Username="alice", Password=password, Permanent=True)
        device = passkey_authenticator(origin=f"https://bench-passkeys.auth.{sb.region}.amazoncognito.com")

        def password_sign_in() -> float:
            t = time.perf_counter()
            idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH",
                              AuthParameters={"USERNAME": "alice", "PASSWORD": password})
            return time.perf_counter() - t

        at = idp.initiate_auth(ClientId=app, AuthFlow="USER_PASSWORD_AUTH", AuthParameters={
            "USERNAME": "alice", "PASSWORD": password})["AuthenticationResult"]["AccessToken"]
        options = idp.start_web_authn_registration(AccessToken=at)["CredentialCreationOptions"]
        idp.complete_web_authn_registration(AccessToken=at, Credential=device.create(options))

        def user_auth(challenge: str, answer: Callable[[dict], dict]) -> float:
            t = time.perf_counter()
            step = idp.initiate_auth(ClientId=app, AuthFlow="USER_AUTH",
                                     AuthParameters={"USERNAME": "alice", "PREFERRED_CHALLENGE": challenge})
            spent = time.perf_counter() - t
            responses = answer(step)  # the user's part (the device signs, the learner reads the inbox): not timed
            t = time.perf_counter()
            out = idp.respond_to_auth_challenge(ClientId=app, ChallengeName=challenge, Session=step["Session"],
                                                ChallengeResponses={"USERNAME": "alice", **responses})
            assert "AuthenticationResult" in out
            return spent + time.perf_counter() - t

        def passkey() -> float:
            return user_auth("WEB_AUTHN", lambda step: {
                "CREDENTIAL": device.get(step["ChallengeParameters"]["CREDENTIAL_REQUEST_OPTIONS"])})

        def email_code() -> float:
            return user_auth("EMAIL_OTP", lambda step: {"EMAIL_OTP_CODE": sb.inbox("alice@example.com").latest.code})

        for fn in (password_sign_in, passkey, email_code):
            fn()  # warm
        password_ms = median_of(count, password_sign_in) * 1000
        passkey_ms = median_of(count, passkey) * 1000
        email_ms = median_of(count, email_code) * 1000
    note = f"median of {count}, in-process; the device's signing and the inbox read are not counted"
    return [Figure("password sign-in (USER_PASSWORD_AUTH)", password_ms, "ms", note=note),
            Figure("passkey sign-in (USER_AUTH, WEB_AUTHN: 2 calls)", passkey_ms, "ms", "<= 50 ms", passkey_ms <= 50, note=note),
            Figure("email-code sign-in (USER_AUTH, EMAIL_OTP: 2 calls)", email_ms, "ms", note=note),
            Figure("passkey / password", passkey_ms / password_ms, "x")]


# ------------------------------------------------------------------------------------- memory
def peak_rss_kib() -> int:
    """This process's peak resident set, in KiB: VmHWM from /proc, else ru_maxrss.

    ru_maxrss alone misleads for a child process: Linux carries the parent's peak across fork and
    exec, so a child of a big process reports at least its parent's peak.
    """
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


TYPICAL_NOTEBOOK = """
import boto3, labkit
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from labkit.bench import peak_rss_kib
sb = labkit.Sandbox.fresh()
idp = boto3.client("cognito-idp")
pool = idp.create_user_pool(PoolName="memory")["UserPool"]["Id"]
client = idp.create_user_pool_client(UserPoolId=pool, ClientName="app")["UserPoolClient"]["ClientId"]
for i in range(20):
    idp.admin_create_user(UserPoolId=pool, Username=f"user{i}", TemporaryPassword="Temp-Passw0rd!", MessageAction="SUPPRESS")
idp.list_users(UserPoolId=pool)
boto3.client("cognito-identity").create_identity_pool(IdentityPoolName="memory", AllowUnauthenticatedIdentities=True)
boto3.client("iam").list_roles()
boto3.client("sts").get_caller_identity()
fig, ax = plt.subplots(); ax.plot([1, 2, 3]); fig.savefig(__import__("io").BytesIO(), format="png")
print(peak_rss_kib())
"""


BARE_PEAK = "print([l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')][0])"


@benchmark("kernel-memory")
def kernel_memory(quick: bool) -> list[Figure]:
    """Peak RSS of a process that makes a typical notebook's calls (sandbox + matplotlib)."""
    kib = int(_run_child(TYPICAL_NOTEBOOK)[2].strip().splitlines()[-1])
    bare = int(_run_child(BARE_PEAK)[2].strip().splitlines()[-1])
    return [
        Figure("peak RSS, typical notebook's calls", kib / 1024, "MiB", note="VmHWM of a subprocess"),
        Figure("  a bare interpreter", bare / 1024, "MiB"),
    ]


# ------------------------------------------------------------------------------------- notebooks
PROBE = (  # imports nothing the notebook might not have imported (that would count in its CPU time)
    "import time as _t\n"
    "print(_t.process_time(), [l.split()[1] for l in open('/proc/self/status') if l.startswith('VmHWM:')][0])"
)


@dataclass
class NotebookRun:
    wall: float  # seconds from starting the kernel to the last cell's end
    cpu: float  # the kernel's CPU seconds (start-up included): less sensitive to load than wall time
    peak_kib: int  # the kernel's peak RSS


def execute_notebook(nb, cwd: Path) -> NotebookRun:
    """Execute ``nb`` in a new kernel (nbclient), then read the kernel's CPU time and peak RSS."""
    import nbformat
    from nbclient import NotebookClient

    client = NotebookClient(nb, kernel_name="python3", timeout=600, resources={"metadata": {"path": str(cwd)}})
    start = time.perf_counter()
    with client.setup_kernel():
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        wall = time.perf_counter() - start
        probe = nbformat.v4.new_code_cell(PROBE)
        nb.cells.append(probe)
        client.execute_cell(probe, len(nb.cells) - 1)
        stdout = "".join(o.get("text", "") for o in probe.outputs if o.get("name") == "stdout")
        cpu, peak = stdout.strip().splitlines()[-1].split()
    return NotebookRun(wall, float(cpu), int(peak))


def _median_run(runs: list[NotebookRun]) -> NotebookRun:
    return NotebookRun(
        statistics.median(r.wall for r in runs), statistics.median(r.cpu for r in runs), max(r.peak_kib for r in runs)
    )


@benchmark("notebooks")
def notebooks(quick: bool) -> list[Figure]:
    """Each notebook's execution (nbclient, kernel start included) beside an empty notebook's."""
    try:
        import nbformat
    except ImportError as exc:  # loud: the figures would silently be missing
        raise SystemExit(f"labkit.bench: the notebooks section needs nbclient/nbformat (the test extras; ./test installs them): {exc}")
    runs = 1 if quick else 3
    kernelspec = {"kernelspec": {"name": "python3", "language": "python", "display_name": "Python 3"}}
    empty = _median_run([execute_notebook(nbformat.v4.new_notebook(metadata=kernelspec), NOTEBOOK_DIR) for _ in range(runs)])
    note = f"median of {runs}"
    figures = [
        Figure("empty notebook: wall (kernel start)", empty.wall, "s", note=note),
        Figure("empty notebook: kernel CPU", empty.cpu, "s", note=note),
    ]
    for path in sorted(NOTEBOOK_DIR.glob("*.ipynb")):
        try:
            run = _median_run([execute_notebook(nbformat.read(path, as_version=4), path.parent) for _ in range(runs)])
        except Exception as exc:  # a broken notebook is the tests' business: report it, measure the rest
            reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[-1][:80] if str(exc).strip() else ''}"
            figures.append(Figure(f"{path.stem}: FAILED to run", float("nan"), "s", note=reason))
            continue
        extra = run.wall - empty.wall
        figures += [
            Figure(f"{path.stem}: wall beyond empty", extra, "s", "<= 2.0 s", extra <= 2.0, f"total {run.wall:.2f} s, {note}"),
            Figure(f"  kernel CPU beyond empty", run.cpu - empty.cpu, "s", note=f"total {run.cpu:.2f} s"),
            Figure(f"  kernel peak RSS", run.peak_kib / 1024, "MiB"),
        ]
    return figures


# ------------------------------------------------------------------------------------- running
def load_extra_sections(directory: Path = ROOT / "benchmarks") -> None:
    """Import ``benchmarks/bench_*.py``: each registers its sections with ``@benchmark``."""
    # Run as ``python -m labkit.bench`` this module is __main__: let ``from labkit.bench import ...``
    # in the section files find *this* registry, not a second copy of the module.
    sys.modules.setdefault("labkit.bench", sys.modules[__name__])
    for path in sorted(directory.glob("bench_*.py")):
        spec = importlib.util.spec_from_file_location(f"labkit_bench_{path.stem}", path)
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)


def _format(figure: Figure) -> str:
    value = f"{figure.value:,.1f}" if figure.unit in ("ms", "MiB") else f"{figure.value:.2f}"
    mark = "" if figure.ok is None else ("  ok " if figure.ok else "  OVER")
    target = f"(target {figure.target})" if figure.target else ""
    note = f"[{figure.note}]" if figure.note else ""
    return f"  {figure.name:<48} {value:>9} {figure.unit:<4}{mark:<6} {target:<18} {note}".rstrip()


def run(names: list[str] | None = None, quick: bool = False, out=print) -> dict[str, list[Figure]]:
    results = {}
    for bench in BENCHMARKS:
        if names and bench.name not in names:
            continue
        out(f"{bench.name}: {bench.doc}")
        start = time.perf_counter()
        figures = bench.fn(quick)
        for figure in figures:
            out(_format(figure))
        out(f"  ({time.perf_counter() - start:.1f} s)")
        results[bench.name] = figures
    return results


def main(argv: list[str] | None = None) -> int:
    load_extra_sections()
    parser = argparse.ArgumentParser(prog="python -m labkit.bench", description="Measure the lab's speed (targets are reported, not asserted).")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--only", action="append", metavar="SECTION", choices=[b.name for b in BENCHMARKS], help="run only this section (repeatable)")
    parser.add_argument("--list", action="store_true", help="list the sections and exit")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(argv)
    if args.list:
        for bench in BENCHMARKS:
            print(f"{bench.name:<16} {bench.doc}")
        return 0
    import os
    import platform

    print(f"labkit.bench on Python {platform.python_version()}, {os.cpu_count()} CPUs{', quick' if args.quick else ''}")
    results = run(args.only, args.quick)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({k: [asdict(f) for f in v] for k, v in results.items()}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
