"""The interval audit of suppressed cells and secondary suppression built on it.

Method
------
This is the *interval audit* of τ-ARGUS and R ``sdcTable`` (Hundepool et al.,
*Statistical Disclosure Control*, Wiley 2012, section 4.3.2 "Feasibility
intervals"; de Wolf, "τ-ARGUS" manual, "audit"; Meindl, ``sdcTable::attack``):
for every suppressed cell ``s`` the reader can compute the smallest and the
largest value it can take over all tables that agree with what was published,

    min / max  x_s   subject to   A x = 0            (every declared additive relation)
                                  x >= 0             (counts)
                                  x_i in [lo_i, hi_i] for a published cell i (its rounding interval)
                                  x_i == v_i         for a cell known exactly (``exact``)

two linear programs per suppressed cell, solved with HiGHS through
:func:`scipy.optimize.linprog` (``method="highs"``). Counts are integers, so the
published cell ``v`` rounded to ``base`` (halves up) stands for the integers
``v - floor(base/2) .. v + ceil(base/2) - 1`` (:func:`~jeugdlib.disclosure.rounding_bounds`)
and the LP bounds of a suppressed cell are reported as integers: ``ceil(lo)`` and
``floor(hi)`` (with a tolerance of 1e-6 for the solver's round-off); an
unbounded maximum is ``+inf``. Where the tight integer intervals are infeasible
(non-integer counts) the continuous ``[v - base/2, v + base/2]`` is used.

Speed: the LP is solved only over the connected component (through relations)
of the cell's unknown neighbours, cells in no relation get ``[0, inf)`` without
an LP, and every LP solution is a feasible table that proves a lower bound of 0
(or, in :func:`secondary_suppression`, a wide enough range) for other cells
without solving their LPs. A report-sized table (<= 200 cells) takes
milliseconds per suppressed cell (``benchmarks/bench_disclosure.py``).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Hashable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
import scipy.linalg
import scipy.sparse as sp
from scipy.optimize import linprog
from scipy.sparse.csgraph import connected_components

from jeugdlib.disclosure._base import DisclosureError, round_to_base, rounding_bounds
from jeugdlib.errors import DataError, JeugdlibWarning

__all__ = ["AuditReport", "audit_published", "feasible_intervals", "secondary_suppression"]

_TOL = 1e-6


class _Infeasible(Exception):
    """The published values and exact cells admit no table satisfying the relations."""


def _dense(A: sp.spmatrix | np.ndarray) -> np.ndarray:
    return A.toarray() if sp.issparse(A) else np.asarray(A, dtype=float)


def _mask(m: np.ndarray | Sequence[bool] | None, n: int, name: str) -> np.ndarray:
    if m is None:
        return np.zeros(n, dtype=bool)
    out = np.asarray(m, dtype=bool)
    if out.shape != (n,):
        raise ValueError(f"{name} has shape {out.shape}, expected ({n},).")
    return out


def _int_lo(lo: float) -> float:
    return float(math.ceil(lo - _TOL))


def _int_hi(hi: float) -> float:
    return hi if math.isinf(hi) else float(math.floor(hi + _TOL))


class _Polytope:
    """The tables a reader considers possible: ``{x : A x = 0, lb <= x <= ub}``.

    ``relaxed`` are wider bounds to fall back on when ``(lb, ub)`` is infeasible.
    Every LP solution is kept as a *witness* (a feasible table): ``wmin``/``wmax``
    are, per cell, the smallest and largest value seen in a witness.
    """

    def __init__(
        self,
        A: np.ndarray,
        lb: np.ndarray,
        ub: np.ndarray,
        relaxed: tuple[np.ndarray, np.ndarray] | None = None,
    ):
        self.A = A
        self._relaxed = relaxed
        self._set_bounds(lb, ub)

    def _set_bounds(self, lb: np.ndarray, ub: np.ndarray) -> None:
        A = self.A
        n = A.shape[1]
        self.lb, self.ub = lb.astype(float), ub.astype(float)
        self.free = (self.ub - self.lb) > _TOL
        fixed = ~self.free
        self.rhs = -A[:, fixed] @ self.lb[fixed]
        used = np.abs(A[:, self.free]).sum(axis=1) > 0
        if (np.abs(self.rhs[~used]) > 1e-7 * (1 + np.abs(A[~used]).sum(axis=1))).any():
            self._infeasible()
            return
        self.free_idx = np.flatnonzero(self.free)
        B = sp.csr_matrix(A[:, self.free] != 0, dtype=float)
        _, lab = connected_components(B.T @ B, directed=False)
        self.comp = np.full(n, -1)
        self.comp[self.free_idx] = lab
        self._cache: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self._rays: np.ndarray | None = None
        self.wmin = np.where(self.free, np.inf, self.lb)
        self.wmax = np.where(self.free, -np.inf, self.lb)

    def _infeasible(self) -> None:
        if self._relaxed is None:
            raise _Infeasible
        lb, ub = self._relaxed
        self._relaxed = None
        self._set_bounds(lb, ub)

    def add_point(self, x: np.ndarray) -> None:
        """Record a feasible table (``NaN`` for cells it says nothing about)."""
        self.add_range(x, x)

    def add_range(self, lo: np.ndarray, hi: np.ndarray) -> None:
        """Record per-cell values attained by feasible tables (``NaN``/``inf`` for none)."""
        self.wmin = np.fmin(self.wmin, np.where(self.free, lo, self.wmin))
        self.wmax = np.fmax(self.wmax, np.where(self.free, hi, self.wmax))

    def _component(self, s: int) -> tuple[np.ndarray, np.ndarray]:
        k = int(self.comp[s])
        if k not in self._cache:
            cols = self.free_idx[self.comp[self.free_idx] == k]
            rows = np.flatnonzero(np.abs(self.A[:, cols]).sum(axis=1) > 0)
            self._cache[k] = (cols, rows)
        return self._cache[k]

    def extreme(self, s: int, maximize: bool) -> float:
        """The smallest (or largest) value of cell ``s`` over the polytope (``inf`` if unbounded)."""
        while True:
            if not self.free[s]:
                return float(self.lb[s])
            cols, rows = self._component(s)
            if rows.size == 0:
                return float(self.ub[s] if maximize else self.lb[s])
            c = np.zeros(cols.size)
            pos = int(np.searchsorted(cols, s))
            c[pos] = -1.0 if maximize else 1.0
            res = linprog(
                c,
                A_eq=self.A[np.ix_(rows, cols)],
                b_eq=self.rhs[rows],
                bounds=np.column_stack([self.lb[cols], self.ub[cols]]),
                method="highs",
                options={"presolve": False},  # small LPs: presolve costs more than it saves (~30%)
            )
            if res.status == 0:
                x = np.full(self.A.shape[1], np.nan)
                x[cols] = res.x
                self.add_point(x)
                return float(res.x[pos])
            if res.status == 3:
                return math.inf
            if res.status == 2:
                self._infeasible()  # retries with the relaxed bounds, or raises
                continue
            raise RuntimeError(f"interval audit: HiGHS failed on cell {s}: {res.message}")

    def rays(self) -> np.ndarray:
        """Cells that grow without bound along a ray of the polytope (one LP for all cells).

        Over directions ``d >= 0`` with ``A d = 0`` (``d = 0`` on cells with an upper
        bound), maximise ``sum(min(d_i, 1))`` (``t_i <= d_i``, ``t_i <= 1``). Rays add
        up and scale, so a cell that any ray moves reaches ``t_i = 1`` at the optimum:
        exactly the cells unbounded above (the polytope being non-empty).
        """
        if self._rays is None:
            self._rays = np.zeros(self.A.shape[1], dtype=bool)
            cols = np.flatnonzero(self.free & np.isinf(self.ub))
            if cols.size:
                k = cols.size
                sub = self.A[:, cols]
                sub = sub[np.abs(sub).sum(axis=1) > 0]
                eye = np.eye(k)
                res = linprog(
                    np.r_[np.zeros(k), -np.ones(k)],
                    A_ub=np.hstack([-eye, eye]),
                    b_ub=np.zeros(k),
                    A_eq=np.hstack([sub, np.zeros_like(sub)]) if sub.size else None,
                    b_eq=np.zeros(sub.shape[0]) if sub.size else None,
                    bounds=[(0, None)] * k + [(0, 1)] * k,
                    method="highs",
                    options={"presolve": False},
                )
                if res.status == 0:
                    self._rays[cols[res.x[k:] > 0.5]] = True
        return self._rays

    def interval(self, s: int) -> tuple[float, float]:
        """Integer ``(ceil(min), floor(max))`` of cell ``s``.

        The minimum is 0 without an LP when a witness has 0, the maximum ``inf``
        without an LP when a ray (:meth:`rays`) frees the cell.
        """
        lo = 0.0 if self.wmin[s] <= _TOL and self.lb[s] <= 0 else _int_lo(self.extreme(s, False))
        if self.rays()[s]:
            return lo, math.inf
        return lo, _int_hi(self.extreme(s, True))

    def int_spread(self, s: int) -> float:
        """A lower bound on ``floor(max) - ceil(min)`` of cell ``s`` from the witnesses alone."""
        if not np.isfinite(self.wmin[s]) or not np.isfinite(self.wmax[s]):
            return -math.inf
        return _int_hi(self.wmax[s]) - _int_lo(self.wmin[s])


def _reader_bounds(
    published: np.ndarray, suppressed: np.ndarray, exact: np.ndarray, base: int, threshold: int = 0
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Tight (integer) and relaxed (continuous) bounds of every cell as a reader knows them.

    A published (rounded) count is at least ``threshold``: the reader knows smaller counts are
    always suppressed, so a published 10 (base 5) is 10..12, not 8..12.
    """
    n = published.size
    known = ~suppressed & np.isfinite(published)
    lb, ub = np.zeros(n), np.full(n, np.inf)
    rlo, rhi = rounding_bounds(np.where(known, published, 0.0), base)
    rounded = known & ~exact
    lb[rounded], ub[rounded] = rlo[rounded], rhi[rounded]
    pinned = known & exact
    lb[pinned] = ub[pinned] = published[pinned]
    if threshold > 0:
        lb[rounded] = np.maximum(lb[rounded], np.minimum(threshold, published[rounded]))
    relaxed_lb, relaxed_ub = lb.copy(), ub.copy()
    if base > 1:
        relaxed_lb[rounded] = np.maximum(published[rounded] - base / 2, 0.0)
        if threshold > 0:
            relaxed_lb[rounded] = np.maximum(relaxed_lb[rounded], np.minimum(threshold, published[rounded]))
        relaxed_ub[rounded] = published[rounded] + base / 2
    return (lb, ub), (relaxed_lb, relaxed_ub)


