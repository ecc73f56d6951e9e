"""Report speed: cold single region, one region after the national fit, 6- and 42-region batches, no-op rerun.

Run: python benchmarks/bench_reports.py [--skip-all]

Goals on a 2-core machine (issue 13): one region end to end <= 5 s after the national fit;
42 regions <= 90 s; a no-op rerun <= 3 s. Every figure includes the PDF (headless Chromium)
when Chromium is installed. The cold and no-op figures are wall-clock times of the CLI
(``jeugdlib report ...`` in a fresh Python process), as a scheduled run would see them.

Before the rework (commit 1448688, one Python process + kernel per region, no PDF):
cold single 17.0 s, 6 regions 42.2 s, 42 regions 286.8 s (230 s in the issue), no-op 106.4 s (78 s in the issue);
the 42-region and no-op figures were measured while other work ran on the machine.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from jeugdlib import reports
from jeugdlib._chromium import find_chromium

SIX = ["JZ24", "JZ13", "JZ29", "JZ38", "JZ02", "JZ01"]


def _cli(*args: str) -> float:
    exe = shutil.which("jeugdlib")
    cmd = [exe, *args] if exe else [sys.executable, "-m", "jeugdlib.cli", *args]
    t0 = time.perf_counter()
    subprocess.run(cmd, check=True, capture_output=True)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--skip-all", action="store_true", help="leave out the 42-region batch and the no-op rerun")
    args = ap.parse_args()
    print(f"PDF by headless Chromium: {'yes' if find_chromium() else 'no (not installed)'}")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t = _cli("report", "--region", "JZ24", "--out", str(out / "cold"))
        print(f"cold single region (CLI, fit included):            {t:6.1f} s")

        t0 = time.perf_counter()
        models = reports.fit_national_models(2022)
        t_fit = time.perf_counter() - t0
        path = models.save(out / "models.pkl")
        print(f"national models (SCP 2017 + open 2022 + tests):     {t_fit:6.1f} s")
        for code in ("JZ24", "JZ13"):
            t0 = time.perf_counter()
            reports.render_region(code, out / "one", models_path=path)
            t = time.perf_counter() - t0
            man = json.loads((out / "one" / code / "manifest.json").read_text())
            print(
                f"one region after the fit, {code} (kernel + browser start, execute {man['seconds_execute']:.1f} s, "
                f"export + PDF {man['seconds_total'] - man['seconds_execute']:.1f} s): {t:5.1f} s"
            )

        t0 = time.perf_counter()
        res = reports.render_all(out / "six", jobs=2, regions=SIX, force=True, progress=False)
        t = time.perf_counter() - t0
        ok = sum(r["status"] == "ok" for r in res)
        print(f"6 regions, 2 workers (fit included):                {t:6.1f} s ({ok} ok)")
        if args.skip_all:
            return
        t0 = time.perf_counter()
        res = reports.render_all(out / "all", jobs=2, force=True, progress=False)
        t = time.perf_counter() - t0
        ok = sum(r["status"] == "ok" for r in res)
        per = [r["seconds"] for r in res if r["status"] == "ok"]
        print(
            f"42 regions, 2 workers (fit included):               {t:6.1f} s ({ok} ok; per region "
            f"median {sorted(per)[len(per) // 2]:.1f} s)"
        )
        t = _cli("report", "--all", "--out", str(out / "all"))
        print(f"no-op rerun of all 42 (CLI):                        {t:6.1f} s")


if __name__ == "__main__":
    main()
