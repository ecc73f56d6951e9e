"""Disclosure control: speed of the interval audit, and recoverable primary cells before/after.

Run: python benchmarks/bench_disclosure.py [--n 2000] [--seed 0] [--no-before]
(targets: an audit of a report-sized table in milliseconds; 0 recoverable primary cells after)

1. Time per audit (:func:`jeugdlib.disclosure.audit_published`, two LPs per suppressed
   cell) and per :func:`~jeugdlib.disclosure.protect_table` for report-sized tables.
2. ``--n`` generated tables (a quarter per family: two-way with both margins, grouped
   with totals elsewhere and a total row, flows with the stock identity, rates on
   counts) are protected and attacked by the independent LP attacker of
   ``tests/test_disclosure_audit.py``. A primary cell (true value 1..9) is recovered
   when it is determined exactly with the published cells at their true values, or
   narrowed to fewer than 5 apart from the rounding intervals (for the old rates:
   after narrowing the counts to the pairs reproducing the shown rate).

"Before" is the greedy ``protect`` of jeugdlib before the audit (commit 6f2bf35,
read with ``git show``; skipped when git history is unavailable), called as the
old callers did: flows without their identity, rates computed from unrounded counts
and hidden with ``rate_cols``.
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import test_disclosure_audit as T  # noqa: E402

from jeugdlib.disclosure import audit_published, check_protected, protect_table, relation_matrix  # noqa: E402
from jeugdlib.disclosure._protect import _table_cells  # noqa: E402

OLD_COMMIT = "6f2bf35"


def load_old():
    """The greedy disclosure module of jeugdlib before the audit, from git history (or None)."""
    try:
        src = subprocess.run(
            ["git", "-C", str(ROOT), "show", f"{OLD_COMMIT}:jeugdlib/disclosure.py"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    path = Path(tempfile.mkdtemp()) / "old_disclosure.py"
    path.write_text(src, encoding="utf-8")
    spec = importlib.util.spec_from_file_location("old_disclosure", path)
    mod = importlib.util.module_from_spec(spec)
    sys.modules["old_disclosure"] = mod
    spec.loader.exec_module(mod)
    return mod


def old_protect(old, case: T.Case) -> pd.DataFrame:
    kw = dict(case.protect_kwargs)
    kw.pop("relations", None)  # the old protect knew no identities
    rates = kw.pop("rates", None)
    if rates:
        kw["rate_cols"] = {k: [r.numerator, r.denominator] for k, r in rates.items()}
    return old.protect(case.df, case.count_cols, **kw)


def best_of(fn, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return min(runs)


def report_sized(rng: np.random.Generator) -> dict[str, tuple[pd.DataFrame, list[str], dict]]:
    """Three report-sized tables: 10x6 two-way with margins, 30 wijken in 6 gemeenten x 4, 12 periods of flows."""

    def counts(shape):
        small = rng.random(shape) < 0.3
        return np.where(small, rng.integers(0, 10, shape), rng.integers(10, 300, shape)).astype(float)

    two = pd.DataFrame(counts((10, 6)), columns=[f"c{j}" for j in range(6)], index=[f"r{i}" for i in range(10)])
    two["tot"] = two.sum(axis=1)
    two = pd.concat([two, two.sum().to_frame("T").T])
    grp = pd.DataFrame(counts((30, 4)), columns=[f"c{j}" for j in range(4)], index=[f"w{i}" for i in range(30)])
    grp.insert(0, "gemeente", [f"GM{i % 6}" for i in range(30)])
    tot = grp.drop(columns="gemeente").sum().to_frame("T").T
    tot.insert(0, "gemeente", "regio")
    grp = pd.concat([grp, tot])
    draws = iter(rng.integers(0, 1_000_000, 10_000))
    flows = T.flows(lambda lo, hi: lo + int(next(draws)) % (hi - lo + 1))
    while len(flows.df) < 5:
        flows = T.flows(lambda lo, hi: lo + int(next(draws)) % (hi - lo + 1))
    return {
        f"two-way 10x6 + margins ({two.size} cells)": (
            two,
            [*two.columns],
            {"total_col": "tot", "total_row": "T", "column_totals": False},
        ),
        "grouped 30 wijken x 4 + totals (124+24 cells)": (
            grp,
            [f"c{j}" for j in range(4)],
            {"total_row": "T", "groups": "gemeente"},
        ),
        f"flows {len(flows.df)} periods x 4": (flows.df, flows.count_cols, flows.protect_kwargs),
    }


def bench_speed(rng: np.random.Generator) -> None:
    print("1. Speed (best of 3)")
    print(f"   {'table':50s} {'hidden':>6s} {'protect_table':>14s} {'audit':>9s} {'per hidden cell':>16s}")
    for name, (df, cols, kw) in report_sized(rng).items():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out, rep = protect_table(df, cols, **kw)
        t_protect = best_of(lambda df=df, cols=cols, kw=kw: protect_table(df, cols, **kw))
        cells = _table_cells(
            out,
            rep.count_cols,
            total_col=kw.get("total_col"),
            total_row=kw.get("total_row"),
            column_totals=kw.get("column_totals", True),
            groups=kw.get("groups"),
            relations=kw.get("relations"),
            source=name,
        )
        values = np.concatenate(
            [out[rep.count_cols].to_numpy().ravel(), np.full(len(cells.labels) - cells.n_body, np.nan)]
        )
        A = relation_matrix(cells.relations, len(values))
        hidden = np.isnan(values) & ~cells.exact

        def audit(values=values, hidden=hidden, A=A, cells=cells):
            return audit_published(values, hidden, A, base=5, threshold=10, exact=cells.exact)

        t_audit = best_of(audit)
        kw_check = {k: v for k, v in kw.items() if k != "rates"}
        check_protected(out, rep.count_cols, **kw_check)
        n_hidden = int(hidden.sum())
        per = 1000 * t_audit / max(n_hidden, 1)
        print(f"   {name:50s} {n_hidden:6d} {1000 * t_protect:11.0f} ms {1000 * t_audit:6.0f} ms {per:13.1f} ms")


def bench_attack(n: int, seed: int, with_before: bool) -> None:
    old = load_old() if with_before else None
    if with_before and old is None:
        print(f"   (no git history: 'before' ({OLD_COMMIT}) skipped)")
    rng = np.random.default_rng(seed)

    def draw(lo: int, hi: int) -> int:
        return int(rng.integers(lo, hi + 1))

    per_family = max(n // len(T.FAMILIES), 1)
    print(f"\n2. Recoverable primary cells in {per_family * len(T.FAMILIES)} generated tables (seed {seed})")
    stats = {k: Counter() for k in ("before", "after")}
    fam_stats: dict[tuple[str, str], Counter] = {}
    t_after = 0.0
    for family, make in T.FAMILIES.items():
        for _ in range(per_family):
            case = make(draw)
            runs = []
            if old is not None:
                out_old = old_protect(old, case)
                runs.append(("before", T.attack(case, out_old, rate_from_raw=True)))
            t0 = time.perf_counter()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                out = protect_table(case.df, case.count_cols, **case.protect_kwargs).table
            t_after += time.perf_counter() - t0
            runs.append(("after", T.attack(case, out)))
            for when, hit in runs:
                for c in (stats[when], fam_stats.setdefault((when, family), Counter())):
                    c["tables"] += 1
                    c["primary"] += hit.n_primary
                    c["exact"] += len(hit.exact)
                    c["narrow"] += len(hit.narrow)
                    c["recovered"] += len(hit.recovered)
                    c["tables_hit"] += bool(hit.recovered)
    print(f"   {'':8s} {'family':8s} {'tables':>6s} {'with a leak':>12s} {'primary':>8s} {'recovered':>9s}"
          f" {'exact (a)':>9s} {'narrow (b)':>10s}")  # fmt: skip

    def line(when: str, family: str, c: Counter) -> str:
        share = f"{c['tables_hit']:5d} ({100 * c['tables_hit'] / c['tables']:4.1f}%)"
        return (
            f"   {when:8s} {family:8s} {c['tables']:6d} {share} {c['primary']:8d} {c['recovered']:9d}"
            f" {c['exact']:9d} {c['narrow']:10d}"
        )

    for (when, family), c in sorted(fam_stats.items()):
        print(line(when, family, c))
    for when, c in stats.items():
        if c["tables"]:
            print(line(when, "all", c))
    print(f"   protect_table (after): {1000 * t_after / max(stats['after']['tables'], 1):.0f} ms per table on average")


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=2000, help="generated tables (a quarter per family)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--no-before", action="store_true", help="skip the old greedy protect")
    p.add_argument("--skip-speed", action="store_true")
    args = p.parse_args(argv)
    if not args.skip_speed:
        bench_speed(np.random.default_rng(args.seed))
    bench_attack(args.n, args.seed, not args.no_before)


if __name__ == "__main__":
    main()
