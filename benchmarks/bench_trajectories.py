"""Benchmark jeugdlib.trajectories on 1,000,000 SYNTHETIC trajectories.

Targets (issue 6): load + validate <= 15 s, durations <= 5 s, flows <= 5 s,
care_paths <= 15 s, peak memory <= 2 GB. Prints each figure; no asserts.

The synthetic table is generated and written to CSV and parquet in a child
process, so the peak memory reported (``ru_maxrss`` of this process) covers
loading and the analyses only.

Usage::

    python benchmarks/bench_trajectories.py [--rows 1000000] [--keep DIR]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROWS_PER_CLIENT = 2.2  # approximate rows per simulated client (checked below)


def generate(out_dir: Path, rows: int, seed: int = 42) -> None:
    """Write ``rows`` SYNTHETIC trajectory rows to trajectories.csv / .parquet."""
    from jeugdlib.trajectories import simulate_trajectories

    n_clients = int(rows / ROWS_PER_CLIENT * 1.05) + 10
    sim = simulate_trajectories(n_clients, "2016-01-01", "2023-12-31", seed=seed, claims=False)
    df = sim.trajectories
    if len(df) < rows:
        raise SystemExit(f"simulated only {len(df)} rows; raise ROWS_PER_CLIENT margin")
    df = df.iloc[:rows]
    df.to_parquet(out_dir / "trajectories.parquet", index=False)
    df.to_csv(out_dir / "trajectories.csv", index=False, date_format="%Y-%m-%d")


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kB on Linux


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, default=None, help="directory to keep the generated files")
    parser.add_argument("--generate", type=Path, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate is not None:
        generate(args.generate, args.rows)
        return

    tmp = tempfile.TemporaryDirectory() if args.keep is None else None
    out_dir = Path(tmp.name) if tmp is not None else args.keep
    out_dir.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--generate", str(out_dir)], check=True)
    print(f"generate {args.rows:,} SYNTHETIC rows (child process): {time.perf_counter() - t0:6.2f} s")

    import jeugdlib.trajectories as T

    timings: dict[str, float] = {}

    def timed(name: str, func, *a, **kw):
        start = time.perf_counter()
        result = func(*a, **kw)
        timings[name] = time.perf_counter() - start
        print(f"{name:<38s} {timings[name]:6.2f} s   (peak RSS so far {_peak_mb():7.0f} MB)")
        return result

    as_of, observed_from = "2023-12-31", "2016-01-01"
    # read_trajectories: the table with its LoadReport and window (what load_trajectories reads)
    df = timed(
        "load_trajectories (CSV) + validate",
        T.read_trajectories,
        out_dir / "trajectories.csv",
        as_of=as_of,
        observed_from=observed_from,
    )
    print("   ", df.report.summary())
    del df
    from jeugdlib.io import read_table
    from jeugdlib.io.identifiers import find_bsn_columns

    raw, _ = read_table(out_dir / "trajectories.csv")
    timed(
        "  of which: BSN column check (frame)",
        find_bsn_columns,
        [raw.iloc[:, i] for i in range(raw.shape[1])],
        list(raw.columns),
        ("client_id",),
    )
    del raw
    df = timed(
        "load_trajectories (parquet) + validate",
        T.read_trajectories,
        out_dir / "trajectories.parquet",
        as_of=as_of,
        observed_from=observed_from,
    )
    timed("episodes (linking)", T.episodes, df)
    timed("durations", T.durations, df)
    timed("durations by productcategorie", T.durations, df, by="productcategorie")
    timed("flows (year)", T.flows, df)
    timed("flows (quarter)", T.flows, df, "quarter")
    timed("extensions", T.extensions, df)
    timed("care_paths", T.care_paths, df)
    timed("provider_indicators", T.provider_indicators, df)
    print(f"rows: {len(df):,}; peak memory (ru_maxrss): {_peak_mb():.0f} MB")
    targets = {
        "load_trajectories (CSV) + validate": 15,
        "durations": 5,
        "flows (year)": 5,
        "care_paths": 15,
    }
    for name, limit in targets.items():
        status = "ok" if timings[name] <= limit else "OVER"
        print(f"target {name:<36s} {timings[name]:6.2f} s <= {limit:>3d} s  {status}")
    print(f"target peak memory {_peak_mb():.0f} MB <= 2048 MB  {'ok' if _peak_mb() <= 2048 else 'OVER'}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
