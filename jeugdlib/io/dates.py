"""Strict date parsing: ISO dates or one explicit format, nothing guessed."""

from __future__ import annotations

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io._messages import problem
from jeugdlib.io.numeric import _strings

__all__ = ["parse_dates"]

#: ``YYYY-MM-DD``, optionally followed by a midnight-or-other time (``T`` or a space).
_ISO = r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$"
_MISSING = ("",)


def parse_dates(series: pd.Series, *, column: str, source: str, format: str | None = None) -> pd.Series:  # noqa: A002
    """Parse a date column strictly.

    Parameters
    ----------
    series:
        Text cells, or an already typed ``datetime64`` column (e.g. real dates
        from an Excel sheet), which passes through (time zone dropped).
    column, source:
        Column and file/table name for messages.
    format:
        An explicit ``strptime`` format (e.g. ``"%d-%m-%Y"``) for files that do
        not use ISO dates. Without it only ``YYYY-MM-DD`` is accepted
        (optionally with a time such as ``T00:00:00``).

    Returns
    -------
    Series
        ``datetime64[ns]``, NaT for empty cells.

    Raises
    ------
    DataError
        Words (``today``, ``now``, ``gisteren``), bare years (``2021``),
        ambiguous or US-ordered dates (``01-02-21``, ``12/31/2021``),
        impossible dates (``2021-02-30``) and numbers (Excel serial dates that
        lost their date type), naming the rows and values.
    """
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        out = series
        if getattr(series.dt, "tz", None) is not None:
            out = series.dt.tz_localize(None)
        return out.astype("datetime64[ns]")
    advice = (
        f"Write dates as {format!r}."
        if format
        else "Write dates as YYYY-MM-DD (e.g. 2021-03-31), or pass format= with the exact format of the file."
    )
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniq = pd.Series(np.asarray(uniques, dtype=object))
    # real date objects in a text column (a mixed Excel column) pass; everything else is parsed as text
    is_date = uniq.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"))
    text = pd.Series(np.asarray(_strings(uniq.where(~is_date, None)).to_pandas(), dtype=object)).str.strip()
    empty = text.isna() & ~is_date | text.eq("")
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    if is_date.any():
        parsed[is_date] = pd.to_datetime(uniq[is_date].map(pd.Timestamp)).astype("datetime64[ns]")
    todo = ~is_date & ~empty
    if format is None:
        shape_ok = text.str.match(_ISO).fillna(False).astype(bool)
        attempt = text.where(todo & shape_ok).str.replace(" ", "T", regex=False)
        conv = pd.to_datetime(attempt, format="ISO8601", errors="coerce")
    else:
        conv = pd.to_datetime(text.where(todo), format=format, errors="coerce")
    conv = conv.dt.tz_localize(None) if getattr(conv.dt, "tz", None) is not None else conv
    parsed[todo] = conv[todo].astype("datetime64[ns]")
    bad_u = (todo & parsed.isna()).to_numpy()
    if bad_u.any():
        bad = (codes >= 0) & bad_u[np.maximum(codes, 0)]
        raise DataError(
            problem(source, column, "has values that are not valid dates:", series.index[bad], series[bad], advice),
            source=source,
            column=column,
        )
    out = np.full(len(series), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    ok = codes >= 0
    out[ok] = parsed.to_numpy(dtype="datetime64[ns]")[codes[ok]]
    return pd.Series(out, index=series.index)
