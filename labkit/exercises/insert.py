"""Write (or refresh) a notebook's exercise cells in its "Check yourself" section.

    python -m labkit.exercises.insert notebooks/02-tokens.ipynb [more notebooks...]

Every cell this script writes carries the cell tag ``exercise`` (and a fixed cell id), so running it
again replaces those cells instead of adding a second copy: the script is idempotent. The cells go at
the end of the "Check yourself" section, just before the "Summary" heading; if the author wrote
"Check yourself" and "Summary" in one markdown cell, that cell is split at the Summary heading.

The stored outputs are then stale: re-execute the notebook
(``jupyter nbconvert --to notebook --execute --inplace notebooks/NN-x.ipynb``).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat

from . import exercises as all_exercises

TAG = "exercise"
_SUMMARY = re.compile(r"^#{1,3}\s+Summary\b", re.IGNORECASE | re.MULTILINE)
_CHECK = re.compile(r"^#{1,3}\s+Check yourself\b", re.IGNORECASE | re.MULTILINE)


def solutions_file(notebook_stem: str) -> str:
    """``02-tokens`` -> ``solutions/02_tokens.py``."""
    return "solutions/" + notebook_stem.replace("-", "_") + ".py"


def exercise_cells(notebook_stem: str) -> list:
    """The cells for a notebook's exercises (each tagged ``exercise``, with a fixed id)."""
    number = notebook_stem.split("-")[0]
    chosen = all_exercises(number)
    if not chosen:
        raise SystemExit(f"labkit.exercises has no exercises for notebook {notebook_stem} (module labkit/exercises/nb{number}.py).")
    ids = ", ".join(f'`"{ex.id}"`' for ex in chosen)
    intro = (
        "### Exercises that check themselves\n\n"
        "The questions above are for thinking; the exercises below are checked by the sandbox. Replace each `...` "
        "with your answer, run the cell, and read the verdict: what is right, what is wrong and why. The checks test "
        "what your answer *does* in the sandbox (they may create their own pools, users and roles there), not how "
        f"it is written.\n\n* `hint(\"{chosen[0].id}\")` shows a hint, one more each time you run it "
        "(the verdict also has them, one at a time);\n"
        "* `progress()` shows which exercises of the lab you have passed;\n"
        f"* exercises here: {ids}. Model solutions are in `{solutions_file(notebook_stem)}` of the repository: "
        "try first!"
    )
    cells = [_cell(nbformat.v4.new_markdown_cell(intro), f"exercise-{number}-intro"),
             _cell(nbformat.v4.new_code_cell("from labkit.exercises import check, hint, progress"), f"exercise-{number}-import")]
    for ex in chosen:
        slug = ex.id.replace(".", "-")
        cells.append(_cell(nbformat.v4.new_markdown_cell(f"#### Exercise {ex.id} · {ex.title}\n\n{ex.prompt}"), f"exercise-{slug}-prompt"))
        cells.append(_cell(nbformat.v4.new_code_cell(ex.starter), f"exercise-{slug}-answer", exercise=ex.id))
    return cells


def _cell(cell, cell_id: str, exercise: str | None = None):
    cell["id"] = cell_id
    cell.metadata["tags"] = [TAG]
    if exercise:
        cell.metadata["labkit"] = {"exercise": exercise}
    return cell


def insert(path: str | Path) -> int:
    """Write the exercise cells into the notebook at ``path``; returns how many cells were written."""
    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    nb.cells = [cell for cell in nb.cells if TAG not in cell.get("metadata", {}).get("tags", [])]

    start = next((i for i, cell in enumerate(nb.cells) if cell.cell_type == "markdown" and _CHECK.search(cell.source)), None)
    if start is None:
        raise SystemExit(f"{path}: no 'Check yourself' heading; the exercises go at the end of that section.")
    at = None
    for index in range(start, len(nb.cells)):
        cell = nb.cells[index]
        if cell.cell_type != "markdown":
            continue
        match = _SUMMARY.search(cell.source)
        if match is None:
            continue
        if match.start() > 0:  # "Check yourself" and "Summary" share a cell: split it at the Summary heading
            before, after = cell.source[: match.start()].rstrip() + "\n", cell.source[match.start():]
            cell.source = before.rstrip("\n")
            summary = nbformat.v4.new_markdown_cell(after)
            summary["id"] = _free_id(nb, f"{cell.get('id', 'cell')}-summary")
            nb.cells.insert(index + 1, summary)
            at = index + 1
        else:
            at = index
        break
    if at is None:  # no Summary: the end of the Check yourself section (the next heading of its level), or the end
        at = len(nb.cells)
        for index in range(start + 1, len(nb.cells)):
            if nb.cells[index].cell_type == "markdown" and re.match(r"^#{1,2}\s", nb.cells[index].source):
                at = index
                break
    new = exercise_cells(path.stem)
    nb.cells[at:at] = new
    nbformat.validate(nb)
    nbformat.write(nb, path)
    return len(new)


def _free_id(nb, wanted: str) -> str:
    wanted = re.sub(r"[^A-Za-z0-9_-]", "-", wanted)[:60]
    taken = {cell.get("id") for cell in nb.cells}
    candidate, n = wanted, 1
    while candidate in taken:
        n += 1
        candidate = f"{wanted[:56]}-{n}"
    return candidate


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: " + __doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    for arg in args:
        count = insert(arg)
        print(f"{arg}: wrote {count} exercise cells (tag '{TAG}'); re-execute it to store their outputs:\n"
              f"  .venv/bin/jupyter nbconvert --to notebook --execute --inplace {arg}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
