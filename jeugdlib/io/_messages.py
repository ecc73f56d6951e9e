"""Building blocks of :class:`~jeugdlib.errors.DataError` messages.

Every message of the input layer has the same parts, in this order: the source
(file name or table label), the column, the offending rows, at most five
example values and what to do. Rows are reported in one of two ways, and the
message says which:

* ``file lines [2, 7]``: 1-based line numbers of a CSV file or spreadsheet
  rows of an Excel/ODS sheet (the header is line 1, so the first data row is
  line 2). Used when the table was read by :func:`jeugdlib.io.read_table`
  from a CSV/Excel/ODS file and the rows still carry the labels it gave them
  (0, 1, 2, ... for the data rows; a CSV field with an embedded line break
  shifts the count).
* ``rows [0, 5]``: the index labels of a DataFrame (user frames, parquet
  files, or frames whose index was changed).

Values that look like a BSN (8 or 9 digits, also 10 with a leading zero,
written in groups such as ``123-45-678`` or after ``BSN``) are never printed:
they are shown as ``***``, in values, headers, row labels and code lists
alike. Raw lines of a file are never quoted (the line number is given).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["SourceLabel", "examples", "format_rows", "mask_headers", "mask_text", "mask_value", "rows_text"]

#: Maximum number of rows named in a message.
MAX_ROWS = 10
#: Maximum number of example values named in a message.
MAX_EXAMPLES = 5

#: BSN-like numbers: 8 or 9 digits (10 with a leading zero), also written in groups (123-45-678,
#: 123 456 782, 1234.56.782) or after "BSN". Dates (2021-01-04) and thousands groups (1.234.567) do not match.
#: Any grouping counts (12 34 56 782, 123_456_782 as a normalised header); a date 2021-01-04 does not.
_BSN = (
    r"(?:BSN[ :#._-]*)?"
    r"(?![0-9]{4}[-/._][0-9]{2}[-/._][0-9]{2}(?![0-9]))"  # not a date
    r"(?:0?(?:[0-9][ ._-]?){7,8}[0-9])"
)
_BSN_LIKE = re.compile(_BSN, re.ASCII | re.IGNORECASE)
# also inside alphanumerics (an old VAT number NL123456782B01 holds a BSN); not inside a longer number
_BSN_IN_TEXT = re.compile(rf"(?<![0-9]){_BSN}(?![0-9])", re.ASCII | re.IGNORECASE)


class SourceLabel(str):
    """A source label (the file name) that knows how its row labels map to file lines.

    ``first_line`` is the file line of the row labelled 0 (2 for a CSV or a
    sheet with one header line), or ``None`` when rows have no file lines
    (DataFrames, parquet). ``dutch`` tells :func:`jeugdlib.io.parse_numeric`
    how to read a column whose only separators are dots in 3-digit groups.
    """

    first_line: int | None
    #: The file is clearly Dutch (``;``-separated, or a numeric column with a decimal comma or dot
    #: thousands groups such as ``1.234,5`` or ``1.234.567``): ``1.234`` is then read as 1234.
    dutch: bool

    #: The decimal separator declared by the caller (``read_table(decimal=...)``), or ``None``.
    decimal: str | None

    #: File line of each row label when rows are not ``first_line + label`` (empty lines, cells spanning lines).
    lines: np.ndarray | None

    def __new__(
        cls, value: str, first_line: int | None = None, dutch: bool = False, lines: np.ndarray | None = None
    ) -> SourceLabel:
        obj = super().__new__(cls, value)
        obj.first_line = first_line
        obj.dutch = dutch
        obj.lines = lines
        obj.decimal = None  # the decimal separator the caller declared (read_table(decimal=...)), if any
        return obj


def format_rows(index: Iterable[Any], limit: int = MAX_ROWS) -> str:
    """``[a, b, c and 5 more]``: at most ``limit`` rows (or codes) of an error message."""
    items = list(index)
    shown = ", ".join(mask_text(str(v)) for v in items[:limit])
    more = f" and {len(items) - limit} more" if len(items) > limit else ""
    return f"[{shown}{more}]"


def rows_text(index: Iterable[Any], source: str) -> str:
    """``file lines [2, 3]`` or ``rows [0, 1]`` (see the module docstring)."""
    labels = list(index)
    first = getattr(source, "first_line", None)
    if first is not None and all(isinstance(v, (int, np.integer)) for v in labels[:MAX_ROWS]):
        lines = getattr(source, "lines", None)
        if lines is not None and all(0 <= int(v) < len(lines) for v in labels[:MAX_ROWS]):
            return f"file lines {format_rows([int(lines[int(v)]) for v in labels[:MAX_ROWS]] + labels[MAX_ROWS:])}"
        return f"file lines {format_rows([int(v) + first for v in labels])}"
    return f"rows {format_rows(labels)}"


def mask_value(value: Any) -> str:
    """``repr`` of a value for a message; BSN-like values (see :data:`_BSN`) become ``***``.

    A longer text holding a BSN-like number (``'K 123456782'``) is shown with that number masked.
    """
    import unicodedata

    text = unicodedata.normalize("NFKC", str(value).strip())
    if _BSN_LIKE.fullmatch(text.replace(".0", "", 1) if text.endswith(".0") else text):
        return "***"
    return mask_text(repr(text) if isinstance(value, str) else repr(value))


def mask_text(text: str) -> str:
    """Free text (e.g. a reader's own error message quoting a line) with BSN-like numbers replaced by ``***``.

    Digits in other scripts (full-width ``１２３``) are read as their ASCII digits first (NFKC).
    """
    import unicodedata

    text = unicodedata.normalize("NFKC", text)

    def repl(m: re.Match) -> str:
        # digits glued to letters (WK30000001, NL123456782B01) are masked only when they pass the 11-test:
        # a malformed code stays readable, a BSN inside a VAT number does not
        glued = (m.start() > 0 and text[m.start() - 1].isalpha()) or (m.end() < len(text) and text[m.end()].isalpha())
        if not glued:
            return "***"
        from jeugdlib.io.identifiers import bsn_like

        return "***" if bsn_like([m.group(0)])[0] else m.group(0)

    return _BSN_IN_TEXT.sub(repl, text)


def mask_headers(columns: Iterable[Any]) -> str:
    """``['a', 'b', '***']``: a list of column names for a message, BSN-like ones masked (a file without header)."""
    return "[" + ", ".join(mask_value(str(c)) for c in columns) + "]"


def examples(values: Iterable[Any], limit: int = MAX_EXAMPLES) -> str:
    """At most ``limit`` distinct offending values, BSN-like ones masked: ``'12,5', '***'``."""
    seen: list[str] = []
    for v in pd.unique(pd.Series(list(values), dtype=object)):
        m = mask_value(v)
        if m not in seen:
            seen.append(m)
        if len(seen) == limit:
            break
    return ", ".join(seen)


def problem(
    source: str,
    column: str | None,
    what: str,
    index: Iterable[Any] | None = None,
    values: Iterable[Any] | None = None,
    advice: str = "",
) -> str:
    """Assemble ``"<source>: column '<c>' <what> <values> at <rows>. <advice>"``."""
    text = f"{source}: " + (f"column {mask_value(column)} " if column is not None else "") + what
    if values is not None:
        text += f" {examples(values)}"
    if index is not None:
        text += f" at {rows_text(index, source)}"
    text += "."
    if advice:
        text += " " + advice
    return text
