"""Numeric parsing of text columns: decimal comma, thousands separators, CBS missing tokens.

Hand-rolled on pyarrow compute kernels because neither ``pandas.to_numeric``
nor ``pyarrow`` casts know the Dutch decimal comma, refuse a column that mixes
``12,5`` and ``13.5``, or know the CBS tokens for unknown/secret values; the
kernels keep it vectorised (1M rows well under a second). The results are
tested against ``float()`` of the normalised strings.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jeugdlib.errors import DataError
from jeugdlib.io._messages import problem

__all__ = ["MISSING_TOKENS", "parse_numeric", "parse_numeric_columns"]

#: Cell values read as missing: empty, and the CBS symbols for unknown (``.``), nil/not applicable
#: (``-``) and secret (``x``).
MISSING_TOKENS: tuple[str, ...] = ("", ".", "-", "x", "X")

_SIGN = r"^[+-]?"
#: Dutch notation: optional dot thousands groups, optional decimal comma.
_NL = _SIGN + r"([0-9]+|[0-9]{1,3}(\.[0-9]{3})+)(,[0-9]+)?$"
#: English notation: optional comma thousands groups, optional decimal point, optional exponent.
_EN = _SIGN + r"(([0-9]+|[0-9]{1,3}(,[0-9]{3})+)(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"

_ADVICE = (
    "Use numbers only, with one decimal separator per column (a comma as in 12,5 or a point as in 12.5); "
    "leave a cell empty, or use '.', '-' or 'x' (CBS symbols), for unknown."
)


def _strings(series: pd.Series) -> pa.ChunkedArray | pa.Array:
    """The cells as an arrow string array (None for missing), floats written without a trailing ``.0``."""
    if isinstance(series.dtype, pd.ArrowDtype) or str(series.dtype).startswith("string"):
        arr = pa.array(series.astype("string[pyarrow]"))
        return arr
    values = series.to_numpy(dtype=object)
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # mixed object column (numbers among strings)
        out = np.empty(len(values), dtype=object)
        for i, v in enumerate(values):
            if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)):
                out[i] = None
            elif isinstance(v, (float, np.floating)):
                out[i] = float_text(v)
            elif isinstance(v, (bool, np.bool_)):
                out[i] = "1" if v else "0"
            else:
                out[i] = str(v)
        return pa.array(out, type=pa.string(), from_pandas=True)


#: A number whose only separator is one dot before 3 digits: ``1.234`` is 1234 (Dutch thousands) or 1.234.
_DOT_GROUP = r"^[+-]?[1-9][0-9]{0,2}\.[0-9]{3}$"
_DOT_GROUP_RE = re.compile(_DOT_GROUP, re.ASCII)


def float_text(v: float) -> str:
    """A real (typed) float as text that reads back as the same number and is never ambiguous.

    ``12.345`` is written ``12.3450``: the value of a typed number is known, and a text
    ``12.345`` would look like a thousands-grouped 12345 to :func:`parse_numeric`.
    """
    if float(v).is_integer() and abs(v) < 2**63:
        return str(int(v))
    text = repr(float(v))
    return text + "0" if _DOT_GROUP_RE.match(text) else text


def _any(mask: Any) -> bool:
    return bool(pc.any(mask).as_py() or False)


def _where(mask: Any) -> np.ndarray:
    return np.asarray(pc.fill_null(mask, False)).astype(bool)


def parse_numeric(
    series: pd.Series,
    *,
    column: str,
    source: str,
    integer: bool = False,
    min: float | None = None,  # noqa: A002 - the public keyword of the schema API
    max: float | None = None,  # noqa: A002
) -> pd.Series:
    """Convert a column to numbers, refusing anything that is not clearly a number.

    Parameters
    ----------
    series:
        Text cells (as read by :func:`jeugdlib.io.read_table`) or numbers.
    column, source:
        Column and file/table name for messages.
    integer:
        Values must be whole numbers (``2022`` and ``2022.0``; ``2022.7`` is
        refused). The result is then nullable ``Int64``.
    min, max:
        Inclusive bounds; values outside are refused.

    Returns
    -------
    Series
        ``float64`` (NaN for missing) or ``Int64`` (``<NA>``), same index.

    Notes
    -----
    Per column, the decimal separator is decided by the values that are
    unambiguous: ``12,5`` or ``1.234,5`` make it a comma (dots are then
    thousands separators), ``13.5`` or ``1,234.5`` a point (commas are then
    thousands separators). A column with both is refused (never read as
    135). A column whose only separators are ambiguous commas (``1,234``)
    follows the Dutch convention (comma = decimal). A column whose only
    separators are dots before 3 digits (``12.345``, ``1.234``) is decided
    per file: in a clearly Dutch file (``source.dutch``, set by
    :func:`jeugdlib.io.read_table` for a ``;``-separated file or one with a
    decimal comma in a numeric column) they are thousands separators (12345);
    otherwise the column is refused as ambiguous (never 1000x off silently). ``""``, ``.``, ``-`` and ``x``
    are missing; ``inf``, ``nan`` and any other text are refused.

    Raises
    ------
    DataError
        Naming the source, column, rows (at most 10), up to 5 values, and what to do.
    """
    index = series.index
    if pd.api.types.is_bool_dtype(series.dtype):
        values = series.astype(float)
    elif pd.api.types.is_numeric_dtype(series.dtype):
        values = series.astype(float)
        bad = np.isinf(values.to_numpy())
        if bad.any():
            raise DataError(
                problem(source, column, "has infinite values", index[bad], series[bad], _ADVICE),
                source=source,
                column=column,
            )
    else:
        # True: Dutch file (1.234 is 1234); None: decimal point declared (read_table(decimal=".")); False: undecided
        dutch = (
            True if getattr(source, "dutch", False) else (None if getattr(source, "decimal", None) == "." else False)
        )
        parsed, inexact = _parse_text(series, column, source, dutch, integer)
        values = pd.Series(parsed, index=index)
        if inexact is not None:
            _refuse_fraction(inexact, series, column, source)
    return _finish(values, series, column=column, source=source, integer=integer, lo=min, hi=max)


_MIXED = (
    "mixes a decimal comma and a decimal point:",
    "jeugdlib refuses to guess (13.5 could be meant as 135, or 12,5 as 125): use one decimal separator in the "
    "whole column.",
)
_NOT_NUMBER = ("must be numeric but has values", _ADVICE)
_HUGE = (
    "has numbers too large to be stored:",
    "Check the value (a number above 1e308 is not data; an identifier is not a number).",
)
_DOT_GROUPS = (
    "has numbers whose only separator is a dot before 3 digits:",
    "These are ambiguous (1.234 is 1234 with a Dutch thousands separator, or 1.234 with a decimal point) and "
    "nothing else in the file decides: write the numbers without thousands separators (1234), or with a decimal "
    "comma (1,234) in a ';'-separated file.",
)
_DUTCH_DOTS = (
    "has numbers that look like Dutch thousands (1.250) beside numbers with a decimal point (2.5):",
    "In this Dutch file (';' separator or decimal commas) jeugdlib cannot tell whether 1.250 means 1250 or "
    "1.25: write numbers without thousands separators and with one decimal separator (1250 and 2,5).",
)
_NAMED = ("must be numeric but has values", "'inf' and 'nan' are not data. " + _ADVICE)


#: Columns up to this length are parsed cell by cell; longer ones value by distinct value.
_DIRECT = 200_000


def parse_numeric_columns(columns: dict[str, pd.Series], *, point_known: bool = False) -> dict[str, np.ndarray]:
    """Values of the text columns that are clean plain numbers, parsed in one pass per notation.

    A shortcut for tables with many numeric columns (a schema's float/int
    columns; wide files with thousands of them): the columns are concatenated
    and cast at once, those with a decimal point (or none) together, and
    those with a decimal comma and no dot together. A column is returned
    (``{name: float64 array}``) only when its group casts cleanly; every other
    column (missing symbols, thousands separators, text, ambiguous ``1.234``
    cells that :func:`parse_numeric` decides per file, long cells that parse
    to whole numbers) is left out and goes through :func:`parse_numeric`,
    which names any problem. The values are those :func:`parse_numeric`
    gives; bounds and whole numbers are not checked here. ``point_known``: the file declares a
    decimal point (``read_table(decimal=".")``), so ``1.234`` is 1.234 and needs no per-file decision.
    """
    texts = {
        name: s.to_numpy(dtype=object)
        for name, s in columns.items()
        if not (pd.api.types.is_numeric_dtype(s.dtype) or pd.api.types.is_bool_dtype(s.dtype))
    }
    if not texts:
        return {}
    names = list(texts)
    try:  # one conversion of all cells (strings and None: the cells of read_table)
        joined = pa.array(np.concatenate(list(texts.values())), type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # other objects among the cells: column by column
        return {}
    sizes = np.array([len(a) for a in texts.values()])
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.int64)
    out = _cast_group(joined, names, starts, sizes, dutch=False, point_known=point_known)
    if out or len(names) == 1:
        return out
    # some cell is not a plain number with a point: group the columns by notation and cast each group
    commas = _where(pc.match_substring(joined, ","))
    dots = _where(pc.match_substring(joined, "."))
    nonempty = sizes > 0
    has_comma = np.zeros(len(names), dtype=bool)
    has_dot = np.zeros(len(names), dtype=bool)
    has_comma[nonempty] = np.add.reduceat(commas, starts[nonempty]) > 0
    has_dot[nonempty] = np.add.reduceat(dots, starts[nonempty]) > 0
    for dutch, pick in ((False, np.flatnonzero(~has_comma)), (True, np.flatnonzero(has_comma & ~has_dot))):
        if len(pick) == 0:
            continue
        sub = pa.concat_arrays([joined.slice(starts[j], sizes[j]) for j in pick])
        sub_starts = np.concatenate([[0], np.cumsum(sizes[pick])[:-1]]).astype(np.int64)
        group = _cast_group(
            sub, [names[j] for j in pick], sub_starts, sizes[pick], dutch=dutch, point_known=point_known
        )
        if not group and len(pick) > 1:  # one column spoils the group: cast the columns one by one
            for j in pick:
                one = joined.slice(starts[j], sizes[j])
                group.update(_cast_group(one, [names[j]], [0], sizes[[j]], dutch=dutch, point_known=point_known))
        out.update(group)
    return out


def _cast_group(
    joined: Any, names: list[str], starts: np.ndarray, sizes: np.ndarray, *, dutch: bool, point_known: bool = False
) -> dict[str, np.ndarray]:
    """Cast the concatenated cells of ``names`` at once; ``{}`` when any cell is not a plain number."""
    if dutch and not pc.all(pc.match_substring_regex(pc.drop_null(joined), r"^[+-]?[0-9]+(,[0-9]+)?$")).as_py():
        return {}  # only plain decimal-comma numbers here (no exponent, missing symbols or thousands dots)
    text = pc.replace_substring(joined, ",", ".") if dutch else joined
    try:
        values, slow = _cast_slow(text)
    except pa.ArrowInvalid:
        return {}
    if not np.isfinite(values[_where(pc.is_valid(text))]).all():
        return {}
    out = {}
    for name, start, size in zip(names, starts, sizes):
        part = values[start : start + size]
        # long strings parsed to whole numbers (2015.0000000000002): parse_numeric checks their text;
        # 1.234 alone in a column: parse_numeric decides it per file
        long_cells = slow[start : start + size]
        long_whole = long_cells.any() and (long_cells & (part == np.round(part))).any()
        if point_known and not long_whole:
            out[name] = part
        elif not long_whole and (dutch or _dot_groups(text.slice(start, size), part) is None):
            if dutch or _dot_conflict(text.slice(start, size)) is None:  # 1.250 beside 2.5: decided per file
                out[name] = part
    return out


def finish_numeric(
    values: np.ndarray,
    series: pd.Series,
    *,
    column: str,
    source: str,
    integer: bool = False,
    min: float | None = None,  # noqa: A002
    max: float | None = None,  # noqa: A002
) -> pd.Series:
    """The checks of :func:`parse_numeric` (whole numbers, bounds) on values parsed by :func:`parse_numeric_columns`."""
    return _finish(values, series, column=column, source=source, integer=integer, lo=min, hi=max)


def _parse_text(
    series: pd.Series, column: str, source: str, dutch: bool | None = False, integer: bool = False
) -> tuple[np.ndarray, np.ndarray | None]:
    """Parse a text column: each distinct value once (columns repeat values), then expand to the rows.

    Returns the values and, for ``integer``, the rows written with a fraction too small for a
    float to show (``2015.0000000000002``), or ``None``.
    """
    if len(series) <= _DIRECT:  # short columns: parse every cell (factorising costs more than it saves)
        codes = np.arange(len(series))
        text = _strings(series)
    else:
        codes, uniques = pd.factorize(series, use_na_sentinel=True)
        text = _strings(pd.Series(np.asarray(uniques, dtype=object), dtype=object))
    values_u, error = _parse_unique(text, dutch)
    values = _expand(series, codes, values_u, error, column, source)
    if not integer:
        return values, None
    inexact_u = _not_whole_text(text)
    if not inexact_u.any():
        return values, None
    return values, (codes >= 0) & inexact_u[np.maximum(codes, 0)] & ~np.isnan(values)


def _not_whole_text(text: Any) -> np.ndarray:
    """Cells longer than 15 characters not written as a whole number (their float may hide a fraction).

    Strings up to 15 characters are parsed exactly enough for any fraction to show in the float.
    """
    text = pc.utf8_trim_whitespace(text)
    long = _where(pc.greater(pc.utf8_length(text), _EXACT_DIGITS))
    if not long.any():
        return long
    whole = np.zeros(len(long), dtype=bool)
    whole[long] = _where(pc.match_substring_regex(pc.filter(text, pa.array(long)), _WHOLE_TEXT))
    return long & ~whole


def _refuse_fraction(rows: np.ndarray, raw: pd.Series, column: str, source: str) -> None:
    if rows.any():
        raise DataError(
            problem(source, column, "must hold whole numbers but has", raw.index[rows], raw[rows], _WHOLE_ADVICE),
            source=source,
            column=column,
        )


def _expand(
    series: pd.Series, codes: np.ndarray, values_u: np.ndarray, error: tuple | None, column: str, source: str
) -> np.ndarray:
    """Values per row from values per distinct cell, or the DataError naming the rows of the problem."""
    ok = codes >= 0
    if error is not None:
        (what, advice), masks = error[0], error[1:]
        rows = np.zeros(len(series), dtype=bool)
        picks = []
        for m, n in zip(masks, (3, 2) if len(masks) == 2 else (len(series),)):
            hit = ok & m[np.maximum(codes, 0)]
            picks.extend(np.flatnonzero(hit)[:n].tolist())
            rows |= hit
        if len(masks) == 2:  # mixed separators: show examples of both kinds
            rows = np.zeros(len(series), dtype=bool)
            rows[picks] = True
        raise DataError(problem(source, column, what, series.index[rows], series[rows], advice),
                        source=source, column=column)  # fmt: skip
    out = np.full(len(series), np.nan)
    out[ok] = values_u[codes[ok]]
    return out


def _dot_groups(text: Any, values: np.ndarray) -> np.ndarray | None:
    """Cells like ``1.234`` (one dot before 3 digits) when they are the column's only decimal separators.

    ``None`` when there are none, or when another cell (``13.5``) shows that the dot is the
    decimal point. Only cells whose length and value fit the shape are matched (fast).
    """
    size = np.abs(values)
    small = (size >= 1) & (size < 1000)  # d.ddd to ddd.ddd
    if not small.any():
        return None
    with np.errstate(invalid="ignore"):
        frac = np.isfinite(values) & (values != np.floor(values))
        thousandths = size * 1000
        finer = np.abs(thousandths - np.round(thousandths)) > 1e-6
    if (frac & (~small | finer)).any():
        return None  # a cell such as 0.25, 1234.5 or 1.2345 has decimals: the dot is the decimal point
    length = np.asarray(pc.fill_null(pc.utf8_length(text), 0))
    int_digits = 1 + (size >= 10) + (size >= 100)
    # a cell d.ddd has the length of its whole part + 4 (+ 1 for a sign)
    cand = small & ((length == int_digits + 4) | (length == int_digits + 5))
    if not cand.any():
        return None
    if (~cand & frac).any():
        return None  # another cell has decimals (13.5): the dot is the decimal point
    hit = _where(pc.match_substring_regex(pc.filter(text, pa.array(cand)), _DOT_GROUP))
    if not hit.any():
        return None
    groups = np.zeros(len(values), dtype=bool)
    groups[np.flatnonzero(cand)[hit]] = True
    if (_where(pc.match_substring(text, ".")) & ~groups).any():  # 13.5 or 0.125: the dot is the decimal point
        return None
    return groups


def _dot_conflict(text: Any) -> np.ndarray | None:
    """Cells shaped like Dutch thousands (``1.250``) in a column that also has other dotted cells (``2.5``).

    In a Dutch file such a column cannot be read safely either way (1250 and 2.5, or 1.25 and
    2.5); elsewhere the other cells show the dot is the decimal point. ``None`` when no conflict.
    """
    shaped = _where(pc.match_substring_regex(text, _DOT_GROUP))
    if not shaped.any():
        return None
    return shaped if (_where(pc.match_substring(text, ".")) & ~shaped).any() else None


def _resolve_dot_groups(text: Any, out: np.ndarray, dutch: bool | None) -> tuple[np.ndarray, tuple | None]:
    """``1.234`` in a column without other separators: 1234 in a Dutch file, refused elsewhere.

    ``dutch=None``: the file declares a decimal point, so there is nothing to decide.
    """
    if dutch is None:
        return out, None
    groups = _dot_groups(text, out)
    if groups is None:
        conflict = _dot_conflict(text) if dutch else None
        return (out, None) if conflict is None else (out, (_DUTCH_DOTS, conflict))
    if not dutch:
        return out, (_DOT_GROUPS, groups)
    out = out.copy()
    out[groups] = _cast(pc.replace_substring(pc.filter(text, pa.array(groups)), ".", ""))
    return out, None


def _parse_unique(text: Any, dutch: bool | None = False) -> tuple[np.ndarray, tuple | None]:
    """Values of distinct cells, or the problem: ((what, advice), mask, [mask])."""
    try:  # the common case, a clean column of plain numbers: one cast
        out = _cast(text)
    except pa.ArrowInvalid:
        pass
    else:
        if np.isfinite(out[_where(pc.is_valid(text))]).all():
            return _resolve_dot_groups(text, out, dutch)
    text = pc.utf8_trim_whitespace(text)
    missing = pc.or_(pc.is_null(text), pc.is_in(text, value_set=pa.array(MISSING_TOKENS)))
    text = pc.if_else(missing, pa.scalar(None, pa.string()), text)
    has_comma = _any(pc.match_substring(text, ","))
    if not has_comma:  # fast path: plain numbers with a decimal point
        out = _to_float(text)
        if not (~np.isfinite(out) & ~_where(missing)).any():
            return _resolve_dot_groups(text, out, dutch)
        named = _where(pc.match_substring_regex(pc.utf8_lower(text), r"^[+-]?(inf|infinity|nan)$"))
        if named.any():
            return out, (_NAMED, named)
        if not (np.isnan(out) & ~_where(missing)).any():  # only overflow (1e400): refused by name
            return _finite(out, missing)
    nl = pc.match_substring_regex(text, _NL)
    en = pc.match_substring_regex(text, _EN)
    sep = pc.or_(pc.match_substring(text, ","), pc.match_substring(text, "."))
    nl_decisive = _where(pc.and_(pc.and_(nl, pc.invert(en)), sep))
    en_decisive = _where(pc.and_(pc.and_(en, pc.invert(nl)), sep))
    if nl_decisive.any() and en_decisive.any():
        return np.empty(0), (_MIXED, nl_decisive, en_decisive)
    dutch = nl_decisive.any() or (not en_decisive.any() and has_comma)
    bad = ~_where(nl if dutch else en) & ~_where(missing)
    if bad.any():
        return np.empty(0), (_NOT_NUMBER, bad)
    if dutch:
        clean = pc.replace_substring(pc.replace_substring(text, ".", ""), ",", ".")
    else:
        clean = pc.replace_substring(text, ",", "")
    return _finite(_to_float(clean), missing)


def _finite(out: np.ndarray, missing: Any) -> tuple[np.ndarray, tuple | None]:
    """Refuse numbers too large for a float (``1e400``, 400 nines): never read as missing or infinite."""
    huge = ~np.isfinite(out) & ~_where(missing)
    return (out, None) if not huge.any() else (np.empty(0), (_HUGE, huge))


#: Up to this many digits (and without an exponent) a decimal string is parsed identically by arrow's
#: correctly rounded cast and pandas' parser (Clinger's fast path: an exact integer mantissa times an
#: exact power of ten); longer strings are left to pandas.
_EXACT_DIGITS = 15


def _to_float(text: Any) -> np.ndarray:
    """Strings to float64 exactly as pandas parses them (NaN where unparseable or missing).

    pandas' CSV reader and ``pandas.to_numeric`` are not correctly rounded for
    16 or more significant digits (they differ from ``float()`` in the last bit
    for such strings); every table must keep exactly the numbers it had when
    jeugdlib read files with pandas. arrow's cast (fast, correctly rounded)
    agrees with pandas up to :data:`_EXACT_DIGITS` digits, so it parses those
    and pandas parses the rest (tested against ``pandas.read_csv`` in
    ``tests/test_io.py``).
    """
    arr = text if isinstance(text, (pa.Array, pa.ChunkedArray)) else pa.array(text, type=pa.string(), from_pandas=True)
    try:
        return _cast(arr)
    except pa.ArrowInvalid:  # some value is not a number: pandas marks it NaN, the caller refuses it
        return pd.to_numeric(pd.Series(arr.to_pandas(), dtype=object), errors="coerce").to_numpy(dtype=float)


def _cast(arr: Any) -> np.ndarray:
    """:func:`_cast_slow` without the mask."""
    return _cast_slow(arr)[0]


def _cast_slow(arr: Any) -> tuple[np.ndarray, np.ndarray]:
    """arrow's cast, with the strings where it may differ from pandas parsed by pandas.

    Those are strings longer than :data:`_EXACT_DIGITS` characters (more digits
    than Clinger's fast path covers) and values below 1e-10 or from 1e15 in
    magnitude (a decimal exponent beyond the exactly representable powers of
    ten, 1e22, is only possible there for a string of at most 15 characters).
    Raises ``ArrowInvalid`` when a value is not a number.
    """
    cast = pc.cast(arr, pa.float64())
    out = np.array(pc.fill_null(cast, np.nan), dtype=float)
    size = np.abs(out)
    slow = _where(pc.greater(pc.utf8_length(arr), _EXACT_DIGITS)) | (size >= 1e15) | ((size < 1e-10) & (size > 0))
    if slow.any():
        strings = pc.filter(arr, pa.array(slow)).to_pandas()
        out[slow] = pd.to_numeric(pd.Series(strings, dtype=object), errors="coerce").to_numpy(dtype=float)
    return out, slow


#: From 2**53 on, whole numbers are not all stored exactly by a float (9007199254740993 would become ...992).
_MAX_EXACT_INT = 2**53 - 1
_WHOLE_ADVICE = "Write whole numbers (e.g. a year as 2022), without decimals."
#: A long cell is a whole number only when written as one (digits, or a decimal part of zeros only).
_WHOLE_TEXT = r"^[+-]?([0-9]+([.,]0+)?|[0-9]{1,3}([.,][0-9]{3})+)$"


def _finish(
    values: pd.Series | np.ndarray,
    raw: pd.Series,
    *,
    column: str,
    source: str,
    integer: bool,
    lo: float | None,
    hi: float | None,
) -> pd.Series:
    v = np.asarray(values, dtype=float)
    index = raw.index
    if integer:
        frac = ~np.isnan(v) & (v != np.round(v))
        if frac.any():
            raise DataError(
                problem(
                    source,
                    column,
                    "must hold whole numbers but has",
                    index[frac],
                    raw[frac],
                    _WHOLE_ADVICE,
                ),
                source=source,
                column=column,
            )
    for bound, word, limit_name in ((lo, "below", "minimum"), (hi, "above", "maximum")):
        if bound is None:
            continue
        outside = ~np.isnan(v) & ((v < bound) if word == "below" else (v > bound))
        if outside.any():
            lim = int(bound) if float(bound).is_integer() else bound
            span = f"{lo if lo is not None else '-inf'} to {hi if hi is not None else 'inf'}"
            raise DataError(
                problem(
                    source,
                    column,
                    f"has values {word} the allowed {limit_name} {lim}:",
                    index[outside],
                    raw[outside],
                    f"Values must lie in {span}; check the unit of this column.",
                ),
                source=source,
                column=column,
            )
    if integer:
        huge = ~np.isnan(v) & (np.abs(v) > _MAX_EXACT_INT)
        if huge.any():
            raise DataError(
                problem(
                    source,
                    column,
                    f"must hold whole numbers up to {_MAX_EXACT_INT:,} but has",
                    index[huge],
                    raw[huge],
                    "Such a large value is not a count or a year: check the value (an identifier is not a number).",
                ),
                source=source,
                column=column,
            )
        missing = np.isnan(v)
        ints = pd.arrays.IntegerArray(np.where(missing, 0, v).astype(np.int64), missing)
        return pd.Series(ints, index=index, copy=False)
    return pd.Series(v, index=index, dtype=float, copy=False)
