"""The publication boundary: every table that leaves jeugdlib goes through :meth:`Publication.publish`.

A report (or a notebook) holds one :class:`Publication`. Each table is published together with a
:class:`TableSpec` that classifies **every** column and declares the table's additive relations:

* ``count`` — a count of persons (children, clients, trajectories). Counts below the threshold (10)
  are suppressed, the rest rounded to 5, and secondary suppression makes sure no suppressed cell
  can be recovered (see :mod:`jeugdlib.disclosure`, an interval audit as in τ-ARGUS / sdcTable);
* ``rate`` — ``numerator / denominator × scale``, **recomputed from the published, rounded
  values**, so a rate cannot undo rounding or suppression;
* ``derived`` — a figure computed from person-level data (a median duration, a model residual of
  a wijk share): published only where every count it rests on (``basis``) is published;
* ``units`` — a count of areas or organisations (wijken, gemeenten), not of persons: published as
  is. The number of wijken "higher than expected" is not disclosive, and hiding it in one table
  while the per-wijk table lists each wijk's category would only be inconsistent;
* ``code``, ``label``, ``year``, ``statistic`` (a model or national statistic not tied to a
  single count), ``money`` — published as is (text cells are neutralised against spreadsheet
  formula injection, as OWASP recommends).

A column of the frame that the spec does not classify is **not published**: it is dropped and the
drop is recorded in :attr:`PublishedTable.notes` (user tables thus publish only the columns their
schema declares).

The publication keeps one **register** of every person-count cell it has published, keyed by
``(quantity, key)``: a quantity hidden in one table is hidden wherever it appears again, narrative
text included (:meth:`Publication.count`), and after each table the whole register — every cell
and every relation declared so far, across tables — is audited again as a reader would attack it
(:func:`jeugdlib.disclosure.audit_published`). A table that fails is refused with a
:class:`~jeugdlib.disclosure.DisclosureError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError

__all__ = [
    "Column",
    "Kind",
    "Publication",
    "PublishedTable",
    "TableSpec",
    "code",
    "count",
    "derived",
    "label",
    "money",
    "neutralise_formula",
    "rate",
    "statistic",
    "units",
    "year",
]

#: Leading characters that make a spreadsheet treat a text cell as a formula (OWASP CSV injection).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


class Kind(StrEnum):
    """What a published column holds (decides how the boundary treats it)."""

    CODE = "code"
    LABEL = "label"
    YEAR = "year"
    COUNT = "count"
    UNITS = "units"
    RATE = "rate"
    DERIVED = "derived"
    STATISTIC = "statistic"
    MONEY = "money"


@dataclass(frozen=True)
class Column:
    """One published column.

    Parameters
    ----------
    name:
        Column name in the frame handed to :meth:`Publication.publish` (also the published header).
    kind:
        See :class:`Kind`.
    quantity:
        ``count`` columns: name of the quantity in the report's register (e.g.
        ``"jongeren met jeugdzorg 2022"``); with the table's ``key`` column it identifies a cell
        across tables. Default: the column name.
    numerator, denominator, scale, offset:
        ``rate`` columns: recomputed as ``numerator / denominator * scale + offset`` from the published
        values (a growth in percent is ``end / base * 100 - 100``).
    basis:
        Count columns the value rests on; the value is hidden where one of them is hidden (any kind,
        e.g. a label "hoger dan verwacht" that rests on a wijk's count).
    decimals:
        Decimals of the published value (default by kind: rates and derived figures 1, statistics 3,
        money 0; counts, units and years are whole numbers).
    """

    name: str
    kind: Kind
    quantity: str | None = None
    numerator: str | None = None
    denominator: str | None = None
    scale: float = 100.0
    offset: float = 0.0
    basis: tuple[str, ...] = ()
    decimals: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))
        object.__setattr__(self, "basis", tuple(self.basis))
        if self.kind is Kind.RATE and (self.numerator is None or self.denominator is None):
            raise ValueError(f"rate column {self.name!r} needs numerator and denominator")


def count(name: str, quantity: str | None = None) -> Column:
    """A count-of-persons column (``quantity`` names it in the report's register)."""
    return Column(name, Kind.COUNT, quantity=quantity)


def rate(name: str, numerator: str, denominator: str, scale: float = 100.0, offset: float = 0.0) -> Column:
    """A rate (``numerator / denominator * scale + offset``) recomputed from the published values."""
    return Column(name, Kind.RATE, numerator=numerator, denominator=denominator, scale=scale, offset=offset)


def derived(name: str, *basis: str) -> Column:
    """A figure derived from person-level data, hidden where a basis count is hidden."""
    return Column(name, Kind.DERIVED, basis=tuple(basis))


def code(name: str) -> Column:
    """An area or provider code (never a personal identifier)."""
    return Column(name, Kind.CODE)


def label(name: str, *basis: str) -> Column:
    """A text column; with ``basis`` it is hidden where one of those counts is hidden."""
    return Column(name, Kind.LABEL, basis=tuple(basis))


def units(name: str) -> Column:
    """A count of areas or organisations (not of persons)."""
    return Column(name, Kind.UNITS)


def statistic(name: str, *basis: str) -> Column:
    """A model or published statistic (estimate, SE, p-value, a CBS/SCP percentage)."""
    return Column(name, Kind.STATISTIC, basis=tuple(basis))


def year(name: str) -> Column:
    """A year."""
    return Column(name, Kind.YEAR)


def money(name: str, *basis: str) -> Column:
    """An amount in euro."""
    return Column(name, Kind.MONEY, basis=tuple(basis))


@dataclass(frozen=True)
class TableSpec:
    """What a table is: its columns and the additive relations a reader can see.

    Parameters
    ----------
    name:
        File name (without extension) in ``tabellen/``; also used in messages.
    columns:
        Every column to publish, in order (a frame column not listed is dropped with a note).
    key:
        Column that identifies a row across tables (``wijkcode``, ``gemeentecode``, a provider);
        default: the row labels. Count cells are registered as ``(quantity, key value)``.
    total_row:
        Key value (or row label) of a row holding the column totals of the other rows.
    total_col:
        A count column that is the row-wise total of the other count columns.
    column_totals:
        The column totals of the count columns are (or may be) published elsewhere, exactly;
        with ``groups``, per group (e.g. gemeente totals below a wijk table). A cell missing at the
        source (suppressed by CBS) enters such a total with a nominal value below the threshold, so
        it is protected like a primary cell: another cell of its group is hidden too.
    groups:
        Column defining the groups for ``column_totals``.
    identities:
        Extra linear relations, each ``{(key value, column): coefficient}`` summing to 0, e.g. a
        flow table's ``stock_end - stock_start - in + out = 0`` per row.
    not_additive:
        Count columns that do not add up over the rows (clients at several providers: the total
        row counts each client once); ``total_row`` and ``column_totals`` skip them.
    hide_rows_without:
        Optional count column: where it is suppressed, every column except codes, labels and years
        is hidden too (a model residual or category of a wijk would be a statement about a hidden
        count). A label column that rests on a count is hidden by giving it that ``basis``.
    note:
        Dutch note printed under the table and written as the CSV's comment in the register.
    """

    name: str
    columns: tuple[Column, ...]
    key: str | None = None
    total_row: Hashable | None = None
    total_col: str | None = None
    column_totals: bool = False
    groups: str | None = None
    identities: tuple[Mapping[tuple[Hashable, str], float], ...] = ()
    hide_rows_without: str | None = None
    not_additive: tuple[str, ...] = ()
    note: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "identities", tuple(self.identities))
        object.__setattr__(self, "not_additive", tuple(self.not_additive))
        names = [c.name for c in self.columns]
        dup = sorted({n for n in names if names.count(n) > 1})
        if dup:
            raise ValueError(f"{self.name}: columns declared twice: {dup}")
        kinds = {c.name: c.kind for c in self.columns}
        for c in self.columns:
            refs = [*c.basis, *(x for x in (c.numerator, c.denominator) if x)]
            unknown = [r for r in refs if r not in kinds]
            if unknown:
                raise ValueError(f"{self.name}: column {c.name!r} refers to undeclared {unknown}")
            if c.kind is Kind.DERIVED and any(kinds[b] is not Kind.COUNT for b in c.basis):
                raise ValueError(f"{self.name}: the basis of {c.name!r} must be count columns")
        if self.total_col is not None and kinds.get(self.total_col) is not Kind.COUNT:
            raise ValueError(f"{self.name}: total_col {self.total_col!r} must be a declared count column")

    def counts(self) -> list[str]:
        """Names of the count-of-persons columns."""
        return [c.name for c in self.columns if c.kind is Kind.COUNT]


@dataclass
class PublishedTable:
    """A table that passed the boundary.

    Attributes
    ----------
    name:
        The table's name (file name in ``tabellen/``).
    table:
        The published values (suppressed cells ``NaN``), columns in the spec's order.
    spec:
        The :class:`TableSpec` it was published with.
    n_suppressed:
        Count cells hidden (primary, secondary and via the register).
    notes:
        Dutch notes for the reader (dropped columns, suppression).
    """

    name: str
    table: pd.DataFrame
    spec: TableSpec
    n_suppressed: int = 0
    notes: list[str] = field(default_factory=list)

    def _repr_html_(self) -> str:  # pragma: no cover - display helper
        from jeugdlib.report_sections import to_html

        return to_html(self.table)


_COUNT_WORDS = (
    "jongeren",
    "kinderen",
    "client",
    "cliënt",
    "personen",
    "gebruikers",
    "trajecten",
    "wijken",
    "gemeenten",
)


def _looks_like_count(name: str) -> bool:
    """A column name that says it counts persons or units."""
    low = name.lower()
    return low.startswith(("n_", "aantal", "n ")) or low in ("n", "count") or any(w in low for w in _COUNT_WORDS)


def neutralise_formula(value: Any) -> Any:
    """Prefix a text cell that a spreadsheet would run as a formula with ``'`` (OWASP CSV injection).

    Numbers are returned unchanged (``-5`` as a number is data, not a formula).
    """
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def mask_identifiers(value: Any) -> Any:
    """A text with every BSN-like number in it (passing the 11-test, any format) masked: ``'11*******'``.

    Published labels and headers come from user files too (a provider named by a BSN, a column
    ``BSN 123456782``); numbers that fail the 11-test (an AGB code, a postcode) are kept.
    """
    if not isinstance(value, str):
        return value
    import unicodedata

    from jeugdlib.io._messages import _BSN_IN_TEXT
    from jeugdlib.io.identifiers import bsn_like, mask_identifier

    text = unicodedata.normalize("NFKC", value)

    def repl(m: re.Match) -> str:
        return mask_identifier(m.group(0)).strip("'") if bsn_like([m.group(0)])[0] else m.group(0)

    return _BSN_IN_TEXT.sub(repl, text)


def _neutralise_frame(df: pd.DataFrame, codes: Iterable[str] = ()) -> pd.DataFrame:
    """Text cells and headers safe for CSV/Excel and free of identifiers (code columns are left as they are)."""
    out = df.copy()
    codes = set(codes)
    for c in out.columns:
        if c in codes:
            continue
        if out[c].dtype == object or pd.api.types.is_string_dtype(out[c]):
            out[c] = out[c].map(lambda v: neutralise_formula(mask_identifiers(v)))
    if out.index.dtype == object:
        out.index = out.index.map(lambda v: neutralise_formula(mask_identifiers(v)))
    out.columns = [neutralise_formula(mask_identifiers(str(c))) for c in out.columns]
    return out


CellId = tuple[str, Hashable]  # (quantity, key value)

#: Decimals of published values by kind (a column's ``decimals`` overrides).
_DEFAULT_DECIMALS = {Kind.RATE: 1, Kind.DERIVED: 1, Kind.STATISTIC: 3, Kind.MONEY: 0}


@dataclass
class _Cell:
    true: float
    published: float  # NaN = hidden
    tables: list[str]


class Publication:
    """The register of one report: publishes tables through the disclosure rules and remembers them.

    Parameters
    ----------
    tables_dir:
        Where published tables are written as CSV (``None``: not written).
    threshold, base:
        Counts below ``threshold`` are suppressed; the rest are rounded to multiples of ``base``.
    """

    def __init__(self, tables_dir: str | Path | None = None, *, threshold: int = 10, base: int = 5) -> None:
        if threshold < 1 or base < 1:
            raise ValueError("threshold and base must be positive integers")
        self.tables_dir = Path(tables_dir) if tables_dir is not None else None
        self.threshold = threshold
        self.base = base
        self._cells: dict[CellId, _Cell] = {}
        self._relations: list[dict[CellId, float]] = []
        self._external: dict[CellId, float] = {}
        self.tables: list[PublishedTable] = []

    # ------------------------------------------------------------------ register
    def count(self, quantity: str, key: Hashable) -> float | None:
        """The published value of a registered count (``None`` when hidden or never published)."""
        cell = self._cells.get((quantity, key))
        if cell is None or np.isnan(cell.published):
            return None
        return float(cell.published)

    def is_hidden(self, quantity: str, key: Hashable) -> bool:
        """Whether a registered count was hidden."""
        cell = self._cells.get((quantity, key))
        return cell is not None and bool(np.isnan(cell.published))

    def count_text(self, quantity: str, key: Hashable) -> str:
        """A registered count for narrative text: ``"1.235"`` or ``"minder dan 10 of afgeschermd"``."""
        v = self.count(quantity, key)
        if v is None:
            return "afgeschermd"
        return f"{int(v):,}".replace(",", ".")

    def register_summary(self) -> pd.DataFrame:
        """Per published table: rows, columns and hidden count cells (no values)."""
        return pd.DataFrame(
            [
                {"tabel": t.name, "rijen": len(t.table), "kolommen": t.table.shape[1], "afgeschermd": t.n_suppressed}
                for t in self.tables
            ],
            columns=["tabel", "rijen", "kolommen", "afgeschermd"],
        )

    # ------------------------------------------------------------------ publish
    def publish(self, df: pd.DataFrame, spec: TableSpec) -> PublishedTable:
        """Protect ``df`` by ``spec``, audit it together with everything published before, and record it.

        Raises
        ------
        DataError
            A declared column is missing, or a count column is not a non-negative number.
        DisclosureError
            The audit finds a suppressed cell a reader could recover (nothing is written or registered).
        """
        name = spec.name
        declared = [c.name for c in spec.columns]
        missing = [c for c in declared if c not in df.columns]
        helpers = [c for c in (spec.key, spec.groups) if c is not None and c not in declared]
        missing += [c for c in helpers if c not in df.columns]
        if missing:
            raise DataError(
                f"table {name!r}: declared column(s) {missing} not in the table {[str(c) for c in df.columns]}."
            )
        dropped = [str(c) for c in df.columns if c not in declared and c not in helpers]
        notes: list[str] = []
        if dropped:
            # the headers themselves are not repeated: a header can be an identifier too
            n = len(dropped)
            notes.append(
                f"{n} {'kolom' if n == 1 else 'kolommen'} uit de invoer {'is' if n == 1 else 'zijn'} niet "
                "gepubliceerd: dit pakket publiceert alleen kolommen waarvan het weet wat ze bevatten."
            )
        keys = self._keys(df, spec)
        counts = spec.counts()
        work = df[[*declared, *helpers]].copy()
        work.index = pd.RangeIndex(len(work))
        self._check_counts(work, counts, name)
        row_relations = self._row_relations(spec, keys)
        relations, external = self._table_relations(spec, keys, work, row_relations)
        true = self._stage_true(spec, keys, work)
        from jeugdlib.disclosure._audit import _Infeasible

        try:
            published, n_supp = self._suppress(true, relations, external, name)
        except _Infeasible:
            raise DataError(
                f"table {name!r}: its counts do not satisfy the relations it declares (totals, identities); "
                "a row may be labelled like the total row. Check the table before publishing it."
            ) from None
        protected = work.copy()
        for c in counts:
            q = self._quantity(spec, c)
            protected[c] = [published[(q, k)] for k in keys]
        out = self._derive(protected, spec)
        staged = {cid: (true[cid], published[cid]) for cid in true}
        self._audit(staged, relations, external, spec.name)  # raises before anything is registered
        self._commit(staged, relations, external, spec.name)
        codes = [c.name for c in spec.columns if c.kind is Kind.CODE]
        table = PublishedTable(
            name=name,
            table=_neutralise_frame(out[declared], codes=codes),
            spec=spec,
            n_suppressed=int(n_supp),
            notes=notes,
        )
        self.tables.append(table)
        if self.tables_dir is not None:
            self._write(table)
        return table

    def statistics(
        self,
        data: pd.DataFrame | pd.Series | Mapping[str, Any],
        name: str,
        *,
        units: Iterable[str] = (),
    ) -> pd.DataFrame:
        """Publish a table of statistics (model output, agreement, fit measures) for display.

        Text columns are labels and numbers are statistics; a column (or, for a Series or a dict,
        an item) whose name says it counts persons or units (``n_…``, ``Aantal …``, ``…jongeren…``,
        ``…cliënten…``) must be declared in ``units`` when it counts areas (wijken, gemeenten) —
        otherwise it is refused: a count of persons needs :meth:`publish` with a :class:`TableSpec`.
        Returns the published frame.
        """
        units = set(units)
        if isinstance(data, Mapping) and not isinstance(data, pd.DataFrame):
            data = pd.Series(dict(data))
        if isinstance(data, pd.Series):
            items = [str(i) for i in data.index]
            suspicious = [i for i in items if _looks_like_count(i) and i not in units]
            if suspicious:
                raise DataError(
                    f"table {name!r}: item(s) {suspicious} look like counts; declare counts of areas in units=, "
                    "publish counts of persons with Publication.publish and a TableSpec."
                )
            frame = pd.DataFrame({"Grootheid": items, "Waarde": data.to_numpy(dtype=object)})
            spec = TableSpec(name, (Column("Grootheid", Kind.LABEL), Column("Waarde", Kind.LABEL)))
            return self.publish(frame, spec).table
        frame = data if isinstance(data.index, pd.RangeIndex) else data.reset_index()
        frame.columns = [str(c) for c in frame.columns]
        cols = []
        for c in frame.columns:
            if c in units:
                cols.append(Column(c, Kind.UNITS))
            elif not pd.api.types.is_numeric_dtype(frame[c]) or pd.api.types.is_bool_dtype(frame[c]):
                cols.append(Column(c, Kind.LABEL))
            elif _looks_like_count(c):
                raise DataError(
                    f"table {name!r}: column {c!r} looks like a count; declare counts of areas in units=, publish "
                    "counts of persons with Publication.publish and a TableSpec."
                )
            else:
                cols.append(Column(c, Kind.STATISTIC))
        return self.publish(frame, TableSpec(name, tuple(cols))).table

    # ------------------------------------------------------------------ internals
    @staticmethod
    def _quantity(spec: TableSpec, column: str) -> str:
        col = next(x for x in spec.columns if x.name == column)
        return col.quantity or column

    @staticmethod
    def _keys(df: pd.DataFrame, spec: TableSpec) -> list[Hashable]:
        keys = list(df[spec.key]) if spec.key is not None else list(df.index)
        if len(set(keys)) != len(keys):
            raise DataError(f"table {spec.name!r}: key {spec.key or 'index'} has duplicate values.")
        if spec.total_row is not None and spec.total_row not in keys:
            raise DataError(f"table {spec.name!r}: total_row {spec.total_row!r} is not a key of the table.")
        return keys

    @staticmethod
    def _row_relations(spec: TableSpec, keys: list[Hashable]) -> list:
        """The spec's identities as disclosure Relations over (row position, column)."""
        from jeugdlib.disclosure import Relation

        pos = {k: i for i, k in enumerate(keys)}
        rels = []
        for ident in spec.identities:
            unknown = [k for (k, _) in ident if k not in pos]
            if unknown:
                raise DataError(f"table {spec.name!r}: identity refers to unknown rows {unknown}.")
            cells = tuple((pos[k], c) for (k, c) in ident)
            rels.append(Relation(cells=cells, coefs=tuple(float(v) for v in ident.values())))
        return rels

    def _derive(self, protected: pd.DataFrame, spec: TableSpec) -> pd.DataFrame:
        """Rates from the published values; anything resting on a hidden count hidden; text neutralised."""
        out = protected.copy()
        kinds = {c.name: c.kind for c in spec.columns}
        for c in spec.columns:
            if c.kind is Kind.RATE:
                num = pd.to_numeric(out[c.numerator], errors="coerce").astype(float)
                den = pd.to_numeric(out[c.denominator], errors="coerce").astype(float)
                with np.errstate(divide="ignore", invalid="ignore"):
                    r = c.scale * num / den + c.offset
                out[c.name] = r.where(np.isfinite(r))
            basis = [b for b in c.basis if kinds[b] is Kind.COUNT]
            if c.kind is Kind.RATE:
                basis += [x for x in (c.numerator, c.denominator) if x and kinds[x] is Kind.COUNT]
            if spec.hide_rows_without is not None and kinds[c.name] not in (Kind.CODE, Kind.LABEL, Kind.YEAR):
                basis.append(spec.hide_rows_without)
            basis = [b for b in dict.fromkeys(basis) if b != c.name]
            if basis:
                hide = out[basis].isna().any(axis=1).to_numpy()
                if pd.api.types.is_numeric_dtype(out[c.name]):
                    out[c.name] = pd.to_numeric(out[c.name], errors="coerce").astype(float).where(~hide)
                else:
                    out[c.name] = out[c.name].astype(object).where(~hide, None)
        for c in spec.columns:
            if c.kind in (Kind.COUNT, Kind.UNITS) and pd.api.types.is_numeric_dtype(out[c.name]):
                vals = pd.to_numeric(out[c.name], errors="coerce")
                if (vals.dropna() % 1 == 0).all():
                    out[c.name] = vals.round().astype("Int64")
            elif pd.api.types.is_float_dtype(out[c.name]):
                d = c.decimals if c.decimals is not None else _DEFAULT_DECIMALS.get(c.kind)
                if d is not None:
                    out[c.name] = out[c.name].round(d)
                    if d == 0:  # whole numbers are written as whole numbers (no "1235,0" in a CSV)
                        out[c.name] = out[c.name].astype("Int64")
        return out

    @staticmethod
    def _check_counts(work: pd.DataFrame, counts: list[str], name: str) -> None:
        for c in counts:
            vals = pd.to_numeric(work[c], errors="coerce")
            bad = (vals.isna() & work[c].notna()) | (vals < 0)
            if bad.any():
                raise DataError(
                    f"table {name!r}: count column {c!r} has values that are not non-negative numbers "
                    f"(rows {list(np.flatnonzero(bad.to_numpy())[:10])}); counts of persons must be numbers >= 0."
                )
            work[c] = vals.astype(float)

    def _stage_true(self, spec: TableSpec, keys: list[Hashable], work: pd.DataFrame) -> dict[CellId, float]:
        true: dict[CellId, float] = {}
        for c in spec.counts():
            q = self._quantity(spec, c)
            for k, v in zip(keys, work[c].to_numpy(dtype=float), strict=True):
                true[(q, k)] = float(v)
        return true

    def _suppress(
        self,
        true: dict[CellId, float],
        relations: list[dict[CellId, float]],
        external: dict[CellId, float],
        name: str,
    ) -> tuple[dict[CellId, float], int]:
        """Primary and secondary suppression of the table's cells, jointly with everything published before.

        Cells of earlier tables cannot change any more: a published one is fixed (treated as known
        exactly, which is conservative), a hidden one stays hidden. Totals published elsewhere are
        known exactly. :func:`jeugdlib.disclosure.secondary_suppression` then hides the cheapest cells
        of *this* table until no sensitive hidden cell of the connected relations can be recovered.
        """
        from jeugdlib.disclosure import Relation, relation_matrix, round_to_base, secondary_suppression

        all_rels = [r for r in [*self._relations, *relations] if len(r) > 1]
        ext_vals = {**self._external, **external}
        # only the relations connected to this table's cells take part
        linked: set[CellId] = set(true)
        active: list[dict[CellId, float]] = []
        pending = list(all_rels)
        grew = True
        while grew:
            grew = False
            rest = []
            for r in pending:
                if linked.intersection(r):
                    active.append(r)
                    linked.update(r)
                    grew = True
                else:
                    rest.append(r)
            pending = rest
        ids = list(dict.fromkeys([*true, *(c for r in active for c in r)]))
        index = {cid: i for i, cid in enumerate(ids)}
        tv = np.empty(len(ids))
        primary = np.zeros(len(ids), dtype=bool)
        exact = np.zeros(len(ids), dtype=bool)
        for cid, i in index.items():
            old = self._cells.get(cid)
            if old is not None:
                tv[i] = old.true
                primary[i] = bool(np.isnan(old.published))
                exact[i] = not primary[i]
            elif cid in true:
                tv[i] = true[cid]
                primary[i] = bool(np.isnan(tv[i]) or tv[i] < self.threshold)
            else:
                tv[i] = ext_vals[cid]
                # a total published elsewhere is known exactly, unless it is small: then it is hidden there
                exact[i] = tv[i] >= self.threshold
                primary[i] = not exact[i]
        if active:
            A = relation_matrix(
                [Relation(cells=tuple(index[c] for c in r), coefs=tuple(r.values())) for r in active], len(ids)
            )
            mask = secondary_suppression(
                tv,
                primary,
                A,
                base=self.base,
                threshold=self.threshold,
                exact=exact,
                labels=[f"{name}: {q} / {k}" for (q, k) in ids],
            )
        else:
            mask = primary | np.isnan(tv)
        rounded = round_to_base(np.nan_to_num(tv), self.base)
        published: dict[CellId, float] = {}
        n_supp = 0
        for cid in true:
            i = index[cid]
            old = self._cells.get(cid)
            if old is not None:
                published[cid] = old.published
            else:
                published[cid] = float("nan") if mask[i] else float(rounded[i])
            n_supp += int(np.isnan(published[cid]))
        return published, n_supp

    def _table_relations(
        self, spec: TableSpec, keys: list[Hashable], work: pd.DataFrame, row_relations: list
    ) -> tuple[list[dict[CellId, float]], dict[CellId, float]]:
        """Every additive relation of the table in register cell ids; totals published elsewhere as extra cells."""
        quantity = {c: self._quantity(spec, c) for c in spec.counts()}
        rels: list[dict[CellId, float]] = []
        external: dict[CellId, float] = {}
        pos = {k: i for i, k in enumerate(keys)}
        rows = [k for k in keys if k != spec.total_row]
        labels = list(work[spec.groups]) if spec.groups else [None] * len(keys)
        by: dict[Any, list[Hashable]] = {}
        for k, g in zip(keys, labels, strict=True):
            if k != spec.total_row:
                by.setdefault(g, []).append(k)
        for c, q in quantity.items():
            if c in spec.not_additive:
                continue
            if spec.total_row is not None:
                r = {(q, k): 1.0 for k in rows}
                r[(q, spec.total_row)] = -1.0
                rels.append(r)
            if spec.column_totals:
                vals = pd.to_numeric(work[c], errors="coerce").to_numpy(dtype=float)
                for g, members in by.items():
                    ext: CellId = (f"{q} [totaal elders, {spec.name}]", g)
                    # a member suppressed at the source (CBS leaves counts below 10 empty) enters the total
                    # with a nominal small value: the reader knows the total, we do not know that member
                    member_vals = np.array([vals[pos[k]] for k in members], dtype=float)
                    nominal = np.where(np.isnan(member_vals), self.threshold // 2, member_vals)
                    external[ext] = float(nominal.sum())
                    r = {(q, k): 1.0 for k in members}
                    r[ext] = -1.0
                    rels.append(r)
        if spec.total_col is not None:
            qt = quantity[spec.total_col]
            others = [q for c, q in quantity.items() if c != spec.total_col]
            for k in keys:
                r = {(q, k): 1.0 for q in others}
                r[(qt, k)] = -1.0
                rels.append(r)
        for rel in row_relations:
            rels.append(
                {(quantity[c], keys[i]): float(coef) for (i, c), coef in zip(rel.cells, rel.coefs, strict=True)}
            )
        return rels, external

    def _audit(
        self,
        staged: dict[CellId, tuple[float, float]],
        relations: list[dict[CellId, float]],
        external: dict[CellId, float],
        name: str,
    ) -> None:
        """Audit the register plus this table as a reader would; raise DisclosureError if it fails."""
        from jeugdlib.disclosure import Relation, audit_published, relation_matrix

        for cid, (true, _) in staged.items():
            old_cell = self._cells.get(cid)
            if old_cell is not None and not (
                np.isnan(true) or np.isnan(old_cell.true) or abs(true - old_cell.true) < 1e-9
            ):
                raise ValueError(
                    f"{name}: quantity {cid[0]!r} for {cid[1]!r} is {true:g} here but {old_cell.true:g} in "
                    f"{old_cell.tables}; two different counts must not share a register name."
                )
        published: dict[CellId, float] = {cid: c.published for cid, c in self._cells.items()}
        for cid, (_, pub) in staged.items():
            old = published.get(cid)
            published[cid] = old if old is not None and not np.isnan(old) else pub  # public before: still known
        exact_vals = {**self._external, **external}
        rels = [r for r in [*self._relations, *relations] if len(r) > 1]
        if not rels:
            return
        ids = list(dict.fromkeys([*published, *(c for r in rels for c in r)]))
        index = {cid: i for i, cid in enumerate(ids)}
        # totals published elsewhere are known exactly, unless small (< threshold): hidden there too
        shown_ext = {c: v for c, v in exact_vals.items() if v >= self.threshold}
        values = np.array([published.get(c, shown_ext.get(c, np.nan)) for c in ids], dtype=float)
        exact = np.array([c in shown_ext and c not in published for c in ids], dtype=bool)
        suppressed = np.isnan(values)
        A = relation_matrix(
            [Relation(cells=tuple(index[c] for c in r), coefs=tuple(r.values())) for r in rels], len(ids)
        )
        report = audit_published(
            np.nan_to_num(values),
            suppressed,
            A,
            base=self.base,
            threshold=self.threshold,
            exact=exact,
            labels=[f"{q} / {k}" for (q, k) in ids],
        )
        if report.ok:
            return
        # The reader's audit cannot tell a true 0 from 1..9; the boundary can. A suppressed cell whose
        # true value is 0 ("nobody") and that a reader narrows to 0..4 reveals no person, as in
        # tau-ARGUS, where zeros are not sensitive. Every other failure refuses the table.
        truth = {cid: c.true for cid, c in self._cells.items()}
        truth.update({cid: t for cid, (t, _) in staged.items()})
        failing = report.failures
        keep = [
            label
            for label, cid in zip(report.intervals.index, ids, strict=True)
            if label in failing.index and not (truth.get(cid) == 0.0 and bool(failing.loc[label, "suppressed"]))
        ]
        if keep:
            report.intervals = report.intervals.assign(ok=~report.intervals.index.isin(keep))
            report.raise_if_failed(name)

    def _commit(
        self,
        staged: dict[CellId, tuple[float, float]],
        relations: list[dict[CellId, float]],
        external: dict[CellId, float],
        name: str,
    ) -> None:
        for cid, (true, pub) in staged.items():
            old = self._cells.get(cid)
            if old is None:
                self._cells[cid] = _Cell(true, pub, [name])
                continue
            old.tables.append(name)
            if np.isnan(old.published):
                old.published = pub  # hidden before: the forced suppression kept it hidden here too
        self._relations.extend(relations)
        self._external.update(external)

    def _write(self, table: PublishedTable) -> Path:
        """Write the table for Dutch Excel: ``<name>.csv`` (``;``, decimal comma, UTF-8 with BOM) and
        ``<name>.xlsx`` (one sheet; source and disclosure note above the table). Both atomically."""
        import io

        from jeugdlib._files import atomic_write

        assert self.tables_dir is not None
        self.tables_dir.mkdir(parents=True, exist_ok=True)
        frame = table.table
        text = frame.to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
        path = atomic_write(self.tables_dir / f"{table.name}.csv", ("\ufeff" + text).encode("utf-8"))
        note = table.spec.note or (
            f"Afscherming: aantallen personen onder {self.threshold} weggelaten (leeg), de rest afgerond op "
            f"{self.base}; percentages berekend op de afgeronde aantallen. Gemaakt met jeugdlib."
        )
        buf = io.BytesIO()
        with pd.ExcelWriter(buf, engine="openpyxl") as xl:
            frame.to_excel(xl, sheet_name="tabel", index=False, startrow=3)
            sheet = xl.sheets["tabel"]
            sheet["A1"] = neutralise_formula(table.name)
            sheet["A2"] = note
        atomic_write(self.tables_dir / f"{table.name}.xlsx", buf.getvalue())
        return path

    def write_register(self) -> Path | None:
        """Write ``afscherming.json``: per table its rows, columns and hidden cells (no values)."""
        if self.tables_dir is None:
            return None
        from jeugdlib._files import atomic_write

        payload = {
            "drempel": self.threshold,
            "afronding": self.base,
            "tabellen": self.register_summary().to_dict(orient="records"),
        }
        return atomic_write(self.tables_dir / "afscherming.json", json.dumps(payload, indent=2, ensure_ascii=False))
