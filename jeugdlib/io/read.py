"""Reading user and embedded tables: CSV, Excel, ODS, parquet, or a DataFrame.

CSV files are read with pyarrow (fast on 1M-row files), every column as text,
so codes keep their leading zeros and the numeric/date parsers of
:mod:`jeugdlib.io` decide what a cell means. Only an empty cell is missing
(``None``); ``NA`` or ``nan`` stay text (and are refused by the numeric
parser).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd

from jeugdlib.errors import DataError
from jeugdlib.io._messages import SourceLabel, mask_text
from jeugdlib.io.numeric import _EN, _NL, MISSING_TOKENS, float_text

__all__ = ["header_key", "read_table"]

_CSV = {".csv", ".txt", ".tsv"}
_EXCEL = {".xlsx", ".xlsm", ".xls"}
_ODS = {".ods"}
_PARQUET = {".parquet", ".pq"}
_SUPPORTED = "CSV (.csv), Excel (.xlsx/.xlsm/.xls), ODS (.ods) or parquet (.parquet)"
_UTF8_ADVICE = "In Excel choose 'Save as' > 'CSV UTF-8 (comma delimited)'."


def header_key(name: object) -> str:
    """The key headers are matched on: no BOM, whitespace or underscores, case-folded."""
    return re.sub(r"[\s_\ufeff]+", "", str(name)).casefold()


def _clean_header(name: object) -> str:
    return str(name).replace("\ufeff", "").strip()


def read_table(
    path_or_df: str | Path | pd.DataFrame, *, sheet_name: str | int = 0, source: str | None = None
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
        spaces and underscores). A column without a name is dropped when it is
        empty and kept as ``Unnamed: <position>`` otherwise.
    """
    if isinstance(path_or_df, pd.DataFrame):
        label = SourceLabel(source or "<DataFrame>", None)
        df = path_or_df.copy()
        df.columns = [_clean_header(c) for c in df.columns]
        _check_headers(df, label)
        label.dutch = _dutch_numbers(df)
        return df, label
    p = Path(path_or_df)
    name = source or str(p)
    if not p.exists():
        raise DataError(f"{name}: file not found. Check the path (working directory: {Path.cwd()}).", source=name)
    if p.is_dir():
        raise DataError(f"{name}: is a folder, not a file. Give the path of the table file.", source=name)
    suffix = p.suffix.lower()
    if suffix in _CSV:
        label = SourceLabel(name, 2)
        df = _read_csv(p, label)
    elif suffix in _EXCEL | _ODS:
        label = SourceLabel(name, 2)
        df = _read_sheet(p, label, sheet_name, suffix)
    elif suffix in _PARQUET:
        label = SourceLabel(name, None)
        df = _read_parquet(p, label)
    else:
        raise DataError(
            f"{name}: unsupported file type {suffix!r}; use {_SUPPORTED}, or pass a DataFrame.", source=name
        )
    df.columns = [_clean_header(c) for c in df.columns]
    df = _drop_unnamed_empty(df)
    _check_headers(df, label)
    label.dutch = label.dutch or _dutch_numbers(df)
    return df, label


#: Rows per column looked at to decide whether a file writes numbers the Dutch way.
_DUTCH_SAMPLE = 20_000


