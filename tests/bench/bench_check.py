#!/usr/bin/env python3
"""Benchmark `gwfc check` on generated workflows, and actionlint on their GitHub twins.

    python tests/bench/bench_check.py                      # 500 and 5,000 jobs, 5 runs each
    python tests/bench/bench_check.py --sizes 500 5000 20000 --runs 7 --actionlint /path/to/actionlint

Workloads come from ../shared/bench/gen_workloads.py (the same layered DAG in Gradient and
GitHub Actions form). Each measurement is the wall time of a whole process (start-up included),
as a user sees it; the table gives min and median of the runs and the growth factor between
sizes (linear ≈ the size ratio). Not a test: speed is measured here, not asserted in pytest.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GENERATOR = ROOT.parent / "shared" / "bench" / "gen_workloads.py"


def wall(cmd: list[str], runs: int) -> tuple[float, float, int]:
    """(min, median) seconds over `runs` runs, and the exit code of the last."""
    times = []
    rc = 0
    for _ in range(runs):
        t = time.perf_counter()
        rc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
        times.append(time.perf_counter() - t)
    return min(times), statistics.median(times), rc


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", type=int, nargs="+", default=[500, 5000])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--gwfc", default=str(Path(sys.executable).parent / "gwfc"))
    ap.add_argument("--actionlint", default=shutil.which("actionlint") or "/work/bench-tools/actionlint")
    ap.add_argument("--generator", default=str(GENERATOR))
    args = ap.parse_args()

    tools = [("gwfc check", lambda d: [args.gwfc, "check", "--format", "json", str(d / "gradient.yaml")])]
    if Path(args.actionlint).exists():
        # Without its external linters (shellcheck per `run:` script), as actionlint checks on
        # its own; with shellcheck installed it takes ~30× longer.
        tools.append(("actionlint", lambda d: [args.actionlint, "-no-color", "-shellcheck=", "-pyflakes=",
                                               str(d / "gha.yml")]))
    else:
        print(f"(actionlint not found at {args.actionlint}; only gwfc is measured)")
    # Up-to-date bytecode, as a normal install has it (pip compiles at install time; an
    # editable install only when modules are imported and PYTHONDONTWRITEBYTECODE is unset).
    subprocess.run([sys.executable, "-m", "compileall", "-q", *(str(ROOT / d) for d in ("compiler", "targets",
                                                                                        "grammar"))], check=False)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in args.sizes:
            d = Path(tmp) / f"w{n}"
            subprocess.run([sys.executable, args.generator, str(n), str(d)], check=True, stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
            wall([args.gwfc, "version"], 1)  # warm the file cache
            for name, cmd in tools:
                lo, med, rc = wall(cmd(d), args.runs)
                rows.append((name, n, lo, med, rc, (d / "gradient.yaml").stat().st_size))
    print(f"{'tool':<12} {'jobs':>6} {'min s':>8} {'median s':>9} {'exit':>5}")
    for name, n, lo, med, rc, _ in rows:
        print(f"{name:<12} {n:>6} {lo:>8.3f} {med:>9.3f} {rc:>5}")
    for name, _ in tools:
        mine = [r for r in rows if r[0] == name]
        for a, b in itertools.pairwise(mine):
            print(f"{name}: {a[1]} → {b[1]} jobs ({b[1] / a[1]:.0f}×): time ×{b[3] / a[3]:.1f} (median)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
