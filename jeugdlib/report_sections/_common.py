"""Shared pieces of the report sections: formatting, the compatibility publisher, constants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from jeugdlib import publication as P
from jeugdlib.errors import DataError
from jeugdlib.publication import Publication, TableSpec

if TYPE_CHECKING:
    pass

#: Every count-of-persons column in a report starts with this word (tests audit published reports by it).
COUNT_PREFIX = "Aantal"
#: Non-count columns shown without decimals (numbers of wijken or gemeenten: never start with "Aantal").
INTEGER_COLUMNS = {"Wijken", "Gemeenten", "Jaar", "Wijken met waarneming", "Wijken hoger", "Wijken lager",
                   "Wijken afwijkend"}  # fmt: skip

FLAG_NL = {"higher": "hoger", "lower": "lager", "as_expected": "zoals verwacht"}


def _pub(pub: Publication | None, tables_dir: str | Path | None) -> Publication:
    """The report's publication register, or a private one (a section called on its own)."""
    return pub if pub is not None else Publication(tables_dir)


def publish_table(
    df: pd.DataFrame,
    *,
    count_cols: Sequence[str] = (),
    rate_cols: Mapping[str, str | Sequence[str]] | None = None,
    kinds: Mapping[str, str] | None = None,
    total_row: Any = None,
    total_col: str | None = None,
    groups: str | None = None,
    column_totals: bool = False,
    name: str | None = None,
    tables_dir: str | Path | None = None,
    pub: Publication | None = None,
) -> pd.DataFrame:
    """Publish one table through a :class:`~jeugdlib.publication.Publication` (compatibility wrapper).

    ``count_cols`` are counts of persons, ``rate_cols`` ``{column: basis counts}`` are hidden with
    their counts, and every other column must be classified in ``kinds`` (``{column: kind}``, see
    :class:`jeugdlib.publication.Kind`): an unclassified column is refused, not published.
    ``total_row`` is a row label. Prefer :meth:`Publication.publish` with a :class:`TableSpec`.
    """
    kinds = dict(kinds or {})
    rate_cols = dict(rate_cols or {})
    cols: list[P.Column] = []
    for c in df.columns:
        if c in count_cols or c == total_col:
            cols.append(P.count(str(c)))
        elif c in rate_cols:
            basis = rate_cols[c]
            cols.append(P.derived(str(c), *([basis] if isinstance(basis, str) else basis)))
        elif c in kinds:
            cols.append(P.Column(str(c), P.Kind(kinds[c])))
    unclassified = [str(c) for c in df.columns if c not in {x.name for x in cols}]
    if unclassified:
        raise DataError(
            f"table {name or 'report table'!r}: column(s) {unclassified} are not classified; pass kinds= "
            "(code, label, year, count, units, rate, derived, statistic, money) so the publication boundary "
            "knows how to treat them."
        )
    frame = df.reset_index(drop=True)
    spec = TableSpec(
        name or "tabel",
        tuple(cols),
        total_row=int(df.index.get_loc(total_row)) if total_row is not None else None,
        total_col=total_col,
        groups=groups,
        column_totals=column_totals,
    )
    target = pub if pub is not None else Publication(tables_dir if name else None)
    return target.publish(frame, spec).table


# --------------------------------------------------------------------------- formatting
def nl(value: float, decimals: int = 1) -> str:
    """A number in Dutch notation for report text: ``9.84`` → ``"9,8"``; NaN → ``"–"``."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "–"
    return f"{value:,.{decimals}f}".replace(",", " ").replace(".", ",").replace(" ", ".")


def to_html(df: pd.DataFrame, *, decimals: int = 1, index: bool = False) -> str:
    """HTML for a published table: suppressed or missing cells shown as '–', counts without decimals.

    Every cell is formatted here (pandas leaves ``<NA>`` of nullable columns unformatted).
    """

    def cell(v: Any, kind: str, col: str) -> str:
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
            return "–"
        if kind == "count":
            return f"{int(v):,}".replace(",", ".")
        if kind == "int":
            return f"{int(v)}"
        if kind == "float":
            return f"{float(v):.{decimals}f}".replace(".", ",")
        return str(v)

    shown = pd.DataFrame(index=df.index)
    for c in df.columns:
        s = df[c]
        if str(c).startswith(COUNT_PREFIX) and pd.api.types.is_numeric_dtype(s):
            kind = "count"
        elif pd.api.types.is_integer_dtype(s) or (
            pd.api.types.is_float_dtype(s) and ((s.dropna() % 1) == 0).all() and str(c) in INTEGER_COLUMNS
        ):
            kind = "int"
        elif pd.api.types.is_float_dtype(s):
            kind = "float"
        else:
            kind = "text"
        shown[c] = [cell(v, kind, str(c)) for v in s.astype(object)]
    return shown.to_html(index=index, na_rep="–", classes="jeugdlib-tabel", border=0, escape=True)


# --------------------------------------------------------------------------- optional sections
def safe_markdown(text: str) -> str:
    """Section text made safe for a Markdown cell: no HTML, no links or images from user data.

    Section texts can hold pieces of user files (a provider name, a column count). HTML is escaped
    (``<img onerror=...>`` becomes text) and the Markdown syntax that loads or links something
    (``![..](..)``, ``[..](..)``, ``<http://..>``) is defused; backticks, ``*`` and ``_`` keep
    their harmless formatting.
    """
    import html

    out = html.escape(str(text), quote=False)
    return out.replace("[", "\\[").replace("]", "\\]").replace("!", "&#33;")


def _absent(title: str, what: str) -> dict[str, Any]:
    return {"title": title, "text": f"Niet opgenomen: {what}", "tables": [], "figures": []}


def _section(title: str, text: str, *published: P.PublishedTable, **extra: Any) -> dict[str, Any]:
    """A report section: its title, its text with the boundary's notes, its published tables (no figures)."""
    return {
        "title": title,
        "text": _with_notes(text, *published),
        "tables": [t.table for t in published],
        "figures": [],
        **extra,
    }


def _with_notes(text: str, *tables: P.PublishedTable) -> str:
    notes = [n for t in tables for n in t.notes]
    return text if not notes else text + " " + " ".join(notes)
