"""``labkit.exercises``: "Check yourself" exercises that check themselves.

Each notebook ends with two to four exercises. The learner writes an answer or a function in a cell
and asks for a verdict; the verdict comes from the sandbox's behaviour (this user can sign in, this
role lets Alice read her prefix and not Bob's, this verifier refuses the forged token), not from the
text of the answer::

    from labkit.exercises import check, hint, progress

    claim = "client_id"
    check("02.1", claim)          # a verdict: what is right, what is wrong and why
    hint("02.1")                  # the next hint, one at a time
    progress()                    # which exercises of the lab you have passed

Wrong answers, even code that raises, never produce a traceback: the verdict names the exception and
what it means. An answer left as ``...`` (or ``None``) is "not attempted yet". Passes are remembered in
``~/.cognito-lab/progress.json`` (or the file named by ``COGNITO_LAB_PROGRESS``).

Exercises live in one module per notebook (``labkit/exercises/nb02.py``); model solutions live apart
from the notebooks, in ``solutions/``. ``python -m labkit.exercises.insert notebooks/NN-x.ipynb`` writes
(or refreshes) a notebook's exercise cells.
"""

from __future__ import annotations

import importlib
import pkgutil

from ..errors import LabkitError
from . import tracking as _progress
from .core import Exercise, HintView, Verdict, grade

__all__ = ["check", "hint", "progress", "exercises", "get", "Exercise", "Verdict", "UnknownExercise"]

_UNSET = object()
_registry: dict[str, Exercise] | None = None
_hints_shown: dict[str, int] = {}


class UnknownExercise(LabkitError, KeyError):
    """``check``/``hint`` was given an exercise id that does not exist."""

    def __str__(self) -> str:  # KeyError would quote the message
        return self.args[0] if self.args else ""


def _load() -> dict[str, Exercise]:
    global _registry
    if _registry is None:
        found: dict[str, Exercise] = {}
        for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
            if info.name.startswith("nb") and info.name[2:].isdigit():
                module = importlib.import_module(f"{__name__}.{info.name}")
                for exercise in getattr(module, "EXERCISES", []):
                    found[exercise.id] = exercise
        _registry = found
    return _registry


def exercises(notebook: int | str | None = None) -> list[Exercise]:
    """Every exercise of the lab, or of one notebook (``2``, ``"02"`` or ``"02-tokens"``)."""
    everything = sorted(_load().values(), key=lambda ex: (ex.number, int(ex.id.split(".")[1])))
    if notebook is None:
        return everything
    number = int(str(notebook).split("-")[0])
    return [ex for ex in everything if ex.number == number]


def get(exercise_id: str) -> Exercise:
    """The exercise ``"NN.k"``; raises :class:`UnknownExercise` naming the ids that exist."""
    found = _load().get(str(exercise_id).strip())
    if found is None:
        near = [ex.id for ex in exercises()]
        raise UnknownExercise(f"There is no exercise {exercise_id!r}. Exercises are named 'NN.k' (notebook, number): "
                              f"{', '.join(near)}.")
    return found


def check(exercise_id: str, answer=_UNSET, /, **kwargs) -> Verdict:
    """Check ``answer`` (a value or a function, as the exercise asks) against the running sandbox.

    ``check("02.1", claim)`` or ``check("02.1", answer=claim)``. Returns a :class:`Verdict` that Jupyter
    shows as HTML (and ``print`` as text); ``bool(verdict)`` is True when it passed.
    """
    if answer is _UNSET:
        answer = kwargs.pop("answer", None)
    if kwargs:
        raise LabkitError(f"check() takes the exercise id and your answer, e.g. check({exercise_id!r}, answer); "
                          f"it got unexpected arguments {sorted(kwargs)}.")
    exercise = get(exercise_id)
    from ..sandbox import Sandbox

    verdict = grade(exercise, answer, Sandbox.current())
    if verdict.status in ("passed", "failed"):
        _progress.record(exercise.id, verdict.passed)
    return verdict


def hint(exercise_id: str, number: int | None = None) -> HintView:
    """The next hint of an exercise (one more each call), or hint ``number`` (1-based)."""
    exercise = get(exercise_id)
    total = len(exercise.hints)
    if number is None:
        number = min(_hints_shown.get(exercise.id, 0) + 1, total)
    if not isinstance(number, int) or not 1 <= number <= total:
        raise LabkitError(f"Exercise {exercise.id} has hints 1 to {total}; hint({exercise.id!r}) shows the next one.")
    _hints_shown[exercise.id] = max(_hints_shown.get(exercise.id, 0), number)
    return HintView(exercise, number)


def progress() -> _progress.Progress:
    """Which exercises of the lab you have passed (kept in ``~/.cognito-lab/progress.json``, or the file
    named by ``COGNITO_LAB_PROGRESS``)."""
    return _progress.Progress(exercises(), _progress.load())