def _dutch_numbers(df: pd.DataFrame) -> bool:
    """A text column of numbers (in its first rows) written the Dutch way only (``12,5``, ``1.234.567``).

    Decides how :func:`jeugdlib.io.parse_numeric` reads ``1.234`` in the other columns.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    for i in range(df.shape[1]):
        col = df.iloc[:_DUTCH_SAMPLE, i]
        if not (pd.api.types.is_object_dtype(col.dtype) or pd.api.types.is_string_dtype(col.dtype)):
            continue
        try:
            arr = pc.utf8_trim_whitespace(pa.array(col.to_numpy(dtype=object), type=pa.string(), from_pandas=True))
        except (pa.ArrowInvalid, pa.ArrowTypeError):
            continue
        values = pc.drop_null(pc.if_else(pc.is_in(arr, value_set=pa.array(MISSING_TOKENS)), None, arr))
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
            dups.append(f"{keys[k]!r} and {c!r}")
        keys.setdefault(k, c)
    if dups:
        raise DataError(
            f"{label}: duplicate column names {', '.join(dups[:5])} (names are compared ignoring case, "
            "spaces and underscores). Rename or remove one of each pair.",
            source=label,
        )


def _drop_unnamed_empty(df: pd.DataFrame) -> pd.DataFrame:
    """Drop columns without a header that hold nothing (trailing separators of spreadsheet exports).

    An unnamed column that holds data (e.g. the row numbers R and pandas write)
    is kept as ``Unnamed: <position>``, as pandas names it.
    """
    keep = [i for i, c in enumerate(df.columns) if c != "" or df.iloc[:, i].notna().any()]
    if len(keep) < df.shape[1]:
        df = df.iloc[:, keep]
    df.columns = [c if c != "" else f"Unnamed: {keep[j]}" for j, c in enumerate(df.columns)]
    return df


# --------------------------------------------------------------------------- CSV
def _decode_head(raw: bytes, label: str) -> tuple[str, str]:
    """Decode the start of a file; return (text, encoding) or refuse binary/unknown encodings."""
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
        return raw.decode("utf-8-sig"), "utf-8"
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


def _read_csv(p: Path, label: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    with p.open("rb") as fh:
        head = fh.read(65536)
    text_head, encoding = _decode_head(head, label)
    if not text_head.strip():
        raise DataError(
            f"{label}: the file is empty. Export the table again with a header line and data rows.", source=label
        )
    if encoding == "cp1252":
        data = p.read_bytes()
        text, _ = _decode_head(data, label)  # whole file: every line must be sane
        source_bytes: object = pa.BufferReader(text.encode("utf-8"))
        text_head = text[:65536]
    else:
        source_bytes = p
    header_line = text_head.lstrip("\ufeff").splitlines()[0] if text_head.strip() else ""
    sep = _sniff(header_line)
    if isinstance(label, SourceLabel):
        label.dutch = sep == ";"  # a ';'-separated file is a Dutch export: 1.234 is 1234
    names = next(csv.reader(io.StringIO(header_line), delimiter=sep))
    if not names or all(not n.strip() for n in names):
        raise DataError(f"{label}: the first line holds no column names. Put the header on line 1.", source=label)
    internal = [f"c{i}" for i in range(len(names))]
    try:
        table = pacsv.read_csv(
            source_bytes,
            read_options=pacsv.ReadOptions(column_names=internal, skip_rows=1, block_size=1 << 24),
            parse_options=pacsv.ParseOptions(delimiter=sep, newlines_in_values=False),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in internal},
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                null_values=[""],
            ),
        )
    except pa.ArrowInvalid as exc:
        msg = str(exc)
        if "utf8" in msg.lower() and encoding == "utf-8":
            # the first 64 kB were UTF-8 but a later line is not: decode the whole file as cp1252
            data = p.read_bytes()
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                text = data.decode("cp1252", errors="strict") if _cp1252_ok(data) else None
                if text is None or not _looks_sane(text):
                    raise DataError(
                        f"{label}: the file mixes encodings or is not text. {_UTF8_ADVICE}", source=label
                    ) from None
                return _read_text(text, sep, names, label)
        raise DataError(
            f"{label}: could not be read as a {sep!r}-separated table ({mask_text(msg.splitlines()[0])}). "
            "Check that every line has as many fields as the header and that quotes are closed.",
            source=label,
        ) from None
    df = table.to_pandas()  # string columns become object arrays with None for empty cells
    df.columns = names
    return df if all(pd.api.types.is_object_dtype(t) for t in df.dtypes) else df.astype(object)


def _cp1252_ok(data: bytes) -> bool:
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return False
    return True


def _read_text(text: str, sep: str, names: list[str], label: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.csv as pacsv

    internal = [f"c{i}" for i in range(len(names))]
    try:
        table = pacsv.read_csv(
            pa.BufferReader(text.encode("utf-8")),
            read_options=pacsv.ReadOptions(column_names=internal, skip_rows=1),
            parse_options=pacsv.ParseOptions(delimiter=sep),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.string() for c in internal}, strings_can_be_null=True, null_values=[""]
            ),
        )
    except pa.ArrowInvalid as exc:
        raise DataError(f"{label}: could not be read ({mask_text(str(exc).splitlines()[0])}).", source=label) from None
    df = table.to_pandas()
    df.columns = names
    return df.astype(object)


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


def _read_sheet(p: Path, label: str, sheet_name: str | int, suffix: str) -> pd.DataFrame:
    with p.open("rb") as fh:
        magic = fh.read(8)
    if not magic:
        raise DataError(
            f"{label}: the file is empty. Save the sheet again with a header row and data rows.", source=label
        )
    try:
        raw = pd.read_excel(p, sheet_name=sheet_name, dtype=object, engine="odf" if suffix in _ODS else None)
    except ImportError as exc:
        raise DataError(
            f"{label}: reading {suffix} files needs an extra package ({exc}). Save the sheet as .xlsx or as CSV UTF-8.",
            source=label,
        ) from None
    except (ValueError, KeyError) as exc:
        if "not found" in str(exc) or "Worksheet" in str(exc):
            raise DataError(
                f"{label}: sheet {sheet_name!r} not found ({exc}). Pass sheet_name= with an existing sheet.",
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
    if raw.shape[1] == 0:
        raise DataError(
            f"{label}: sheet {sheet_name!r} is empty. Put the header in row 1 and data below it.", source=label
        )
    raw.columns = ["" if str(c).startswith("Unnamed: ") else str(c) for c in raw.columns]
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
