"""``labkit.classroom``: what an instructor running the lab for a class needs.

* :mod:`labkit.classroom.progress` reads every learner's exercise progress (the JSON file each kernel
  keeps, :mod:`labkit.exercises.tracking`) and makes a table, a CSV and an nbgrader-shaped grades CSV;
  a learner exports their own progress as a file to hand in;
* :mod:`labkit.classroom.hub` starts a real, local JupyterHub with a handful of learners (the tests and
  ``benchmarks/class_bench.py`` use it) and drives their notebooks through the Hub's proxy exactly as
  JupyterLab in a browser does (REST for contents and sessions, the kernel websocket for execution).

The command line::

    python -m labkit.classroom progress --homes '/home/*' --csv class.csv
    python -m labkit.classroom progress --pattern '/srv/hand-in/*.json' --nbgrader grades.csv
    python -m labkit.classroom export my-progress.json

The deployment guide is ``docs/instructor-guide.md``.
"""

from __future__ import annotations


def export_progress(path, learner: str | None = None):
    """Write this learner's exercise progress to ``path`` to hand in (see
    :func:`labkit.classroom.progress.export_progress`); returns the path written."""
    from .progress import export_progress as export

    return export(path, learner)
