"""The class benchmark: a local JupyterHub with N learners who all run the same notebook at once.

    .venv/bin/python benchmarks/class_bench.py -n 10 -n 30            # the figures in docs/instructor-guide.md
    .venv/bin/python benchmarks/class_bench.py -n 3 --notebook 00-welcome --json benchmarks/results/class.json
    .venv/bin/python -m labkit.bench --only class                     # the same, N=10 (N=3 with --quick)

Every learner signs in on the hub's login form, starts a server (``SimpleLocalProcessSpawner``), uploads
the notebook, opens it (a kernel) and runs every cell over the kernel websocket, all at the same moment
(:mod:`labkit.classroom.hub`). Reported:

* per learner: the kernel's peak RSS (``VmHWM``), the learner's Jupyter server's peak RSS, the CPU seconds
  both used, the time the notebook took;
* the class: total memory (the proportional set size, PSS, of the hub, the proxy, every server and
  kernel, which counts shared library pages once; and the largest drop of the machine's MemAvailable),
  the time from "everyone clicks" until every notebook finished, the failures (target: 0), the load
  average while it ran.

A class size is refused before it starts when its estimated memory (N x 300 MiB) exceeds 12 GiB or
70 % of what the machine has available.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from labkit.classroom.hub import LocalHub  # noqa: E402

ESTIMATE_MIB = 300  # per learner, for the refusal check only (measured about 270 MiB PSS: see the guide)
CEILING_GIB = 12

MEASURE = """
import json, os, resource
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"pid": os.getpid(), "server": os.getppid(), "cpu": usage.ru_utime + usage.ru_stime}))
"""


def _status_kib(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _available_kib() -> int:
    for line in Path("/proc/meminfo").read_text().splitlines():
        if line.startswith("MemAvailable:"):
            return int(line.split()[1])
    return 0


class Sampler(threading.Thread):
    """Every half second: the load average and the machine's MemAvailable, while the class runs."""

    def __init__(self):
        super().__init__(daemon=True)
        self.loads: list[float] = []
        self.lowest_available = _available_kib()
        self.baseline_available = self.lowest_available
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.5):
            self.loads.append(os.getloadavg()[0])
            self.lowest_available = min(self.lowest_available, _available_kib())

    def stop(self) -> None:
        self._done.set()
        self.join(timeout=5)


def refuse(n: int) -> str:
    """Why a class of ``n`` must not run on this machine now ('' when it may)."""
    need = n * ESTIMATE_MIB * 1024
    available = _available_kib()
    if need > CEILING_GIB * 1024 * 1024:
        return f"N={n} needs about {need / 2**20:.1f} GiB, over the {CEILING_GIB} GiB this benchmark allows itself"
    if need > 0.7 * available:
        return f"N={n} needs about {need / 2**20:.1f} GiB, over 70 % of the {available / 2**20:.1f} GiB available"
    return ""


def run_class(n: int, notebook: Path, out=print) -> dict:
    """Start a hub, let ``n`` learners join and run ``notebook`` at once; measure; stop everything."""
    import psutil

    names = [f"learner{i:03d}" for i in range(1, n + 1)]
    result: dict = {"learners": n, "notebook": notebook.stem, "cpus": os.cpu_count()}
    t_hub = time.monotonic()
    with LocalHub(timeout=900) as hub:
        result["hub_start_s"] = time.monotonic() - t_hub
        learners = [hub.learner(name) for name in names]
        barrier = threading.Barrier(n)
        sampler = Sampler()
        failures: list[str] = []

        def join(learner):
            barrier.wait()
            try:
                return learner.join(notebook)
            except Exception as err:  # a failure is a figure, not the end of the run
                failures.append(f"{learner.name}: {err.__class__.__name__}: {str(err)[:300]}")
                return None

        sampler.start()
        t0 = time.monotonic()
        with ThreadPoolExecutor(n) as pool:
            times = list(pool.map(join, learners))
        result["class_s"] = time.monotonic() - t0
        sampler.stop()

        per = []
        for learner, spent in zip(learners, times):
            if spent is None:
                continue
            if not learner.last_run.passed:
                failures.append(f"{learner.name}: {learner.last_run.failures[:1]}")
            probe = learner.execute(MEASURE)
            if probe.status != "ok":
                failures.append(f"{learner.name}: the measuring cell failed: {probe.error}")
                continue
            ids = json.loads(probe.text().strip().splitlines()[-1])
            try:
                server_cpu = sum(psutil.Process(ids["server"]).cpu_times()[:2])
            except psutil.NoSuchProcess:
                server_cpu = 0.0
            per.append({"learner": learner.name, **{k: round(v, 2) for k, v in spent.items()},
                        "kernel_peak_mib": _status_kib(ids["pid"], "VmHWM") / 1024,
                        "kernel_rss_mib": _status_kib(ids["pid"], "VmRSS") / 1024,
                        "server_peak_mib": _status_kib(ids["server"], "VmHWM") / 1024,
                        "kernel_cpu_s": ids["cpu"], "server_cpu_s": server_cpu})
        pss = rss = 0
        hub_proxy_mib = 0.0
        for proc in hub.processes():
            try:
                info = proc.memory_full_info()
            except (psutil.NoSuchProcess, psutil.AccessDenied):
                continue
            pss += info.pss
            rss += info.rss
            if proc.pid == hub.process.pid or "configurable-http-proxy" in " ".join(proc.cmdline()):
                hub_proxy_mib += info.rss / 2**20
    result.update({
        "failures": failures,
        "per_learner": per,
        "total_pss_mib": pss / 2**20,
        "total_rss_mib": rss / 2**20,
        "hub_and_proxy_rss_mib": hub_proxy_mib,
        "available_drop_mib": (sampler.baseline_available - sampler.lowest_available) / 1024,
        "load_max": max(sampler.loads, default=0.0),
        "load_mean": statistics.mean(sampler.loads) if sampler.loads else 0.0,
    })
    _summarise(result, out)
    return result