def _reader_polytope(published, suppressed, exact, A, base, threshold: int = 0) -> _Polytope:
    (lb, ub), relaxed = _reader_bounds(published, suppressed, exact, base, threshold)
    return _Polytope(A, lb, ub, relaxed)


def _in_relation(A: np.ndarray) -> np.ndarray:
    return np.abs(A).sum(axis=0) > 0


def _determined(A: np.ndarray, unknown: np.ndarray, only: np.ndarray | None = None) -> np.ndarray:
    """Cells among ``unknown`` that ``A x = 0`` fixes once every other cell is known exactly.

    A cell is determined when every vector of the null space of ``A[:, unknown]``
    is zero at it (linear algebra only, non-negativity aside). The null space is
    computed per connected component of the unknown cells (small SVDs), and only
    for components holding a cell of ``only`` (default: all).
    """
    out = np.zeros(unknown.size, dtype=bool)
    idx = np.flatnonzero(unknown & _in_relation(A))
    if idx.size == 0:
        return out
    sub = A[:, idx]
    B = sp.csr_matrix(sub != 0, dtype=float)
    _, lab = connected_components(B.T @ B, directed=False)
    wanted = np.ones(idx.size, dtype=bool) if only is None else only[idx]
    for k in np.unique(lab[wanted]):
        cols = np.flatnonzero(lab == k)
        block = sub[:, cols]
        block = block[np.abs(block).sum(axis=1) > 0]
        N = scipy.linalg.null_space(block)
        out[idx[cols]] = np.linalg.norm(N, axis=1) < 1e-8 if N.size else True
    return out


