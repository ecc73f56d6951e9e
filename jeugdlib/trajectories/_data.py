"""Typed metadata of trajectory and claims tables (instead of ``DataFrame.attrs``).

``DataFrame.attrs`` is invisible to users and lost by most pandas operations. What a
loader checked and changed is a :class:`LoadReport`; a loaded table travels with its
report and its observation window (``as_of``, ``observed_from``) in a
:class:`LoadedTable`. The analyses accept a :class:`LoadedTable`, a
:class:`~jeugdlib.trajectories.SimulatedTrajectories` or a plain DataFrame and take
the window from the typed fields unless it is passed explicitly. A plain DataFrame has no
window: an analysis that gets one without ``as_of=`` (and, where it matters, without
``observed_from=`` / ``start=``) issues one :class:`~jeugdlib.JeugdlibWarning` saying what
it assumes (censoring at the latest date in the table, no left truncation).

Only ``attrs['synthetic']`` and ``attrs['description']`` stay on simulated tables (and
on tables loaded from them): pandas users expect such a label to travel with the data.
"""

from __future__ import annotations

import datetime as dt
import html
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from jeugdlib.errors import DataError, JeugdlibWarning

__all__ = ["SYNTHETIC_ATTRS", "LoadReport", "LoadedTable", "ValidationReport", "synthetic_attrs", "table_of", "window"]

DateLike = str | dt.date | pd.Timestamp

#: The only ``DataFrame.attrs`` keys jeugdlib.trajectories writes (on SYNTHETIC data).
SYNTHETIC_ATTRS: tuple[str, ...] = ("synthetic", "description")


def _ts(value: DateLike | None) -> pd.Timestamp | None:
    return None if value is None else pd.Timestamp(value).normalize()


