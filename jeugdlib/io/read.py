"""Reading user and embedded tables: CSV, Excel, ODS, parquet, or a DataFrame.

CSV files are read with pyarrow (fast on 1M-row files), every column as text,
so codes keep their leading zeros and the numeric/date parsers of
:mod:`jeugdlib.io` decide what a cell means. Only an empty cell is missing
(``None``); ``NA`` or ``nan`` stay text (and are refused by the numeric
parser).
"""

from __future__ import annotations

import codecs
import csv
import errno
import io
import mmap
import os
import re
import stat
import unicodedata
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io._messages import SourceLabel, examples, format_rows, mask_text, mask_value, rows_text
from jeugdlib.io.identifiers import BsnColumn, check_no_bsn_columns, find_bsn_columns
from jeugdlib.io.numeric import _EN, _NL, MISSING_TOKENS, float_text

__all__ = ["header_key", "read_table"]

_CSV = {".csv", ".txt", ".tsv"}
_EXCEL = {".xlsx", ".xlsm", ".xls"}
_ODS = {".ods"}
_PARQUET = {".parquet", ".pq"}
_SUPPORTED = "CSV (.csv), Excel (.xlsx/.xlsm/.xls), ODS (.ods) or parquet (.parquet)"
_UTF8_ADVICE = "In Excel choose 'Save as' > 'CSV UTF-8 (comma delimited)'."


#: Invisible characters that sneak into headers (BOM, zero-width space/joiners, word joiner, soft hyphen).
_INVISIBLE = "\ufeff\u200b\u200c\u200d\u2060\u00ad"
_INVISIBLE_RE = re.compile(f"[{_INVISIBLE}]")


def header_key(name: object) -> str:
    """The key headers are matched on: no BOM or other invisible characters, whitespace or underscores, case-folded."""
    return re.sub(rf"[\s_{_INVISIBLE}]+", "", str(name)).casefold()


def canonical_name(name: object) -> str:
    """A header in its canonical spelling: lower case, runs of spaces/underscores as one ``_``.

    ``'Jaar Wijkteam'``, ``' jaar__wijkteam'`` and ``'Jaar\u200bWijkteam '`` are all
    ``'jaar_wijkteam'``, so the spelling of a header never decides whether its column is checked
    (the policy table's ``jaar_*`` columns, local data's ``perc_*`` columns).
    """
    return re.sub(r"[\s_]+", "_", _clean_header(name)).strip("_").lower()


def _clean_header(name: object) -> str:
    return _INVISIBLE_RE.sub("", str(name)).strip()


