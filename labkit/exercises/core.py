"""The exercise machinery: an :class:`Exercise` is checked by running the learner's answer against the
running sandbox and collecting a :class:`Verdict`.

A checker is a plain function ``checker(answer, run: Run)``. It sets up what it needs in the sandbox
(``run.sb``, with names from ``run.name(...)``), exercises the answer, and states what it observed with
``run.passed(...)`` / ``run.failed(...)``. Learner code is always called through ``run.call(fn, ...)``:
an exception there never escapes as a traceback, it becomes part of the verdict (``run.stop``), with
its name and what it means (:mod:`labkit.exercises.explain`).

The spirit is nbgrader's and otter-grader's (a test per exercise, a verdict the learner can act on),
made light enough for a self-paced lab: no grading server, no hidden tests, behaviour not text.
"""

from __future__ import annotations

import dis
import html
import itertools
from dataclasses import dataclass, field
from typing import Any, Callable

from . import explain

#: The statuses of a verdict, in the words the learner reads.
PASSED, FAILED, NOT_ATTEMPTED, NO_SANDBOX, BROKEN = "passed", "failed", "not attempted", "no sandbox", "checker error"

_names = itertools.count(1)


class Stop(Exception):
    """Raised inside a checker to end it now: the answer cannot be checked any further."""


@dataclass
class Exercise:
    """One exercise of a notebook's "Check yourself" section.

    ``id`` is ``"NN.k"`` (notebook number, exercise number). ``answer_name`` is the variable (or
    function) the learner's cell defines; ``starter`` the cell's code as the notebook ships it, ending
    in ``check(id, answer_name)``. ``kind`` is ``"value"`` (a claim, an error code, a policy) or
    ``"function"`` (code the checker calls).
    """

    id: str
    notebook: str
    title: str
    prompt: str
    starter: str
    hints: list[str]
    checker: Callable[[Any, "Run"], None]
    kind: str = "value"
    level: str = "read"  # read -> use -> write

    @property
    def number(self) -> int:
        return int(self.id.split(".")[0])


@dataclass
class Point:
    ok: bool
    text: str
    why: str = ""


@dataclass
class Verdict:
    """What :func:`labkit.exercises.check` answers: rendered as HTML in Jupyter, as text elsewhere."""

    exercise: Exercise
    status: str
    summary: str
    points: list[Point] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    def __bool__(self) -> bool:
        return self.passed

    # ------------------------------------------------------------------ display
    _ICON = {PASSED: "✅", FAILED: "❌", NOT_ATTEMPTED: "✏️", NO_SANDBOX: "⚠️", BROKEN: "⚠️"}
    _COLOR = {PASSED: "#1a7f37", FAILED: "#cf222e", NOT_ATTEMPTED: "#57606a", NO_SANDBOX: "#9a6700", BROKEN: "#9a6700"}

    def _headline(self) -> str:
        ex = self.exercise
        return f"Exercise {ex.id} · {ex.title}: {self.status}"

    def __repr__(self) -> str:  # text/plain
        lines = [f"{self._ICON[self.status]} {self._headline()}", f"   {self.summary}"]
        for point in self.points:
            lines.append(f"   {'✔' if point.ok else '✘'} {point.text}")
            if point.why:
                lines.append(f"       {point.why}")
        if not self.passed and self.exercise.hints:
            lines.append(f"   Stuck? hint({self.exercise.id!r}) shows a hint ({len(self.exercise.hints)} in all, one at a time).")
        return "\n".join(lines)

    def _repr_html_(self) -> str:
        e = html.escape
        color = self._COLOR[self.status]
        parts = [
            f'<div class="labkit-verdict" style="border-left:4px solid {color};padding:4px 10px;margin:4px 0">',
            f'<div style="font-weight:bold;color:{color}">{self._ICON[self.status]} {e(self._headline())}</div>',
            f"<div>{e(self.summary)}</div>",
        ]
        if self.points:
            parts.append('<ul style="margin:4px 0;padding-left:1.2em;list-style:none">')
            for point in self.points:
                mark = '<span style="color:#1a7f37">✔</span>' if point.ok else '<span style="color:#cf222e">✘</span>'
                why = f'<br><span style="color:#57606a">{e(point.why)}</span>' if point.why else ""
                parts.append(f"<li>{mark} {e(point.text)}{why}</li>")
            parts.append("</ul>")
        if not self.passed and self.exercise.hints:
            parts.append(_hints_html(self.exercise))
        parts.append("</div>")
        return "".join(parts)