@dataclass
class LoadReport:
    """What :func:`read_trajectories` / :func:`read_claims` checked and changed.

    Attributes
    ----------
    source:
        File name (or ``"<DataFrame>"``) used in messages.
    table:
        ``"trajectories"`` or ``"claims"``.
    n_rows_in, n_rows_out:
        Rows read and rows in the validated table.
    n_duplicates_dropped:
        Exact duplicate rows dropped (``drop_duplicates=True``).
    n_bsn_pseudonymised:
        BSN-like client ids replaced by their keyed pseudonym (``pseudonymise_bsn=True``, which
        pseudonymises every client id: HMAC-SHA-256 with a secret key).
    n_merged_rows, n_merged_trajectories:
        Rows absorbed by the CBS merge rule and the trajectories they were merged into.
    n_running:
        Trajectories without an end date after loading.
    as_of:
        Reference date of the "in the future" checks (``as_of``, else the day of loading).
    notes:
        Further remarks (e.g. planned end dates treated as running).
    """

    source: str
    table: Literal["trajectories", "claims"]
    n_rows_in: int
    n_rows_out: int = 0
    n_duplicates_dropped: int = 0
    n_bsn_pseudonymised: int = 0
    n_merged_rows: int = 0
    n_merged_trajectories: int = 0
    n_running: int = 0
    as_of: pd.Timestamp | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One-paragraph English summary for logs and notebooks."""
        parts = [
            f"{self.source}: {self.n_rows_in} rows read, {self.n_rows_out} kept",
            f"{self.n_duplicates_dropped} exact duplicates dropped",
        ]
        if self.table == "trajectories":
            parts += [
                f"{self.n_merged_rows} overlapping rows merged into {self.n_merged_trajectories} "
                "trajectories (same client, aanbieder and productcategorie; CBS rule)",
                f"{self.n_running} running",
                f"{self.n_bsn_pseudonymised} BSN-like client ids pseudonymised",
            ]
        return "; ".join(parts) + "."


#: Former name of :class:`LoadReport` (kept for existing code).
ValidationReport = LoadReport


@dataclass
class LoadedTable:
    """A trajectory or claims table with its typed metadata (report and observation window).

    What :func:`read_trajectories` / :func:`read_claims` return, and what iterating a
    :class:`~jeugdlib.trajectories.SimulatedTrajectories` gives
    (``traj, claims = simulate_trajectories(...)``). Every analysis accepts it and takes the
    window (``as_of``, ``observed_from``) from it.

    It is not a DataFrame, but offers the light conveniences needed after unpacking:
    ``len(t)``, ``t["col"]`` / ``t[["a", "b"]]`` / ``t[mask]`` (indexing the table),
    ``t["new"] = ...`` (a column added to the table in place; the window stays),
    ``"col" in t``, attribute access to the table (``t.columns``, ``t.head()``,
    ``t.attrs``, ``t.to_csv(...)``, ``t.loc[...]``), and it prints (and shows in
    notebooks) as the table under a one-line header with the window. Everything that
    needs a real DataFrame (``isinstance``, ``pd.concat``, assigning columns, other
    libraries) takes ``t.table``.

    Note that these conveniences return plain DataFrames, which do not carry the window:
    use :meth:`subset` to restrict rows and keep it (or pass ``as_of=``/``observed_from=``
    to the analyses).

    Attributes
    ----------
    table:
        The DataFrame (what :func:`load_trajectories` / :func:`load_claims` return).
    report:
        What was checked and changed (:class:`LoadReport`).
    as_of:
        Censoring date (``None``: not given; the analyses then use the latest date in
        the table).
    observed_from:
        First date covered by the extract (left truncation in :func:`durations`), or ``None``.
    """

    table: pd.DataFrame
    report: LoadReport
    as_of: pd.Timestamp | None = None
    observed_from: pd.Timestamp | None = None

    def subset(self, rows: Any) -> LoadedTable:
        """The same extract restricted to ``rows`` (a boolean mask or labels for ``.loc``).

        The report still describes the whole load; the window (``as_of``,
        ``observed_from``) is kept, which is what a subset (e.g. one gemeente) needs.
        """
        return replace(self, table=self.table.loc[rows])

    # ---- light DataFrame conveniences (delegated to .table)

    def __len__(self) -> int:
        return len(self.table)

    def __getitem__(self, key: Any) -> Any:
        """``t[key]`` is ``t.table[key]`` (a column, a list of columns or a boolean mask)."""
        return self.table[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        """``t["col"] = ...`` sets a column of ``t.table`` (in place; the window stays)."""
        self.table[key] = value

    def __contains__(self, key: object) -> bool:
        return key in self.table

    def __iter__(self) -> Iterator[Any]:
        """Column names, as iterating a DataFrame gives."""
        return iter(self.table)

    def __getattr__(self, name: str) -> Any:
        # only reached when normal lookup fails; never for dunders/private names (copy, pickle)
        if name.startswith("_") or name in _FIELDS:
            raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
        try:
            return getattr(self.table, name)
        except AttributeError:
            raise AttributeError(
                f"{type(self).__name__} has no attribute {name!r} (nor has its DataFrame .table)"
            ) from None

    def _header(self) -> str:
        kind = self.report.table if self.report is not None else "table"
        parts = [f"as_of={_date_text(self.as_of)}"]
        if kind != "claims" or self.observed_from is not None:
            parts.append(f"observed_from={_date_text(self.observed_from)}")
        n_rows, n_cols = self.table.shape
        return f"LoadedTable ({kind}, {n_rows:,} rows x {n_cols} columns; {', '.join(parts)}; the DataFrame is .table)"

    def __repr__(self) -> str:
        return f"{self._header()}\n{self.table!r}"

    def _repr_html_(self) -> str:
        body = self.table._repr_html_()
        return f"<p><code>{html.escape(self._header())}</code></p>\n{body if body is not None else ''}"


_FIELDS = frozenset(("table", "report", "as_of", "observed_from"))


def _date_text(value: pd.Timestamp | None) -> str:
    return "None" if value is None else str(pd.Timestamp(value).date())


def synthetic_attrs(df: pd.DataFrame) -> dict[str, Any]:
    """The SYNTHETIC label of ``df.attrs`` (``synthetic``, ``description``), nothing else."""
    return {k: df.attrs[k] for k in SYNTHETIC_ATTRS if k in df.attrs}


def window(
    data: Any,
    as_of: DateLike | None = None,
    observed_from: DateLike | None = None,
    *,
    func: str,
    start_assumption: tuple[str, str] | None = None,
) -> tuple[pd.DataFrame, pd.Timestamp | None, pd.Timestamp | None]:
    """Split ``data`` into (DataFrame, as_of, observed_from); explicit arguments win.

    ``data`` is a DataFrame, a :class:`LoadedTable` or a
    :class:`~jeugdlib.trajectories.SimulatedTrajectories` (its trajectories).

    A plain DataFrame carries no observation window. When the analysis ``func`` gets one
    without an explicit ``as_of`` (and, if it uses the start of the extract, without what
    ``start_assumption`` = ``(what is assumed, argument to pass)`` names), one
    :class:`~jeugdlib.JeugdlibWarning` says what is assumed and what to pass. An episode
    table with running rows knows its censoring date (see :func:`episodes`).
    """
    from jeugdlib.trajectories._simulate import SimulatedTrajectories

    if isinstance(data, LoadedTable):
        df, a, o = data.table, data.as_of, data.observed_from
    elif isinstance(data, SimulatedTrajectories):
        df, a, o = data.trajectories, data.as_of, data.observed_from
    elif isinstance(data, pd.DataFrame):
        df, a, o = data, None, None
        _warn_plain(df, func, as_of is None, start_assumption if observed_from is None else None)
    else:
        raise DataError(
            f"expected a DataFrame, a LoadedTable (read_trajectories) or SimulatedTrajectories, "
            f"not {type(data).__name__}."
        )
    return df, _ts(as_of) if as_of is not None else a, _ts(observed_from) if observed_from is not None else o


def _censoring_date_known(df: pd.DataFrame) -> bool:
    """An episode table with running rows: they were censored at the ``as_of`` of :func:`episodes`."""
    return {"n_verlengingen", "duur_dagen", "lopend"} <= set(df.columns) and bool(df["lopend"].any())


def _warn_plain(df: pd.DataFrame, func: str, no_as_of: bool, start_assumption: tuple[str, str] | None) -> None:
    """One warning per analysis call on a plain DataFrame whose window had to be assumed."""
    no_as_of = no_as_of and not _censoring_date_known(df)
    if not (no_as_of or start_assumption):
        return
    assumed, to_pass = [], []
    if no_as_of:
        from jeugdlib.trajectories._episodes import default_as_of

        try:
            latest = f" ({default_as_of(df, None).date()})"
        except Exception:  # an unusable table: the analysis itself reports it
            latest = ""
        assumed.append(f"running trajectories are censored at the latest date in the table{latest}")
        to_pass.append("as_of=<peildatum>")
    if start_assumption:
        assumed.append(start_assumption[0])
        to_pass.append(start_assumption[1])
    warnings.warn(
        f"{func}: got a plain DataFrame, which does not carry the observation window of the extract, and no "
        f"{' / '.join(p.split('=')[0] + '=' for p in to_pass)}. Assumed: {'; and '.join(assumed)}. "
        f"If that is not right, pass {' and '.join(to_pass)}, or pass the LoadedTable "
        "(read_trajectories(...), or traj from `traj, claims = simulate_trajectories(...)`) or the "
        "SimulatedTrajectories itself. A DataFrame taken from a LoadedTable (.table, .loc, .query, ...) "
        "loses the window; LoadedTable.subset(rows) keeps it.",
        JeugdlibWarning,
        stacklevel=4,
    )


def table_of(data: Any) -> pd.DataFrame:
    """The DataFrame inside ``data`` (a DataFrame or a :class:`LoadedTable`, e.g. ``claims`` of
    ``traj, claims = simulate_trajectories(...)``)."""
    if isinstance(data, LoadedTable):
        return data.table
    if isinstance(data, pd.DataFrame):
        return data
    raise DataError(f"expected a DataFrame or a LoadedTable (read_claims), not {type(data).__name__}.")