def read_table(
    path_or_df: str | Path | pd.DataFrame,
    *,
    sheet_name: str | int = 0,
    source: str | None = None,
    decimal: str | None = None,
    identifiers: Iterable[str] = (),
) -> tuple[pd.DataFrame, str]:
    """Read a table from a file, or copy a DataFrame.

    Parameters
    ----------
    path_or_df:
        A CSV file (``,``, ``;`` or tab separated, sniffed on the header line
        outside quotes; UTF-8 with or without BOM; Windows-1252/latin-1
        detected), an Excel (``.xlsx``/``.xlsm``/``.xls``) or ODS sheet, a
        parquet file, or a DataFrame (copied).
    sheet_name:
        Sheet of an Excel/ODS file.
    source:
        Label for messages (default: the file name, or ``"<DataFrame>"``).
    decimal:
        The decimal separator of the file's numbers when it is known: ``","`` (Dutch notation,
        ``1.234`` is 1234) or ``"."``. ``None`` (default) decides from the file: a ``;``
        separator or a decimal comma in a numeric column makes it Dutch. Knowing it skips
        that scan.
    identifiers:
        Headers of the columns that may hold personal identifiers (matched like every header,
        ignoring case, spaces and underscores): only the ``client_id`` of a trajectory table, on
        its way into pseudonymisation. Every other column holding citizen service numbers
        (BSN, in any common format: see :mod:`jeugdlib.io.identifiers` for the rule) is refused.

    Returns
    -------
    (DataFrame, str)
        The table with headers stripped of whitespace and BOM, and the source
        label. CSV and spreadsheet cells are text (object dtype, ``None`` for
        empty cells), except spreadsheet columns holding only real dates,
        which stay ``datetime64``; parquet keeps its types. The index is
        0, 1, 2, ...: for a file, row ``i`` is file line ``i + 2`` (the label
        carries that mapping for messages). A header-only file gives an empty
        frame with its columns (the schema decides whether that is an error).

    Raises
    ------
    DataError
        Missing file, unsupported extension, empty file, binary content, an
        encoding that is neither UTF-8 nor Windows-1252, rows with the wrong
        number of fields, duplicate column names (compared ignoring case,
        spaces and underscores), cells holding lists, a column without a
        header that holds data other than row numbers (see :func:`_drop_unnamed`:
        empty unnamed columns and a first column of row numbers written by
        pandas or R are dropped), a path that is not a regular file (a FIFO
        would hang), a ``sheet_name`` that is not one sheet, an input that is
        neither a path nor a DataFrame, CSV cells spanning lines that hold
        the separator (a stray quote that swallowed rows), and a column holding
        BSNs (not in ``identifiers``; the message shows the values masked).

    Notes
    -----
    Lines that are empty or hold only separators carry no data and are
    skipped; file lines in messages still count them (the label maps rows to
    the real file lines). A quoted CSV field may span lines (a note with a
    line break) unless it holds the separator after all: that is the mark of
    a stray quote that swallowed the rest of a row and the next rows, and is
    refused naming the line. Code and key columns never accept a line break
    (:func:`jeugdlib.io.normalise_code`, :meth:`jeugdlib.io.Schema.validate`).
    """
    if decimal not in (None, ",", "."):
        raise ValueError(f"decimal must be ',', '.' or None (decide from the file), not {decimal!r}")
    if isinstance(path_or_df, pd.DataFrame):
        label = SourceLabel(source or "<DataFrame>", None)
        label.decimal = decimal
        df = path_or_df.copy()
        df.columns = [_clean_header(c) for c in df.columns]
        _check_cells(df, label)
        _refuse_bsn_columns(df, label, identifiers)
        df = _drop_unnamed(df, label)
        _check_headers(df, label)
        label.dutch = decimal == "," if decimal else _dutch_numbers(df)
        return df, label
    if not isinstance(path_or_df, (str, os.PathLike)) or isinstance(path_or_df, bytes):
        kind = type(path_or_df).__name__
        raise DataError(
            f"{source or '<input>'}: expected the path of a table file (str or Path) or a pandas DataFrame, "
            f"got a {kind}." + (" Wrap a Series with .to_frame() or build a DataFrame." if kind == "Series" else ""),
            source=source or "<input>",
        )
    if not isinstance(sheet_name, (str, int)) or isinstance(sheet_name, bool):
        raise DataError(
            f"{source or path_or_df}: sheet_name must be one sheet (its name or 0-based number), got "
            f"{sheet_name!r}. Read one sheet at a time.",
            source=source or str(path_or_df),
        )
    p = Path(path_or_df)
    name = source or str(path_or_df)
    _check_regular_file(p, name)
    suffix = p.suffix.lower()
    found: list[BsnColumn] | None = None
    if suffix in _CSV:
        label = SourceLabel(name, 2)
        df, found = _read_csv(p, label, decimal, identifiers)
    elif suffix in _EXCEL | _ODS:
        label = SourceLabel(name, 2)
        df = _read_sheet(p, label, sheet_name, suffix)
    elif suffix in _PARQUET:
        label = SourceLabel(name, None)
        df = _read_parquet(p, label)
        _check_cells(df, label)
    else:
        raise DataError(
            f"{name}: unsupported file type {suffix!r}; use {_SUPPORTED}, or pass a DataFrame.", source=name
        )
    df.columns = [_clean_header(c) for c in df.columns]
    if found is None:
        _refuse_bsn_columns(df, label, identifiers)
    else:  # a CSV file was checked on its Arrow columns
        check_no_bsn_columns(df, label, found)
    df = _drop_unnamed(df, label)
    _check_headers(df, label)
    label.decimal = decimal
    if decimal:
        label.dutch = decimal == ","
    elif suffix not in _CSV:  # a CSV file was decided while parsing (on its arrow columns)
        label.dutch = label.dutch or _dutch_numbers(df)
    return df, label