def feasible_intervals(
    published: np.ndarray | Sequence[float],
    suppressed: np.ndarray | Sequence[bool],
    A: sp.spmatrix | np.ndarray,
    *,
    base: int,
    exact: np.ndarray | Sequence[bool] | None = None,
    threshold: int = 0,
) -> tuple[np.ndarray, np.ndarray]:
    """The feasible interval of every suppressed cell: the interval audit of τ-ARGUS / R ``sdcTable``.

    See the module docstring for the method (Hundepool et al. 2012, section 4.3.2):
    for each suppressed cell two linear programs (min and max) over every table
    ``x >= 0`` with ``A x = 0`` in which each published cell lies in its rounding
    interval and each ``exact`` cell equals its value.

    Parameters
    ----------
    published:
        Published value of every cell (values of suppressed cells are ignored).
    suppressed:
        Mask of the suppressed cells.
    A:
        Relation matrix (:func:`~jeugdlib.disclosure.relation_matrix`), ``A x = 0``.
    base:
        Rounding base of the published values (``1``: published exactly).
    exact:
        Cells known exactly (a count published unrounded, a total published
        elsewhere). An exact cell whose value is ``NaN`` is known to the reader but
        not to the auditor: it counts as an unknown count ``>= 0`` here.
    threshold:
        Counts below it are never published: a published rounded count is then known to be at
        least ``threshold`` (a reader uses that). ``0``: no such knowledge.

    Returns
    -------
    (lo, hi):
        Float arrays over all cells: integer bounds (``ceil(min)``, ``floor(max)``;
        ``hi`` may be ``inf``) for suppressed cells, ``NaN`` for the others. A
        suppressed cell in no relation gets ``[0, inf)`` without an LP.

    Raises
    ------
    DataError
        No table satisfies the relations with the published values (a wrongly
        declared relation, or values that were not rounded from such a table).
    """
    A = _dense(A)
    published = np.asarray(published, dtype=float)
    n = published.size
    if A.shape[1] != n:
        raise ValueError(f"A has {A.shape[1]} columns for {n} cells.")
    suppressed = _mask(suppressed, n, "suppressed")
    exact = _mask(exact, n, "exact")
    lo, hi = np.full(n, np.nan), np.full(n, np.nan)
    try:
        poly = _reader_polytope(published, suppressed, exact, A, base, threshold)
        for s in np.flatnonzero(suppressed):
            lo[s], hi[s] = poly.interval(int(s))
    except _Infeasible:
        raise DataError(
            "interval audit: no table satisfies the declared relations with the published values "
            "(within their rounding intervals). Check the declared totals and identities."
        ) from None
    return lo, hi


