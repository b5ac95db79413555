"""``python -m labkit.classroom``: a class's progress read from made-up learners' homes, and hand-ins."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

import pytest

import labkit
import labkit.exercises
from labkit.classroom import progress as cp
from labkit.classroom.__main__ import main
from labkit.exercises import check, exercises

ALL = [ex.id for ex in exercises()]


def write_progress(home, exercises_state, times=None):
    target = home / ".cognito-lab" / "progress.json"
    target.parent.mkdir(parents=True, exist_ok=True)
    data = {"version": 1, "exercises": exercises_state}
    if times is not None:
        data["times"] = times
    target.write_text(json.dumps(data))
    return target


@pytest.fixture
def homes(tmp_path):
    """alice passed 00.3 and 02.1 and tried 01.1 twice; bob has not started; carol's file is broken;
    dave's file predates the times."""
    root = tmp_path / "home"
    write_progress(root / "alice", {"00.3": {"passed": True, "attempts": 1}, "02.1": {"passed": True, "attempts": 3},
                                    "01.1": {"passed": False, "attempts": 2}, "99.9": {"passed": True, "attempts": 1}},
                   {"00.3": {"first": "2026-12-01T09:00:00Z", "last": "2026-12-01T09:00:00Z", "passed": "2026-12-01T09:00:00Z"},
                    "02.1": {"first": "2026-12-01T10:00:00Z", "last": "2026-12-01T10:05:00Z", "passed": "2026-12-01T10:04:00Z"},
                    "01.1": {"first": "2026-12-01T09:30:00Z", "last": "2026-12-01T09:31:00Z"}})
    (root / "bob").mkdir(parents=True)
    carol = root / "carol" / ".cognito-lab"
    carol.mkdir(parents=True)
    (carol / "progress.json").write_text("{not json")
    write_progress(root / "dave", {"00.1": {"passed": True, "attempts": 1}})
    (root / "not-a-home.txt").write_text("a file, not a learner")
    return root


@pytest.fixture
def own_progress(tmp_path, monkeypatch):
    path = tmp_path / "mine" / "progress.json"
    monkeypatch.setenv("COGNITO_LAB_PROGRESS", str(path))
    monkeypatch.setattr(labkit.exercises._progress, "_memory", {})
    monkeypatch.setattr(labkit.exercises._progress, "_memory_times", {})
    return path


def test_every_home_is_a_learner_and_every_cell_says_passed_attempted_or_not(homes):
    learners = cp.from_homes([str(homes / "*")])
    assert [l.name for l in learners] == ["alice", "bob", "carol", "dave"]
    alice, bob, carol, dave = learners
    assert alice.cell("00.3") == cp.Cell("passed", 1, "2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z", "2026-12-01T09:00:00Z")
    assert alice.cell("01.1") == cp.Cell("attempted", 2, "2026-12-01T09:30:00Z", "2026-12-01T09:31:00Z", "")
    assert alice.cell("02.2").status == "not attempted"
    assert alice.last_activity == "2026-12-01T10:05:00Z"
    assert all(bob.cell(i).status == "not attempted" for i in ALL) and not bob.problem
    assert "carol" in carol.problem or "cannot read" in carol.problem
    assert dave.cell("00.1") == cp.Cell("passed", 1)  # a file from before times: status without times


def test_table_marks_each_learner_and_counts_each_exercise(homes):
    table = cp.ClassProgress(cp.from_homes([str(homes / "*")])).table()
    lines = table.splitlines()
    header = lines[0]
    assert header.split()[:4] == ["learner", "00.1", "00.2", "00.3"] and "last activity" in header
    alice = next(line for line in lines if line.startswith("alice"))
    cells = alice.split()[1:1 + len(ALL)]
    assert cells[ALL.index("00.3")] == "✔" and cells[ALL.index("02.1")] == "✔"
    assert cells[ALL.index("01.1")] == "✘2" and cells[ALL.index("02.2")] == "·"
    assert f"2/{len(ALL)}" in alice and "2026-12-01 10:05:00Z" in alice
    counts = next(line for line in lines if line.startswith("passed by")).split()[2:]
    assert counts[ALL.index("00.1")] == "1" and counts[ALL.index("00.3")] == "1" and counts[ALL.index("00.2")] == "0"
    assert "4 learners" in table and "warning: carol" in table


def test_csv_has_a_row_per_learner_and_exercise_with_times(homes):
    report = cp.ClassProgress(cp.from_homes([str(homes / "*")]))
    rows = list(csv.DictReader(io.StringIO(report.csv())))
    assert len(rows) == 4 * len(ALL)
    assert list(rows[0]) == cp.CSV_COLUMNS
    by = {(r["learner"], r["exercise"]): r for r in rows}
    assert by["alice", "02.1"] == {"learner": "alice", "exercise": "02.1", "notebook": "02-tokens",
                                   "title": exercises(2)[0].title, "status": "passed", "attempts": "3",
                                   "first_attempt": "2026-12-01T10:00:00Z", "last_attempt": "2026-12-01T10:05:00Z",
                                   "passed_at": "2026-12-01T10:04:00Z"}
    assert by["alice", "01.1"]["status"] == "attempted" and by["alice", "01.1"]["passed_at"] == ""
    assert by["bob", "00.1"]["status"] == "not attempted" and by["bob", "00.1"]["attempts"] == "0"
    assert ("alice", "99.9") not in by  # an exercise the lab no longer has is not a column


