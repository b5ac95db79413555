"""``python -m labkit.classroom``: the instructor's class progress, and a learner's hand-in.

    python -m labkit.classroom progress                          # every home in /home/*
    python -m labkit.classroom progress --homes '/home/jupyter-*' --csv class.csv
    python -m labkit.classroom progress --pattern 'hand-in/*.json' --notebook 02 --nbgrader grades.csv
    python -m labkit.classroom export [PATH]                     # a learner: my progress, to hand in

``--csv -`` (or ``--nbgrader -``) writes the CSV to standard output instead of the table.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import progress as _progress


def _write(text: str, target: str) -> None:
    if target == "-":
        sys.stdout.write(text)
    else:
        Path(target).expanduser().write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m labkit.classroom", description=__doc__.split("\n\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    show = commands.add_parser("progress", help="every learner's exercise progress: a table, a CSV")
    show.add_argument("--homes", action="append", metavar="GLOB",
                      help="learners' home directories (default '/home/*'); each has .cognito-lab/progress.json")
    show.add_argument("--pattern", action="append", metavar="GLOB",
                      help="progress or hand-in files, e.g. 'hand-in/*.json' (instead of --homes)")
    show.add_argument("--notebook", metavar="NN", help="only this notebook's exercises (e.g. 02)")
    show.add_argument("--csv", metavar="FILE", help="also write learner x exercise rows as CSV ('-': stdout)")
    show.add_argument("--nbgrader", metavar="FILE", help="also write nbgrader-export-shaped grades ('-': stdout)")

    hand_in = commands.add_parser("export", help="write my progress to a file to hand in")
    hand_in.add_argument("path", nargs="?", default="cognito-lab-progress.json", help="file or folder to write")
    hand_in.add_argument("--name", help="the learner's name in the file (default: JUPYTERHUB_USER or login)")

    args = parser.parse_args(argv)
    if args.command == "export":
        written = _progress.export_progress(args.path, args.name)
        print(f"wrote {written}: hand this file in")
        return 0

    if args.pattern and args.homes:
        parser.error("give --homes or --pattern, not both")
    learners = _progress.from_pattern(args.pattern) if args.pattern else _progress.from_homes(args.homes or ["/home/*"])
    if not learners:
        where = args.pattern or args.homes or ["/home/*"]
        print(f"no learners found in {', '.join(where)}", file=sys.stderr)
        return 1
    try:
        report = _progress.ClassProgress(learners, args.notebook)
    except ValueError:
        parser.error(f"--notebook {args.notebook!r}: give a notebook number such as 02")
    if not report.exercises:
        parser.error(f"--notebook {args.notebook!r}: that notebook has no exercises")
    if args.csv:
        _write(report.csv(), args.csv)
    if args.nbgrader:
        _write(report.nbgrader_csv(), args.nbgrader)
    if "-" not in (args.csv, args.nbgrader):
        print(report.table())
    return 0


if __name__ == "__main__":
    sys.exit(main())
