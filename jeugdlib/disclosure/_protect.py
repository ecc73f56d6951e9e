"""Disclosure control of DataFrames: :func:`protect_table`, :func:`protect` and :func:`check_protected`.

Youth-care data concerns children. jeugdlib follows CBS practice for
published counts:

* counts below ``threshold`` (default 10) are suppressed (shown as empty);
* the remaining counts are rounded to multiples of ``base`` (default 5);
* *secondary suppression*: every additive relation a reader can see (a total
  column, a total row, column totals published elsewhere, per-group totals, and
  identities declared with ``relations=`` such as stock/flows) is declared as a
  :class:`~jeugdlib.disclosure.Relation`; more cells are suppressed until the
  interval audit of τ-ARGUS / R ``sdcTable``
  (:func:`~jeugdlib.disclosure.secondary_suppression`) finds no primary cell
  that can be recovered, exactly or to within the rounding base;
* rates are recomputed from the published, rounded counts (``rates=``), so
  they cannot undo rounding; a rate whose inputs are not in the table is hidden
  wherever a count it derives from is hidden (``rate_cols=``).

:func:`check_protected` runs the reader's side of the same audit
(:func:`~jeugdlib.disclosure.audit_published`) on a published table, given the
same declarations; it needs no true values.
"""

from __future__ import annotations

import warnings
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

import numpy as np
import pandas as pd

from jeugdlib.disclosure._audit import AuditReport, audit_published, secondary_suppression
from jeugdlib.disclosure._base import round_to_base
from jeugdlib.disclosure._relations import Relation, relation_matrix
from jeugdlib.errors import DataError, JeugdlibWarning

__all__ = [
    "DisclosureInfo",
    "ProtectedTable",
    "ProtectionReport",
    "Rate",
    "check_protected",
    "protect",
    "protect_table",
]


@dataclass(frozen=True)
class Rate:
    """A rate column ``scale * numerator / denominator``, recomputed from the published counts.

    ``numerator`` and ``denominator`` are columns of the table; where they are count
    columns their published (suppressed, rounded) values are used, so the rate
    reveals nothing the counts do not. A zero or hidden input gives an empty rate.
    """

    numerator: str
    denominator: str
    scale: float = 100.0


@dataclass
class ProtectionReport:
    """What :func:`protect_table` did to a table.

    Attributes
    ----------
    threshold, base:
        The rules applied: counts below ``threshold`` suppressed, the rest rounded to ``base``.
    count_cols:
        The protected count columns (including ``total_col``).
    primary:
        Observed counts suppressed because they were below ``threshold``.
    secondary:
        Cells suppressed so that no suppressed cell can be recovered (interval audit).
    rates_suppressed:
        Rate cells hidden because a count they derive from is hidden (``rate_cols`` and ``rates``).
    total_col, total_row, column_totals, groups:
        The additive relations that were declared.
    relations:
        Every relation used, over ``(row label, column)`` cells; a total published
        elsewhere appears as the cell ``(("total elsewhere", group), column)``.
    dropped_relations:
        Relations implied by ``total_row``/``total_col`` that do not hold in the data
        (a total of distinct persons is not the sum of its rows): not used, with a warning.
    suppressed_cells:
        ``(index label, column)`` of every hidden count cell (primary, secondary and
        counts missing at the source when ``missing_is_suppressed``).
    """

    threshold: int
    base: int
    count_cols: list[str]
    primary: int = 0
    secondary: int = 0
    rates_suppressed: int = 0
    total_col: str | None = None
    total_row: Hashable | None = None
    column_totals: bool = True
    groups: str | None = None
    relations: list[Relation] = field(default_factory=list)
    dropped_relations: list[Relation] = field(default_factory=list)
    suppressed_cells: list[tuple[Hashable, str]] = field(default_factory=list)

    @property
    def n_suppressed(self) -> int:
        """Number of hidden count cells."""
        return len(self.suppressed_cells)


#: Former name of :class:`ProtectionReport`, kept for existing callers.
DisclosureInfo = ProtectionReport


class ProtectedTable(NamedTuple):
    """Result of :func:`protect_table`: the publishable table and what was done to it.

    Unpacks as ``table, report = protect_table(...)``.
    """

    table: pd.DataFrame
    report: ProtectionReport


