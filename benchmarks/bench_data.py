"""Load time of each embedded loader (cold, then cached) and of a cached CBS fetch.

Run: python benchmarks/bench_data.py [--repeat 5]   (targets: each loader well under 1 s)

"cold" is the fastest of ``--repeat`` runs with every loader cache cleared
before each run (the machine is shared, so single runs are noisy); "warm" is a
cached call. Geometries are timed once cold (their cache is also cleared).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time

import pandas as pd

from jeugdlib import data as d
from jeugdlib.data import cbs

REPEAT = 5


def clear_caches() -> None:
    """Clear every loader cache of jeugdlib.data (whatever the module layout)."""
    for name, mod in list(sys.modules.items()):
        if name == "jeugdlib.data" or (name.startswith("jeugdlib.data.") and not name.startswith("jeugdlib.data.cbs")):
            for obj in list(vars(mod).values()):
                if callable(getattr(obj, "cache_clear", None)):
                    obj.cache_clear()


def timed(label: str, fn, *args, **kwargs) -> None:
    runs = []
    for _ in range(REPEAT):
        clear_caches()
        t0 = time.perf_counter()
        fn(*args, **kwargs)
        runs.append(time.perf_counter() - t0)
    cold = min(runs)
    t0 = time.perf_counter()
    fn(*args, **kwargs)
    warm = time.perf_counter() - t0
    print(f"{label:34s} cold {cold:7.3f} s   warm {warm:7.4f} s")


def main() -> None:
    global REPEAT
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=REPEAT, help="cold runs per loader (fastest is shown)")
    REPEAT = parser.parse_args().repeat
    timed("load_scp_2017()", d.load_scp_2017)
    timed("load_wijken(2021)", d.load_wijken, 2021)
    timed("load_wijken(2022)", d.load_wijken, 2022)
    timed("load_gemeenten(2022)", d.load_gemeenten, 2022)
    timed("load_kwb_amsterdam_2017()", d.load_kwb_amsterdam_2017)
    timed("regions(2022)", d.regions, 2022)
    timed("find_region('haaglanden')", d.find_region, "haaglanden")
    for level, year in [("wijk", 2022), ("gemeente", 2022), ("jeugdregio", 2022)]:
        timed(f"load_geometries({level!r}, {year})", d.load_geometries, level, year)

    bsn_check_cost()

    class FakeClient:  # a StatLine table of 5,000 rows, served once; the second call must hit the cache
        calls = 0

        @classmethod
        def get_data(cls, table_id, filters=None, select=None):
            cls.calls += 1
            return pd.DataFrame(
                {"WijkenEnBuurten": [f"WK{i:06d}  " for i in range(5000)], "AantalInwoners_5": range(5000)}
            ).to_dict("records")

        @classmethod
        def get_meta(cls, table_id, name):
            return []

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        cbs.fetch("85318NED", cache_dir=tmp, client=FakeClient)
        first = time.perf_counter() - t0
        t0 = time.perf_counter()
        cbs.fetch("85318NED", cache_dir=tmp, client=FakeClient)
        second = time.perf_counter() - t0
    print(
        f"{'cbs.fetch (fake client, 5,000 rows)':34s} first {first:7.3f} s   cached {second:7.4f} s   "
        f"client calls {FakeClient.calls}"
    )


def bsn_check_cost() -> None:
    """read_table on the largest embedded table with and without the BSN column check (CPU seconds, fastest run).

    CPU time, not wall time: the machine is shared, so wall times swing with the other processes.
    """
    import jeugdlib.io.read as read
    from jeugdlib.data import DATASETS, embedded_path

    tables = [ds for ds in DATASETS.values() if str(ds.file).endswith(".csv") and ds.path.is_file()]
    largest = max(tables, key=lambda ds: ds.path.stat().st_size)
    real = read.find_bsn_columns
    res = {}
    for label, finder in (("without BSN check", lambda *a, **k: []), ("with BSN check", real)):
        read.find_bsn_columns = finder
        runs = []
        for _ in range(max(REPEAT, 10)):
            t0 = time.process_time()
            read.read_table(embedded_path(largest.name), source=largest.file, decimal=largest.decimal)
            runs.append(time.process_time() - t0)
        res[label] = min(runs)
    read.find_bsn_columns = real
    print(
        f"{'read_table ' + largest.file[:22]:34s} "
        + "   ".join(f"{k} {v:6.3f} s" for k, v in res.items())
        + f"   (CPU; +{res['with BSN check'] - res['without BSN check']:.3f} s)"
    )


if __name__ == "__main__":
    main()