@dataclass
class AuditReport:
    """Result of :func:`audit_published`.

    Attributes
    ----------
    intervals:
        One row per cell (index: the cell labels): ``published``, ``suppressed``,
        ``exact``, the feasible interval ``lo``/``hi`` of suppressed cells,
        ``determined`` (fixed by the relations if the known cells were known
        exactly), ``ok`` and ``reason`` (empty when ok).
    threshold, base:
        The rules audited.
    """

    intervals: pd.DataFrame
    threshold: int
    base: int

    @property
    def ok(self) -> bool:
        """``True`` when no cell fails."""
        return bool(self.intervals["ok"].all())

    @property
    def failures(self) -> pd.DataFrame:
        """The failing cells."""
        return self.intervals[~self.intervals["ok"]]

    def raise_if_failed(self, source: str = "table") -> None:
        """Raise :class:`DisclosureError` naming the failing cells and their intervals."""
        bad = self.failures
        if bad.empty:
            return
        lines = [f"{label!r}: {reason}" for label, reason in zip(bad.index[:5], bad["reason"][:5])]
        more = f" (and {len(bad) - 5} more)" if len(bad) > 5 else ""
        raise DisclosureError(
            f"{source}: {len(bad)} cell(s) fail the disclosure audit{more}: "
            + "; ".join(lines)
            + ". Protect the table with jeugdlib.disclosure.protect_table, declaring the same relations.",
            source=source,
        )


