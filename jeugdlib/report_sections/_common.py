"""Shared pieces of the report sections: table formatting, the compatibility publisher, constants."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from jeugdlib import formatting as F
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
            f"tabel {name or 'rapporttabel'!r}: kolom(men) {unclassified} zonder soort; geef kinds= mee "
            "(code, label, year, count, units, rate, derived, statistic, money), zodat de publicatiegrens weet "
            "hoe de kolom beschermd moet worden."
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
#: Display kind (see :func:`jeugdlib.formatting.format_column`) of each publication kind.
PUBLICATION_KINDS: Mapping[str, str] = {
    "code": "code",
    "label": "text",
    "year": "year",
    "count": "count",
    "units": "units",
    "rate": "number",
    "derived": "number",
    "statistic": "number",
    "money": "euro",
}
#: Key in ``DataFrame.attrs`` of a table's display kinds and decimals (set by :func:`shown`).
FORMAT_ATTR = "jeugdlib_format"


def nl(value: Any, decimals: int = 1) -> str:
    """A number in Dutch notation for report text: ``9.84`` → ``"9,8"``; NaN → ``"–"`` (see :func:`F.number`)."""
    return F.number(value, decimals)


def guess_kind(name: str, values: pd.Series) -> str:
    """A column's display kind guessed from its header and values (when no kind is declared).

    Headers starting with ``Aantal`` are counts, :data:`INTEGER_COLUMNS` whole numbers of areas,
    ``Jaar…`` years, ``…code`` codes, headers with ``(€)`` or ``euro`` amounts in euros,
    ``p-waarde`` p-values and ``Standaardfout`` standard errors; other numbers get the table's
    decimals and everything else is text.

    >>> guess_kind("Kosten (euro)", pd.Series([1.5])), guess_kind("p_value", pd.Series([0.2]))
    ('euro', 'p')
    """
    low = name.strip().lower()
    if pd.api.types.is_bool_dtype(values):
        return "bool"
    numeric = pd.api.types.is_numeric_dtype(values) or pd.api.types.infer_dtype(values, skipna=True) in (
        "integer",
        "floating",
        "mixed-integer-float",
        "decimal",
    )
    if not numeric:
        return "text"
    if low.startswith(COUNT_PREFIX.lower()):
        return "count"
    if low == "jaar" or low.startswith(("jaar ", "jaar_")):
        return "year"
    if name in INTEGER_COLUMNS:
        return "units"
    if low.endswith("code"):
        return "code"
    if "(€)" in low or "euro" in low:
        return "euro"
    if low in ("p", "p_value", "pvalue") or low.startswith("p-waarde"):
        return "p"
    if low in ("se", "std_error") or low.startswith("standaardfout"):
        return "se"
    if pd.api.types.is_integer_dtype(values):
        return "count"
    return "number"


def published_kinds(table: P.PublishedTable) -> dict[str, str]:
    """Display kinds of a published table's columns, from the kinds its :class:`TableSpec` declares.

    A statistic, rate or derived column named as a standard error, a p-value or an amount in euros
    (:func:`guess_kind`) is shown as one; other statistics are plain numbers.
    """
    kinds = {}
    for c in table.spec.columns:
        kind = PUBLICATION_KINDS[str(c.kind)]
        if kind == "number" and c.name in table.table.columns:
            guess = guess_kind(_header(c.name), table.table[c.name])
            kind = guess if guess in ("se", "p", "euro") else kind
        kinds[c.name] = kind
    return kinds


def shown(
    table: P.PublishedTable | pd.DataFrame,
    kinds: Mapping[str, str] | None = None,
    decimals: Mapping[str, int] | None = None,
) -> pd.DataFrame:
    """The table a report shows, carrying its display kinds for :func:`to_html` (in ``attrs``).

    For a :class:`~jeugdlib.publication.PublishedTable` the kinds start from its spec
    (:data:`PUBLICATION_KINDS`: money → euro, count → count, …); ``kinds`` overrides them per
    column (e.g. ``{"Aandeel": "share", "Standaardfout": "se"}``) and ``decimals`` sets a
    column's decimals. The values are not changed (the published frame is the same object).
    """
    if isinstance(table, P.PublishedTable):
        df, base = table.table, published_kinds(table)
    else:
        df, base = table, {}
    fmt = df.attrs.get(FORMAT_ATTR, {})
    df.attrs[FORMAT_ATTR] = {
        "kinds": {**base, **fmt.get("kinds", {}), **dict(kinds or {})},
        "decimals": {**fmt.get("decimals", {}), **dict(decimals or {})},
    }
    return df


def _header(c: Any) -> str:
    if F.is_missing(c):
        return ""
    return F.COLUMN_NAMES.get(c, str(c)) if isinstance(c, str) else str(c)


def format_table(
    df: pd.DataFrame,
    *,
    decimals: int | Mapping[str, int] = 1,
    kinds: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Every cell of ``df`` as Dutch text, headers renamed by :data:`jeugdlib.formatting.COLUMN_NAMES`.

    A column's kind comes from ``kinds`` (keyed by the column's own or Dutch name), else from the
    kinds :func:`shown` attached, else :func:`guess_kind`. ``decimals`` is one number for every
    column or a mapping per column (default 1); a column's own decimals from :func:`shown` win over
    the default. Missing and suppressed cells show :data:`jeugdlib.formatting.MISSING`.
    """
    fmt = df.attrs.get(FORMAT_ATTR, {})
    attached_kinds, attached_dec = fmt.get("kinds", {}), fmt.get("decimals", {})
    explicit = dict(kinds or {})
    per_col = dict(decimals) if isinstance(decimals, Mapping) else {}
    default = decimals if isinstance(decimals, int) else 1
    out: dict[str, list[str]] = {}
    headers: list[str] = []
    for i, c in enumerate(df.columns):
        head = _header(c)
        kind = explicit.get(c, explicit.get(head, attached_kinds.get(c))) or guess_kind(head, df.iloc[:, i])
        dec = per_col.get(c, per_col.get(head, attached_dec.get(c, default)))
        headers.append(head)
        out[str(i)] = F.format_column(df.iloc[:, i], kind, dec)
    table = pd.DataFrame(out, index=df.index)
    table.columns = headers
    return table