def _refuse_bsn_columns(df: pd.DataFrame, label: str, identifiers: Iterable[str]) -> None:
    """Refuse columns holding BSNs (:mod:`jeugdlib.io.identifiers`), except the declared ``identifiers``."""
    found = find_bsn_columns([df.iloc[:, i] for i in range(df.shape[1])], list(df.columns), identifiers)
    check_no_bsn_columns(df, label, found)


def _check_regular_file(p: Path, name: str) -> None:
    """Refuse a missing path, a folder, a symlink loop and anything that is not a regular file (a FIFO would hang)."""
    try:
        st = p.stat()
    except FileNotFoundError:
        raise DataError(
            f"{name}: file not found. Check the path (relative paths start in the working directory).", source=name
        ) from None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise DataError(f"{name}: is a symbolic link that points to itself (a link loop).", source=name) from None
        raise DataError(f"{name}: cannot be opened ({exc.strerror}).", source=name) from None
    if stat.S_ISDIR(st.st_mode):
        raise DataError(f"{name}: is a folder, not a file. Give the path of the table file.", source=name)
    if not stat.S_ISREG(st.st_mode):
        raise DataError(
            f"{name}: is not a regular file (a pipe, socket or device). Save the table as a file and read that.",
            source=name,
        )


def _check_cells(df: pd.DataFrame, label: str) -> None:
    """Refuse cells that hold containers (lists, dicts, arrays) instead of one value."""
    for i in range(df.shape[1]):
        col = df.iloc[:, i]
        if col.dtype != object or pd.api.types.infer_dtype(col, skipna=True) not in ("mixed", "mixed-integer"):
            continue
        bad = col.map(lambda v: isinstance(v, (list, tuple, dict, set, np.ndarray))).to_numpy(dtype=bool)
        if bad.any():
            raise DataError(
                f"{label}: column {mask_value(str(df.columns[i]))} holds lists or other containers instead of "
                f"single values at {rows_text(col.index[bad], label)}. Give one value per cell (e.g. with "
                "DataFrame.explode).",
                source=label,
                column=str(df.columns[i]),
            )


_UNNAMED = re.compile(r"^(Unnamed: [0-9]+(_level_[0-9]+)?)?$", re.ASCII)


def _drop_unnamed(df: pd.DataFrame, label: str) -> pd.DataFrame:
    """Columns without a header: dropped when empty or the row numbers pandas/R write; refused otherwise.

    A column without a name (an empty header, or pandas' ``Unnamed: 0``) that holds
    nothing (trailing separators of spreadsheet exports) is dropped. As the first
    column, holding exactly the row numbers ``0, 1, 2, ...`` or ``1, 2, 3, ...``
    (``DataFrame.to_csv`` without ``index=False``, R's ``write.csv`` without
    ``row.names = FALSE``), it is dropped too. Any other unnamed column holding
    data is refused: jeugdlib cannot know what it means.
    """
    keep: list[int] = []
    for i, c in enumerate(df.columns):
        if not _UNNAMED.match(str(c)):
            keep.append(i)
            continue
        col = df.iloc[:, i]
        if col.isna().all():
            continue
        if i == 0 and _row_numbers(col):
            continue
        filled = col[col.notna()]
        raise DataError(
            f"{label}: column {i + 1} has no header but holds data ({examples(filled.head(5))} at "
            f"{rows_text(filled.index, label)}). Give the column a name in the header line, or remove it.",
            source=label,
        )
    if len(keep) < df.shape[1]:
        df = df.iloc[:, keep]
    return df


def _row_numbers(col: pd.Series) -> bool:
    values = pd.to_numeric(pd.Series(col.to_numpy(dtype=object)), errors="coerce").to_numpy(dtype=float)
    n = len(values)
    return bool(n) and (np.array_equal(values, np.arange(n)) or np.array_equal(values, np.arange(1, n + 1)))


#: Rows per column looked at to decide whether a file writes numbers the Dutch way.
_DUTCH_SAMPLE = 20_000


