"""``python -m labkit.bench`` keeps working (its figures are reported, never asserted here)."""

from __future__ import annotations

import subprocess
import sys

from labkit import bench


def test_list_names_every_section():
    result = subprocess.run([sys.executable, "-m", "labkit.bench", "--list"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    for name in ("cold-start", "call-latency", "kernel-memory", "notebooks", "passkey-sign-in"):
        assert name in result.stdout


def test_call_latency_measures_the_sandbox_and_raw_moto():
    figures = bench.call_latency(quick=True)
    by_name = {f.name: f for f in figures}
    assert by_name["per call, through the sandbox"].value > 0
    assert by_name["per call, raw moto (mock_aws)"].value > 0
    assert by_name["sandbox / raw moto"].ok is not None  # compared with its target, not asserted


def test_a_section_in_benchmarks_dir_registers_itself(tmp_path, monkeypatch):
    (tmp_path / "bench_example.py").write_text(
        "from labkit.bench import Figure, benchmark\n\n"
        "@benchmark('example')\n"
        "def example(quick):\n"
        "    '''An example section.'''\n"
        "    return [Figure('answer', 42.0, 'ms', '<= 50 ms', True)]\n"
    )
    monkeypatch.setattr(bench, "BENCHMARKS", list(bench.BENCHMARKS))
    bench.load_extra_sections(tmp_path)
    lines = []
    results = bench.run(["example"], quick=True, out=lines.append)
    assert [f.value for f in results["example"]] == [42.0]
    assert lines[0] == "example: An example section."
    assert "answer" in lines[1] and "ok" in lines[1]


def test_passkey_sign_in_is_measured_beside_password_sign_in():
    by_name = {f.name: f for f in bench.passkey_sign_in(quick=True)}
    assert by_name["password sign-in (USER_PASSWORD_AUTH)"].value > 0
    assert by_name["passkey sign-in (USER_AUTH, WEB_AUTHN: 2 calls)"].value > 0
    assert by_name["email-code sign-in (USER_AUTH, EMAIL_OTP: 2 calls)"].value > 0