def audit_published(
    published_values: np.ndarray | Sequence[float],
    suppressed: np.ndarray | Sequence[bool],
    A: sp.spmatrix | np.ndarray,
    *,
    base: int,
    threshold: int,
    exact: np.ndarray | Sequence[bool] | None = None,
    labels: Sequence[Hashable] | None = None,
    strict: bool = True,
) -> AuditReport:
    """Audit published values as a reader can: no true values needed.

    A cell fails when

    * it is suppressed and its feasible range (:func:`feasible_intervals`) is
      narrower than ``base`` (``hi - lo < base``) while ``lo < threshold``: it
      might be a primary cell and the reader pins it down;
    * ``strict`` and it is suppressed, ``lo < threshold`` and the relations
      determine it exactly from the known cells, i.e. a reader who knew the
      published cells without rounding (from another source) would recover it.
      A cell determined by ``exact`` cells alone is exempt: what another
      publication reveals cannot be protected here;
    * it is published (not ``exact``) with a value below ``threshold`` or not a
      multiple of ``base``.

    Parameters
    ----------
    published_values, suppressed, A, base, exact:
        As in :func:`feasible_intervals`.
    threshold:
        Counts below it must not be published.
    labels:
        Names of the cells (for the report and messages); default ``0..n-1``.
    strict:
        Apply the exact-determination rule (default ``True``).
    """
    A = _dense(A)
    published = np.asarray(published_values, dtype=float)
    n = published.size
    suppressed = _mask(suppressed, n, "suppressed")
    exact = _mask(exact, n, "exact")
    lo, hi = feasible_intervals(published, suppressed, A, base=base, exact=exact, threshold=threshold)
    unknown = suppressed | (~exact & ~np.isfinite(published))
    det = _determined(A, unknown)
    det_ext = _determined(A, ~exact, only=det & suppressed)
    reason = np.full(n, "", dtype=object)
    for s in np.flatnonzero(suppressed):
        if lo[s] >= threshold:
            continue
        if hi[s] - lo[s] < base:
            reason[s] = f"suppressed, but a reader narrows it down to {lo[s]:g}..{hi[s]:g} (fewer than {base} apart)"
        elif strict and det[s] and not det_ext[s]:
            reason[s] = (
                "suppressed, but the declared relations determine it from the published cells "
                f"(exactly if they are known unrounded; {lo[s]:g}..{_fmt(hi[s])} from the rounded values)"
            )
    shown = ~suppressed & ~exact & np.isfinite(published)
    low = shown & (published < threshold)
    reason[low] = f"published count below {threshold}"
    off = shown & ~low & (np.abs(np.mod(published, base)) > _TOL) if base > 1 else np.zeros(n, dtype=bool)
    reason[off] = f"published count not a multiple of {base}"
    index = pd.Index(list(labels) if labels is not None else range(n), name="cell", tupleize_cols=False)
    if len(index) != n:
        raise ValueError(f"{len(index)} labels for {n} cells.")
    frame = pd.DataFrame(
        {
            "published": np.where(suppressed, np.nan, published),
            "suppressed": suppressed,
            "exact": exact,
            "lo": lo,
            "hi": hi,
            "determined": det & suppressed,
            "ok": reason == "",
            "reason": reason,
        },
        index=index,
    )
    return AuditReport(frame, threshold=threshold, base=base)


