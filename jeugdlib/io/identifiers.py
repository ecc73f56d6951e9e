"""Citizen service numbers (BSN): recognising them in any common format, and refusing BSN columns.

jeugdlib never processes BSNs. Every table read by :func:`jeugdlib.io.read_table` is
checked column by column (:func:`check_no_bsn_columns`); only the columns a loader
names in ``identifiers=`` (the ``client_id`` of the trajectory table, on its way into
pseudonymisation) are exempt.

A **BSN-like value** is, after trimming, a number of 8 or 9 digits (8: a BSN whose
leading zero was lost; 10 with a leading zero: one padded zero too many), written

* plain (``111222333``, also as a whole float ``111222333.0`` or an integer cell),
* in groups of 1–4 digits with at least two separators, one of ``-``, ``.``, space or
  ``_`` (``123-45-678``, ``123.456.782``, ``123 456 782``, ``123_456_782``,
  ``12 34 56 782``), or
* after ``BSN`` (``BSN 123456782``, ``bsn:123456782``),

that passes the *elfproef* (11-test): ``9*d1 + 8*d2 + ... + 2*d8 - 1*d9`` is divisible
by 11 and not all digits are 0. Dates are never BSN-like (``2021-01-04``, ``04-01-2021``,
``2021.01.04`` and the compact ``20210104`` for years 1900–2099).

**The column rule.** A random 8- or 9-digit number passes the 11-test with probability
about 1/11, so a single passing value says little; a column of BSNs passes on every
value. With ``V`` the distinct non-empty values of a column, ``S`` the BSN-shaped ones
among them and ``P`` those that also pass the 11-test, a column is refused when

1. it has at least 3 distinct values and at least half of them pass (``|P| >= |V|/2``);
2. at least 3 values pass and they are at least half of the BSN-shaped values
   (``|P| >= 3`` and ``|P| >= |S|/2``): BSNs typed among text, e.g. in a notes column; or
3. it has only 1 or 2 distinct values, all pass, and it has at most 4 filled cells
   (a 1- or 2-row table with a BSN column). A single 8-digit value repeated over many
   rows (one provider's AGB code) is a code, not a person.

By chance, a column of random 8–9 digit numbers (amounts in euro, say) is refused under
rule 1 with probability about 2% for 3 distinct values and below 0.1% from 10 distinct
values on; rule 2 at most about 1% (6 shaped values). A refused column that holds no
BSNs can be renamed, or its values written with a unit or a decimal (``45678912 euro``).

The check works on Arrow arrays (a length filter, then regular expressions and the
11-test on the distinct candidates only), so reading the embedded tables stays fast.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jeugdlib.errors import DataError

__all__ = [
    "BsnColumn",
    "bsn_like",
    "check_no_bsn_columns",
    "find_bsn_columns",
    "mask_identifier",
    "normalise_bsn",
]

#: Shortest and longest cell (in bytes) that can hold a BSN-like value (8 digits .. 'BSN: ' + 10 digits + 3 separators).
_MIN_LEN, _MAX_LEN = 8, 24

#: A BSN-shaped cell (RE2 syntax, for pyarrow): optional BSN prefix, then 8-10 digits, or 3-4 groups of 1-4 digits.
_SHAPE = (
    r"^(?:(?i:bsn)[ :#._-]*)?"
    r"(?:[0-9]{8,10}(?:\.0+)?|[0-9]{1,4}[-. _][0-9]{1,4}[-. _][0-9]{1,4}(?:[-. _][0-9]{1,4})?)$"
)
#: Dates written with separators: 2021-01-04, 2021/1/4, 04-01-2021, 4.1.2021.
_DATE = r"^(?:[0-9]{4}[-/.][0-9]{1,2}[-/.][0-9]{1,2}|[0-9]{1,2}[-/.][0-9]{1,2}[-/.][0-9]{4})$"
_WEIGHTS = np.array([9, 8, 7, 6, 5, 4, 3, 2, -1], dtype=np.int64)


@dataclass(frozen=True)
class BsnColumn:
    """A column refused as holding BSNs: its position, name, the BSN-like values and the counts of the rule."""

    position: int
    name: str
    values: tuple[str, ...]  # the distinct BSN-like cells as written (never printed: see mask_identifier)
    n_distinct: int
    n_shaped: int


def _digits9(digits: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(9-digit matrix of the usable values, usable) from strings of ASCII digits.

    Usable: 8 digits (a leading zero lost: put back), 9 digits, or 10 digits starting with 0
    (one zero too many: dropped). Vectorised in Arrow: no Python call per value.
    """
    n = pc.binary_length(digits).to_numpy(zero_copy_only=False)
    ten = n == 10
    usable = (n == 8) | (n == 9)
    if ten.any():
        usable |= ten & np.asarray(pc.fill_null(pc.starts_with(digits, "0"), False), dtype=bool)
        digits = pc.if_else(pa.array(ten), pc.utf8_slice_codeunits(digits, 1), digits)
    nine = pc.utf8_lpad(digits.filter(pa.array(usable)), 9, "0")
    if not len(nine):
        return np.zeros((0, 9), dtype=np.int64), usable
    nine = pa.concat_arrays([nine])  # a fresh array: its values lie back to back in one buffer
    offsets = np.frombuffer(nine.buffers()[1], dtype=np.int32)[nine.offset : nine.offset + len(nine) + 1]
    data = np.frombuffer(nine.buffers()[2], dtype=np.uint8)[offsets[0] : offsets[-1]]
    return data.reshape(-1, 9).astype(np.int64) - 48, usable


