"""A class's exercise progress: every learner's ``progress.json`` read into one table.

Each learner's kernel keeps its verdicts in ``~/.cognito-lab/progress.json`` (or the file named by
``COGNITO_LAB_PROGRESS``; :mod:`labkit.exercises.tracking`). On a JupyterHub whose learners have home
directories on the hub's disk (The Littlest JupyterHub: ``/home/jupyter-<name>``; a local spawner:
``/home/<name>``) the instructor reads them all with ``--homes``; where homes are not on one disk (Zero to
JupyterHub: one volume per learner) learners hand in a file made by :func:`export_progress` and the
instructor reads the hand-in folder with ``--pattern``.

Every cell of the table is one learner and one exercise: **passed** (at least one check passed; a pass
is kept), **attempted** (checked, never passed) or **not attempted**, with the number of checks and the
times of the first check, the last one and the first pass (UTC).

The optional grades CSV has the columns of nbgrader's ``nbgrader export`` (its default CSV exporter):
one row per learner and notebook (nbgrader's *assignment*), each exercise one point. That is as far as
nbgrader fits this lab: its autograder re-runs hidden tests on collected notebooks, whereas a verdict here
comes from running the learner's own answer against the sandbox in the learner's kernel, at the moment
they ask for it; the grades an LMS import or an nbgrader-based pipeline reads are what carries over.
"""

from __future__ import annotations

import csv
import glob
import io
import json
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..exercises import exercises as _all_exercises
from ..exercises import tracking

PASSED, ATTEMPTED, NOT_ATTEMPTED = "passed", "attempted", "not attempted"
MARKS = {PASSED: "✔", ATTEMPTED: "✘", NOT_ATTEMPTED: "·"}
#: The columns of nbgrader's CSV grade export (``nbgrader export``), in its order.
NBGRADER_COLUMNS = ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                    "raw_score", "late_submission_penalty", "score", "max_score"]
CSV_COLUMNS = ["learner", "exercise", "notebook", "title", "status", "attempts", "first_attempt", "last_attempt",
               "passed_at"]
HOME_FILE = Path(".cognito-lab") / "progress.json"


@dataclass
class Cell:
    """One learner and one exercise."""

    status: str
    attempts: int = 0
    first: str = ""
    last: str = ""
    passed_at: str = ""


@dataclass
class Learner:
    """One learner's progress as read from one file (``problem`` says why it could not be read)."""

    name: str
    source: Path
    exercises: dict[str, dict] = field(default_factory=dict)
    times: dict[str, dict] = field(default_factory=dict)
    problem: str = ""

    def cell(self, exercise_id: str) -> Cell:
        entry = self.exercises.get(exercise_id) or {}
        when = self.times.get(exercise_id) or {}
        attempts = _int(entry.get("attempts"))
        if entry.get("passed"):
            status = PASSED
        elif attempts:
            status = ATTEMPTED
        else:
            status = NOT_ATTEMPTED
        return Cell(status, attempts, str(when.get("first", "")), str(when.get("last", "")),
                    str(when.get("passed", "")) if status == PASSED else "")

    @property
    def last_activity(self) -> str:
        return max((str(t.get("last", "")) for t in self.times.values() if isinstance(t, dict)), default="")


def _int(value) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0