def test_nbgrader_export_has_nbgraders_columns_a_row_per_learner_and_notebook(homes):
    report = cp.ClassProgress(cp.from_homes([str(homes / "*")]))
    rows = list(csv.DictReader(io.StringIO(report.nbgrader_csv())))
    assert list(rows[0]) == ["assignment", "duedate", "timestamp", "student_id", "last_name", "first_name", "email",
                             "raw_score", "late_submission_penalty", "score", "max_score"]
    notebooks = sorted({ex.notebook for ex in exercises()})
    assert len(rows) == 4 * len(notebooks)
    by = {(r["student_id"], r["assignment"]): r for r in rows}
    assert by["alice", "00-welcome"]["score"] == "1.0" and by["alice", "00-welcome"]["max_score"] == str(float(len(exercises(0))))
    assert by["alice", "00-welcome"]["timestamp"] == "2026-12-01 09:00:00"
    assert by["alice", "01-user-pools"]["score"] == "0.0" and by["alice", "01-user-pools"]["timestamp"] == "2026-12-01 09:31:00"
    assert by["bob", "02-tokens"]["raw_score"] == "0.0" and by["bob", "02-tokens"]["timestamp"] == ""


def test_command_prints_the_table_and_writes_both_csvs(homes, tmp_path, capsys):
    out, grades = tmp_path / "class.csv", tmp_path / "grades.csv"
    assert main(["progress", "--homes", str(homes / "*"), "--csv", str(out), "--nbgrader", str(grades)]) == 0
    printed = capsys.readouterr().out
    assert printed.startswith("learner") and "alice" in printed and "bob" in printed
    assert len(out.read_text().splitlines()) == 1 + 4 * len(ALL)
    assert grades.read_text().startswith("assignment,duedate,timestamp,student_id")


def test_command_for_one_notebook_and_csv_to_stdout(homes, capsys):
    assert main(["progress", "--homes", str(homes / "*"), "--notebook", "02", "--csv", "-"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["exercise"] for r in rows} == {ex.id for ex in exercises(2)} and len(rows) == 4 * len(exercises(2))


def test_command_says_when_no_learner_is_found(tmp_path, capsys):
    assert main(["progress", "--homes", str(tmp_path / "nobody-*")]) == 1
    assert "no learners found" in capsys.readouterr().err


def test_pattern_names_learners_by_the_wildcards_part(homes):
    learners = cp.from_pattern([str(homes / "*" / ".cognito-lab" / "progress.json")])
    assert [l.name for l in learners] == ["alice", "carol", "dave"]  # bob has no file
    assert learners[0].cell("02.1").status == "passed"


def test_a_learner_hands_in_their_own_progress_and_the_instructor_reads_the_folder(sb, own_progress, tmp_path):
    """Real verdicts (check() in a sandbox) write the progress with times; export writes the hand-in."""
    assert check("02.1", "sub").status == "failed"
    assert check("02.1", "client_id").passed
    assert check("00.3", "cognito-identity").passed
    saved = json.loads(own_progress.read_text())
    assert saved["exercises"]["02.1"] == {"passed": True, "attempts": 2}
    assert set(saved["times"]["02.1"]) == {"first", "last", "passed"} and "passed" in saved["times"]["00.3"]
    assert saved["times"]["02.1"]["first"] <= saved["times"]["02.1"]["passed"] <= saved["times"]["02.1"]["last"]

    hand_in = tmp_path / "hand-in"
    written = labkit.classroom.export_progress(hand_in, learner="erin")  # a folder: erin.json in it
    assert written == hand_in / "erin.json"
    data = json.loads(written.read_text())
    assert data["learner"] == "erin" and data["summary"] == {"passed": 2, "of": len(ALL)}
    assert data["exported_at"].endswith("Z")

    (hand_in / "frank.json").write_text(json.dumps({"version": 1, "exercises": {"01.2": {"passed": False, "attempts": 4}}}))
    learners = cp.from_pattern([str(hand_in / "*.json")])
    assert [l.name for l in learners] == ["erin", "frank"]  # stated name, else the file's stem
    erin, frank = learners
    assert erin.cell("02.1").status == "passed" and erin.cell("02.1").attempts == 2
    assert erin.cell("02.1").passed_at == saved["times"]["02.1"]["passed"]
    assert frank.cell("01.2") == cp.Cell("attempted", 4)


def test_export_command_uses_the_hub_user_name(own_progress, tmp_path, monkeypatch):
    own_progress.parent.mkdir(parents=True)
    own_progress.write_text(json.dumps({"version": 1, "exercises": {"00.1": {"passed": True, "attempts": 1}}}))
    monkeypatch.setenv("JUPYTERHUB_USER", "grace")
    monkeypatch.chdir(tmp_path)
    result = subprocess.run([sys.executable, "-m", "labkit.classroom", "export"], capture_output=True, text=True,
                            timeout=120, env={**__import__("os").environ})
    assert result.returncode == 0, result.stderr
    written = tmp_path / "cognito-lab-progress.json"
    assert f"wrote {written.name}" in result.stdout or str(written) in result.stdout
    data = json.loads(written.read_text())
    assert data["learner"] == "grace" and data["exercises"] == {"00.1": {"passed": True, "attempts": 1}}