def _elfproef(matrix: np.ndarray) -> np.ndarray:
    return ((matrix @ _WEIGHTS) % 11 == 0) & (matrix.sum(axis=1) > 0)


def _compact_date(matrix: np.ndarray, eight: np.ndarray) -> np.ndarray:
    """8-digit values that read as a date YYYYMMDD between 1900 and 2099 (``20210104``)."""
    d = matrix[:, 1:]  # the 8 written digits of an 8-digit value (zero-padded in front)
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    return eight & (year >= 1900) & (year <= 2099) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)


def _classify(distinct: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """(shaped, passing) flags of distinct string values."""
    t = pc.utf8_trim_whitespace(distinct)
    shaped = np.asarray(pc.fill_null(pc.match_substring_regex(t, _SHAPE), False), dtype=bool)
    shaped &= ~np.asarray(pc.fill_null(pc.match_substring_regex(t, _DATE), False), dtype=bool)
    passing = np.zeros(len(distinct), dtype=bool)
    if not shaped.any():
        return shaped, passing
    idx = np.flatnonzero(shaped)
    cand = pc.take(t, pa.array(idx))
    cand = pc.replace_substring_regex(cand, r"^([0-9]{8,10})\.0+$", r"\1")  # 111222333.0: a whole float
    digits = pc.replace_substring_regex(cand, r"[^0-9]", "")
    n = pc.binary_length(digits).to_numpy(zero_copy_only=False)
    matrix, usable = _digits9(digits)
    plain = np.asarray(pc.match_substring_regex(cand, r"^[0-9]+$"), dtype=bool)
    date = _compact_date(matrix, (plain & (n == 8))[usable])
    ok = np.zeros(len(idx), dtype=bool)
    ok[usable] = ~date
    shaped[idx[~ok]] = False
    good = np.zeros(len(idx), dtype=bool)
    good[usable] = ~date & _elfproef(matrix)
    passing[idx] = good
    return shaped, passing


def _as_strings(col: pd.Series | pa.Array | pa.ChunkedArray) -> pa.Array | None:
    """A column as an Arrow string array (whole numbers without ``.0``), or ``None`` when it cannot hold a BSN."""
    if isinstance(col, pa.ChunkedArray):
        col = col.combine_chunks()
    if isinstance(col, pa.Array):
        return col if pa.types.is_string(col.type) or pa.types.is_large_string(col.type) else None
    dtype = col.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_datetime64_any_dtype(dtype):
        return None
    if isinstance(dtype, pd.CategoricalDtype):  # decoded by Arrow: no Python object per cell
        decoded = pa.array(col).dictionary_decode()
        if pa.types.is_string(decoded.type):
            return decoded
        if pa.types.is_integer(decoded.type):
            return decoded.cast(pa.string())
        col = col.astype(object)
    values = col.to_numpy(dtype=object)
    try:
        return pa.array(values, type=pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers among text (a DataFrame or spreadsheet column)
        return pa.array([_cell_text(v) for v in values], type=pa.string())


def _cell_text(v: Any) -> str | None:
    if v is None or v is pd.NA or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (float, np.floating)) and np.isfinite(v) and float(v).is_integer():
        return str(int(v))
    return str(v)


def _refused(n_pass: int, n_distinct: int, n_shaped: int, n_filled: int) -> bool:
    """The column rule of the module docstring."""
    if n_pass == 0:
        return False
    if n_distinct >= 3 and 2 * n_pass >= n_distinct:
        return True
    if n_pass >= 3 and 2 * n_pass >= n_shaped:
        return True
    return n_distinct <= 2 and n_pass == n_distinct and n_filled <= 4


#: First byte of a cell that can hold a BSN-like value: a digit, ``B``/``b`` (``BSN ...``) or a space.
_FIRST_BYTES = np.zeros(256, dtype=bool)
_FIRST_BYTES[[*range(48, 58), ord("B"), ord("b"), ord(" "), ord("\t")]] = True


def _candidates(arr: pa.Array) -> np.ndarray:
    """Cells that can hold a BSN-like value, from the array's buffers (no copy, no per-cell call).

    Length between :data:`_MIN_LEN` and :data:`_MAX_LEN` bytes and a plausible first byte.
    """
    n = len(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    lengths = np.diff(offsets)
    fits = (lengths >= _MIN_LEN) & (lengths <= _MAX_LEN)
    if not fits.any():
        return fits
    data = arr.buffers()[2]
    first = np.frombuffer(data, dtype=np.uint8)[offsets[:-1][fits]] if data is not None else np.zeros(0, np.uint8)
    fits[fits] = _FIRST_BYTES[first]
    if fits.any() and arr.null_count:
        fits &= np.asarray(arr.is_valid(), dtype=bool)
    return fits


def _int_flags(v: np.ndarray, eight: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(shaped, passing) of integers below 1e9 (``eight``: written with 8 digits, so a date YYYYMMDD is possible).

    The 11-test digit by digit on whole arrays (one divmod per digit, not a digit matrix).
    """
    x = v.astype(np.int32)
    x, last = np.divmod(x, 10)
    total = -last.astype(np.int32)
    for w in range(2, 10):
        x, d = np.divmod(x, 10)
        total += w * d
    year, rest = np.divmod(v.astype(np.int32), 10_000)
    month, day = np.divmod(rest, 100)
    date = eight & (year >= 1900) & (year <= 2099) & (month >= 1) & (month <= 12) & (day >= 1) & (day <= 31)
    return ~date, ~date & (total % 11 == 0) & (v > 0)


def _verdict(
    n_pass: int, n_shaped: int, n_distinct: int, n_filled: int, values: Callable[[], list[str]]
) -> BsnColumn | None:
    if not _refused(n_pass, n_distinct, n_shaped, n_filled):
        return None
    return BsnColumn(-1, "", tuple(values()), n_distinct, n_shaped)


def _numeric_verdict(col: pd.Series) -> BsnColumn | None:
    """The column rule on a numeric column: integers of 8-9 digits (whole floats too), no text made."""
    v = pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    finite = np.isfinite(v)
    with np.errstate(invalid="ignore"):
        inside = finite & (v >= 1e7) & (v < 1e9) & (np.mod(v, 1) == 0)
    if not inside.any():
        return None
    u = pd.unique(v[inside].astype(np.int64))
    shaped, passing = _int_flags(u, u < 100_000_000)
    if not passing.any():
        return None
    filled = v[finite]
    return _verdict(int(passing.sum()), int(shaped.sum()), len(pd.unique(filled)), len(filled),
                    lambda: [str(x) for x in u[passing]])  # fmt: skip


def _column_verdict(arr: pa.Array, fits: np.ndarray) -> BsnColumn | None:
    """The column rule on a string column (position and name are filled in by the caller).

    Cells of plain digits (the bulk of a large numeric column) are checked as integers; the
    others (groups, ``BSN`` prefix, whole floats) by regular expressions on their distinct values.
    """
    t = pc.utf8_trim_whitespace(arr.filter(pa.array(fits)))
    lengths = pc.binary_length(t).to_numpy(zero_copy_only=False)
    plain = np.asarray(pc.fill_null(pc.ascii_is_decimal(t), False), dtype=bool) & (lengths >= 8) & (lengths <= 10)
    # plain digits: 8 or 9 digits, or 10 with a leading zero
    p = t.filter(pa.array(plain))
    n_p = lengths[plain]
    usable = (n_p == 8) | (n_p == 9)
    if (n_p == 10).any():
        usable |= (n_p == 10) & np.asarray(pc.fill_null(pc.starts_with(p, "0"), False), dtype=bool)
    keys = np.zeros(0, dtype=np.int64)
    if usable.any():
        # key = value + 1e9 for a value written with 8 digits (only those can be dates YYYYMMDD)
        keys = pc.cast(p.filter(pa.array(usable)), pa.int64()).to_numpy() + np.where(n_p[usable] == 8, 10**9, 0)
    u = pd.unique(keys)
    shaped_p, passing_p = _int_flags(u % 10**9, u >= 10**9)
    # the rest: regular expressions on the distinct values
    other = pc.unique(t.filter(pa.array(~plain)))
    shaped_o, passing_o = _classify(other) if len(other) else (np.zeros(0, bool), np.zeros(0, bool))
    n_pass = int(passing_p.sum() + passing_o.sum())
    if not n_pass:
        return None
    filled = pc.drop_null(pc.utf8_trim_whitespace(arr))
    filled = pc.filter(filled, pc.not_equal(filled, ""))

    def values() -> list[str]:
        good = p.filter(pa.array(usable)).filter(pa.array(np.isin(keys, u[passing_p])))
        return [str(x) for x in pc.unique(good).to_pylist()] + [str(x) for x in other.filter(passing_o).to_pylist()]

    n_shaped = int(shaped_p.sum() + shaped_o.sum())
    return _verdict(n_pass, n_shaped, pc.count_distinct(filled).as_py(), len(filled), values)


def find_bsn_columns(
    columns: Sequence[pd.Series | pa.Array | pa.ChunkedArray], names: Sequence[object], exempt: Iterable[str] = ()
) -> list[BsnColumn]:
    """The columns that hold BSNs by the column rule (module docstring), in order.

    Parameters
    ----------
    columns:
        The columns (pandas Series, or Arrow string arrays as read from a CSV file).
    names:
        Their headers.
    exempt:
        Header keys (:func:`jeugdlib.io.header_key`) of columns allowed to hold identifiers.
    """
    from jeugdlib.io.read import header_key

    skip = {header_key(e) for e in exempt}
    arrays: list[tuple[int, str, pa.Array]] = []
    numeric: list[tuple[int, str, pd.Series]] = []
    for i, (col, name) in enumerate(zip(columns, names)):
        if skip and header_key(name) in skip:
            continue
        if (
            isinstance(col, pd.Series)
            and pd.api.types.is_numeric_dtype(col.dtype)
            and not (pd.api.types.is_bool_dtype(col.dtype))
        ):
            numeric.append((i, str(name), col))
            continue
        arr = _as_strings(col)
        if arr is not None and len(arr):
            arrays.append((i, str(name), arr.cast(pa.string()) if pa.types.is_large_string(arr.type) else arr))
    found: list[BsnColumn] = []
    for i, name, col in numeric:
        verdict = _numeric_verdict(col)
        if verdict is not None:
            found.append(BsnColumn(i, name, verdict.values, verdict.n_distinct, verdict.n_shaped))
    for i, name, arr in arrays:
        fits = _candidates(arr)
        if not fits.any():
            continue
        verdict = _column_verdict(arr, fits)
        if verdict is not None:
            found.append(BsnColumn(i, name, verdict.values, verdict.n_distinct, verdict.n_shaped))
    return sorted(found, key=lambda f: f.position)


def check_no_bsn_columns(df: pd.DataFrame, label: str, found: Sequence[BsnColumn]) -> None:
    """Raise the :class:`DataError` for ``found`` (from :func:`find_bsn_columns` on ``df``'s columns), if any.

    The message names the file, each column, the rows holding BSN-like values (at most 10) and at
    most 3 values masked by :func:`mask_identifier`, and says what to do.
    """
    if not found:
        return
    from jeugdlib.io._messages import mask_value, rows_text

    parts = []
    for f in found:
        col = df.iloc[:, f.position]
        text = col.map(_cell_text)
        text = text.where(text.isna(), text.astype("string").str.strip())
        wanted = {v.strip() for v in f.values}
        rows = df.index[text.isin(wanted).to_numpy(dtype=bool)]
        shown = ", ".join(mask_identifier(v) for v in sorted(wanted)[:3])
        parts.append(
            f"kolom {mask_value(f.name)} bevat burgerservicenummers (BSN): {len(wanted)} verschillende waarde(n) van "
            f"8-9 cijfers die de elfproef doorstaan, bijvoorbeeld {shown}, op {rows_text(rows, label)}"
        )
    raise DataError(
        f"{label}: " + "; ".join(parts) + ". jeugdlib neemt geen BSN's aan (een rapport zou ze kunnen publiceren). "
        "Haal de kolom uit het bestand voordat u het inleest; identificeert ze cliënten in een trajectenbestand, "
        "zet dan een pseudoniem in client_id (jeugdlib.trajectories.pseudonymise met een geheime sleutel van "
        "jeugdlib.trajectories.new_pseudonym_key) en deel alleen het gepseudonimiseerde bestand.",
        source=label,
        column=mask_value(found[0].name),
    )


def mask_identifier(value: object) -> str:
    """An identifier shown in a message: its first two digits, every other digit as ``*``, separators kept.

    ``'111222333'`` -> ``'11*******'``, ``'111-22-333'`` -> ``'11*-**-***'``. Two digits narrow
    a BSN down to about 9 million candidates: the value can be recognised by whoever has the
    file, not recovered from a log.
    """
    text = str(value).strip()
    out, seen = [], 0
    for ch in text:
        if "0" <= ch <= "9":
            out.append(ch if seen < 2 else "*")
            seen += 1
        else:
            out.append(ch)
    return "'" + "".join(out) + "'"


def bsn_like(values: pd.Series | Iterable[Any]) -> np.ndarray:
    """Per value: does it look like a BSN (any format of the module docstring) and pass the 11-test?

    Parameters
    ----------
    values:
        Identifiers (strings, integers or whole floats; missing values are ``False``).

    Returns
    -------
    ndarray of bool
    """
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    out = np.zeros(len(s), dtype=bool)
    if not len(uniques):
        return out
    arr = pa.array([_cell_text(u) for u in np.asarray(uniques, dtype=object)], type=pa.string())
    _, passing = _classify(arr)
    ok = codes >= 0
    out[ok] = passing[codes[ok]]
    return out


def normalise_bsn(values: pd.Series | Iterable[Any]) -> np.ndarray:
    """BSN-like values as their 9 digits (``'123-45-678'`` and ``12345678`` both ``'012345678'``); others ``None``."""
    s = values if isinstance(values, pd.Series) else pd.Series(list(values), dtype=object)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    out = np.full(len(s), None, dtype=object)
    if not len(uniques):
        return out
    arr = pa.array([_cell_text(u) for u in np.asarray(uniques, dtype=object)], type=pa.string())
    _, passing = _classify(arr)
    if not passing.any():
        return out
    idx = np.flatnonzero(passing)
    cand = pc.utf8_trim_whitespace(pc.take(arr, pa.array(idx)))
    cand = pc.replace_substring_regex(cand, r"^([0-9]{8,10})\.0+$", r"\1")
    digits = pc.replace_substring_regex(cand, r"[^0-9]", "")
    matrix, _ = _digits9(digits)
    norm_u = np.full(len(arr), None, dtype=object)
    norm_u[idx] = ["".join(map(str, row)) for row in matrix]
    ok = codes >= 0
    out[ok] = norm_u[codes[ok]]
    return out