def _as_float_counts(df: pd.DataFrame, cols: Sequence[str], source: str) -> pd.DataFrame:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise DataError(
            f"{source}: count column(s) {missing} not found; available columns: "
            f"{list(df.columns)}. Pass the names of the count columns to protect.",
            source=source,
        )
    out = {}
    for c in cols:
        s = pd.to_numeric(df[c], errors="coerce")
        bad = s.isna() & df[c].notna()
        if bad.any():
            raise DataError(
                f"{source}: count column {c!r} has non-numeric values at rows "
                f"{list(df.index[bad][:10])}; counts must be numbers.",
                source=source,
                column=c,
            )
        if (s.dropna() < 0).any():
            raise DataError(
                f"{source}: count column {c!r} has negative counts; counts must be >= 0.", source=source, column=c
            )
        out[c] = s.astype(float)
    return pd.DataFrame(out, index=df.index)


class _Cells(NamedTuple):
    """The cells of a table and its relations at the array level."""

    labels: list[Hashable]  # (row label, column) per cell; body cells row-major, then totals elsewhere
    n_body: int
    relations: list[Relation]  # over integer cell ids
    generated: list[bool]  # relation implied by total_row/total_col (dropped with a warning if false)
    exact: np.ndarray  # totals published elsewhere
    members: list[np.ndarray]  # body cell ids summed by each total elsewhere


def _table_cells(
    df: pd.DataFrame,
    count_cols: list[str],
    *,
    total_col: str | None,
    total_row: Hashable | None,
    column_totals: bool,
    groups: str | None,
    relations: Sequence[Relation] | None,
    distinct_cols: Sequence[str] = (),
    source: str,
) -> _Cells:
    """Cells and relations of ``df``'s count columns as declared by the keywords."""
    n_rows, n_cols = len(df), len(count_cols)
    col_pos = {c: j for j, c in enumerate(count_cols)}

    def cell(i: int, j: int) -> int:
        return i * n_cols + j

    labels: list[Hashable] = [(df.index[i], c) for i in range(n_rows) for c in count_cols]
    rels: list[Relation] = []
    generated: list[bool] = []
    members: list[np.ndarray] = []
    tr = int(df.index.get_loc(total_row)) if total_row is not None else None
    body_rows = [i for i in range(n_rows) if i != tr]
    unknown_distinct = [c for c in distinct_cols if c not in col_pos]
    if unknown_distinct:
        raise DataError(f"{source}: distinct_cols {unknown_distinct} are not count columns.", source=source)
    additive = [j for j, c in enumerate(count_cols) if c not in set(distinct_cols)]
    if total_col is not None and total_col not in set(distinct_cols):
        jt = col_pos[total_col]
        for i in range(n_rows):
            rels.append(Relation.total(cell(i, jt), [cell(i, j) for j in range(n_cols) if j != jt]))
            generated.append(True)
    if tr is not None:
        for j in additive:
            if body_rows:
                rels.append(Relation.total(cell(tr, j), [cell(i, j) for i in body_rows]))
                generated.append(True)
    # a one-row table without groups: its column totals elsewhere are its own cells (nothing new)
    if column_totals and (groups is not None or (tr is None and len(body_rows) > 1)):
        if groups is not None:
            if groups not in df.columns:
                raise DataError(f"{source}: groups column {groups!r} not found.", source=source)
            lab = df[groups].to_numpy()
            row_sets = [(g, [i for i in body_rows if lab[i] == g]) for g in pd.unique(lab[body_rows])]
        else:
            row_sets = [(None, body_rows)]
        for g, rows in row_sets:
            for j in additive:
                c = count_cols[j]
                k = len(labels)
                labels.append((("total elsewhere", g), c))
                mem = np.array([cell(i, j) for i in rows], dtype=int)
                members.append(mem)
                rels.append(Relation.total(k, mem.tolist()))
                generated.append(False)
    for r in relations or ():
        ids = []
        for c in r.cells:
            if not (isinstance(c, tuple) and len(c) == 2 and c[1] in col_pos and c[0] in df.index):
                raise DataError(
                    f"{source}: relation cell {c!r} is not a (row label, count column) of the table; "
                    f"count columns: {count_cols}.",
                    source=source,
                )
            ids.append(cell(int(df.index.get_loc(c[0])), col_pos[c[1]]))
        rels.append(Relation(tuple(ids), r.coefs))
        generated.append(False)
    exact = np.zeros(len(labels), dtype=bool)
    exact[n_rows * n_cols :] = True
    return _Cells(labels, n_rows * n_cols, rels, generated, exact, members)


