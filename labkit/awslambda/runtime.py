"""Execution environments: a warm Python process per function version, reused between invocations.

"Lambda invokes your function in an execution environment, which provides a secure and isolated runtime
environment. ... After the function and all extensions have completed, Lambda maintains the execution
environment for some time in anticipation of another function invocation" -- *Understanding the Lambda
execution environment lifecycle* (https://docs.aws.amazon.com/lambda/latest/dg/lambda-runtime-environment.html).
Here an environment is a subprocess of this Python interpreter running :mod:`.bootstrap`:

* **cold start**: the first invoke of a function version (or of a changed configuration or code, or after
  a timeout or a crash) unpacks the deployment package into a fresh directory, issues credentials for
  the execution role (``sb.issued``, session name = the function's name, as Lambda's are), starts the
  process and imports the handler; later invokes reuse it (**warm**), with its module-level state;
* **isolation**: the handler runs in another process with its own environment variables, so it cannot
  reach labkit's objects nor the learner's variables; its boto3 calls reach the sandbox over HTTP on
  127.0.0.1 (``AWS_ENDPOINT_URL``) signed with the role's credentials, and are IAM-checked like any other;
* **one request at a time** per environment, as on AWS; a second concurrent request gets a second one;
* **timeout**: the environment is stopped and the invoke answers ``Task timed out after N seconds``;
* environments idle for :data:`IDLE_SECONDS` are stopped, and all of them when the sandbox stops.

Runtimes: any ``python3.x`` runtime runs on *this* interpreter (``sys.version``); the cold-start log line
says so when the versions differ. The sandbox has no containers, so nothing of the Amazon Linux image
(``/opt`` layers, ``/tmp`` limits, memory limits) is simulated.
"""

from __future__ import annotations

import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field

BOOTSTRAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "bootstrap.py")
IDLE_SECONDS = 600.0  # an idle environment is stopped after this long
MAX_ENVIRONMENTS = 16  # per sandbox, over all functions ("concurrency"); more -> TooManyRequestsException
CREDENTIAL_SECONDS = 12 * 3600
INIT_SECONDS = 10.0  # "The Init phase is limited to 10 seconds"

# Reserved environment variables: "Lambda sets these ... You can't set them yourself"
# (*Defined runtime environment variables*, https://docs.aws.amazon.com/lambda/latest/dg/configuration-envvars.html#configuration-envvars-runtime).
RESERVED = (
    "_HANDLER", "_X_AMZN_TRACE_ID", "AWS_DEFAULT_REGION", "AWS_REGION", "AWS_EXECUTION_ENV",
    "AWS_LAMBDA_FUNCTION_NAME", "AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "AWS_LAMBDA_FUNCTION_VERSION",
    "AWS_LAMBDA_INITIALIZATION_TYPE", "AWS_LAMBDA_LOG_GROUP_NAME", "AWS_LAMBDA_LOG_STREAM_NAME",
    "AWS_ACCESS_KEY", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
    "AWS_LAMBDA_RUNTIME_API", "LAMBDA_TASK_ROOT", "LAMBDA_RUNTIME_DIR",
)


@dataclass
class Spec:
    """What an execution environment is made from (a change of any of it means a new environment)."""

    function_name: str
    function_arn: str
    version: str
    runtime: str
    handler: str
    role: str
    code: bytes
    code_sha256: str
    memory: int
    timeout: float
    variables: dict = field(default_factory=dict)

    @property
    def key(self) -> tuple:
        return (self.function_arn, self.version, self.code_sha256, self.runtime, self.handler, self.role,
                self.memory, self.timeout, json.dumps(self.variables, sort_keys=True))


@dataclass
class Outcome:
    """What one invocation gave: a JSON payload, or the error document Lambda answers."""

    request_id: str
    payload: str | None = None  # the handler's result as JSON text
    error: dict | None = None  # {"errorMessage", "errorType", "requestId", "stackTrace"}
    log: str = ""
    cold: bool = False
    duration_ms: float = 0.0
    init_ms: float = 0.0

    @property
    def failed(self) -> bool:
        return self.error is not None

    def body(self) -> bytes:
        return (json.dumps(self.error) if self.error is not None else self.payload or "null").encode("utf-8")


