"""The notebook harness: find the lab's notebooks, run them through papermill twice in one kernel,
and compare outputs the way nbval does.

Used by ``tests/test_notebooks.py`` and by ``python -m labkit.bench``. Three checks cover every
notebook (found by glob, so a new ``notebooks/NN-name.ipynb`` is covered without touching a test):

* nbval (``pytest --nbval``, strict): a fresh run reproduces the stored outputs, after the sanitizer
  ``tests/nbval_sanitize.cfg`` masks what honestly differs (JWTs, UUIDs, times, temporary keys...);
* papermill with other parameters (``SEED``, ``REGION``): the notebook still runs and the sandbox it
  starts got them;
* "Run All" twice in one kernel, as a learner does: both runs succeed and the second run's outputs equal
  the first's, after the same sanitizer;
* then "re-run any single earlier cell after the last one" (issue 18): each code cell after the
  parameters and sandbox cells runs once more, in reverse order, and every cell that fails is recorded.

The last three share one kernel (:class:`RunTwiceEngine`, a papermill engine): papermill injects the
parameters, runs every cell, runs every cell again in the same kernel, probes the sandbox, then sweeps.

Why the sweep goes in reverse (last cell first): a learner who re-runs one earlier cell does so after the
last one ran. Going backwards, each cell runs again in the state the cells *after* it left (a later
``sb.advance``, an upgraded guest, a role that now exists...), which is that situation. Going forwards
would re-run cell 5 and then cell 6 in the state cell 5 just re-made, so cell 6 would mostly test the
cascade of several create-cells run again, not one cell re-run after the last. It is an approximation:
each cell is re-run once, after the later cells were re-run too, and not after every other cell.
"""

from __future__ import annotations

import copy
import difflib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK_DIR = ROOT / "notebooks"
SANITIZE_FILE = Path(__file__).resolve().parent / "nbval_sanitize.cfg"

#: Output keys that are not compared (as nbval: images are not compared without nbdime, widget model
#: ids are random, execution counts of a second run go on counting).
SKIP_COMPARE = {"image/png", "image/jpeg", "image/svg+xml", "application/vnd.jupyter.widget-view+json"}

#: What the probe cell prints: the sandbox the notebook started (proves the parameters reached it).
PROBE_SOURCE = (
    "import json as _labkit_json, labkit as _labkit\n"
    "_labkit_sb = _labkit.Sandbox.current()\n"
    "print(_labkit_json.dumps(None if _labkit_sb is None else "
    "{'seed': _labkit_sb.seed, 'region': _labkit_sb.region, 'running': _labkit_sb.running}))"
)


def notebooks() -> list[Path]:
    """Every lab notebook, in order (``notebooks/*.ipynb``)."""
    return sorted(NOTEBOOK_DIR.glob("*.ipynb"))


# ---------------------------------------------------------------------------------------- sanitizing
_PATTERNS: list[tuple[re.Pattern, str]] | None = None


def sanitize_patterns() -> list[tuple[re.Pattern, str]]:
    """The (regex, replacement) pairs of ``tests/nbval_sanitize.cfg``, parsed exactly as nbval does."""
    global _PATTERNS
    if _PATTERNS is None:
        from nbval.plugin import get_sanitize_patterns

        _PATTERNS = [(re.compile(r), s) for r, s in get_sanitize_patterns(SANITIZE_FILE.read_text())]
    return _PATTERNS


def sanitize(text: str) -> str:
    for regex, replacement in sanitize_patterns():
        text = regex.sub(replacement, text)
    return text


def comparable(outputs: list) -> list:
    """A cell's outputs as nbval compares them: streams merged, skipped keys dropped, text sanitized."""
    from nbval.plugin import coalesce_streams

    result = []
    for output in coalesce_streams(copy.deepcopy(list(outputs))):
        kind = output["output_type"]
        if kind == "stream":
            result.append({"stream": output["name"], "text": sanitize(_text(output["text"]))})
        elif kind in ("execute_result", "display_data"):
            data = {k: sanitize(_text(v)) for k, v in output.get("data", {}).items() if k not in SKIP_COMPARE}
            result.append({"output_type": kind, "data": data})
        else:  # "error": never expected, compared in full so it shows
            result.append({"output_type": kind, "ename": output.get("ename"), "evalue": sanitize(output.get("evalue", ""))})
    return result


