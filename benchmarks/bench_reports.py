"""Report speed: one region end to end, the batch with --jobs 2, and papermill/nbconvert overhead.

Run: python benchmarks/bench_reports.py [--all]
Targets: one region <= 20 s; all 42 regions with 2 jobs <= 5 min.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from jeugdlib import reports


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--all", action="store_true", help="also render all 42 regions (takes minutes)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        t0 = time.perf_counter()
        models = reports.fit_national_models(2022)
        t_models = time.perf_counter() - t0
        t0 = time.perf_counter()
        path = models.save(out / "models.pkl")
        t_save = time.perf_counter() - t0
        t0 = time.perf_counter()
        reports.NationalModels.load(path)
        t_load = time.perf_counter() - t0
        t0 = time.perf_counter()
        reports.region_overview("JZ24")
        reports.region_open_model(models, "JZ24")
        reports.region_scp_2017(models, "JZ24")
        reports.region_indicators("JZ24")
        reports.optional_sections("JZ24", models)
        t_compute = time.perf_counter() - t0
        t0 = time.perf_counter()
        reports.render_region("JZ24", out, models_path=path)
        t_one = time.perf_counter() - t0
        t0 = time.perf_counter()
        reports.render_region("JZ24", out / "cold")
        t_cold = time.perf_counter() - t0
        print(f"national models (SCP 2017 + open 2022), once per batch: {t_models:6.2f} s")
        size = path.stat().st_size / 1e6
        print(f"models file ({size:5.1f} MB): HMAC-sign + write {t_save:5.2f} s, verify + load {t_load:5.2f} s")
        print(f"pure computation of Haaglanden's tables:                {t_compute:6.2f} s")
        print(f"one region end to end (models reused):                  {t_one:6.2f} s")
        print(f"one region end to end (models fitted in the notebook):  {t_cold:6.2f} s")
        print(f"papermill + nbconvert + figures overhead:               {t_one - t_compute:6.2f} s")
        if args.all:
            t0 = time.perf_counter()
            res = reports.render_all(out / "all", jobs=2, force=True, progress=False)
            t_all = time.perf_counter() - t0
            ok = sum(r["status"] == "ok" for r in res)
            print(f"all {len(res)} regions, --jobs 2:                             {t_all:6.1f} s ({ok} ok)")


if __name__ == "__main__":
    main()