def read_learner(path: Path | str, name: str) -> Learner:
    """The progress in one file: a learner's ``progress.json`` or a hand-in made by :func:`export_progress`.

    A missing file is a learner who has not checked any exercise yet; a file that is not progress
    JSON is reported in :attr:`Learner.problem`, never raised: one broken file must not hide a class.
    """
    path = Path(path)
    learner = Learner(name, path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return learner
    except (OSError, UnicodeDecodeError, ValueError) as err:
        learner.problem = f"cannot read {path}: {err.__class__.__name__}"
        return learner
    if not isinstance(data, dict) or not isinstance(data.get("exercises", {}), dict):
        learner.problem = f"{path} is not a cognito-lab progress file"
        return learner
    learner.exercises = {k: v for k, v in data.get("exercises", {}).items() if isinstance(v, dict)}
    times = data.get("times", {})
    learner.times = {k: v for k, v in times.items() if isinstance(v, dict)} if isinstance(times, dict) else {}
    return learner


def from_homes(patterns: Iterable[str]) -> list[Learner]:
    """One learner per home directory matched by the glob patterns (``/home/*``); the name is the
    directory's name. A home without a progress file is a learner who has not started."""
    homes = sorted({Path(p) for pattern in patterns for p in glob.glob(os.path.expanduser(pattern)) if Path(p).is_dir()})
    return [read_learner(home / HOME_FILE, home.name) for home in homes]


def from_pattern(patterns: Iterable[str]) -> list[Learner]:
    """One learner per file matched by the glob patterns (``/srv/hand-in/*.json``,
    ``/home/*/.cognito-lab/progress.json``). The name is the ``learner`` a hand-in file states, or else
    the path part the pattern's first wildcard matched (``bob`` for ``/home/bob/...``; the file's stem
    when the wildcard is in the file name)."""
    found: dict[Path, Learner] = {}
    for pattern in patterns:
        pattern = os.path.expanduser(pattern)
        parts = Path(pattern).parts
        wild = next((i for i, part in enumerate(parts) if re.search(r"[*?\[]", part)), len(parts) - 1)
        for match in sorted(glob.glob(pattern)):
            path = Path(match)
            if not path.is_file() or path in found:
                continue
            matched = path.parts[wild] if wild < len(path.parts) else path.name
            name = Path(matched).stem if wild == len(parts) - 1 else matched
            learner = read_learner(path, name)
            stated = _stated_name(path)
            if stated:
                learner.name = stated
            found[path] = learner
    return sorted(found.values(), key=lambda learner: (learner.name, str(learner.source)))


def _stated_name(path: Path) -> str:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return ""
    name = data.get("learner") if isinstance(data, dict) else None
    return name.strip() if isinstance(name, str) else ""


class ClassProgress:
    """Learners x exercises. ``notebook`` (``2``, ``"02"``) keeps one notebook's exercises."""

    def __init__(self, learners: list[Learner], notebook: int | str | None = None):
        self.learners = learners
        self.exercises = _all_exercises(notebook)

    # -------------------------------------------------------------------------------------- table
    def table(self) -> str:
        """A text table: ✔ passed, ✘n attempted n times and never passed, · not attempted."""
        ids = [ex.id for ex in self.exercises]
        width = max([len("learner"), len("passed by")] + [len(learner.name) for learner in self.learners])
        col = max(5, max((len(i) for i in ids), default=4) + 1)
        header = f"{'learner':<{width}}  " + "".join(f"{i:<{col}}" for i in ids) + f"{'passed':>8}  last activity (UTC)"
        lines = [header, "-" * len(header)]
        for learner in self.learners:
            marks = []
            for ex_id in ids:
                cell = learner.cell(ex_id)
                mark = MARKS[cell.status] + (str(cell.attempts) if cell.status == ATTEMPTED else "")
                marks.append(f"{mark:<{col}}")
            passed = sum(learner.cell(i).status == PASSED for i in ids)
            last = learner.last_activity.replace("T", " ")
            lines.append(f"{learner.name:<{width}}  " + "".join(marks) + f"{f'{passed}/{len(ids)}':>8}  {last}")
        counts = [sum(learner.cell(i).status == PASSED for learner in self.learners) for i in ids]
        lines.append("-" * len(header))
        lines.append(f"{'passed by':<{width}}  " + "".join(f"{c:<{col}}" for c in counts))
        lines.append(f"{len(self.learners)} learners, {len(ids)} exercises. ✔ passed  ✘n attempted n times, not passed  "
                     "· not attempted")
        for learner in self.learners:
            if learner.problem:
                lines.append(f"warning: {learner.name}: {learner.problem}")
        return "\n".join(lines)

    # ---------------------------------------------------------------------------------------- CSV
    def rows(self) -> list[dict]:
        """One row per learner and exercise (the CSV's rows)."""
        out = []
        for learner in self.learners:
            for ex in self.exercises:
                cell = learner.cell(ex.id)
                out.append({"learner": learner.name, "exercise": ex.id, "notebook": ex.notebook, "title": ex.title,
                            "status": cell.status, "attempts": cell.attempts, "first_attempt": cell.first,
                            "last_attempt": cell.last, "passed_at": cell.passed_at})
        return out

    def csv(self) -> str:
        return _csv(CSV_COLUMNS, self.rows())

    def nbgrader_rows(self) -> list[dict]:
        """nbgrader's grade-export rows: one per learner and notebook (an *assignment*), a point per exercise."""
        by_notebook: dict[str, list[str]] = {}
        for ex in self.exercises:
            by_notebook.setdefault(ex.notebook, []).append(ex.id)
        out = []
        for notebook, ids in by_notebook.items():
            for learner in self.learners:
                cells = [learner.cell(i) for i in ids]
                score = float(sum(c.status == PASSED for c in cells))
                stamp = max((c.last for c in cells if c.last), default="")
                out.append({"assignment": notebook, "duedate": "", "timestamp": stamp.replace("T", " ").rstrip("Z"),
                            "student_id": learner.name, "last_name": "", "first_name": "", "email": "",
                            "raw_score": score, "late_submission_penalty": 0.0, "score": score,
                            "max_score": float(len(ids))})
        return out

    def nbgrader_csv(self) -> str:
        return _csv(NBGRADER_COLUMNS, self.nbgrader_rows())


def _csv(columns: list[str], rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


# ------------------------------------------------------------------------------------- hand in
def export_progress(path: Path | str, learner: str | None = None) -> Path:
    """Write this learner's progress (file and this kernel's memory) to ``path``, to hand in.

    The file is the progress file's shape plus ``learner`` (``learner``, or ``JUPYTERHUB_USER`` on a
    hub, or the login name) and ``exported_at``. ``path`` may be a folder (an existing one, or a name
without a suffix): the file is then ``<learner>.json`` in it; ``python -m labkit.classroom progress --pattern`` reads
    a folder of them. Returns the path written.
    """
    name = learner or os.environ.get("JUPYTERHUB_USER") or _login()
    state, times = tracking.load(), tracking.load_times()
    known = [ex.id for ex in _all_exercises()]
    data = {"version": 1, "learner": name, "exported_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "summary": {"passed": sum(bool(state.get(i, {}).get("passed")) for i in known), "of": len(known)},
            "exercises": state, "times": times}
    target = Path(path).expanduser()
    if target.is_dir() or not target.suffix:  # a folder (a class's hand-in folder): <learner>.json in it
        target = target / f"{name}.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(data, indent=1, sort_keys=True), encoding="utf-8")
    return target


def _login() -> str:
    try:
        import getpass

        return getpass.getuser()
    except (ImportError, KeyError, OSError):
        return "learner"