def _dutch_numbers(df: pd.DataFrame) -> bool:
    """A text column of numbers (in its first rows) written the Dutch way only (``12,5``, ``1.234.567``).

    Decides how :func:`jeugdlib.io.parse_numeric` reads ``1.234`` in the other columns.
    """
    import pyarrow as pa

    arrays = []
    for i in range(df.shape[1]):
        col = df.iloc[:_DUTCH_SAMPLE, i]
        if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
            continue
        try:
            arrays.append(pa.array(col.to_numpy(dtype=object), type=pa.string(), from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue
    return _dutch_arrays(arrays)


def _dutch_arrays(arrays: Iterable[object]) -> bool:
    """:func:`_dutch_numbers` on arrow string arrays (the first rows of each column)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    for arr in arrays:
        values = pc.utf8_trim_whitespace(arr)
        values = pc.drop_null(pc.if_else(pc.is_in(values, value_set=pa.array(MISSING_TOKENS)), None, values))
        if (
            not len(values)
            or not pc.any(pc.match_substring(values, ",")).as_py()
            and not pc.any(pc.match_substring_regex(values, r"\..*\.")).as_py()
        ):
            continue
        nl = pc.match_substring_regex(values, _NL)
        en = pc.match_substring_regex(values, _EN)
        if pc.all(pc.or_(nl, en)).as_py() and pc.any(pc.and_(nl, pc.invert(en))).as_py():
            return True
    return False


def _check_headers(df: pd.DataFrame, label: str) -> None:
    keys: dict[str, str] = {}
    dups: list[str] = []
    for c in df.columns:
        k = header_key(c)
        if k in keys:
            dups.append(f"{mask_value(keys[k])} and {mask_value(c)}")
        keys.setdefault(k, c)
    if dups:
        raise DataError(
            f"{label}: duplicate column names {', '.join(dups[:5])} (names are compared ignoring case, "
            "spaces and underscores). Rename or remove one of each pair.",
            source=label,
        )


# --------------------------------------------------------------------------- CSV
def _decode_head(raw: bytes, label: str, final: bool) -> tuple[str, str]:
    """Decode the start of a file; return (text, encoding) or refuse binary/unknown encodings.

    ``final=False`` when ``raw`` is only the first bytes of the file: a multi-byte UTF-8
    character cut at the end is then not an error.
    """
    head = raw[:65536]
    if head.startswith(b"PK\x03\x04"):
        raise DataError(
            f"{label}: this is a zipped file (an Excel .xlsx?) with a text extension. "
            "Rename it to .xlsx, or save it as CSV UTF-8.",
            source=label,
        )
    if head.startswith(b"PAR1"):
        raise DataError(f"{label}: this is a parquet file with a text extension; rename it to .parquet.", source=label)
    if b"\x00" in head:
        raise DataError(
            f"{label}: the file holds binary data (or UTF-16 text), not a CSV table. {_UTF8_ADVICE}", source=label
        )
    try:
        return codecs.getincrementaldecoder("utf-8-sig")().decode(raw, final=final), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = raw.decode("cp1252")
    except UnicodeDecodeError as exc:
        raise DataError(
            f"{label}: the file is neither UTF-8 nor Windows-1252 (latin-1) text (byte {exc.start}). {_UTF8_ADVICE}",
            source=label,
        ) from None
    if not _looks_sane(text):
        raise DataError(
            f"{label}: the file is not UTF-8 and does not read as Windows-1252 (latin-1) text either. {_UTF8_ADVICE}",
            source=label,
        )
    return text, "cp1252"


def _looks_sane(text: str) -> bool:
    """Text decoded as Windows-1252 looks like a table: no control characters, mostly ASCII."""
    sample = text[:200_000]
    if not sample:
        return True
    controls = sum(1 for ch in sample if unicodedata.category(ch) == "Cc" and ch not in "\r\n\t")
    non_ascii = sum(1 for ch in sample if ord(ch) > 127)
    return controls == 0 and non_ascii <= 0.2 * len(sample)


def _sniff(header: str) -> str:
    """The separator (``;``, ``,`` or tab) that occurs most on the header line outside quotes."""
    counts = {";": 0, ",": 0, "\t": 0}
    quoted = False
    for ch in header:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    best = max(counts, key=lambda k: (counts[k], k == ","))
    return best if counts[best] else ","


_HEAD = 65536
_NON_SPACE = re.compile(rb"\S")


#: Two dot groups in a number (1.234.567): the only Dutch-notation sign a ','-file without quotes can hold.
_MULTI_DOT = re.compile(rb"[0-9]\.[0-9]{3}\.[0-9]{3}")


def _read_csv(
    p: Path, label: SourceLabel, decimal: str | None = None, identifiers: Iterable[str] = ()
) -> tuple[pd.DataFrame, list[BsnColumn]]:
    with p.open("rb") as fh:  # memory-mapped: no copy of a large file (arrow parses from the map)
        size = os.fstat(fh.fileno()).st_size
        data: bytes = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) if size else b""  # type: ignore[assignment]
    text_head, encoding = _decode_head(data[:_HEAD], label, final=len(data) <= _HEAD)
    if not text_head.strip():
        raise DataError(
            f"{label}: the file is empty. Export the table again with a header line and data rows.", source=label
        )
    if encoding == "cp1252":
        text, _ = _decode_head(bytes(data), label, final=True)  # whole file: every line must be sane
        data = text.encode("utf-8")
        text_head = text[:_HEAD]
    text_head = text_head.lstrip("\ufeff")
    header_line = text_head.splitlines()[0] if text_head else ""
    if not header_line.strip():
        raise DataError(
            f"{label}: line 1 is empty; the header (the column names) must be on line 1. Remove the empty lines "
            "above it.",
            source=label,
        )
    sep = _sniff(header_line)
    label.dutch = decimal == "," if decimal else sep == ";"  # a ';'-separated file is a Dutch export
    names = next(csv.reader(io.StringIO(header_line), delimiter=sep), [])
    if not names or all(not n.strip() for n in names):
        raise DataError(f"{label}: the first line holds no column names. Put the header on line 1.", source=label)
    return _parse_csv(data, sep, names, label, encoding, decided=decimal is not None, identifiers=identifiers)


def _parse_csv(
    data: bytes,
    sep: str,
    names: list[str],
    label: SourceLabel,
    encoding: str,
    decided: bool = False,
    identifiers: Iterable[str] = (),
) -> tuple[pd.DataFrame, list[BsnColumn]]:
    """Parse CSV bytes with pyarrow; return the frame and its BSN columns (found on the Arrow columns: fast)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    internal = [f"c{i}" for i in range(len(names))]
    body_start = data.find(b"\n") + 1 or len(data)
    if _NON_SPACE.search(data, body_start) is None:  # a header-only file, with or without a final line break
        return pd.DataFrame({n: pd.Series([], dtype=object) for n in internal}).set_axis(names, axis=1), []
    try:
        table = pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(data)),
            read_options=pacsv.ReadOptions(column_names=internal, skip_rows=1, block_size=1 << 24),
            # empty lines are read as all-empty rows (and dropped below): row i is then line i + 2
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=False, ignore_empty_lines=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in internal},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        data = bytes(data)
        if "utf8" in msg.lower() and encoding == "utf-8":
            # the first 64 kB were UTF-8 but a later line is not: decode the whole file as cp1252
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="strict") if _cp1252_ok(data) else None
                if text is None or not _looks_sane(text):
                    raise DataError(
                        f"{label}: the file mixes encodings or is not text. {_UTF8_ADVICE}", source=label
                    ) from None
                return _parse_csv(text.encode("utf-8"), sep, names, label, "cp1252", decided, identifiers)
        raise DataError(_bad_rows_message(data, sep, len(names), label), source=label) from None
    # ';' decides; otherwise a numeric column with a decimal comma or dot groups (1.234.567) in the first rows.
    # In a ','-file without quotes no cell holds a comma, so only dot groups can tell: skip the column scan
    # (the cost of reading the embedded tables) unless the bytes have one.
    if not decided and not label.dutch and (sep != "," or data.find(b'"') != -1 or _MULTI_DOT.search(data) is not None):
        label.dutch = _dutch_arrays(col.slice(0, _DUTCH_SAMPLE) for col in table.columns)
    found = find_bsn_columns(table.columns, [_clean_header(n) for n in names], identifiers)
    df = table.to_pandas()  # string columns become object arrays with None for empty cells
    df.columns = names
    df = df if all(pd.api.types.is_object_dtype(t) for t in df.dtypes) else df.astype(object)
    return _file_lines(df, table, data, sep, label), found


