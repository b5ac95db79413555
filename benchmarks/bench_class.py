"""``python -m labkit.bench --only class``: the class benchmark as a section of labkit.bench.

A local JupyterHub with N learners who all run notebook 01 at once (N=3 with ``--quick``, else 10);
``benchmarks/class_bench.py -n 10 -n 30`` is the full run, with every figure (docs/instructor-guide.md).
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from labkit.bench import Figure, benchmark


def _class_bench():
    name = "cognito_lab_class_bench"
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, Path(__file__).with_name("class_bench.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    return sys.modules[name]


@benchmark("class")
def class_run(quick: bool) -> list[Figure]:
    """A JupyterHub class: N learners run notebook 01 at once (N=3 quick, else 10)."""
    bench = _class_bench()
    n = 3 if quick else 10
    reason = bench.refuse(n)
    if reason:
        return [Figure(f"class of {n}", 0, "learners", note=f"not run: {reason}")]
    r = bench.run_class(n, bench.ROOT / "notebooks" / "01-user-pools.ipynb", out=lambda line: None)
    s = r["summary"]
    note = f"{n} learners, load average {r['load_mean']:.1f} mean"
    return [
        Figure(f"class of {n}: every notebook finished", r["class_s"], "s", note=note),
        Figure("kernel peak RSS per learner (median)", s["kernel_peak_mib_median"], "MiB"),
        Figure("server peak RSS per learner (median)", s["server_peak_mib_median"], "MiB"),
        Figure("memory per learner (PSS, hub included)", s["pss_mib_per_learner"], "MiB", "<= 512 MiB",
               s["pss_mib_per_learner"] <= 512),
        Figure("CPU per learner (kernel + server)", s["cpu_s_per_learner"], "s"),
        Figure("failures", len(r["failures"]), "", "0", not r["failures"]),
    ]
