"""Typed metadata of trajectory and claims tables (instead of ``DataFrame.attrs``).

``DataFrame.attrs`` is invisible to users and lost by most pandas operations. What a
loader checked and changed is a :class:`LoadReport`; a loaded table travels with its
report and its observation window (``as_of``, ``observed_from``) in a
:class:`LoadedTable`. The analyses accept a :class:`LoadedTable`, a
:class:`~jeugdlib.trajectories.SimulatedTrajectories` or a plain DataFrame and take
the window from the typed fields unless it is passed explicitly.

Only ``attrs['synthetic']`` and ``attrs['description']`` stay on simulated tables (and
on tables loaded from them): pandas users expect such a label to travel with the data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Any, Literal

import pandas as pd

from jeugdlib.errors import DataError

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
        BSN-like client ids replaced by a salted hash (``pseudonymise_bsn=True``).
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
    """A validated trajectory or claims table with its typed metadata.

    Attributes
    ----------
    table:
        The validated DataFrame (what :func:`load_trajectories` / :func:`load_claims` return).
    report:
        What was checked and changed (:class:`LoadReport`).
    as_of:
        Censoring date passed to the loader (``None``: not given; the analyses then use
        the latest date in the table).
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

    def __len__(self) -> int:
        return len(self.table)


def synthetic_attrs(df: pd.DataFrame) -> dict[str, Any]:
    """The SYNTHETIC label of ``df.attrs`` (``synthetic``, ``description``), nothing else."""
    return {k: df.attrs[k] for k in SYNTHETIC_ATTRS if k in df.attrs}


def window(
    data: Any,
    as_of: DateLike | None = None,
    observed_from: DateLike | None = None,
) -> tuple[pd.DataFrame, pd.Timestamp | None, pd.Timestamp | None]:
    """Split ``data`` into (DataFrame, as_of, observed_from); explicit arguments win.

    ``data`` is a DataFrame, a :class:`LoadedTable` or a
    :class:`~jeugdlib.trajectories.SimulatedTrajectories` (its trajectories).
    """
    from jeugdlib.trajectories._simulate import SimulatedTrajectories

    if isinstance(data, LoadedTable):
        df, a, o = data.table, data.as_of, data.observed_from
    elif isinstance(data, SimulatedTrajectories):
        df, a, o = data.trajectories, data.as_of, data.observed_from
    elif isinstance(data, pd.DataFrame):
        df, a, o = data, None, None
    else:
        raise DataError(
            f"expected a DataFrame, a LoadedTable (read_trajectories) or SimulatedTrajectories, "
            f"not {type(data).__name__}."
        )
    return df, _ts(as_of) if as_of is not None else a, _ts(observed_from) if observed_from is not None else o


def table_of(data: Any) -> pd.DataFrame:
    """The DataFrame inside ``data`` (a DataFrame or a :class:`LoadedTable`)."""
    if isinstance(data, LoadedTable):
        return data.table
    if isinstance(data, pd.DataFrame):
        return data
    raise DataError(f"expected a DataFrame or a LoadedTable (read_claims), not {type(data).__name__}.")
