"""A real JupyterHub on this machine, with learners who sign in and run the lab's notebooks.

:class:`LocalHub` starts ``jupyterhub`` (PyPI) with npm's ``configurable-http-proxy`` in front, the
``DummyAuthenticator`` (any name, one shared password: a workshop's test login) and the
``SimpleLocalProcessSpawner`` (every learner's server is a process of the user running the hub, with its
own home folder; no system accounts). Every port is a free one, every file is in one temporary folder,
and :meth:`LocalHub.stop` ends every process it started, by pid.

A :class:`Learner` does what a learner's browser does, through the hub's public port (the proxy):
it signs in on ``/hub/login`` (the login form, with the ``_xsrf`` token), starts its server through the
Hub's REST API (``POST /hub/api/users/{name}/server``), asks the hub for an API token, uploads a notebook
through the Jupyter Server contents API, opens a session (which starts a kernel) and runs every cell
over the kernel websocket (``/api/kernels/{id}/channels``, Jupyter messaging protocol 5.3), saving the
outputs back as JupyterLab's "save" would. References: JupyterHub REST API
(https://jupyterhub.readthedocs.io/en/stable/reference/rest-api.html), Jupyter Server REST API
(https://jupyter-server.readthedocs.io/en/latest/developers/rest-api.html), Jupyter messaging
(https://jupyter-client.readthedocs.io/en/stable/messaging.html).

The tests (``tests/test_hub.py``) and the class benchmark (``benchmarks/class_bench.py``) use it.
"""

from __future__ import annotations

import copy
import fcntl
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
#: npm installs configurable-http-proxy here (git-ignored), once per checkout.
NODE_CACHE = ROOT / ".cache" / "node"
CHP_VERSION = "4.6"
PASSWORD = "workshop"


class HubError(RuntimeError):
    """The hub, the proxy or a learner's server did not do what was asked (the message says what)."""


