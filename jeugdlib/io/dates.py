"""Strict date parsing: ISO dates or one explicit format, nothing guessed."""

from __future__ import annotations

import datetime as dt
import re

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io._messages import mask_value, problem
from jeugdlib.io.numeric import _strings

__all__ = ["parse_dates"]

#: ``YYYY-MM-DD``, optionally followed by a midnight-or-other time (``T`` or a space).
_ISO = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?$"
#: ``strptime`` directives accepted in ``format=`` (no time zones: jeugdlib works with local calendar dates).
_DIRECTIVES = set("dmyYHMSfbBaAjpIUWwGuV%")
#: The range of dates pandas can hold (``datetime64[ns]``).
_LO, _HI = pd.Timestamp.min, pd.Timestamp.max
_OOB_ADVICE = (
    f"Dates must lie between {_LO.date() + dt.timedelta(days=1)} and {_HI.date()}; "
    "an 'open end' such as 9999-12-31 is not a date: "
    "leave einddatum empty for a running trajectory (or the end date empty when it is not known)."
)
_TZ_ADVICE = (
    "jeugdlib works with local calendar dates without a time zone: convert them first, e.g. "
    "s.dt.tz_convert('Europe/Amsterdam').dt.tz_localize(None), or write dates as YYYY-MM-DD."
)


def _check_format(format: str, column: str, source: str) -> None:  # noqa: A002
    """Refuse anything but a plain ``strptime`` format (no pandas keywords such as ``mixed``, no time zones)."""
    directives = re.findall(r"%(.)", format.replace("%%", ""))
    bad = sorted({d for d in directives if d not in _DIRECTIVES})
    if not directives or bad:
        what = f"format={format!r} is not an explicit strptime format" + (
            f" (unknown or time-zone directives {', '.join('%' + d for d in bad)})" if bad else ""
        )
        raise DataError(
            f"{source}: column {mask_value(column)}: {what}. Give the exact format of the dates in the file, "
            "e.g. '%d-%m-%Y' for 31-03-2021; pandas keywords such as 'mixed' or 'ISO8601' guess and are not "
            "accepted, and time zones (%z, %Z) are not supported.",
            source=source,
            column=column,
        )


def _out_of_bounds(ts: object) -> bool:
    return not (_LO <= pd.Timestamp(ts).tz_localize(None) <= _HI)


def _refuse(source: str, column: str, what: str, index, values, advice: str) -> DataError:
    return DataError(problem(source, column, what, index, values, advice), source=source, column=column)