def _bad_rows_message(data: bytes, sep: str, n_fields: int, label: str) -> str:
    """Name the first lines whose number of fields differs from the header's (found with the csv module)."""
    bad: list[str] = []
    reader = csv.reader(io.StringIO(data.decode("utf-8", errors="replace").lstrip("\ufeff")), delimiter=sep)
    next(reader, None)
    for row in reader:
        if row and len(row) != n_fields and not (len(row) == 1 and not row[0].strip()):
            bad.append(f"line {reader.line_num}: {len(row)} fields")
            if len(bad) == 5:
                break
    where = "; ".join(bad) if bad else "a quote that is not closed"
    return (
        f"{label}: could not be read as a {sep!r}-separated table ({where}; the header has {n_fields} fields). "
        "Check that every line has as many fields as the header and that quotes are closed."
    )


def _file_lines(df: pd.DataFrame, table: object, data: bytes, sep: str, label: SourceLabel) -> pd.DataFrame:
    """Drop empty lines, refuse cells of a stray quote, and map rows to file lines when they are not i + 2."""
    import pyarrow.compute as pc

    n = len(df)
    lines = None
    # only a quoted field can span lines: without a quote in the file, row i is line i + 2 (+ empty lines)
    if data.find(b'"') != -1:
        n_lines = bytes(data).count(b"\n") + (0 if data[-1:] == b"\n" else 1)
    else:
        n_lines = n + 1
    if n and n_lines - 1 != n:  # fewer rows than lines: quoted fields span lines
        extra = np.zeros(n, dtype=np.int64)
        for j, col in enumerate(table.columns):  # type: ignore[attr-defined]
            breaks = np.asarray(pc.fill_null(pc.count_substring(col, "\n"), 0), dtype=np.int64)
            if breaks.any():
                extra += breaks
                stray = (breaks > 0) & np.asarray(pc.fill_null(pc.match_substring(col, sep), False), dtype=bool)
                if stray.any():
                    first = np.concatenate([[0], np.cumsum(1 + extra)[:-1]]) + 2
                    raise DataError(
                        f"{label}: column {mask_value(str(df.columns[j]))} has a quoted cell spanning lines and "
                        f"holding the separator {sep!r}, starting at file line "
                        f"{int(first[np.flatnonzero(stray)[0]])}: a stray "
                        'quote (") joined rows into one. Remove the quote, or write a quote inside a cell as "".',
                        source=label,
                        column=str(df.columns[j]),
                    )
        lines = np.concatenate([[0], np.cumsum(1 + extra)[:-1]]) + 2
    if n and any(col.null_count for col in table.columns):  # type: ignore[attr-defined]
        empty = df.isna().all(axis=1).to_numpy()
        if empty.any():  # empty lines (and lines of separators only): no data
            lines = (np.arange(n) + 2 if lines is None else lines)[~empty]
            df = df.loc[~empty].reset_index(drop=True)
    if lines is not None:
        label.lines = lines
    return df


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