def _fmt(x: float) -> str:
    return "inf" if math.isinf(x) else f"{x:g}"


# --------------------------------------------------------------------------- secondary suppression


def _lone_relation_candidates(
    f: int,
    suppressed: np.ndarray,
    exact: np.ndarray,
    rows_of_cell: list[np.ndarray],
    cells_of_row: list[np.ndarray],
) -> list[int]:
    """Published cells of the relations that hold a single suppressed cell linked to ``f``.

    The suppressed cells linked to ``f`` through relations form a group; a relation
    in which exactly one of them is suppressed pins it down, so its published cells
    are where more suppression helps.
    """
    group, frontier = {f}, [f]
    while frontier:
        nxt = set()
        for x in frontier:
            for r in rows_of_cell[x]:
                nxt.update(int(c) for c in cells_of_row[r] if suppressed[c] and c not in group)
        group |= nxt
        frontier = sorted(nxt)
    out: set[int] = set()
    for x in group:
        for r in rows_of_cell[x]:
            cells = cells_of_row[r]
            if int(suppressed[cells].sum()) == 1:
                out.update(int(c) for c in cells if not suppressed[c] and not exact[c])
    return sorted(out)


def _nearest_candidates(
    f: int, blocked: np.ndarray, rows_of_cell: list[np.ndarray], cells_of_row: list[np.ndarray]
) -> list[int]:
    """Cells not ``blocked`` nearest to ``f`` through relations (breadth first); ``[]`` if none."""
    seen = {f}
    frontier = [f]
    while frontier:
        nxt = sorted({int(c) for x in frontier for r in rows_of_cell[x] for c in cells_of_row[r]} - seen)
        found = [c for c in nxt if not blocked[c]]
        if found:
            return found
        seen.update(nxt)
        frontier = nxt
    return []


class _Memory:
    """Witness ranges per criterion, kept across rounds of :func:`secondary_suppression`.

    Suppressing a cell only widens its bounds, so every table feasible in an
    earlier round stays feasible: its per-cell values remain valid witnesses.
    """

    def __init__(self, n: int):
        self.ranges = {k: (np.full(n, np.inf), np.full(n, -np.inf)) for k in "abc"}

    def load(self, key: str, poly: _Polytope, *also: _Polytope) -> None:
        wmin, wmax = self.ranges[key]
        poly.add_range(wmin, wmax)
        for other in also:  # a smaller polytope's witnesses are feasible here too
            poly.add_range(other.wmin, other.wmax)

    def save(self, key: str, poly: _Polytope) -> None:
        self.ranges[key] = (poly.wmin.copy(), poly.wmax.copy())