def _label_relation(rel: Relation, labels: list[Hashable]) -> Relation:
    return rel.relabel(lambda k: labels[k])


def protect(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int = 10,
    base: int = 5,
    *,
    rate_cols: Mapping[str, str | Sequence[str]] | None = None,
    rates: Mapping[str, Rate] | None = None,
    total_col: str | None = None,
    total_row: Hashable | None = None,
    column_totals: bool = True,
    groups: str | None = None,
    relations: Sequence[Relation] | None = None,
    distinct_cols: Sequence[str] = (),
    missing_is_suppressed: bool = True,
    source: str = "table",
) -> pd.DataFrame:
    """Return a copy of ``df`` that is safe to publish.

    The same as :func:`protect_table` (see there for the parameters), returning only
    the table. For what was suppressed use :func:`protect_table`, whose
    :class:`ProtectionReport` is a typed field (not ``DataFrame.attrs``, which pandas
    drops or copies unpredictably).
    """
    table, _ = protect_table(
        df,
        count_cols,
        threshold,
        base,
        rate_cols=rate_cols,
        rates=rates,
        total_col=total_col,
        total_row=total_row,
        column_totals=column_totals,
        groups=groups,
        relations=relations,
        distinct_cols=distinct_cols,
        missing_is_suppressed=missing_is_suppressed,
        source=source,
    )
    return table