# --------------------------------------------------------------------------- spreadsheets and parquet
def _cell_text(v: object) -> object:
    """A spreadsheet cell as text: dates in ISO form, whole floats without ``.0``, empty as None."""
    if v is None or v is pd.NaT or (isinstance(v, float) and np.isnan(v)):
        return None
    if isinstance(v, (pd.Timestamp,)) or hasattr(v, "isoformat"):
        ts = pd.Timestamp(v)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (float, np.floating)):
        return float_text(v)
    text = str(v)
    return text if text.strip() else None


def _check_formulas(p: Path, label: str, sheet_name: str | int, columns: list[object]) -> None:
    """Refuse formula cells without a saved value (written by a script): they would read as empty."""
    import openpyxl

    try:
        books = [openpyxl.load_workbook(p, read_only=True, data_only=flag) for flag in (False, True)]
    except Exception:  # noqa: BLE001 - pandas read it; nothing more to check
        return
    try:
        sheets = [b[sheet_name] if isinstance(sheet_name, str) else b.worksheets[sheet_name] for b in books]
        cells: list[tuple[int, int]] = []
        rows = zip(sheets[0].iter_rows(values_only=True), sheets[1].iter_rows(values_only=True))
        for r, (formulas, values) in enumerate(rows, start=1):
            for c, (f, v) in enumerate(zip(formulas, values)):
                if v is None and isinstance(f, str) and f.startswith("="):
                    cells.append((r, c))
    finally:
        for b in books:
            b.close()
    if cells:
        first_col = cells[0][1]
        name = str(columns[first_col]) if first_col < len(columns) else f"column {first_col + 1}"
        raise DataError(
            f"{label}: column {mask_value(name)} has formulas without a saved value at file lines "
            f"{format_rows([r for r, _ in cells])}; they would read as empty. The file was written by a program "
            "that does not calculate formulas: open and save the file in Excel/LibreOffice (or write values "
            "instead of formulas).",
            source=label,
            column=name,
        )