def _failing(
    true: np.ndarray,
    suppressed: np.ndarray,
    exact: np.ndarray,
    A: np.ndarray,
    base: int,
    threshold: int,
    targets: np.ndarray,
    memory: _Memory,
) -> list[int]:
    """Cells that fail criteria (a), (b) or (c) of :func:`secondary_suppression`, in id order."""
    fails: set[int] = set()
    # (a) the published cells (and exact ones) at their true values
    known = ~suppressed & np.isfinite(true)
    lb = np.where(known, true, 0.0)
    ub = np.where(known, true, np.inf)
    pa = _Polytope(A, lb, ub)
    if np.isfinite(true).all():
        pa.add_point(true)
    memory.load("a", pa)
    for t in np.flatnonzero(targets):
        t = int(t)
        if pa.int_spread(t) >= 1:
            continue
        lo, hi = pa.interval(t)
        if hi - lo < 1:
            fails.add(t)
    memory.save("a", pa)
    # (b) the published cells known to their rounding interval, exact ones exactly; (a) is a subset
    pub = np.where(exact, true, round_to_base(np.nan_to_num(true), base))
    pub = np.where(suppressed, np.nan, pub)
    pb = _reader_polytope(pub, suppressed, exact & known, A, base, threshold)
    memory.load("b", pb, pa)
    for t in np.flatnonzero(targets):
        t = int(t)
        if t in fails or pb.int_spread(t) >= base:
            continue
        lo, hi = pb.interval(t)
        if hi - lo < base:
            fails.add(t)
    memory.save("b", pb)
    # (c) the reader's audit (audit_published) as check_protected runs it: exact values withheld
    # (an exact cell hidden elsewhere because it is small counts as known there: the check cannot tell);
    # (b) is a subset
    pub_c = np.where(exact, np.nan, pub)
    sup_c = suppressed & ~exact
    pc = _reader_polytope(pub_c, sup_c, exact, A, base, threshold)
    memory.load("c", pc, pb)
    det = _determined(A, sup_c | (~exact & ~np.isfinite(pub_c)))
    det_ext = _determined(A, ~exact, only=det & sup_c)
    for s in np.flatnonzero(sup_c & _in_relation(A)):
        s = int(s)
        if s in fails:
            continue
        exposed = det[s] and not det_ext[s]
        if pc.int_spread(s) >= base and not exposed:
            continue
        if exposed and pc.wmin[s] < threshold:
            fails.add(s)  # lo <= wmin < threshold
            continue
        lo, hi = pc.interval(s)
        if lo < threshold and (hi - lo < base or exposed):
            fails.add(s)
    memory.save("c", pc)
    return sorted(fails)