def parse_dates(series: pd.Series, *, column: str, source: str, format: str | None = None) -> pd.Series:  # noqa: A002
    """Parse a date column strictly.

    Parameters
    ----------
    series:
        Text cells, or an already typed ``datetime64`` column (e.g. real dates
        from an Excel sheet), which passes through.
    column, source:
        Column and file/table name for messages.
    format:
        An explicit ``strptime`` format (e.g. ``"%d-%m-%Y"``) for files that do
        not use ISO dates. Without it only ``YYYY-MM-DD`` is accepted
        (optionally with a time such as ``T00:00:00``). pandas' keywords
        (``"mixed"``, ``"ISO8601"``) and time-zone directives are refused.

    Returns
    -------
    Series
        ``datetime64[ns]``, NaT for empty cells.

    Raises
    ------
    DataError
        Words (``today``, ``now``, ``gisteren``; also with ``format=``), bare
        years (``2021``), ambiguous or US-ordered dates (``01-02-21``,
        ``12/31/2021``), impossible dates (``2021-02-30``), numbers (Excel
        serial dates that lost their date type), dates outside 1677–2262
        (``9999-12-31``: leave an open end empty), time-zone-aware dates
        (never converted silently), naming the rows and values; a ``format``
        that is not a plain ``strptime`` format.
    """
    if format is not None:
        _check_format(format, column, source)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        if getattr(series.dt, "tz", None) is not None:
            raise _refuse(source, column, "has time-zone-aware dates", series.index[series.notna().to_numpy()][:10],
                          None, _TZ_ADVICE)  # fmt: skip
        try:
            return series.astype("datetime64[ns]")
        except (OverflowError, pd.errors.OutOfBoundsDatetime):
            oob = series.notna().to_numpy() & ~series.between(_LO, _HI).to_numpy()
            raise _refuse(source, column, "has dates outside the supported range:", series.index[oob],
                          series[oob].dt.strftime("%Y-%m-%d"), _OOB_ADVICE) from None  # fmt: skip
    advice = (
        f"Write dates as {format!r}."
        if format
        else "Write dates as YYYY-MM-DD (e.g. 2021-03-31), or pass format= with the exact format of the file."
    )
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniq = pd.Series(np.asarray(uniques, dtype=object))
    # real date objects in a text column (a mixed Excel column) pass; everything else is parsed as text
    is_date = uniq.map(lambda v: isinstance(v, (pd.Timestamp, np.datetime64)) or hasattr(v, "isoformat"))

    def rows(mask_u: np.ndarray) -> np.ndarray:
        return (codes >= 0) & np.asarray(mask_u, dtype=bool)[np.maximum(codes, 0)]

    if is_date.any():
        tz = is_date & uniq.map(lambda v: getattr(v, "tzinfo", None) is not None)
        if tz.any():
            bad = rows(tz.to_numpy())
            raise _refuse(source, column, "has time-zone-aware dates", series.index[bad], None, _TZ_ADVICE)
        oob = is_date & uniq.map(lambda v: is_date_out_of_bounds(v))
        if oob.any():
            bad = rows(oob.to_numpy())
            raise _refuse(source, column, "has dates outside the supported range:", series.index[bad],
                          series[bad].map(lambda v: str(pd.Timestamp(v).date())), _OOB_ADVICE)  # fmt: skip
    text = pd.Series(np.asarray(_strings(uniq.where(~is_date, None)).to_pandas(), dtype=object)).str.strip()
    empty = text.isna() & ~is_date | text.eq("")
    parsed = pd.Series(pd.NaT, index=uniq.index, dtype="datetime64[ns]")
    if is_date.any():
        parsed[is_date] = pd.to_datetime(uniq[is_date].map(pd.Timestamp)).astype("datetime64[ns]")
    # a date has digits: words (pandas reads 'today' and 'now' as the current time, even with format=) never pass
    # ... and only ASCII digits (Python's strptime also reads fullwidth or Arabic-Indic digits)
    todo = (
        ~is_date
        & ~empty
        & text.str.contains("[0-9]", regex=True).fillna(False).astype(bool)
        & ~text.str.contains(r"(?![0-9])\d", regex=True).fillna(False).astype(bool)
    )
    if format is None:
        shape_ok = text.str.match(_ISO).fillna(False).astype(bool)
        attempt = text.where(todo & shape_ok).str.replace(" ", "T", regex=False)
        conv = pd.to_datetime(attempt, format="ISO8601", errors="coerce")
    else:
        conv = pd.to_datetime(text.where(todo), format=format, errors="coerce")
    parsed[todo] = conv[todo].astype("datetime64[ns]")
    bad_u = (~is_date & ~empty & parsed.isna()).to_numpy()
    if bad_u.any():
        oob_u = bad_u & text.map(lambda t: _text_out_of_bounds(t, format)).to_numpy(dtype=bool)
        if oob_u.any():
            bad = rows(oob_u)
            raise _refuse(source, column, "has dates outside the supported range:", series.index[bad], series[bad],
                          _OOB_ADVICE)  # fmt: skip
        bad = rows(bad_u)
        raise _refuse(source, column, "has values that are not valid dates:", series.index[bad], series[bad], advice)
    out = np.full(len(series), np.datetime64("NaT", "ns"), dtype="datetime64[ns]")
    ok = codes >= 0
    out[ok] = parsed.to_numpy(dtype="datetime64[ns]")[codes[ok]]
    return pd.Series(out, index=series.index)


def is_date_out_of_bounds(value: object) -> bool:
    """A date object outside what ``datetime64[ns]`` holds (e.g. 9999-12-31)."""
    try:
        return _out_of_bounds(value)
    except (OverflowError, ValueError, pd.errors.OutOfBoundsDatetime):
        return True


def _text_out_of_bounds(text: object, format: str | None) -> bool:  # noqa: A002
    """A text date that is valid but outside the supported range (``9999-12-31``)."""
    if not isinstance(text, str):
        return False
    try:
        if format is None:
            if not re.match(_ISO, text):
                return False
            value = dt.datetime.fromisoformat(text.replace(" ", "T"))
        else:
            value = dt.datetime.strptime(text, format)
    except ValueError:
        return False
    return is_date_out_of_bounds(value)