def _read_sheet(p: Path, label: str, sheet_name: str | int, suffix: str) -> pd.DataFrame:
    with p.open("rb") as fh:
        magic = fh.read(8)
    if not magic:
        raise DataError(
            f"{label}: the file is empty. Save the sheet again with a header row and data rows.", source=label
        )
    try:
        # header=None: pandas would rename a repeated header to 'name.1' before jeugdlib can refuse it
        raw = pd.read_excel(
            p, sheet_name=sheet_name, dtype=object, header=None, engine="odf" if suffix in _ODS else None
        )
    except ImportError as exc:
        raise DataError(
            f"{label}: reading {suffix} files needs an extra package ({mask_text(str(exc))}). Save the sheet as "
            ".xlsx or as CSV UTF-8.",
            source=label,
        ) from None
    except (ValueError, KeyError) as exc:
        if "not found" in str(exc) or "Worksheet" in str(exc):
            raise DataError(
                f"{label}: sheet {mask_value(sheet_name)} not found ({mask_text(str(exc))}). Pass sheet_name= with "
                "an existing sheet.",
                source=label,
            ) from None
        raise DataError(
            f"{label}: could not be read as a {suffix} file ({mask_text(str(exc))}). Is it a valid spreadsheet?",
            source=label,
        ) from None
    except Exception as exc:  # noqa: BLE001 - any reader failure (zip, xml) becomes a DataError
        raise DataError(
            f"{label}: could not be read as a {suffix} file ({type(exc).__name__}: {mask_text(str(exc))}). "
            "Is it a valid spreadsheet?",
            source=label,
        ) from None
    if raw.shape[1] == 0 or raw.shape[0] == 0:
        raise DataError(
            f"{label}: sheet {sheet_name!r} is empty. Put the header in row 1 and data below it.", source=label
        )
    header = [str(t) if (t := _cell_text(h)) is not None else "" for h in raw.iloc[0]]
    raw = raw.iloc[1:]
    raw.columns = header
    if suffix in (".xlsx", ".xlsm") and raw.isna().to_numpy().any():
        _check_formulas(p, label, sheet_name, header)
    out = {}
    for i in range(raw.shape[1]):
        col = raw.iloc[:, i]
        filled = col.dropna()
        if (
            len(filled)
            and filled.map(
                lambda v: isinstance(v, pd.Timestamp) or hasattr(v, "isoformat") and not isinstance(v, str)
            ).all()
        ):
            try:
                out[i] = pd.to_datetime(col.map(lambda v: pd.Timestamp(v) if v is not None and v == v else pd.NaT))
            except (OverflowError, pd.errors.OutOfBoundsDatetime):  # 9999-12-31: parse_dates refuses it
                out[i] = col.astype(object).where(col.notna(), None)
        else:
            out[i] = pd.Series([_cell_text(v) for v in col.to_numpy(dtype=object)], index=raw.index, dtype=object)
    df = pd.DataFrame(out, index=raw.index)
    df.columns = list(raw.columns)
    return df.reset_index(drop=True)


def _read_parquet(p: Path, label: str) -> pd.DataFrame:
    try:
        return pd.read_parquet(p)
    except Exception as exc:  # noqa: BLE001 - any reader failure becomes a DataError
        raise DataError(
            f"{label}: could not be read as a parquet file ({type(exc).__name__}). Is it a valid parquet file?",
            source=label,
        ) from None