def protect_table(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int = 10,
    base: int = 5,
    *,
    rate_cols: Mapping[str, str | Sequence[str]] | None = None,
    rates: Mapping[str, Rate] | None = None,
    total_col: str | None = None,
    total_row: Hashable | None = None,
    column_totals: bool = True,
    groups: str | None = None,
    relations: Sequence[Relation] | None = None,
    distinct_cols: Sequence[str] = (),
    missing_is_suppressed: bool = True,
    source: str = "table",
) -> ProtectedTable:
    """Protect ``df`` for publication; return the table and a :class:`ProtectionReport`.

    Parameters
    ----------
    df:
        The table. Counts may be int or float; missing counts stay missing.
    count_cols:
        Columns holding counts of persons (children, clients, trajectories).
    threshold, base:
        Counts ``< threshold`` are suppressed; the rest are rounded to ``base``.
    rate_cols:
        ``{rate column: count column(s) it is computed from}`` for rates whose inputs
        are not all in the table: hidden wherever one of its counts is hidden.
    rates:
        ``{rate column: Rate(numerator, denominator, scale)}``: the column is
        (re)computed from the *published* counts, so rounding cannot be undone
        through it (hidden where an input is hidden or the denominator is 0).
    total_col:
        A count column that is the row-wise total of the other count columns.
    total_row:
        Index label of a row holding column totals (it is protected too).
    column_totals:
        Treat every count column as additive over the rows with a total that is or
        may be published elsewhere (e.g. a gemeente total under a wijk table), known
        exactly to a reader. With ``total_row`` (and no ``groups``) the total row is
        that total. Default ``True``: the conservative choice.
    groups:
        Optional column: with ``column_totals`` each group of rows (e.g. the wijken
        of a gemeente) has its own total published elsewhere, one-member groups
        included; with ``total_row`` the total row is the sum of all groups.
    relations:
        Further additive relations over ``(row label, count column)`` cells, e.g. a
        flow identity ``Relation.identity(plus=[(t, "stock_end"), (t, "outflow")],
        minus=[(t, "stock_start"), (t, "inflow")])`` or ``(t, "stock_start") ==
        (t - 1, "stock_end")``. They must hold in the data.
    distinct_cols:
        Count columns of distinct persons that do not add up over rows (a client of
        two providers counts once in the total row): no column relation (total row,
        totals elsewhere) and, for ``total_col``, no row relation is declared for them.
    missing_is_suppressed:
        Report missing counts as suppressed cells (CBS leaves counts below 10
        empty). Missing counts always take part in the relations as unknown cells
        that may be small (the conservative choice); ``False`` only leaves them out
        of ``report.suppressed_cells``.
    source:
        Name used in error messages.

    Returns
    -------
    ProtectedTable
        ``table``: a copy of ``df`` with counts as float, ``NaN`` for suppressed
        cells, rounded to ``base``; ``report``: a :class:`ProtectionReport`.

    Notes
    -----
    Secondary suppression is :func:`~jeugdlib.disclosure.secondary_suppression`:
    the interval audit of τ-ARGUS / R ``sdcTable`` with the relations above, and
    the published table passes :func:`check_protected` given the same keywords.
    A relation implied by ``total_row``/``total_col`` that does not hold in the
    data (a total of distinct clients) is not used and triggers a warning.
    """
    if threshold < 1 or base < 1:
        raise ValueError("threshold and base must be positive integers")
    count_cols = list(count_cols)
    if total_col is not None and total_col not in count_cols:
        count_cols.append(total_col)
    if total_row is not None and total_row not in df.index:
        raise DataError(f"{source}: total_row {total_row!r} is not in the index.", source=source)
    if df.index.has_duplicates:
        raise DataError(f"{source}: the index has duplicate labels; reset it before protecting.", source=source)
    counts = _as_float_counts(df, count_cols, source)
    raw = counts.to_numpy(copy=True)
    cells = _table_cells(
        df,
        count_cols,
        total_col=total_col,
        total_row=total_row,
        column_totals=column_totals,
        groups=groups,
        relations=relations,
        distinct_cols=distinct_cols,
        source=source,
    )
    n_body = cells.n_body
    true = np.concatenate([raw.ravel(), [raw.ravel()[m].sum() for m in cells.members]])
    kept, dropped = _check_relations(cells, true, source)
    A = relation_matrix(kept, len(true))
    primary = np.isnan(true) | (true < threshold)
    suppressed = secondary_suppression(
        true, primary, A, base=base, threshold=threshold, exact=cells.exact, labels=cells.labels
    )
    body_supp = suppressed[:n_body].reshape(raw.shape)
    observed = ~np.isnan(raw)
    published = np.where(body_supp, np.nan, round_to_base(np.nan_to_num(raw), base))
    out = df.copy()
    out.attrs.pop("disclosure", None)  # a report left by jeugdlib < 0.2 no longer describes this table
    for j, c in enumerate(count_cols):
        out[c] = published[:, j]
    hidden = body_supp & observed if not missing_is_suppressed else body_supp
    info = ProtectionReport(
        threshold=threshold,
        base=base,
        count_cols=count_cols,
        primary=int((observed & (raw < threshold)).sum()),
        secondary=int((body_supp & ~(np.isnan(raw) | (raw < threshold))).sum()),
        total_col=total_col,
        total_row=total_row,
        column_totals=column_totals,
        groups=groups,
        relations=[_label_relation(r, cells.labels) for r in kept],
        dropped_relations=[_label_relation(r, cells.labels) for r in dropped],
        suppressed_cells=[(df.index[i], count_cols[j]) for i, j in zip(*np.nonzero(hidden))],
    )
    _apply_rates(out, count_cols, rate_cols, rates, info, source)
    return ProtectedTable(out, info)


def _check_relations(cells: _Cells, true: np.ndarray, source: str) -> tuple[list[Relation], list[Relation]]:
    """Split the relations into those that hold in the data and generated ones that do not."""
    kept, dropped = [], []
    for rel, gen in zip(cells.relations, cells.generated):
        vals = true[list(rel.cells)]
        finite = bool(np.isfinite(vals).all())  # an unknown (missing) cell: nothing to check
        resid = float(np.dot(rel.coefs, vals)) if finite else 0.0
        if not finite or abs(resid) <= 1e-6 * (1.0 + float(np.abs(vals).sum())):
            kept.append(rel)
            continue
        labelled = _label_relation(rel, cells.labels)
        if not gen:
            raise DataError(
                f"{source}: the declared relation over {list(labelled.cells)} does not hold in the data "
                f"(off by {resid:g}); declare only relations that hold.",
                source=source,
            )
        total = labelled.cells[0]
        warnings.warn(
            f"{source}: the total {total!r} is not the sum of {len(rel.cells) - 1} cell(s) (off by {resid:g}; "
            "a count of distinct persons? declare it in distinct_cols); that relation is not used.",
            JeugdlibWarning,
            stacklevel=4,
        )
        dropped.append(rel)
    return kept, dropped


