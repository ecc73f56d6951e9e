"""The one normaliser of CBS region codes (gemeente, wijk, jeugdregio, buurt)."""

from __future__ import annotations

import re
from typing import Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from jeugdlib.errors import DataError
from jeugdlib.io._messages import problem

__all__ = ["CODE_FORMATS", "CodeKind", "normalise_code"]

CodeKind = Literal["gemeente", "wijk", "jeugdregio", "buurt"]

#: kind -> (prefix, number of digits, example)
CODE_FORMATS: dict[str, tuple[str, int, str]] = {
    "gemeente": ("GM", 4, "GM0363"),
    "wijk": ("WK", 6, "WK036300"),
    "jeugdregio": ("JZ", 2, "JZ24"),
    "buurt": ("BU", 8, "BU03630000"),
}

_PREFIXES = "|".join(p for p, _, _ in CODE_FORMATS.values())
#: ASCII digits only: Python's ``\d`` also matches Arabic-Indic or fullwidth digits (``٣٦٣``, ``３６３``).
_SHAPE = re.compile(rf"^(?P<prefix>{_PREFIXES})?(?P<digits>[0-9]+)$", re.ASCII)
#: Spaces inside a code are dropped (`` GM 0363 ``); line breaks are not (a cell joined by a stray quote).
_SPACES = re.compile(r"[ \t\u00a0]+")


def _one(value: object, prefix: str, digits: int) -> str | None:
    """Normalised code, or ``None`` when ``value`` cannot be read as a code of this kind."""
    if isinstance(value, (float, np.floating)):
        if not float(value).is_integer():
            return None
        value = int(value)
    text = _SPACES.sub("", str(value)).upper()
    if re.fullmatch(r"[0-9]+\.0+", text, re.ASCII):  # a number that went through a float (Excel, pandas with NaN)
        text = text.split(".", 1)[0]
    m = _SHAPE.match(text)
    if m is None or (m["prefix"] is not None and m["prefix"] != prefix) or len(m["digits"]) > digits:
        return None
    return prefix + m["digits"].zfill(digits)


def normalise_code(series: pd.Series, kind: CodeKind, *, column: str, source: str) -> pd.Series:
    """Normalise region codes to the CBS form (``GM0363``, ``WK036300``, ``JZ24``, ``BU03630000``).

    Accepts the prefix in any case (``gm0363``), lost leading zeros
    (``GM363``, and bare numbers such as ``363`` or ``363.0``, which get the
    prefix) and spaces (`` GM 0363 ``). Missing cells stay missing (``None``).

    Parameters
    ----------
    series:
        The code column (text or numbers).
    kind:
        ``"gemeente"``, ``"wijk"``, ``"jeugdregio"`` or ``"buurt"``.
    column, source:
        Column and file/table name for messages.

    Returns
    -------
    Series
        Object dtype: the codes as ``str``, ``None`` for missing.

    Raises
    ------
    DataError
        A value with another prefix (``XX12``, a wijkcode in a gemeente column),
        too many digits or other characters.
    """
    if kind not in CODE_FORMATS:
        raise ValueError(f"unknown code kind {kind!r}; choose from {sorted(CODE_FORMATS)}")
    prefix, digits, example = CODE_FORMATS[kind]
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    uniq = np.asarray(uniques, dtype=object)
    try:  # codes already in the CBS form (embedded data): nothing to normalise
        arr = pa.array(uniq, type=pa.string())
    except (pa.ArrowInvalid, pa.ArrowTypeError):  # numbers among the codes
        arr = None
    if arr is not None and pc.all(pc.match_substring_regex(arr, rf"^{prefix}[0-9]{{{digits}}}$")).as_py() is not False:
        if not series.isna().any():
            return series.astype(object)
        return series.astype(object).where(series.notna(), None)
    empty = np.array([isinstance(u, str) and not u.strip() for u in uniq], dtype=bool)
    mapped = np.array([None if e else _one(u, prefix, digits) for u, e in zip(uniq, empty)], dtype=object)
    bad_u = np.array([m is None and not e for m, e in zip(mapped, empty)], dtype=bool)
    if bad_u.any():
        bad = (codes >= 0) & bad_u[np.maximum(codes, 0)]
        raise DataError(
            problem(
                source,
                column,
                f"has codes not of the form {prefix} + {digits} digits:",
                series.index[bad],
                series[bad],
                f"Use CBS {kind} codes, e.g. {example} ({prefix.lower()}{example[2:].lstrip('0')} and "
                f"{example[2:].lstrip('0')} are accepted and padded).",
            ),
            source=source,
            column=column,
        )
    out = np.empty(len(series), dtype=object)
    ok = codes >= 0
    out[ok] = mapped[codes[ok]]
    out[~ok] = None
    return pd.Series(out, index=series.index, dtype=object)
