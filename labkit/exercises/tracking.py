"""Which exercises of the lab a learner has passed, kept in a small JSON file.

The file is ``~/.cognito-lab/progress.json``, or the path in the environment variable
``COGNITO_LAB_PROGRESS``. It is never required: if it cannot be read or written (a read-only home, a
sandboxed CI), progress is kept in memory for this kernel and nothing is said.

Its shape (version 1)::

    {"version": 1,
     "exercises": {"02.1": {"passed": true, "attempts": 3}},
     "times": {"02.1": {"first": "2026-12-01T22:40:03Z", "last": "...", "passed": "..."}}}

``times`` (UTC, ISO 8601, wall-clock: not the sandbox's clock) says when an exercise was first and last
checked and first passed; an instructor's ``python -m labkit.classroom progress`` reads it. Files written
before ``times`` existed simply have none.
"""

from __future__ import annotations

import html
import json
import os
import time
from pathlib import Path

ENV_VAR = "COGNITO_LAB_PROGRESS"
_memory: dict[str, dict] = {}  # used when the file cannot be written
_memory_times: dict[str, dict] = {}


def path() -> Path:
    """Where progress is kept (the env var ``COGNITO_LAB_PROGRESS`` overrides the default)."""
    chosen = os.environ.get(ENV_VAR)
    return Path(chosen).expanduser() if chosen else Path.home() / ".cognito-lab" / "progress.json"


def load() -> dict[str, dict]:
    """``{exercise id: {"passed": bool, "attempts": int}}``; empty if there is no readable file."""
    try:
        data = json.loads(path().read_text())
        found = data.get("exercises", {}) if isinstance(data, dict) else {}
        found = {k: v for k, v in found.items() if isinstance(v, dict)}
    except (OSError, ValueError):
        found = {}
    merged = dict(found)
    for key, value in _memory.items():
        merged[key] = _merge(found.get(key), value)
    return merged


def load_times() -> dict[str, dict]:
    """``{exercise id: {"first": iso, "last": iso, "passed": iso}}`` (each key only once it happened)."""
    try:
        data = json.loads(path().read_text())
        found = data.get("times", {}) if isinstance(data, dict) else {}
        found = {k: dict(v) for k, v in found.items() if isinstance(v, dict)}
    except (OSError, ValueError, AttributeError):
        found = {}
    for key, value in _memory_times.items():
        found[key] = {**value, **found.get(key, {}), "last": max(value.get("last", ""), found.get(key, {}).get("last", ""))}
    return found


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())


def _merge(a: dict | None, b: dict) -> dict:
    if not a:
        return dict(b)
    return {"passed": bool(a.get("passed")) or bool(b.get("passed")), "attempts": max(a.get("attempts", 0), b.get("attempts", 0))}


def record(exercise_id: str, passed: bool) -> None:
    """Note an attempt (and a pass: once passed, an exercise stays passed). Never raises."""
    entry = load().get(exercise_id, {"passed": False, "attempts": 0})
    entry = {"passed": bool(entry.get("passed")) or passed, "attempts": int(entry.get("attempts", 0)) + 1}
    _memory[exercise_id] = entry
    now = _now()
    when = load_times().get(exercise_id, {})
    when = {"first": when.get("first", now), "last": now, **({"passed": when.get("passed", now)} if entry["passed"] else {})}
    _memory_times[exercise_id] = when
    try:
        target = path()
        data = {"version": 1, "exercises": {**load(), exercise_id: entry}, "times": {**load_times(), exercise_id: when}}
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.with_name(target.name + ".tmp")
        tmp.write_text(json.dumps(data, indent=1, sort_keys=True))
        os.replace(tmp, target)
    except (OSError, TypeError, ValueError):
        pass  # progress is a convenience: never in the learner's way


class Progress:
    """What :func:`labkit.exercises.progress` answers: each notebook's exercises, passed or not."""

    def __init__(self, exercises, state: dict[str, dict]):
        self.exercises = list(exercises)
        self.state = state

    @property
    def passed(self) -> list[str]:
        return [ex.id for ex in self.exercises if self.state.get(ex.id, {}).get("passed")]

    def __len__(self) -> int:
        return len(self.passed)

    def _rows(self):
        by_notebook: dict[str, list] = {}
        for ex in self.exercises:
            by_notebook.setdefault(ex.notebook, []).append(ex)
        return by_notebook

    def __repr__(self) -> str:
        lines = [f"Cognito lab progress: {len(self.passed)} of {len(self.exercises)} exercises passed"]
        for notebook, exercises in self._rows().items():
            marks = " ".join(f"{'✔' if self.state.get(ex.id, {}).get('passed') else '·'} {ex.id}" for ex in exercises)
            lines.append(f"  {notebook:<32} {marks}")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        rows = []
        for notebook, exercises in self._rows().items():
            cells = []
            for ex in exercises:
                entry = self.state.get(ex.id, {})
                if entry.get("passed"):
                    mark, color = "✔", "#1a7f37"
                elif entry.get("attempts"):
                    mark, color = "✘", "#cf222e"
                else:
                    mark, color = "·", "#57606a"
                cells.append(f'<span title="{html.escape(ex.title)}" style="color:{color};margin-right:1em">{mark} {ex.id}</span>')
            rows.append(f"<tr><td style='text-align:left'>{html.escape(notebook)}</td><td style='text-align:left'>{''.join(cells)}</td></tr>")
        return (f"<div><b>Cognito lab progress: {len(self.passed)} of {len(self.exercises)} exercises passed</b>"
                f"<table>{''.join(rows)}</table></div>")