def _strip_ansi(text: str) -> str:
    return re.sub(r"\x1b\[[0-9;]*m", "", text)


def _text(value) -> str:
    if isinstance(value, list):
        return "".join(value)
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def errors_in(nb) -> list[str]:
    """Each error output of a notebook, as 'cell N: EName: value'."""
    found = []
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                found.append(f"cell {index}: {output.get('ename')}: {output.get('evalue')}")
    return found


# ---------------------------------------------------------------------------------------- running
@dataclass
class TwoRuns:
    """What :func:`run_twice` saw."""

    notebook: object  # the executed notebook (second run's outputs)
    first: list = field(default_factory=list)  # first run's outputs, per cell
    probe: object = None  # what the probe cell printed after both runs (dict, or None)
    rerun_failures: list = field(default_factory=list)  # cells that failed when re-run after the last one
    rerun_seconds: float | None = None  # how long the re-run sweep took

    def rerun_report(self) -> list[str]:
        """Each cell that failed when re-run after the last one, as 'cell N (id, 'first line'): Error: message'."""
        return [f"cell {f['cell']} ({f['id']}, {f['first_line']!r}): {f['error']}" for f in self.rerun_failures]

    def differences(self) -> list[str]:
        """Cells whose sanitized outputs differ between the two runs, each with a diff."""
        found = []
        for index, cell in enumerate(self.notebook.cells):
            if cell.cell_type != "code":
                continue
            a = comparable(self.first[index])
            b = comparable(cell.get("outputs", []))
            if a != b:
                diff = "\n".join(
                    difflib.unified_diff(
                        json.dumps(a, indent=1).splitlines(),
                        json.dumps(b, indent=1).splitlines(),
                        "first run",
                        "second run",
                        lineterm="",
                    )
                )
                head = cell.source.strip().splitlines()[0] if cell.source.strip() else ""
                found.append(f"cell {index} ({head[:60]!r}):\n{diff}")
        return found


def _client_class():
    from papermill.clientwrap import PapermillNotebookClient

    class RunTwiceClient(PapermillNotebookClient):
        """Papermill's client, but "Run All" twice in the same kernel, then one probe cell."""

        def execute(self, **kwargs):
            self.reset_execution_trackers()
            with self.setup_kernel(**kwargs):
                self.papermill_execute_cells()
                if not errors_in(self.nb):
                    first = [copy.deepcopy(cell.get("outputs", [])) for cell in self.nb.cells]
                    self.nb.metadata["labkit_first_run"] = first
                    self.papermill_execute_cells()
                    if not errors_in(self.nb):
                        self.nb.metadata["labkit_probe"] = self._probe()
                        self._rerun_sweep()
                info_msg = self.wait_for_reply(self.kc.kernel_info())
                self.nb.metadata["language_info"] = info_msg["content"]["language_info"]
            return self.nb

        def _rerun_sweep(self):
            """Re-run each code cell after the parameters and sandbox cells once, last cell first (see the
            module's docstring), and record every cell that fails in ``labkit_rerun_failures``: index, first
            line, error. The second run's outputs are put back afterwards: they are what the other checks
            compare, and papermill fails a notebook whose cells hold an error output."""
            import time

            from nbclient.exceptions import CellExecutionError, CellTimeoutError

            start = time.monotonic()
            # papermill's injected-parameters cell is not the notebook's: skip it, and number cells as the
            # notebook file does (the index nbval and an editor show), not as papermill's copy does.
            injected = [i for i, cell in enumerate(self.nb.cells) if "injected-parameters" in cell.metadata.get("tags", [])]
            code = [i for i, cell in enumerate(self.nb.cells) if cell.cell_type == "code" and i not in injected]
            failures = []
            for index in reversed(code[2:]):  # after the notebook's parameters cell and sandbox cell
                cell = self.nb.cells[index]
                if not cell.source.strip():
                    continue
                where = {"cell": index - sum(1 for i in injected if i < index), "id": cell.get("id"),
                         "first_line": cell.source.strip().splitlines()[0][:80]}
                kept = copy.deepcopy(cell.get("outputs", [])), cell.get("execution_count")
                try:
                    self.execute_cell(cell, index)
                except CellExecutionError as exc:
                    errors = [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]
                    error = f"{errors[0].get('ename')}: {errors[0].get('evalue')}" if errors else str(exc).strip().splitlines()[-1]
                    failures.append({**where, "error": _strip_ansi(error)[:300]})
                except CellTimeoutError as exc:  # the kernel may still be busy with it: stop the sweep here
                    failures.append({**where, "error": f"timed out: {exc}"[:300]})
                    break
                finally:
                    cell.outputs, cell.execution_count = kept
            self.nb.metadata["labkit_rerun_failures"] = failures
            self.nb.metadata["labkit_rerun_seconds"] = round(time.monotonic() - start, 2)

        def _probe(self):
            import nbformat

            cell = nbformat.v4.new_code_cell(PROBE_SOURCE)
            self.nb.cells.append(cell)
            try:
                self.execute_cell(cell, len(self.nb.cells) - 1)
                text = "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")
                return json.loads(text.strip().splitlines()[-1]) if text.strip() else {"error": cell.outputs}
            finally:
                self.nb.cells.pop()

    return RunTwiceClient