def to_html(
    df: pd.DataFrame,
    *,
    decimals: int | Mapping[str, int] = 1,
    index: bool = False,
    kinds: Mapping[str, str] | None = None,
) -> str:
    """HTML for a published table: every cell in Dutch notation, Dutch headers, '–' for missing cells.

    The one place where a report table is formatted (see :func:`format_table` for how a column's
    kind is found): counts ``1.234``, percentages, euro amounts ``€ 1.234.567``, standard errors in
    significant digits, p-values ``< 0,001``. No ``nan``, ``None`` or ``<NA>`` reaches the page.
    """
    shown_df = format_table(df, decimals=decimals, kinds=kinds)
    if index:
        shown_df.index = pd.Index([F.MISSING if F.is_missing(v) else str(v) for v in df.index])
    table = shown_df.to_html(index=index, na_rep=F.MISSING, classes="jeugdlib-tabel", border=0, escape=True)
    if len(df) <= PRINT_MAX_ROWS:
        return table
    # a long table (every wijk) stays on screen; on paper a sentence points to it (it would fill pages, and
    # printing its rows is most of the PDF's time and size)
    return (
        f'<div class="jeugdlib-lang">{table}</div><p class="jeugdlib-alleen-print"><em>Deze tabel '
        f"({F.plural(len(df), 'rij', 'rijen')}) staat volledig in de HTML-versie van dit rapport en als "
        "Excel-bestand in de map tabellen/; op papier is ze weggelaten.</em></p>"
    )


#: Tables with more rows than this are left out of the printed (PDF) report, with a note where they are.
PRINT_MAX_ROWS = 40


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
    """A report section: its title, its text with the boundary's notes, its published tables (no figures).

    The tables carry their display kinds (:func:`shown`), so :func:`to_html` formats money as euros,
    counts as whole numbers and so on without guessing from the headers.
    """
    return {
        "title": title,
        "text": _with_notes(text, *published),
        "tables": [shown(t) for t in published],
        "figures": [],
        **extra,
    }


def _with_notes(text: str, *tables: P.PublishedTable) -> str:
    notes = [n for t in tables for n in t.notes]
    return text if not notes else text + " " + " ".join(notes)
