"""Benchmark: the report's national sections through the publication boundary, per region.

Prints, per region and in total, the time to compute and publish the sections a regional report
shows from national data (overview, open model per wijk, SCP 2017, indicators, deviating wijken),
and how many count cells the boundary hid. The national models are fitted once, outside the timing.

Run from a checkout: ``python benchmarks/bench_publication.py [--regions JZ13 JZ24 ...] [--repeat 3]``.
For a before/after figure run it with ``PYTHONPATH`` pointing at an older checkout too; code older
than the publication boundary (jeugdlib < 0.3) is timed through its own section functions.
"""

from __future__ import annotations

import argparse
import inspect
import time
import warnings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", nargs="*", default=["JZ13", "JZ24", "JZ29", "JZ38", "JZ02", "JZ43"])
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()

    import jeugdlib
    from jeugdlib import reports

    try:
        from jeugdlib.publication import Publication
    except ImportError:  # before the boundary
        Publication = None  # noqa: N806
    warnings.simplefilter("ignore")
    t0 = time.perf_counter()
    models = reports.fit_national_models(2022)
    print(f"jeugdlib {jeugdlib.__version__} ({jeugdlib.__file__})")
    print(f"national fit: {time.perf_counter() - t0:.1f} s (not in the timings below)")
    new = Publication is not None and "pub" in inspect.signature(reports.region_overview).parameters
    total = 0.0
    for code in args.regions:
        best = float("inf")
        hidden = 0
        for _ in range(args.repeat):
            t = time.perf_counter()
            if new:
                pub = Publication()
                reports.region_overview(code, 2022, pub=pub)
                reports.region_open_model(models, code, pub=pub)
                reports.region_scp_2017(models, code, pub=pub)
                reports.region_indicators(code, pub=pub)
                reports.deviation_section(code, models, pub=pub)
                hidden = sum(x.n_suppressed for x in pub.tables)
            else:
                reports.region_overview(code, 2022)
                reports.region_open_model(models, code)
                reports.region_scp_2017(models, code)
                reports.region_indicators(code)
                reports.deviation_section(code, models)
            best = min(best, time.perf_counter() - t)
        total += best
        print(f"{code}: {best:.2f} s" + (f", {hidden} count cells hidden" if new else ""))
    print(f"total over {len(args.regions)} regions: {total:.2f} s (best of {args.repeat} each)")


if __name__ == "__main__":
    main()