def secondary_suppression(
    true: np.ndarray | Sequence[float],
    primary: np.ndarray | Sequence[bool],
    A: sp.spmatrix | np.ndarray,
    *,
    base: int = 5,
    threshold: int = 10,
    cost: np.ndarray | Sequence[float] | None = None,
    exact: np.ndarray | Sequence[bool] | None = None,
    max_iter: int | None = None,
    labels: Sequence[Hashable] | None = None,
) -> np.ndarray:
    """Suppress more cells until no sensitive suppressed cell can be recovered.

    Starting from ``primary``, a published cell is suppressed for each failing
    cell -- taken from the relations in which the failing cell is the only
    suppressed cell, else from those with a single suppressed cell among the
    suppressed cells linked to it, else from its relations with the fewest
    suppressed cells, else the nearest published cells; among those the one
    that leaves the fewest other relations with a lone suppressed cell, then
    the cheapest (smallest ``cost``; default the true value), then the lowest
    id; one per failing cell and round, skipping a failing cell whose relations
    already got one this round -- until no suppressed cell whose true value is
    ``1 .. threshold-1`` (or unknown: ``NaN``)

    (a) is determined exactly when every published cell is fixed at its true value, or
    (b) has a feasible integer range narrower than ``base`` (``hi - lo < base``)
        when the published cells are known only to their rounding interval
        (:func:`round_to_base`, halves up),

    and no suppressed cell at all fails (c), the reader's audit of
    :func:`audit_published` on the rounded values, run as
    :func:`~jeugdlib.disclosure.check_protected` runs it (values of ``exact``
    cells withheld), so that the published table always passes that check.
    Feasible ranges come from the interval audit (:func:`feasible_intervals`).

    Parameters
    ----------
    true:
        True value of every cell; ``NaN`` for a cell unknown (suppressed at the source).
    primary:
        Cells suppressed to begin with (counts below ``threshold``); ``NaN`` cells are added.
    A:
        Relation matrix, ``A x = 0`` (the true values must satisfy it).
    base, threshold:
        Rounding base and threshold of the publication.
    cost:
        Cost of suppressing each cell; default the true value.
    exact:
        Cells known exactly to the reader (a total published elsewhere): never
        suppressed here; in (a) and (b) fixed at their true value (unless primary).
    max_iter:
        Maximum number of rounds (default: twice the number of cells; each round
        suppresses a cell or gives up on one, so the loop always ends).
    labels:
        Names of the cells for messages.

    Returns
    -------
    numpy.ndarray
        Boolean mask of all suppressed cells (primary and secondary).

    Warns
    -----
    JeugdlibWarning
        A failing cell whose relations hold no cell that could still be suppressed
        (it is given away by ``exact`` cells, e.g. a one-row table whose column totals
        are published elsewhere): every cell around it is suppressed and it is given up.
    """
    A = _dense(A)
    true = np.asarray(true, dtype=float)
    n = true.size
    if A.shape[1] != n:
        raise ValueError(f"A has {A.shape[1]} columns for {n} cells.")
    suppressed = _mask(primary, n, "primary").copy() | np.isnan(true)
    exact = _mask(exact, n, "exact")
    cost = np.nan_to_num(true, nan=np.inf) if cost is None else np.asarray(cost, dtype=float)
    targets_value = np.isnan(true) | ((true >= 1) & (true < threshold))
    nz = A != 0
    cells_of_row = [np.flatnonzero(nz[r]) for r in range(A.shape[0])]
    rows_of_cell = [np.flatnonzero(nz[:, c]) for c in range(n)]
    exempt = np.zeros(n, dtype=bool)
    memory = _Memory(n)
    for _ in range(max_iter if max_iter is not None else 2 * n + 1):
        failing = _failing(true, suppressed, exact, A, base, threshold, suppressed & targets_value & ~exempt, memory)
        failing = [f for f in failing if not exempt[f]]
        if not failing:
            if exempt.any():
                names = [labels[i] if labels is not None else i for i in np.flatnonzero(exempt)]
                warnings.warn(
                    f"secondary suppression: cell(s) {names[:5]} can be recovered from cells known exactly "
                    "(totals published elsewhere) whatever is suppressed here; every cell sharing a relation "
                    "with them is suppressed. Check the publication of those totals.",
                    JeugdlibWarning,
                    stacklevel=2,
                )
            return suppressed
        picks: list[int] = []
        stuck: list[int] = []
        touched: set[int] = set()
        for f in failing:
            rows = rows_of_cell[f]
            options = []
            for r in rows:
                cand = [int(c) for c in cells_of_row[r] if not suppressed[c] and not exact[c]]
                if cand:
                    options.append((int(suppressed[cells_of_row[r]].sum()), cand))
            if touched & set(rows.tolist()):
                continue
            own = [cs for k, cs in options if k == 1]  # relations where f is the only suppressed cell
            cand = sorted({c for cs in own for c in cs})
            if not cand:
                cand = _lone_relation_candidates(f, suppressed, exact, rows_of_cell, cells_of_row)
            if not cand and options:
                fewest = min(k for k, _ in options)
                cand = sorted({c for k, cs in options if k == fewest for c in cs})
            elif not cand:
                cand = _nearest_candidates(f, suppressed | exact, rows_of_cell, cells_of_row)
            if not cand:
                stuck.append(f)
                continue

            def lone(c: int) -> int:
                """Relations of ``c`` in which it would be the only suppressed cell."""
                return sum(1 for r in rows_of_cell[c] if not suppressed[cells_of_row[r]].any())

            pick = min(cand, key=lambda c: (lone(c), cost[c], c))
            suppressed[pick] = True
            picks.append(pick)
            touched |= set(rows_of_cell[pick].tolist())
        if not picks:
            exempt[stuck] = True  # nothing left to suppress anywhere around them: given away by exact cells
    raise DisclosureError(f"secondary suppression did not finish within {max_iter} rounds.")