# ------------------------------------------------------------------------------------------ tools
def proxy_command() -> str:
    """The path of ``configurable-http-proxy``, installed with npm into ``.cache/node/`` if missing.

    Raises :class:`HubError` when node or npm is missing: the hub cannot run without its proxy, and a
    test that needs it must fail, never skip.
    """
    binary = NODE_CACHE / "node_modules" / ".bin" / "configurable-http-proxy"
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        raise HubError("JupyterHub's proxy (npm's configurable-http-proxy) needs node and npm, and "
                       f"{'node' if node is None else 'npm'} is not on PATH: install them "
                       "(Debian: apt-get install nodejs npm; .ci/run does this in CI)")
    NODE_CACHE.mkdir(parents=True, exist_ok=True)
    with open(NODE_CACHE / ".install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # the tests and a benchmark may both get here first
        if not binary.exists():
            done = subprocess.run([npm, "install", "--prefix", str(NODE_CACHE), "--no-audit", "--no-fund",
                                   "--loglevel=error", f"configurable-http-proxy@~{CHP_VERSION}"],
                                  capture_output=True, text=True, timeout=600)
            if done.returncode != 0 or not binary.exists():
                raise HubError(f"npm install configurable-http-proxy failed ({done.returncode}):\n"
                               f"{done.stdout[-2000:]}\n{done.stderr[-2000:]}")
    return str(binary)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _bin(name: str) -> str:
    """A console script of the interpreter running this (the venv's ``jupyterhub``)."""
    here = Path(sys.executable).parent / name
    found = str(here) if here.exists() else shutil.which(name)
    if not found:
        raise HubError(f"{name} is not installed: it comes with the test extras (pip install -e '.[test]')")
    return found


CONFIG = """\
# Written by labkit.classroom.hub: a hub for tests and the class benchmark.
c = get_config()  # noqa
c.JupyterHub.bind_url = "http://127.0.0.1:{public_port}"
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = {hub_port}
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.ConfigurableHTTPProxy.command = [{proxy!r}]
c.ConfigurableHTTPProxy.auth_token = {proxy_token!r}
c.JupyterHub.db_url = "sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = "{state}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = "{state}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True
c.JupyterHub.cleanup_proxy = True
c.JupyterHub.concurrent_spawn_limit = 0  # a class starts at once
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {password!r}
c.Authenticator.allow_all = True
c.JupyterHub.spawner_class = "simple"
c.SimpleLocalProcessSpawner.home_dir_template = "{homes}/{{username}}"
c.Spawner.cmd = [{singleuser!r}]
c.Spawner.args = {args!r}
c.Spawner.start_timeout = {timeout}
c.Spawner.http_timeout = {timeout}
c.Spawner.environment = {environment!r}
c.JupyterHub.services = [{{"name": "instructor", "api_token": {service_token!r}}}]
c.JupyterHub.load_roles = [{{"name": "instructor", "services": ["instructor"],
                             "scopes": ["admin:users", "admin:servers", "admin:server_state", "list:users"]}}]
"""


# -------------------------------------------------------------------------------------------- hub
class LocalHub:
    """``with LocalHub() as hub: alice = hub.learner("alice")`` (see the module's docstring)."""

    def __init__(self, workdir: Path | str | None = None, timeout: float = 180):
        self._own_dir = workdir is None
        self.dir = Path(workdir or tempfile.mkdtemp(prefix="cognito-lab-hub-"))
        self.homes = self.dir / "homes"
        self.timeout = timeout
        self.url = ""
        self.service_token = secrets.token_hex(16)
        self.process: subprocess.Popen | None = None
        self._pids: set[int] = set()
        self.learners: list[Learner] = []

    def __enter__(self) -> "LocalHub":
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------------------ start, stop
    def start(self) -> None:
        proxy = proxy_command()
        self.homes.mkdir(parents=True, exist_ok=True)
        public = free_port()
        environment = {"PYTHONUNBUFFERED": "1", "MPLBACKEND": "module://matplotlib_inline.backend_inline"}
        args = ["--allow-root"] if os.geteuid() == 0 else []  # jupyter-server refuses root without it
        (self.dir / "jupyterhub_config.py").write_text(CONFIG.format(
            public_port=public, hub_port=free_port(), api_port=free_port(), proxy=proxy,
            proxy_token=secrets.token_hex(16), state=self.dir, password=PASSWORD, homes=self.homes,
            singleuser=_bin("jupyterhub-singleuser"), args=args, timeout=int(self.timeout),
            environment=environment, service_token=self.service_token))
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JUPYTERHUB_", "JPY_"))}
        env.pop("COGNITO_LAB_PROGRESS", None)  # every learner's progress goes to their own home
        env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
        self.log_path = self.dir / "jupyterhub.log"
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([_bin("jupyterhub"), "-f", str(self.dir / "jupyterhub_config.py")],
                                        cwd=self.dir, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        self._pids.add(self.process.pid)
        self.url = f"http://127.0.0.1:{public}"
        deadline = time.monotonic() + self.timeout
        import requests

        while True:
            if self.process.poll() is not None:
                raise HubError(f"jupyterhub exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                if requests.get(f"{self.url}/hub/api/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                self.stop()
                raise HubError(f"jupyterhub did not answer on {self.url} in {self.timeout:.0f} s:\n{self.log_tail()}")
            time.sleep(0.3)
        self._remember_processes()

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def processes(self):
        """The hub and every process under it (proxy, learners' servers, kernels), as psutil objects."""
        import psutil

        if self.process is None:
            return []
        try:
            hub = psutil.Process(self.process.pid)
            return [hub, *hub.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []

    def _remember_processes(self) -> None:
        self._pids.update(p.pid for p in self.processes())

    def stop(self) -> None:
        """Stop the hub (which stops the servers and the proxy), then end by pid whatever survived."""
        import psutil

        for learner in self.learners:
            learner.close()
        self._remember_processes()
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        survivors = []
        for pid in self._pids:
            try:
                proc = psutil.Process(pid)
                if proc.status() != psutil.STATUS_ZOMBIE:
                    proc.terminate()
                    survivors.append(proc)
            except psutil.NoSuchProcess:
                pass
        _, alive = psutil.wait_procs(survivors, timeout=10)
        for proc in alive:
            proc.kill()
        if getattr(self, "_log", None):
            self._log.close()
        self.process = None
        if self._own_dir:
            shutil.rmtree(self.dir, ignore_errors=True)

    # -------------------------------------------------------------------------------- learners
    def api(self, method: str, path: str, **kwargs):
        """A call to the Hub's REST API as the ``instructor`` service (admin on users and servers)."""
        import requests

        response = requests.request(method, f"{self.url}/hub/api{path}", timeout=60,
                                    headers={"Authorization": f"token {self.service_token}"}, **kwargs)
        if response.status_code >= 400:
            raise HubError(f"{method} /hub/api{path}: {response.status_code} {response.text[:500]}")
        return response.json() if response.content else None

    def learner(self, name: str) -> "Learner":
        learner = Learner(self, name)
        self.learners.append(learner)
        return learner

    def home(self, name: str) -> Path:
        return self.homes / name


# ---------------------------------------------------------------------------------------- learner
@dataclass
class CellRun:
    """One code cell's run: ``status`` is the execute_reply's ("ok" or "error")."""

    index: int
    status: str
    outputs: list[dict] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def error(self) -> str:
        for out in self.outputs:
            if out.get("output_type") == "error":
                return f"{out.get('ename')}: {out.get('evalue')}"
        return ""

    def text(self) -> str:
        """What the cell printed and returned, as text."""
        parts = []
        for out in self.outputs:
            if out.get("output_type") == "stream":
                parts.append(out.get("text", ""))
            elif out.get("output_type") in ("execute_result", "display_data"):
                parts.append(out.get("data", {}).get("text/plain", ""))
        return "".join(parts)


@dataclass
class NotebookRun:
    path: str
    cells: list[CellRun]
    seconds: float

    @property
    def passed(self) -> bool:
        return bool(self.cells) and all(c.status == "ok" for c in self.cells)

    @property
    def failures(self) -> list[str]:
        return [f"cell {c.index}: {c.error or c.status}" for c in self.cells if c.status != "ok"]


_NBFORMAT_KEYS = {"stream": ("name", "text"), "execute_result": ("data", "metadata", "execution_count"),
                  "display_data": ("data", "metadata"), "error": ("ename", "evalue", "traceback")}


def _as_nbformat(output: dict) -> dict:
    """An iopub message's content as a notebook output (nbformat 4), as JupyterLab saves it."""
    kind = output["output_type"]
    kept = {key: copy.deepcopy(output.get(key, {} if key in ("data", "metadata") else None))
            for key in _NBFORMAT_KEYS[kind]}
    return {"output_type": kind, **kept}


class Learner:
    """One learner's browser: a signed-in session on the hub, their server, their kernel."""

    def __init__(self, hub: LocalHub, name: str):
        import requests

        self.hub, self.name = hub, name
        self.http = requests.Session()
        self.token = ""
        self.kernel_id = ""
        self._ws = None
        self._session_id = uuid.uuid4().hex
        self.last_run: NotebookRun | None = None

    # ------------------------------------------------------------------------ sign in, server
    def sign_in(self, password: str = PASSWORD) -> None:
        """Post the hub's login form, as a browser does (the ``_xsrf`` cookie comes with the form)."""
        page = self.http.get(f"{self.hub.url}/hub/login", timeout=60)
        xsrf = self.http.cookies.get("_xsrf", path="/hub/") or self.http.cookies.get("_xsrf") or ""
        response = self.http.post(f"{self.hub.url}/hub/login?next=", timeout=60, allow_redirects=False,
                                  data={"username": self.name, "password": password, "_xsrf": xsrf})
        if response.status_code != 302 or not any(c.name.startswith("jupyterhub-session") or c.name == "jupyterhub-hub-login"
                                                   for c in self.http.cookies):
            raise HubError(f"{self.name} could not sign in ({response.status_code}, login page {page.status_code}):"
                           f" {response.text[:300]}")

    def _hub_api(self, method: str, path: str, **kwargs):
        """The Hub's REST API with this learner's session cookie (and the XSRF header it requires)."""
        xsrf = self.http.cookies.get("_xsrf", path="/hub/") or self.http.cookies.get("_xsrf") or ""
        headers = {"X-XSRFToken": xsrf} if not self.token else {"Authorization": f"token {self.token}"}
        response = self.http.request(method, f"{self.hub.url}/hub/api{path}", headers=headers, timeout=60, **kwargs)
        if response.status_code >= 400:
            raise HubError(f"{self.name}: {method} /hub/api{path}: {response.status_code} {response.text[:300]}")
        return response.json() if response.content else None

    def get_token(self) -> str:
        """An API token of this learner's own (``POST /hub/api/users/{name}/tokens``), for the REST and
        websocket calls a notebook client makes."""
        made = self._hub_api("POST", f"/users/{self.name}/tokens", json={"note": "cognito-lab class run",
                                                                          "expires_in": 3600})
        self.token = made["token"]
        return self.token

    def start_server(self) -> float:
        """Start this learner's server and wait until the hub says it is ready; returns the seconds taken."""
        t0 = time.monotonic()
        self._hub_api("POST", f"/users/{self.name}/server")
        deadline = t0 + self.hub.timeout
        while True:
            model = self._hub_api("GET", f"/users/{self.name}")
            server = (model.get("servers") or {}).get("")
            if server and server.get("ready"):
                return time.monotonic() - t0
            if time.monotonic() > deadline:
                raise HubError(f"{self.name}'s server was not ready in {self.hub.timeout:.0f} s:\n{self.hub.log_tail()}")
            time.sleep(0.5)

    @property
    def server_url(self) -> str:
        return f"{self.hub.url}/user/{self.name}"

    def api(self, method: str, path: str, **kwargs):
        """The learner's Jupyter Server REST API, through the proxy."""
        response = self.http.request(method, f"{self.server_url}/api{path}", timeout=120,
                                     headers={"Authorization": f"token {self.token}"}, **kwargs)
        if response.status_code >= 400:
            raise HubError(f"{self.name}: {method} /user/{self.name}/api{path}: {response.status_code} "
                           f"{response.text[:300]}")
        return response.json() if response.content else None

    # ---------------------------------------------------------------------------- notebooks
    def upload(self, notebook: Path, as_name: str | None = None) -> str:
        """Put a notebook into the learner's home (the contents API's PUT), outputs cleared."""
        nb = json.loads(Path(notebook).read_text())
        for cell in nb["cells"]:
            if cell["cell_type"] == "code":
                cell["outputs"], cell["execution_count"] = [], None
        name = as_name or Path(notebook).name
        self.api("PUT", f"/contents/{name}", json={"type": "notebook", "format": "json", "content": nb})
        return name

    def open_kernel(self, path: str) -> str:
        """Open the notebook as JupyterLab does (``POST /api/sessions``, which starts its kernel) and
        connect to the kernel's websocket."""
        import websocket

        session = self.api("POST", "/sessions", json={"path": path, "name": path, "type": "notebook",
                                                        "kernel": {"name": "python3"}})
        self.kernel_id = session["kernel"]["id"]
        ws_url = self.server_url.replace("http://", "ws://", 1)
        self._ws = websocket.create_connection(
            f"{ws_url}/api/kernels/{self.kernel_id}/channels?session_id={self._session_id}",
            header=[f"Authorization: token {self.token}"], timeout=self.hub.timeout)
        return self.kernel_id

    def execute(self, code: str, index: int = 0, timeout: float | None = None) -> CellRun:
        """Run ``code`` in the kernel (an ``execute_request`` on the shell channel) and collect its
        outputs from iopub until the kernel is idle again."""
        if self._ws is None:
            raise HubError(f"{self.name} has no kernel open")
        msg_id = uuid.uuid4().hex
        self._ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": self._session_id,
                       "msg_type": "execute_request", "version": "5.3",
                       "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True}}))
        t0 = time.monotonic()
        deadline = t0 + (timeout or self.hub.timeout)
        outputs: list[dict] = []
        status, idle = "", False
        while not (status and idle):
            self._ws.settimeout(max(0.1, deadline - time.monotonic()))
            try:
                message = json.loads(self._ws.recv())
            except Exception as err:  # websocket timeout or a closed socket: the cell did not finish
                return CellRun(index, f"no reply ({err.__class__.__name__})", outputs, time.monotonic() - t0)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, content = message["header"]["msg_type"], message.get("content", {})
            if message.get("channel") == "shell" and kind == "execute_reply":
                status = content.get("status", "error")
            elif kind == "status" and content.get("execution_state") == "idle":
                idle = True
            elif kind in ("stream", "execute_result", "display_data", "error"):
                outputs.append({"output_type": kind, **{k: v for k, v in content.items() if k != "transient"}})
        return CellRun(index, status, outputs, time.monotonic() - t0)

    def run_notebook(self, path: str, save: bool = True) -> NotebookRun:
        """Run every code cell of the notebook ``path`` (already in the learner's home) in order, stop at
        the first error as Run All does, and save the outputs back (the contents API's PUT)."""
        nb = self.api("GET", f"/contents/{path}")["content"]
        if not self.kernel_id:
            self.open_kernel(path)
        t0 = time.monotonic()
        runs: list[CellRun] = []
        for index, cell in enumerate(nb["cells"]):
            if cell["cell_type"] != "code":
                continue
            run = self.execute(cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"]), index)
            runs.append(run)
            cell["outputs"] = [_as_nbformat(out) for out in run.outputs]
            if run.status != "ok":
                break
        seconds = time.monotonic() - t0
        if save:
            self.api("PUT", f"/contents/{path}", json={"type": "notebook", "format": "json", "content": nb})
        return NotebookRun(path, runs, seconds)

    def join(self, notebook: Path) -> dict[str, float]:
        """What a learner does at the start of a class: sign in, start the server, open the notebook
        and Run All. Returns the seconds each step took (``run`` is the notebook's); the run itself is
        :attr:`last_run`."""
        times = {}
        t0 = time.monotonic()
        self.sign_in()
        self.get_token()
        times["sign_in"] = time.monotonic() - t0
        times["server"] = self.start_server()
        t1 = time.monotonic()
        path = self.upload(notebook)
        self.open_kernel(path)
        times["kernel"] = time.monotonic() - t1
        self.last_run = self.run_notebook(path)
        times["run"] = self.last_run.seconds
        times["total"] = time.monotonic() - t0
        return times

    def close(self) -> None:
        if self._ws is not None:
            try:
                self._ws.close()
            except Exception:
                pass
            self._ws = None