class Environment:
    """One execution environment: a directory with the code and a Python process serving invokes."""

    def __init__(self, pool: "Environments", spec: Spec, endpoint: str, credentials):
        self.pool = pool
        self.spec = spec
        self.credentials = credentials
        self.started = time.time()
        self.last_used = self.started
        self.busy = False
        self.dead = False
        self.invocations = 0
        self.initialized = False
        self.log_stream = time.strftime("%Y/%m/%d/", time.gmtime()) + f"[{spec.version}]{uuid.uuid4().hex}"
        self.dir = tempfile.mkdtemp(prefix="labkit-lambda-")
        self.task_root = os.path.join(self.dir, "task")
        with zipfile.ZipFile(io.BytesIO(spec.code)) as package:
            package.extractall(self.task_root)
        read_fd, write_fd = os.pipe()
        env = {
            "PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"),
            "LANG": "en_US.UTF-8",
            "TZ": ":UTC",
            "HOME": self.dir,
            "LAMBDA_TASK_ROOT": self.task_root,
            "LAMBDA_RUNTIME_DIR": os.path.dirname(BOOTSTRAP),
            "_HANDLER": spec.handler or "",
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{spec.runtime}",
            "AWS_LAMBDA_FUNCTION_NAME": spec.function_name,
            "AWS_LAMBDA_FUNCTION_VERSION": spec.version,
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{spec.function_name}",
            "AWS_LAMBDA_LOG_STREAM_NAME": self.log_stream,
            "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
            "AWS_REGION": pool.sandbox.region,
            "AWS_DEFAULT_REGION": pool.sandbox.region,
            "AWS_ACCESS_KEY_ID": credentials.access_key_id,
            "AWS_SECRET_ACCESS_KEY": credentials.secret_access_key,
            "AWS_SESSION_TOKEN": credentials.session_token,
            # Where "AWS" is for this process: the sandbox over HTTP (never the real one, never a profile).
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            "LABKIT_LAMBDA_RESULT_FD": str(write_fd),
        }
        env.update({k: str(v) for k, v in (spec.variables or {}).items() if k not in RESERVED})
        self._stderr = open(os.path.join(self.dir, "stderr"), "wb")
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", BOOTSTRAP],
                stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self._stderr,
                env=env, cwd=self.task_root, pass_fds=(write_fd,), close_fds=True,
            )
        finally:
            os.close(write_fd)
        self._results = os.fdopen(read_fd, "r", encoding="utf-8")
        self._answer: dict | None = None
        self._done = threading.Event()
        self._reader = threading.Thread(target=self._read, name=f"labkit-lambda-{spec.function_name}", daemon=True)
        self._reader.start()

    def _read(self):
        for line in self._results:
            try:
                self._answer = json.loads(line)
            except ValueError:
                continue
            self._wake()
        self.dead = True
        self._wake()

    def _wake(self):
        self._done.set()
        with self.pool.condition:
            self.pool.condition.notify_all()

    def _wait(self, timeout: float) -> dict | None:
        """The next answer of the process (None on timeout or exit), waiting with the sandbox's
        dispatcher lock released, so that the handler's own AWS calls (served on other threads) can be
        answered meanwhile."""
        with self.pool.condition:
            self.pool.condition.wait_for(lambda: self._done.is_set() or self.dead, timeout)
        answer, self._answer = self._answer, None
        self._done.clear()
        return answer

    def _init(self, request_id: str, outcome: Outcome) -> bool:
        """The init phase of a cold start ("limited to 10 seconds", *Lambda execution environment
        lifecycle*, Init phase). False (with ``outcome.error`` set) when it failed."""
        answer = self._wait(INIT_SECONDS)
        self.initialized = True
        if answer is not None and answer.get("init") == "ok":
            outcome.log = answer.get("log", "")
            outcome.init_ms = answer.get("init_ms", 0.0)
            return True
        if answer is not None:
            outcome.error, outcome.log = answer["error"], answer.get("log", "")
        elif not self.dead:
            outcome.error = {"errorType": "Sandbox.Timedout",
                             "errorMessage": f"RequestId: {request_id} Error: Task timed out after {INIT_SECONDS:.2f} seconds"}
        else:
            status = self.process.wait(timeout=5)
            outcome.error = {"errorType": "Runtime.ExitError",
                             "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {status}"}
        self.close()
        return False

    def invoke(self, event: str, request_id: str, invoked_arn: str, identity=None, client_context=None) -> Outcome:
        """Run one invocation (the init phase first, on a cold start)."""
        outcome = Outcome(request_id, cold=not self.initialized)
        if not self.initialized and not self._init(request_id, outcome):
            return outcome
        self.invocations += 1
        timeout = float(self.spec.timeout)
        start = time.time()
        command = {"request_id": request_id, "event": event, "deadline_ms": int((start + timeout) * 1000),
                   "invoked_function_arn": invoked_arn, "identity": identity, "client_context": client_context}
        try:
            self.process.stdin.write((json.dumps(command) + "\n").encode("utf-8"))
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            self.dead = True
        answer = self._wait(timeout)
        outcome.duration_ms = (time.time() - start) * 1000
        init_log = outcome.log
        if answer is not None:
            outcome.log = init_log + answer.get("log", "")
            if "error" in answer:
                outcome.error = answer["error"]
            else:
                outcome.payload = answer["payload"]
            return outcome
        if not self.dead:  # "Task timed out": Lambda stops the environment
            self.close()
            outcome.error = {"errorType": "Sandbox.Timedout",
                             "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds"}
            outcome.log = init_log + f"{_now()} {request_id} Task timed out after {timeout:.2f} seconds\n"
            return outcome
        status = self.process.wait(timeout=5)
        self.close()
        outcome.error = {"errorType": "Runtime.ExitError",
                         "errorMessage": f"RequestId: {request_id} Error: Runtime exited with error: exit status {status}"}
        return outcome

    def close(self):
        self.dead = True
        try:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=5)
        except Exception:
            pass
        for stream in (self.process.stdin, self._stderr):
            try:
                stream.close()
            except Exception:
                pass
        shutil.rmtree(self.dir, ignore_errors=True)