def _summarise(r: dict, out) -> None:
    per = r["per_learner"]

    def stat(key):
        values = [p[key] for p in per]
        return (statistics.median(values), max(values)) if values else (0.0, 0.0)

    k_med, k_max = stat("kernel_peak_mib")
    s_med, s_max = stat("server_peak_mib")
    run_med, run_max = stat("run")
    kcpu, _ = stat("kernel_cpu_s")
    scpu, _ = stat("server_cpu_s")
    r["summary"] = {"kernel_peak_mib_median": k_med, "kernel_peak_mib_max": k_max,
                    "server_peak_mib_median": s_med, "server_peak_mib_max": s_max,
                    "notebook_s_median": run_med, "notebook_s_max": run_max,
                    "cpu_s_per_learner": kcpu + scpu, "pss_mib_per_learner": r["total_pss_mib"] / max(1, r["learners"])}
    out(f"class of {r['learners']} on {r['cpus']} CPUs, notebook {r['notebook']}:")
    out(f"  every notebook finished after   {r['class_s']:8.1f} s  (from all clicking at once; hub start {r['hub_start_s']:.1f} s)")
    out(f"  notebook run per learner        {run_med:8.1f} s median, {run_max:.1f} s max")
    out(f"  kernel peak RSS per learner     {k_med:8.0f} MiB median, {k_max:.0f} MiB max")
    out(f"  server peak RSS per learner     {s_med:8.0f} MiB median, {s_max:.0f} MiB max")
    out(f"  CPU per learner (kernel+server) {kcpu + scpu:8.1f} s  ({kcpu:.1f} + {scpu:.1f})")
    out(f"  total memory (PSS, all)         {r['total_pss_mib']:8.0f} MiB  ({r['summary']['pss_mib_per_learner']:.0f} MiB a learner; "
        f"RSS sum {r['total_rss_mib']:.0f} MiB; hub+proxy {r['hub_and_proxy_rss_mib']:.0f} MiB)")
    out(f"  MemAvailable dropped by         {r['available_drop_mib']:8.0f} MiB  (the whole machine, other work included)")
    out(f"  load average (1 min) during     {r['load_mean']:8.1f} mean, {r['load_max']:.1f} max")
    out(f"  failures                        {len(r['failures']):8d}  (target 0)")
    for failure in r["failures"][:10]:
        out(f"    {failure}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", "--learners", type=int, action="append", help="class size (repeatable; default 10)")
    parser.add_argument("--notebook", default="01-user-pools", help="the notebook every learner runs")
    parser.add_argument("--json", type=Path, help="write every figure to this file")
    args = parser.parse_args(argv)
    notebook = ROOT / "notebooks" / f"{args.notebook.removesuffix('.ipynb')}.ipynb"
    if not notebook.exists():
        parser.error(f"no notebook {notebook.name} in notebooks/")
    results = []
    for n in args.learners or [10]:
        reason = refuse(n)
        if reason:
            print(f"class of {n}: not run: {reason}")
            continue
        print(f"class of {n}: starting (load average {os.getloadavg()[0]:.1f}, "
              f"{_available_kib() / 2**20:.1f} GiB available)", flush=True)
        results.append(run_class(n, notebook))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=1))
    return 0 if results and all(not r["failures"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
