"""Every notebook, run in a real JupyterLab in a real browser: widgets render and answer clicks.

One headless JupyterLab (on a free port, in a temporary copy of ``notebooks/``) serves all notebooks;
Debian's Chromium, driven by Playwright (never a browser download), opens each one, runs all cells,
waits for the kernel to go idle, and checks that:

* no output is a traceback (``application/vnd.jupyter.stderr`` with "Traceback") and no widget failed
  ("Error displaying widget", or still "Loading widget..."), and every widget the notebook displays
  rendered;
* a click on a widget button makes its round trip through the kernel: the flow player's Next shows
  step 1 instead of the whole flow.

Screenshots land in pytest's ``tmp_path``. Missing Chromium or Playwright is a FAILURE, not a skip:
``apt-get install -y chromium`` and ``uv pip install playwright`` (no ``playwright install``).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from browser_support import CHROMIUM, CHROMIUM_ARGS, require_browser

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_TIMEOUT = 240  # seconds for one notebook's Run All (2 slow CI cores)
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Settings for a quiet, fully rendered lab: no news or update pop-ups; every cell in the DOM.
USER_SETTINGS = {
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
}

pytestmark = pytest.mark.browser




def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _jupyter() -> list[str]:
    exe = Path(sys.executable).parent / "jupyter"
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "jupyter"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """A headless JupyterLab serving a temporary copy of notebooks/: ``(base_url, token, root)``."""
    require_browser()
    work = tmp_path_factory.mktemp("lab")
    root = work / "notebooks"
    shutil.copytree(ROOT / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    settings = work / "settings"
    for name, value in USER_SETTINGS.items():
        path = settings / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(value))
    token, port = secrets.token_hex(16), _free_port()
    cmd = _jupyter() + [
        "lab", "--no-browser", f"--port={port}", "--ServerApp.ip=127.0.0.1", f"--ServerApp.token={token}",
        f"--ServerApp.root_dir={root}", f"--LabApp.user_settings_dir={settings}",
        f"--LabApp.workspaces_dir={work / 'workspaces'}", "--ServerApp.port_retries=0",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    env = dict(os.environ, JUPYTER_PLATFORM_DIRS="1", PYTHONUNBUFFERED="1")
    log = open(work / "jupyterlab.log", "w")
    proc = subprocess.Popen(cmd, cwd=root, stdout=log, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                if r.status == 200:
                    break
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            log.close()
            pytest.fail("JupyterLab did not start:\n" + (work / "jupyterlab.log").read_text()[-3000:], pytrace=False)
        time.sleep(0.3)
    try:
        yield base, token, root
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _notebooks() -> list[str]:
    return sorted(p.name for p in (ROOT / "notebooks").glob("*.ipynb"))


def _stored_widget_count(path: Path) -> int:
    """Outputs the notebook stores as a widget: a widget view, or a labkit snapshot (whose live view
    ``labkit.show.static.keep_snapshots_only`` dropped before committing)."""
    nb = json.loads(path.read_text())
    return sum(1 for c in nb["cells"] if c["cell_type"] == "code"
               for o in c.get("outputs", [])
               if WIDGET_VIEW in o.get("data", {}) or "labkit-snapshot" in "".join(o.get("data", {}).get("text/html", "")))


def _shutdown_kernels(base: str, token: str) -> None:
    req = urllib.request.Request(f"{base}/api/sessions?token={token}")
    with urllib.request.urlopen(req, timeout=10) as r:
        sessions = json.load(r)
    for s in sessions:
        urllib.request.urlopen(urllib.request.Request(f"{base}/api/sessions/{s['id']}?token={token}", method="DELETE"), timeout=10)


# JavaScript run in the page: the notebook's state as the browser shows it.
_PROMPTS_JS = """() => Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
    .map(e => e.textContent.trim())"""
_STATUS_JS = """() => { const e = document.querySelector('.jp-Notebook-ExecutionIndicator');
    return e ? e.getAttribute('data-status') : null; }"""


def _run_all(page) -> None:
    """Run All, retried while the kernel is starting (a Run All sent then can be dropped)."""
    for attempt in range(4):
        page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
        page.locator('.lm-Menu-item[data-command="runmenu:run-all"]').click()
        try:
            page.wait_for_function(
                f"() => ({_PROMPTS_JS})().some(p => /\\[(\\*|\\d+)\\]/.test(p))", timeout=15000)
            return
        except Exception:
            page.keyboard.press("Escape")
    raise AssertionError("Run All never started a cell (no [*] or [n] prompt after 4 tries)")


def _wait_done(page, name: str, tmp_path: Path) -> None:
    """Until no cell is queued or running ([*]) or left unrun ([ ]) and the kernel is idle. (A cell whose
    input is hidden shows no prompt at all.)"""
    done = f"""() => {{ const ps = ({_PROMPTS_JS})().filter(p => p !== ''); const st = ({_STATUS_JS})();
                return ps.length > 0 && ps.every(p => /^\\[\\d+\\]/.test(p)) && (st === null || st === 'idle'); }}"""
    # A Run All sent while the kernel starts may run the first cell and drop the rest: the kernel then sits
    # idle with cells left unrun ([ ]) and nothing queued ([*]). Send Run All again then (every notebook
    # passes Run All twice); at most three times.
    stalled = f"""() => {{ const ps = ({_PROMPTS_JS})(); const st = ({_STATUS_JS})();
                return st === 'idle' && ps.some(p => p === '[ ]:') && !ps.some(p => p === '[*]:'); }}"""
    deadline = time.monotonic() + NOTEBOOK_TIMEOUT
    try:
        for _ in range(3):
            try:
                page.wait_for_function(done, timeout=30000, polling=500)
                return
            except Exception:
                if not page.evaluate(stalled):
                    break
                _run_all(page)
        page.wait_for_function(done, timeout=max(1000, (deadline - time.monotonic()) * 1000), polling=500)
        return
    except Exception:
        page.screenshot(path=str(tmp_path / f"{Path(name).stem}-timeout.png"))
        raise AssertionError(f"{name}: Run All did not finish in {NOTEBOOK_TIMEOUT} s; prompts "
                             f"{page.evaluate(_PROMPTS_JS)}, kernel {page.evaluate(_STATUS_JS)!r}") from None


def test_every_notebook_runs_and_its_widgets_work(lab, tmp_path):
    from playwright.sync_api import sync_playwright

    base, token, root = lab
    names = _notebooks()
    assert names, "no notebooks to check"
    timings, clicked = {}, []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(60000)
            for name in names:
                start = time.monotonic()
                page.goto(f"{base}/lab/tree/{name}?token={token}&reset")
                page.wait_for_selector(".jp-Notebook .jp-Cell", state="attached")
                page.wait_for_function(f"() => ({_STATUS_JS})() === 'idle'", timeout=90000)
                stored = json.loads((root / name).read_text())
                if not any(WIDGET_VIEW in o.get("data", {}) for c in stored["cells"] for o in c.get("outputs", [])):
                    # before running: stored snapshots show as HTML, never as a widget whose model is gone
                    cold = page.locator(".jp-Notebook").inner_text()
                    assert "Error displaying widget" not in cold, f"{name}: a stored widget output cannot be shown"
                    snap = page.locator(".labkit-snapshot")
                    if snap.count():
                        snap.first.scroll_into_view_if_needed()
                        page.screenshot(path=str(tmp_path / f"{Path(name).stem}-stored.png"))
                _run_all(page)
                _wait_done(page, name, tmp_path)
                page.wait_for_timeout(500)  # the last display messages reach the page

                # no traceback anywhere, no widget that failed to show
                stderr = page.locator('.jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]').all_inner_texts()
                tracebacks = [t for t in stderr if "Traceback" in t or "Error" in t.split("\n", 1)[0]]
                assert not tracebacks, f"{name}: traceback in an output:\n" + "\n---\n".join(t[:1500] for t in tracebacks)
                body = page.locator(".jp-Notebook").inner_text()
                assert "Error displaying widget" not in body and "Error creating widget" not in body, f"{name}: a widget failed"
                page.wait_for_function(
                    "() => !document.querySelector('.jp-Notebook').innerText.includes('Loading widget...')", timeout=30000)
                expected = _stored_widget_count(root / name)
                shown = page.locator(".jp-OutputArea-output > .jupyter-widgets, .jp-OutputArea-output > .lm-Widget.jupyter-widgets").count()
                rendered = page.evaluate("""() => Array.from(document.querySelectorAll('.jp-OutputArea-output'))
                    .filter(o => o.querySelector('.jupyter-widgets.widget-container, .jupyter-widgets.widget-inline-hbox, .jupyter-widgets.widget-html')).length""")
                assert rendered >= expected, f"{name}: {expected} widget outputs stored, {rendered} rendered ({shown})"
                page.screenshot(path=str(tmp_path / f"{Path(name).stem}.png"))

                # a click's round trip through the kernel
                players = page.locator(".labkit-flow")
                if players.count():
                    player = players.first
                    player.scroll_into_view_if_needed()
                    assert "The whole flow" in player.inner_text()
                    player.locator("button", has_text="Next").click()
                    page.wait_for_function(
                        "(el) => el.innerText.includes('Step 1 of')", arg=player.element_handle(), timeout=30000)
                    player.screenshot(path=str(tmp_path / f"{Path(name).stem}-flow-step1.png"))
                    clicked.append(name)
                for widget in ("labkit-token", "labkit-decision", "labkit-signin"):
                    loc = page.locator(f".{widget}")
                    if loc.count():
                        loc.first.scroll_into_view_if_needed()
                        loc.first.screenshot(path=str(tmp_path / f"{Path(name).stem}-{widget}.png"))
                timings[name] = round(time.monotonic() - start, 1)
                _shutdown_kernels(base, token)
        finally:
            browser.close()
    print("browser run per notebook (s):", timings, "| flow player clicked in:", clicked, "| screenshots:", tmp_path)
    if any((ROOT / "notebooks" / n).read_text().count("labkit.show.flow(") for n in names):
        assert clicked, "a notebook shows a flow player, but no click round trip was checked"