def _hints_html(exercise: Exercise) -> str:
    """The hints as nested <details>: each opens only after the one before it (no JavaScript needed)."""
    inner = ""
    for number in range(len(exercise.hints), 0, -1):
        text = html.escape(exercise.hints[number - 1])
        inner = (f'<details style="margin-left:{0 if number == 1 else 1}em"><summary>Hint {number} of '
                 f"{len(exercise.hints)}</summary><div>{text}</div>{inner}</details>")
    return (f'<div style="margin-top:4px;color:#57606a">Stuck? Open the hints one at a time, or run '
            f"<code>hint({exercise.id!r})</code>.</div>{inner}")


@dataclass
class HintView:
    """What :func:`labkit.exercises.hint` answers."""

    exercise: Exercise
    number: int

    def __repr__(self) -> str:
        ex, total = self.exercise, len(self.exercise.hints)
        more = (f" Run hint({ex.id!r}) again for hint {self.number + 1}." if self.number < total else " That was the last hint.")
        return f"💡 Exercise {ex.id}, hint {self.number} of {total}: {ex.hints[self.number - 1]}\n  {more.strip()}"

    def _repr_html_(self) -> str:
        ex, total = self.exercise, len(self.exercise.hints)
        more = (f"Run <code>hint({ex.id!r})</code> again for hint {self.number + 1}." if self.number < total else "That was the last hint.")
        return (f'<div style="border-left:4px solid #9a6700;padding:4px 10px">💡 <b>Exercise {html.escape(ex.id)}, hint '
                f"{self.number} of {total}:</b> {html.escape(ex.hints[self.number - 1])}"
                f'<div style="color:#57606a">{more}</div></div>')


# ---------------------------------------------------------------------------------------------- a check run
class Run:
    """One check of one answer: the sandbox, a name factory, and the points observed so far."""

    def __init__(self, exercise: Exercise, sb):
        self.exercise = exercise
        self.sb = sb
        self.points: list[Point] = []
        self.serial = next(_names)

    # ---- what the checker observed
    def passed(self, text: str, why: str = "") -> None:
        self.points.append(Point(True, text, why))

    def failed(self, text: str, why: str = "") -> None:
        self.points.append(Point(False, text, why))

    def expect(self, condition: bool, text: str, why: str = "", *, passed_text: str | None = None) -> bool:
        """Record ``passed_text or text`` if ``condition`` holds, else ``text`` as failed with ``why``."""
        if condition:
            self.passed(passed_text or text)
        else:
            self.failed(text, why)
        return bool(condition)

    def stop(self, text: str, why: str = "") -> None:
        """Record a failed point and end the check (nothing further can be checked)."""
        self.failed(text, why)
        raise Stop()

    # ---- calling the learner's code
    def call(self, fn, *args, doing: str, advice: str = "", **kwargs):
        """Call the learner's ``fn``; if it raises, the check stops with a point that names the exception
        and what it means (``doing`` says what the call was for, e.g. "signing up dora"; ``advice`` is
        added to the meaning)."""
        outcome = self.attempt(fn, *args, **kwargs)
        if outcome.error is not None:
            meaning = explain.meaning(outcome.error)
            self.stop(f"Your code raised {explain.name(outcome.error)} while {doing}.", f"{meaning} {advice}".strip())
        return outcome.value

    def attempt(self, fn, *args, **kwargs) -> "Outcome":
        """Call the learner's ``fn`` and return its value or the exception it raised (never raises)."""
        try:
            return Outcome(fn(*args, **kwargs), None)
        except Exception as exc:  # the learner's bug is part of the verdict, never a traceback
            return Outcome(None, exc)

    # ---- set-up helpers
    def other_region(self) -> str:
        """A Cognito region other than the sandbox's: a check run there catches code that reads the region
        from the notebook instead of from its arguments."""
        return "eu-west-1" if self.sb.region != "eu-west-1" else "ap-southeast-2"

    def at_wall_clock(self):
        """A context in which the sandbox's clock reads the computer's time.

        A notebook may have moved the sandbox's clock ahead (``sb.advance``); a textbook verifier (PyJWT
        with its own clock) would then see the check's fresh tokens as issued in the future. The check
        makes its own pool and tokens inside this context and puts the clock back afterwards."""
        import contextlib

        clock = self.sb.clock

        @contextlib.contextmanager
        def window():
            saved = clock.offset
            clock.offset = 0.0
            try:
                yield
            finally:
                clock.offset = saved

        return window()

    def name(self, prefix: str) -> str:
        """A fresh name for something this check creates (``ex0701-role-3``): checks never collide."""
        return f"{prefix}{self.serial}"