def _now() -> str:
    t = time.time()
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t)) + f".{int(t * 1000) % 1000:03d}Z"


class TooManyEnvironments(Exception):
    pass


class Environments:
    """Every execution environment of one sandbox, idle ones kept warm per :attr:`Spec.key`."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.condition = threading.Condition(sandbox.dispatcher.lock)
        self._envs: list[Environment] = []
        self._mutex = threading.Lock()
        self._server = None
        self._watch = None
        self.cold_starts = 0

    # ---------------------------------------------------------------- the endpoint the handlers call
    def endpoint(self) -> str:
        """The sandbox over HTTP: its own server when it is served, else one started now (127.0.0.1)."""
        http = getattr(self.sandbox, "_http", None)
        if http is not None:
            return http.url
        if self._server is None:
            from ..wire.http import HttpServer

            self._server = HttpServer(self.sandbox, port=0).start()
        return self._server.url

    # ---------------------------------------------------------------- environments
    def acquire(self, spec: Spec, credentials_for) -> Environment:
        with self._mutex:
            now = time.time()
            for env in self._envs:
                if not env.busy and not env.dead and env.spec.key == spec.key and not self._expired(env):
                    env.busy = True
                    env.last_used = now
                    return env
            stale = [e for e in self._envs if not e.busy and (e.dead or e.spec.function_arn == spec.function_arn)]
            for env in stale:  # a changed function: its old environments are not reused
                if env.dead or env.spec.key != spec.key or self._expired(env):
                    env.close()
                    self._envs.remove(env)
            if len([e for e in self._envs if not e.dead]) >= MAX_ENVIRONMENTS:
                idle = [e for e in self._envs if not e.busy]
                if not idle:
                    raise TooManyEnvironments()
                oldest = min(idle, key=lambda e: e.last_used)
                oldest.close()
                self._envs.remove(oldest)
            env = Environment(self, spec, self.endpoint(), credentials_for(spec))
            env.busy = True
            self._envs.append(env)
            self.cold_starts += 1
            self._watchdog()
            return env

    def release(self, env: Environment):
        with self._mutex:
            env.busy = False
            env.last_used = time.time()
            if env.dead:
                env.close()
                if env in self._envs:
                    self._envs.remove(env)

    def _expired(self, env: Environment) -> bool:
        return self.sandbox.issued.expired(env.credentials)

    def warm(self, function_arn: str | None = None) -> list[Environment]:
        """The live environments (of one function, if named)."""
        return [e for e in self._envs if not e.dead and (function_arn is None or e.spec.function_arn == function_arn)]

    def close(self):
        with self._mutex:
            for env in self._envs:
                env.close()
            self._envs.clear()
            if self._server is not None:
                self._server.stop()
                self._server = None

    def _watchdog(self):
        """Stop idle environments, and everything once the sandbox stops (it has no stop hook for us)."""
        if self._watch is not None and self._watch.is_alive():
            return

        def watch():
            while self.sandbox.running:
                time.sleep(0.25)
                with self._mutex:
                    now = time.time()
                    for env in [e for e in self._envs if not e.busy and now - e.last_used > IDLE_SECONDS]:
                        env.close()
                        self._envs.remove(env)
            self.close()

        self._watch = threading.Thread(target=watch, name="labkit-lambda-watchdog", daemon=True)
        self._watch.start()
