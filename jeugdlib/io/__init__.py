"""The one input layer: every table jeugdlib reads from a file or a user DataFrame goes through here.

* :func:`read_table` reads CSV (``,``/``;``, UTF-8 with or without BOM,
  Windows-1252 detected), Excel, ODS and parquet, or copies a DataFrame.
* :func:`normalise_code` is the one normaliser of CBS region codes.
* :func:`parse_numeric` parses numbers (decimal comma, thousands separators,
  CBS missing symbols) and refuses anything ambiguous.
* :func:`parse_dates` accepts ISO dates (or one explicit format) only.
* :class:`Column` and :class:`Schema` declare a table type once; its
  :meth:`Schema.validate` applies all of the above.
* :mod:`jeugdlib.io.identifiers`: :func:`read_table` refuses every column holding
  citizen service numbers (BSN, in any common format; the rule is in that module),
  except the columns a loader declares as ``identifiers=`` (only the trajectory
  table's ``client_id``, on its way into pseudonymisation).

Every refusal is a :class:`DataError` naming the file, the column, at most 10
rows (``file lines`` for files, ``rows`` = index labels for DataFrames) and at
most 5 values (BSN-like values masked as ``***``; a refused BSN column shows at most
two digits of a value, ``11*-**-***``), and saying what to do.

Example
-------
>>> from jeugdlib.io import Column, Schema, read_table
>>> schema = Schema("policy table", [Column("gemeentecode", "code:gemeente"),
...                                  Column("jaar_wijkteam", "int", required=False)], key="gemeentecode")
>>> df, source = read_table(path)          # doctest: +SKIP
>>> df = schema.validate(df, source)       # doctest: +SKIP
"""

from __future__ import annotations

from jeugdlib.errors import DataError
from jeugdlib.io._messages import SourceLabel, format_rows, mask_headers, mask_text, mask_value, rows_text
from jeugdlib.io.codes import CODE_FORMATS, normalise_code
from jeugdlib.io.dates import parse_dates
from jeugdlib.io.identifiers import bsn_like, mask_identifier, normalise_bsn
from jeugdlib.io.numeric import MISSING_TOKENS, parse_numeric
from jeugdlib.io.read import canonical_name, header_key, read_table
from jeugdlib.io.schema import KINDS, Column, Schema

__all__ = [
    "CODE_FORMATS",
    "KINDS",
    "MISSING_TOKENS",
    "Column",
    "DataError",
    "Schema",
    "SourceLabel",
    "bsn_like",
    "format_rows",
    "canonical_name",
    "header_key",
    "mask_headers",
    "mask_identifier",
    "mask_text",
    "mask_value",
    "normalise_bsn",
    "normalise_code",
    "parse_dates",
    "parse_numeric",
    "read_table",
    "rows_text",
]