@dataclass
class Outcome:
    value: Any
    error: BaseException | None

    @property
    def raised(self) -> bool:
        return self.error is not None


# ---------------------------------------------------------------------------------------------- placeholders
def is_placeholder(answer) -> bool:
    """``...``, ``None``, or a function whose body is only ``...``/``pass`` (and maybe a docstring)."""
    if answer is None or answer is Ellipsis:
        return True
    if isinstance(answer, dict) and answer and all(v is None or v is Ellipsis for v in answer.values()):
        return True  # a table of predictions, none made yet
    code = getattr(answer, "__code__", None)
    if code is None:
        return False
    body = [i for i in dis.get_instructions(code) if i.opname not in ("RESUME", "NOP", "CACHE", "COPY_FREE_VARS", "MAKE_CELL")]
    if len(body) == 1 and body[0].opname == "RETURN_CONST":
        return body[0].argval in (None, Ellipsis)
    if len(body) == 2 and body[0].opname == "LOAD_CONST" and body[1].opname == "RETURN_VALUE":
        return body[0].argval in (None, Ellipsis)
    return False


def lab_helper(answer) -> str | None:
    """The name of the labkit function (or method, or partial of one) ``answer`` is, if it is one."""
    import functools

    while isinstance(answer, functools.partial):
        answer = answer.func
    target = getattr(answer, "__func__", answer)  # a bound method
    module = getattr(target, "__module__", None) or ""
    if callable(target) and (module == "labkit" or module.startswith("labkit.")):
        return f"{module}.{getattr(target, '__qualname__', getattr(target, '__name__', '?'))}"
    return None


def grade(exercise: Exercise, answer, sb) -> Verdict:
    """Run ``exercise``'s checker on ``answer`` in ``sb``; always returns a Verdict, never raises."""
    if is_placeholder(answer):
        if isinstance(answer, dict):
            what = "each ... with your prediction"
        else:
            what = "the ... with your " + ("function" if exercise.kind == "function" else "answer")
        return Verdict(exercise, NOT_ATTEMPTED, f"Not attempted yet: replace {what}, then run this cell again.")
    borrowed = lab_helper(answer)
    if borrowed:
        return Verdict(exercise, FAILED,
                       f"Not yet: you handed in labkit's own {borrowed}, not code of your own.",
                       [Point(False, f"The answer is labkit's {borrowed}.",
                              "labkit plays the world around AWS and checks your work; the exercise asks for the boto3 "
                              "(or Python) code an app would run on AWS, where labkit does not exist.")])
    if sb is None or not getattr(sb, "running", False):
        return Verdict(exercise, NO_SANDBOX,
                       "No sandbox is running, so nothing can be checked. Run the notebook's set-up cells first "
                       "(sb = labkit.Sandbox.fresh(seed=SEED, region=REGION)), then this cell again.")
    run = Run(exercise, sb)
    try:
        exercise.checker(answer, run)
    except Stop:
        pass
    except Exception as exc:  # a learner value the checker did not foresee, or a checker bug
        run.failed(f"The check could not go on: {explain.name(exc)}.", explain.meaning(exc))
    if run.points and all(p.ok for p in run.points):
        return Verdict(exercise, PASSED, "Well done: every check passed.", run.points)
    if not run.points:
        return Verdict(exercise, BROKEN, "The checker observed nothing; please report this exercise.", run.points)
    wrong = sum(not p.ok for p in run.points)
    return Verdict(exercise, FAILED,
                   f"Not yet: {wrong} of {len(run.points)} checks failed. Read why below, change your answer and run the cell again.",
                   run.points)