def _engine_class():
    from papermill.engines import NBClientEngine
    from papermill.utils import merge_kwargs, remove_args

    client_class = _client_class()

    class RunTwiceEngine(NBClientEngine):
        """A papermill engine: the notebook's cells run twice in one kernel (then a probe cell)."""

        @classmethod
        def execute_managed_notebook(cls, nb_man, kernel_name, log_output=False, start_timeout=60, execution_timeout=None, **kwargs):
            kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
            final = merge_kwargs(kwargs, timeout=execution_timeout, startup_timeout=start_timeout, kernel_name=kernel_name, log_output=log_output)
            return client_class(nb_man, **final).execute()

    return RunTwiceEngine


ENGINE_NAME = "labkit-run-twice"
_registered = False


def run_twice(path: Path, parameters: dict, output_path: Path, timeout: int = 300) -> TwoRuns:
    """Run ``path`` through papermill with ``parameters``: Run All, Run All again, probe the sandbox, then
    re-run each earlier cell once after the last one (:attr:`TwoRuns.rerun_failures` lists those that fail).

    Raises papermill's ``PapermillExecutionError`` (with the cell and its traceback) if either run fails.
    """
    global _registered
    import papermill

    if not _registered:
        from papermill.engines import papermill_engines

        papermill_engines.register(ENGINE_NAME, _engine_class())
        _registered = True
    from papermill.exceptions import PapermillExecutionError

    try:
        nb = papermill.execute_notebook(
            str(path),
            str(output_path),
            parameters=parameters,
            engine_name=ENGINE_NAME,
            kernel_name="python3",
            cwd=str(path.parent),
            progress_bar=False,
            execution_timeout=timeout,
        )
    except PapermillExecutionError as exc:
        import nbformat

        which = "the first Run All"
        if output_path.exists() and "labkit_first_run" in nbformat.read(output_path, as_version=4).metadata:
            which = "the second Run All in the same kernel"
        tail = "\n".join(_strip_ansi("\n".join(exc.traceback)).splitlines()[-12:])
        raise AssertionError(
            f"{path.name} with parameters {parameters}: cell [{exc.exec_count}] failed in {which}:\n"
            f"{exc.source}\n---\n{tail}\n(executed copy: {output_path})"
        ) from None
    return TwoRuns(notebook=nb, first=nb.metadata.get("labkit_first_run", []), probe=nb.metadata.get("labkit_probe"),
                   rerun_failures=list(nb.metadata.get("labkit_rerun_failures", [])), rerun_seconds=nb.metadata.get("labkit_rerun_seconds"))
