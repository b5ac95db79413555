"""docs/moto-gaps.md stays current: every test it names exists, and on the pinned moto the probes
(docs/probe_moto_gaps.py, raw moto without labkit) still find every gap the document lists as probed."""

from __future__ import annotations

import pathlib
import re
import subprocess
import sys

ROOT = pathlib.Path(__file__).resolve().parents[1]
DOC = ROOT / "docs" / "moto-gaps.md"


def _defined_tests() -> set[str]:
    names = set()
    for path in (ROOT / "tests").glob("test_*.py"):
        names |= set(re.findall(r"^def (test_\w+)", path.read_text(), re.M))
    return names


def test_every_test_the_document_names_exists():
    named = set(re.findall(r"`(test_\w+)`", DOC.read_text()))
    assert len(named) > 60
    assert sorted(named - _defined_tests()) == []


def test_the_probes_still_find_every_gap_on_the_pinned_moto():
    out = subprocess.run([sys.executable, str(ROOT / "docs" / "probe_moto_gaps.py")], capture_output=True,
                         text=True, cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    lines = [line for line in out.stdout.splitlines() if line[:6].strip() in ("GAP", "CLOSED", "BROKEN")]
    assert len(lines) >= 15
    assert [line for line in lines if not line.startswith("GAP")] == []