def _apply_rates(
    out: pd.DataFrame,
    count_cols: list[str],
    rate_cols: Mapping[str, str | Sequence[str]] | None,
    rates: Mapping[str, Rate] | None,
    info: ProtectionReport,
    source: str,
) -> None:
    for rate, sources in (rate_cols or {}).items():
        if rate not in out.columns:
            raise DataError(f"{source}: rate column {rate!r} not found.", source=source)
        src = [sources] if isinstance(sources, str) else list(sources)
        unknown = [s for s in src if s not in count_cols]
        if unknown:
            raise DataError(
                f"{source}: rate column {rate!r} refers to {unknown}, which are not count columns.", source=source
            )
        hide = out[src].isna().any(axis=1) & out[rate].notna()
        info.rates_suppressed += int(hide.sum())
        out[rate] = pd.to_numeric(out[rate], errors="coerce").where(~hide)
    for rate, spec in (rates or {}).items():
        if not isinstance(spec, Rate):
            raise TypeError(f"rates[{rate!r}] must be a jeugdlib.disclosure.Rate, got {type(spec).__name__}.")
        missing = [c for c in (spec.numerator, spec.denominator) if c not in out.columns]
        if missing:
            raise DataError(f"{source}: rate {rate!r} refers to missing column(s) {missing}.", source=source)
        num = pd.to_numeric(out[spec.numerator], errors="coerce").astype(float)
        den = pd.to_numeric(out[spec.denominator], errors="coerce").astype(float)
        with np.errstate(divide="ignore", invalid="ignore"):
            r = spec.scale * num / den
        r = r.where(np.isfinite(r))
        if rate in out.columns:
            info.rates_suppressed += int((r.isna() & pd.to_numeric(out[rate], errors="coerce").notna()).sum())
        out[rate] = r


def check_protected(
    df: pd.DataFrame,
    count_cols: Sequence[str],
    threshold: int = 10,
    base: int = 5,
    *,
    column_totals: bool = True,
    total_col: str | None = None,
    total_row: Hashable | None = None,
    groups: str | None = None,
    relations: Sequence[Relation] | None = None,
    distinct_cols: Sequence[str] = (),
    source: str = "table",
) -> AuditReport:
    """Raise :class:`DisclosureError` unless ``df`` obeys the publication rules; else return the audit.

    The reader's side of :func:`protect_table`: with the same declarations
    (``column_totals``, ``total_col``, ``total_row``, ``groups``, ``relations``, ``distinct_cols``)
    it runs :func:`~jeugdlib.disclosure.audit_published` on the published values
    (no true values needed). It fails a table with a published count below
    ``threshold`` or not a multiple of ``base``, and a suppressed cell that a
    reader can narrow down to fewer than ``base`` apart, or that the relations
    determine from the published cells, while it might be below ``threshold``.
    Totals published elsewhere (``column_totals``) count as known to the reader;
    their values are not needed.
    """
    count_cols = list(count_cols)
    if total_col is not None and total_col not in count_cols:
        count_cols.append(total_col)
    if total_row is not None and total_row not in df.index:
        raise DataError(f"{source}: total_row {total_row!r} is not in the index.", source=source)
    counts = _as_float_counts(df, count_cols, source)
    cells = _table_cells(
        df,
        count_cols,
        total_col=total_col,
        total_row=total_row,
        column_totals=column_totals,
        groups=groups,
        relations=relations,
        distinct_cols=distinct_cols,
        source=source,
    )
    values = np.concatenate([counts.to_numpy().ravel(), np.full(len(cells.labels) - cells.n_body, np.nan)])
    suppressed = np.isnan(values) & ~cells.exact
    A = relation_matrix(cells.relations, len(values))
    report = audit_published(
        values, suppressed, A, base=base, threshold=threshold, exact=cells.exact, labels=cells.labels
    )
    report.raise_if_failed(source)
    return report
