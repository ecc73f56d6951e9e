"""Every public loader of a file or user DataFrame refuses the same malformed inputs with a DataError.

One shared list of malformed inputs (:data:`CASES`) is applied to every loader
(:data:`LOADERS`). Each case is a mutation of the loader's own valid base table
(written as a CSV file, or passed as a DataFrame, or replaced by bytes for the
file-level cases). A case that needs a column role the loader does not have
(dates for a table without dates, ...) is skipped with the reason the loader
declares for that role; a role without a declared reason fails the test, so no
case is silently passed. A refused input must raise :class:`jeugdlib.DataError`
(any other exception fails the test) whose message names the file (or
``DataFrame`` for a user frame) and, for column-level cases, the column.

The positive test reads the same table as a plain CSV and as a Dutch Excel
"CSV UTF-8" export (BOM, ``;``, decimal comma, thousands dots, CRLF) with every
loader and expects identical results.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jeugdlib.errors import DataError


# --------------------------------------------------------------------------- loaders and their valid base tables
@dataclass(frozen=True)
class Base:
    """A valid table of one loader: header, text rows and the column playing each role."""

    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    roles: dict[str, str]
    #: values that are numbers with decimals, per column (written with a decimal comma in the Dutch export)
    decimals: tuple[str, ...] = ()

    def col(self, role: str) -> str:
        return self.roles[role]

    def with_cell(self, row: int, column: str, value: str) -> Base:
        j = self.header.index(column)
        rows = [list(r) for r in self.rows]
        rows[row][j] = value
        return replace(self, rows=tuple(tuple(r) for r in rows))

    def without(self, column: str) -> Base:
        j = self.header.index(column)
        return replace(
            self,
            header=self.header[:j] + self.header[j + 1 :],
            rows=tuple(r[:j] + r[j + 1 :] for r in self.rows),
        )

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows), columns=list(self.header), dtype=object)


@dataclass(frozen=True)
class Loader:
    name: str
    call: Callable[[Any], Any]
    base: Base
    #: roles this loader does not have, with the reason (declared applicability)
    not_applicable: dict[str, str] = field(default_factory=dict)


def _validate_table(p: Any) -> pd.DataFrame:
    from jeugdlib.data.validation import read_table, validate_table

    raw, src = read_table(p)
    return validate_table(raw, key="gemeentecode", numeric=["aantal"], shares=["aandeel"], source=src)


def _local_wijk(p: Any) -> pd.DataFrame:
    from jeugdlib.multilevel import load_local_wijk_data

    return load_local_wijk_data(p)


def _policy(p: Any) -> pd.DataFrame:
    from jeugdlib.did import load_policy_table

    return load_policy_table(p)


def _trajectories(p: Any) -> pd.DataFrame:
    from jeugdlib.trajectories import load_trajectories

    return load_trajectories(p)


def _claims(p: Any) -> pd.DataFrame:
    from jeugdlib.trajectories import load_claims

    return load_claims(p)


_NO_DATES = "the table has no date column"
#: roles only the trajectory table has
_ONLY_TRAJECTORIES = {
    "end": "only the trajectory table has an end date that may be empty (still running)",
    "client": "only the trajectory table has a client identifier column",
}
LOADERS: tuple[Loader, ...] = (
    Loader(
        "validate_table",
        _validate_table,
        Base(
            ("gemeentecode", "naam", "aantal", "aandeel"),
            (("GM0363", "Amsterdam", "1234.5", "12.5"), ("GM0518", "Den Haag", "17", "7.25"),
             ("GM0599", "Rotterdam", "3", "0")),
            {"key": "gemeentecode", "code": "gemeentecode", "numeric": "aantal", "share": "aandeel", "text": "naam",
             "required": "aantal"},
            decimals=("aantal", "aandeel"),
        ),
        {
            "integer": "validate_table declares key, numeric and share columns only (no whole-number kind)",
            "count": "validate_table declares key, numeric and share columns only (no count kind)",
            "date": _NO_DATES,
            "rows": "validate_table accepts a table without rows (its compatibility contract); the loaders refuse it",
            **_ONLY_TRAJECTORIES,
        },
    ),
    Loader(
        "multilevel.load_local_wijk_data",
        _local_wijk,
        Base(
            ("wijkcode", "jaar", "wijknaam", "sociale_cohesie", "veiligheid_ervaren", "n_respondenten",
             "perc_huurwoningen"),
            (("WK036300", "2017", "Burgwallen", "6.4", "7.1", "120", "55.5"),
             ("WK036301", "2017", "Grachtengordel", "6.9", "7.4", "95", "48.25"),
             ("WK036302", "2017", "Jordaan", "7.2", "7.0", "101", "61")),
            {"key": "wijkcode", "code": "wijkcode", "numeric": "sociale_cohesie", "integer": "jaar", "text": "wijknaam",
             "count": "n_respondenten", "share": "perc_huurwoningen", "required": "jaar"},
            decimals=("sociale_cohesie", "veiligheid_ervaren", "perc_huurwoningen"),
        ),
        {"date": _NO_DATES, **_ONLY_TRAJECTORIES},
    ),
    Loader(
        "did.load_policy_table",
        _policy,
        Base(
            ("gemeentecode", "jaar_wijkteam", "jaar_poh", "intensiteit_wijkteam"),
            (("GM0363", "2015", "0", "0.64"), ("GM0518", "2016", "2017", "0.5"), ("GM0599", "", "2018", "0.125")),
            {"key": "gemeentecode", "code": "gemeentecode", "numeric": "intensiteit_wijkteam",
             "integer": "jaar_wijkteam", "share": "intensiteit_wijkteam", "required": "gemeentecode"},
            decimals=("intensiteit_wijkteam",),
        ),
        {"count": "the policy table has no count column (adoption years: see the integer cases)", "date": _NO_DATES,
         **_ONLY_TRAJECTORIES},
    ),
    Loader(
        "trajectories.load_trajectories",
        _trajectories,
        Base(
            ("client_id", "gemeentecode", "aanbieder", "toewijzingnummer", "productcategorie", "productcode",
             "begindatum", "einddatum"),
            (("K0001", "GM0363", "Aanbieder A", "T0001", "45", "45A01", "2021-01-04", "2021-06-30"),
             ("K0002", "GM0363", "Aanbieder B", "T0002", "43", "43A01", "2021-02-01", ""),
             ("K0003", "GM0518", "Aanbieder A", "T0003", "54", "54001", "2020-11-15", "2021-03-31")),
            {"key": "toewijzingnummer", "code": "gemeentecode", "date": "begindatum", "required": "begindatum",
             "end": "einddatum", "client": "client_id", "text": "aanbieder"},
        ),
        {
            "numeric": "the trajectory table has no numeric column",
            "integer": "the trajectory table has no numeric column",
            "count": "the trajectory table has no numeric column",
            "share": "the trajectory table has no numeric column",
        },
    ),
    Loader(
        "trajectories.load_claims",
        _claims,
        Base(
            ("toewijzingnummer", "periode_start", "periode_eind", "volume", "eenheid", "tarief", "bedrag"),
            (("T0001", "2021-01-01", "2021-01-31", "10", "04", "1234.5", "12345"),
             ("T0001", "2021-02-01", "2021-02-28", "2.5", "04", "85.5", "213.75"),
             ("T0003", "2021-01-01", "2021-01-31", "31", "14", "210", "6510")),
            {"code": "eenheid", "numeric": "tarief", "date": "periode_start", "required": "bedrag"},
            decimals=("volume", "tarief", "bedrag"),
        ),
        {
            "key": "the claims table has no key column (a toewijzingnummer has many claim lines)",
            "integer": "the claims table declares no whole-number column",
            "count": "the claims table declares no count column (volume is a float column)",
            "share": "the claims table has no share column",
            **_ONLY_TRAJECTORIES,
        },
    ),
)  # fmt: skip


# --------------------------------------------------------------------------- the shared list of malformed inputs
@dataclass(frozen=True)
class Case:
    """One malformed input: ``make(base)`` returns a ``Base`` (written as CSV), a DataFrame, or ``(bytes, suffix)``."""

    name: str
    role: str | None  # the column role it needs (None: a file-level case)
    make: Callable[[Base], Any]
    names_column: bool = True  # the message must name the role's column
    expect: str = "refuse"  # or "accept": a well-formed variant every loader must read
    column: str | None = None  # a column the message must name (cases that add a column)


def cell(role: str, value: str, row: int = 1) -> Callable[[Base], Base]:
    return lambda b: b.with_cell(row, b.col(role), value)


def two_cells(role: str, first: str, second: str) -> Callable[[Base], Base]:
    return lambda b: b.with_cell(0, b.col(role), first).with_cell(1, b.col(role), second)


#: per code column: a code of another kind, and one with too many digits
_OTHER_KIND = {"gemeentecode": "WK036300", "wijkcode": "GM0363", "eenheid": "GM0363"}
_TOO_LONG = {"gemeentecode": "GM12345", "wijkcode": "WK1234567", "eenheid": "0444"}


def code_from(table: dict[str, str]) -> Callable[[Base], Base]:
    return lambda b: b.with_cell(1, b.col("code"), table[b.col("code")])


def _duplicate_key(b: Base) -> Base:
    j = b.header.index(b.col("key"))
    return b.with_cell(1, b.col("key"), b.rows[0][j])


def _dup_header(b: Base) -> Base:
    col = b.col("code")
    return replace(b, header=(*b.header, col), rows=tuple((*r, r[b.header.index(col)]) for r in b.rows))


def _dup_header_case(b: Base) -> Base:
    col = b.col("code")
    other = col.upper().replace("_", " ") if "_" in col else col.upper()
    return replace(b, header=(*b.header, other), rows=tuple((*r, r[b.header.index(col)]) for r in b.rows))


def _header_only(b: Base) -> Base:
    return replace(b, rows=())


def _csv_text(b: Base, sep: str = ",") -> str:
    out = io.StringIO()
    w = csv.writer(out, delimiter=sep, lineterminator="\n")
    w.writerow(b.header)
    w.writerows(b.rows)
    return out.getvalue()


def _raw_text(b: Base, edit: Callable[[list[str]], list[str]]) -> tuple[bytes, str]:
    lines = _csv_text(b).splitlines()
    return ("\n".join(edit(lines)) + "\n").encode("utf-8"), ".csv"


def _df_with(role: str, value: Any) -> Callable[[Base], pd.DataFrame]:
    def make(b: Base) -> pd.DataFrame:
        df = b.frame()
        df[b.col(role)] = df[b.col(role)].astype(object)
        df.loc[1, b.col(role)] = value
        return df

    return make


def _df_numeric_inf(b: Base) -> pd.DataFrame:
    df = b.frame()
    values = pd.to_numeric(df[b.col("numeric")])
    values.iloc[1] = np.inf
    df[b.col("numeric")] = values
    return df


_RNG = np.random.default_rng(10)
_GARBAGE = bytes(_RNG.integers(0, 256, 4096, dtype=np.uint8))

CASES: tuple[Case, ...] = (
    # numbers
    Case("mixed decimal comma and point", "numeric", two_cells("numeric", "0,5", "0.25")),
    Case("inf string", "numeric", cell("numeric", "inf")),
    Case("-inf string", "numeric", cell("numeric", "-inf")),
    Case("nan string", "numeric", cell("numeric", "nan")),
    Case("NaN string", "numeric", cell("numeric", "NaN")),
    Case("Infinity string", "numeric", cell("numeric", "Infinity")),
    Case("text in a numeric column", "numeric", cell("numeric", "hoog")),
    Case("percent sign", "numeric", cell("numeric", "12 %")),
    Case("euro sign", "numeric", cell("numeric", "€ 12")),
    Case("two decimal commas", "numeric", cell("numeric", "1,2,3")),
    Case(
        "ambiguous dot thousands in a ',' file",
        "numeric",
        lambda b: two_cells("numeric", "12.345", "1.234")(b).with_cell(2, b.col("numeric"), "987"),
    ),
    Case("overflowing number 1e400", "numeric", cell("numeric", "1e400")),
    Case("400 nines", "numeric", cell("numeric", "9" * 400)),
    Case("DataFrame with inf", "numeric", _df_numeric_inf),
    Case("DataFrame with mixed separators", "numeric", lambda b: two_cells("numeric", "0,5", "0.25")(b).frame()),
    # whole numbers
    Case("year 2022.7", "integer", cell("integer", "2022.7")),
    Case("year 2022,7", "integer", cell("integer", "2022,7")),
    Case("year as text", "integer", cell("integer", "twintig")),
    Case("negative year", "integer", cell("integer", "-2015")),
    Case("DataFrame year 2022.7", "integer", _df_with("integer", 2022.7)),
    Case("negative count", "count", cell("count", "-5")),
    Case("fractional count", "count", cell("count", "2.5")),
    # shares
    Case("share 150", "share", cell("share", "150")),
    Case("negative share", "share", cell("share", "-1")),
    # dates
    Case("date 'today'", "date", cell("date", "today")),
    Case("date 'now'", "date", cell("date", "now")),
    Case("date 'gisteren'", "date", cell("date", "gisteren")),
    Case("ambiguous date 01-02-21", "date", cell("date", "01-02-21")),
    Case("impossible date 2021-02-30", "date", cell("date", "2021-02-30")),
    Case("US order 12/31/2021", "date", cell("date", "12/31/2021")),
    Case("bare year as date", "date", cell("date", "2021")),
    Case("Excel serial number as date", "date", cell("date", "44197")),
    Case("month 13", "date", cell("date", "2021-13-01")),
    Case("open end 9999-12-31", "date", cell("date", "9999-12-31")),
    Case("date with a time-zone offset", "date", cell("date", "2021-01-05T00:00:00+01:00")),
    # codes
    Case("bad code XX12", "code", cell("code", "XX12")),
    Case("code with too many digits", "code", code_from(_TOO_LONG)),
    Case("code of another kind", "code", code_from(_OTHER_KIND)),
    Case("code as a name", "code", cell("code", "Amsterdam")),
    Case("code 363.5", "code", cell("code", "363.5")),
    Case("code with Arabic-Indic digits", "code", cell("code", "٣٦٣")),
    Case("code with fullwidth digits", "code", cell("code", "３６３")),
    # keys and columns
    Case("duplicate key", "key", _duplicate_key),
    Case("empty key", "key", cell("key", "")),
    Case("missing required column", "required", lambda b: b.without(b.col("required"))),
    Case("duplicate header", "code", _dup_header),
    Case("duplicate header after normalisation", "code", _dup_header_case),
    Case("header only", "rows", _header_only, names_column=False),
    # files
    Case("empty file", None, lambda b: (b"", ".csv"), names_column=False),
    Case("blank file with BOM", None, lambda b: ("\ufeff \r\n\r\n".encode(), ".csv"), names_column=False),
    Case("binary garbage", None, lambda b: (b"\x00\x01" + _GARBAGE, ".csv"), names_column=False),
    Case(
        "bytes that are neither UTF-8 nor Windows-1252",
        None,
        lambda b: (_csv_text(b).encode() + bytes([0x81, 0x8D, 0x8F, 0x90]) * 3 + b"\n", ".csv"),
        names_column=False,
    ),
    Case("UTF-16 text", None, lambda b: (_csv_text(b).encode("utf-16"), ".csv"), names_column=False),
    Case("unsupported extension", None, lambda b: (_csv_text(b).encode(), ".json"), names_column=False),
    Case("zip archive named .csv", None, lambda b: (b"PK\x03\x04" + _GARBAGE, ".csv"), names_column=False),
    Case("corrupt Excel file", None, lambda b: (_GARBAGE, ".xlsx"), names_column=False),
    Case("corrupt parquet file", None, lambda b: (_GARBAGE, ".parquet"), names_column=False),
    Case(
        "row with an extra field",
        None,
        lambda b: _raw_text(b, lambda ls: [*ls[:2], ls[2] + ",x", *ls[3:]]),
        names_column=False,
    ),
    Case("missing file", None, lambda b: None, names_column=False),
    Case(
        "file starting with an empty line", None, lambda b: (b"\n" + _csv_text(b).encode(), ".csv"), names_column=False
    ),
    Case(
        "row with a missing field",
        None,
        lambda b: _raw_text(b, lambda ls: [*ls[:2], ls[2].rsplit(",", 1)[0], *ls[3:]]),
        names_column=False,
    ),
    Case(
        "stray quote joining rows",
        None,
        lambda b: _raw_text(b, lambda ls: [ls[0], ls[1].replace(",", ',"', 1), ls[2] + '"', *ls[3:]]),
        names_column=False,
    ),
    Case(
        "header only without a final line break",
        "rows",
        lambda b: (_csv_text(b).splitlines()[0].encode(), ".csv"),
        names_column=False,
    ),
    Case(
        "unnamed column holding data",
        None,
        lambda b: _raw_text(b, lambda ls: [",".join(["", ls[0]]), *(f"x{i},{v}" for i, v in enumerate(ls[1:]))]),
        names_column=False,
    ),
    Case("a Series instead of a table", None, lambda b: b.frame().iloc[:, 0], names_column=False),
    Case("a list cell in a DataFrame", "code", _df_with("code", ["GM0363"])),
)


# --------------------------------------------------------------------------- identifiers, and inputs that must be read
def _elfproef(nine: str) -> bool:
    """The BSN 11-test written out (independent of jeugdlib.io.identifiers)."""
    return (sum(int(d) * w for d, w in zip(nine[:8], range(9, 1, -1))) - int(nine[8])) % 11 == 0 and int(nine) > 0


def _bsns(n: int, digits: int, start: int) -> list[str]:
    out, v = [], start
    while len(out) < n:
        if _elfproef(str(v).zfill(9)):
            out.append(str(v))
        v += 7919
    return out


_BSN9 = _bsns(3, 9, 111_222_333)
_BSN8 = _bsns(3, 8, 12_345_678)  # a BSN with its leading zero lost
_BSN_FORMATS: dict[str, list[str]] = {
    "9 digits": _BSN9,
    "8 digits (leading zero lost)": _BSN8,
    "10 digits (zero padded)": ["0" + b for b in _BSN9],
    "123-45-678": [f"{b[:3]}-{b[3:5]}-{b[5:]}" for b in _BSN8],
    "123.456.782": [f"{b[:3]}.{b[3:6]}.{b[6:]}" for b in _BSN9],
    "123 456 782": [f"{b[:3]} {b[3:6]} {b[6:]}" for b in _BSN9],
    "123_456_782": [f"{b[:3]}_{b[3:6]}_{b[6:]}" for b in _BSN9],
    "BSN 123456782": [f"BSN {b}" for b in _BSN9],
    "12 34 56 782": [f"{b[:2]} {b[2:4]} {b[4:6]} {b[6:]}" for b in _BSN9],
}


def with_column(name: str, values: list[str]) -> Callable[[Base], Base]:
    """The base table with one more column (one value per row)."""
    return lambda b: replace(b, header=(*b.header, name), rows=tuple((*r, v) for r, v in zip(b.rows, values)))


def _df_extra(name: str, values: list[Any]) -> Callable[[Base], pd.DataFrame]:
    return lambda b: b.frame().assign(**{name: values})


def _bytes_of(b: Base, *, bom: bool = False, crlf: bool = False, encoding: str = "utf-8") -> tuple[bytes, str]:
    text = _csv_text(b).replace("\n", "\r\n") if crlf else _csv_text(b)
    return ("\ufeff" if bom else "").encode("utf-8") + text.encode(encoding), ".csv"


def _spreadsheet(b: Base | pd.DataFrame, suffix: str) -> tuple[bytes, str]:
    frame = b if isinstance(b, pd.DataFrame) else b.frame()
    out = io.BytesIO()
    if suffix == ".parquet":
        frame.to_parquet(out, index=False)
    else:
        frame.to_excel(out, index=False)
    return out.getvalue(), suffix


def _empty_column(role: str) -> Callable[[Base], Base]:
    def make(b: Base) -> Base:
        j = b.header.index(b.col(role))
        return replace(b, rows=tuple((*r[:j], "", *r[j + 1 :]) for r in b.rows))

    return make


def _free_text(value: str) -> Callable[[Base], Base]:
    """``value`` in the table's free-text column (role "text"), or in an added column 'toelichting'."""

    def make(b: Base) -> Base:
        if "text" in b.roles:
            return b.with_cell(0, b.col("text"), value)
        return with_column("toelichting", [value, "tekst", ""])(b)

    return make


def _repeated_header(b: Base) -> Base:
    return replace(b, rows=(*b.rows[:2], tuple(b.header), *b.rows[2:]))


_FORMULAS = ('=HYPERLINK("http://example.org","klik")', "+31 6 12345678", "@SUM(A1:A3)", "-2+3", "=1+1")

EXTRA_CASES: tuple[Case, ...] = (
    # BSN columns, in every format, in every loader (the message names the column; the value is masked)
    *(Case(f"BSN column: {fmt}", None, with_column("bsn", values), column="bsn")
      for fmt, values in _BSN_FORMATS.items()),
    Case("BSN column under another name", None, with_column("Volgnummer", _BSN9), column="Volgnummer"),
    Case("BSN column as DataFrame integers", None, _df_extra("bsn", [int(v) for v in _BSN9]), column="bsn"),
    Case("BSN column as DataFrame floats", None, _df_extra("bsn", [float(v) for v in _BSN9]), column="bsn"),
    Case("BSN column in an Excel file", None, lambda b: _spreadsheet(with_column("bsn", _BSN9)(b), ".xlsx"),
         column="bsn"),
    Case("BSN column in a parquet file", None,
         lambda b: _spreadsheet(_df_extra("bsn", [int(v) for v in _BSN9])(b), ".parquet"), column="bsn"),
    *(Case(f"BSN as client_id: {fmt}", "client", cell("client", values[0])) for fmt, values in _BSN_FORMATS.items()),
    # numbers, years and dates the review found accepted
    Case("12,5 mixed with 13.5", "numeric", two_cells("numeric", "12,5", "13.5")),
    Case("number with underscores 1_000", "numeric", cell("numeric", "1_000")),
    Case("hex number 0x10", "numeric", cell("numeric", "0x10")),
    Case("unicode minus", "numeric", cell("numeric", "\u22125")),
    Case("number in brackets (5)", "numeric", cell("numeric", "(5)")),
    Case("number with a no-break space", "numeric", cell("numeric", "12\u00a0000")),
    Case("TRUE in a numeric column", "numeric", cell("numeric", "TRUE")),
    Case("year 2022.5", "integer", cell("integer", "2022.5")),
    Case("year with fullwidth digits", "integer", cell("integer", "\uff12\uff10\uff11\uff15")),
    Case("date 'TODAY'", "date", cell("date", "TODAY")),
    Case("date 'vandaag'", "date", cell("date", "vandaag")),
    Case("date without zero padding 2021-1-4", "date", cell("date", "2021-1-4")),
    Case("date d-m-Y 04-01-2021", "date", cell("date", "04-01-2021")),
    Case("date with an en dash", "date", cell("date", "2021\u201301\u201304")),
    Case("date before 1678", "date", cell("date", "1600-01-01")),
    Case("ISO week date", "date", cell("date", "2021-W01-1")),
    Case("code GM-0363", "code", cell("code", "GM-0363")),
    Case("header repeated in the data", None, _repeated_header, names_column=False),
    Case("NUL byte in a cell", None, lambda b: (_csv_text(b).replace("\n", "\x00\n", 2).encode(), ".csv"),
         names_column=False),
    # well-formed variants every loader must read (refusing them is a failure too)
    Case("UTF-8 CSV with BOM", None, lambda b: _bytes_of(b, bom=True), expect="accept"),
    Case("UTF-8 CSV with BOM and CRLF", None, lambda b: _bytes_of(b, bom=True, crlf=True), expect="accept"),
    Case("Windows-1252 CSV", None, lambda b: _bytes_of(_free_text("café één ö")(b), encoding="cp1252"),
         expect="accept"),
    Case("Dutch Excel CSV export (BOM, ';', decimal comma)", None, lambda b: (_dutch_excel_csv(b), ".csv"),
         expect="accept"),
    *(Case(f"formula text {f!r} in a text column", None, _free_text(f), expect="accept") for f in _FORMULAS),
    Case("trailing separators", None, lambda b: _raw_text(b, lambda ls: [ln + "," for ln in ls]), expect="accept"),
    Case("pandas index column", None, lambda b: (b.frame().to_csv().encode(), ".csv"), expect="accept"),
    Case("empty lines between rows", None, lambda b: _raw_text(b, lambda ls: [ls[0], "", ls[1], "", *ls[2:]]),
         expect="accept"),
    Case("Title Case headers", None, lambda b: replace(b, header=tuple(h.replace("_", " ").title() for h in b.header)),
         expect="accept"),
    Case("spaces around codes", "code", lambda b: b.with_cell(1, b.col("code"), f"  {b.frame()[b.col('code')][1]} "),
         expect="accept"),
    Case("an Excel file", None, lambda b: _spreadsheet(b, ".xlsx"), expect="accept"),
    Case("a parquet file", None, lambda b: _spreadsheet(b, ".parquet"), expect="accept"),
    Case("9-digit numbers failing the 11-test", None, with_column("nummer", [str(int(v) + 1) for v in _BSN9]),
         expect="accept"),
    Case("all-empty einddatum (every trajectory running)", "end", _empty_column("end"), expect="accept"),
)  # fmt: skip

CASES = CASES + EXTRA_CASES
assert len(CASES) >= 100


def _materialise(case: Case, base: Base, tmp_path: Path) -> Any:
    """The input of ``case`` for a loader: a path or a DataFrame."""
    made = case.make(base)
    if made is None:
        return tmp_path / "bestaat_niet.csv"
    if isinstance(made, (pd.DataFrame, pd.Series)):
        return made
    if isinstance(made, tuple):
        content, suffix = made
        p = tmp_path / f"invoer{suffix}"
        p.write_bytes(content)
        return p
    p = tmp_path / "invoer.csv"
    p.write_text(_csv_text(made), encoding="utf-8")
    return p


@pytest.mark.parametrize("loader", LOADERS, ids=lambda ld: ld.name)
def test_base_tables_are_valid(loader: Loader, tmp_path: Path) -> None:
    """The base tables load: each malformed case differs from a valid input by its mutation only."""
    p = tmp_path / "basis.csv"
    p.write_text(_csv_text(loader.base), encoding="utf-8")
    out = loader.call(p)
    out = getattr(out, "table", out)
    assert len(out) == len(loader.base.rows)
    assert len(loader.call(loader.base.frame())) == len(loader.base.rows)


# --------------------------------------------------------------------------- every case, every loader, every CLI flag
@dataclass(frozen=True)
class Outcome:
    """What one loader (or CLI flag) did with one case."""

    where: str  # loader name, or "cli --flag"
    case: str
    expect: str  # "refuse" or "accept"
    kind: str  # "clean refusal", "accepted", "traceback", "silent acceptance", "unclear refusal", "wrong refusal"
    detail: str = ""

    @property
    def ok(self) -> bool:
        return self.kind in ("clean refusal", "accepted")


class _Rendered(BaseException):
    """Raised in place of rendering: the CLI accepted its input files."""


#: CLI flag of each loader that has one
CLI_FLAGS = {
    "multilevel.load_local_wijk_data": "--local-data",
    "did.load_policy_table": "--policy",
    "trajectories.load_trajectories": "--trajectories",
    "trajectories.load_claims": "--claims",
}

#: flags that need another file beside them (the report uses claims only with their trajectories)
CLI_COMPANIONS = {"--claims": "trajectories.load_trajectories"}


def _applicable(loader: Loader, case: Case) -> bool:
    if case.role == "rows":
        return "rows" not in loader.not_applicable
    if case.role is not None and case.role not in loader.base.roles:
        assert loader.not_applicable.get(case.role), (
            f"{loader.name} declares neither a {case.role!r} column nor why {case.name!r} does not apply"
        )
        return False
    return True


def _names_what_it_should(message: str, *, data: Any, loader: Loader, case: Case) -> str:
    """'' when a refusal message names the source (and the column of a column case); else what is missing."""
    if isinstance(data, pd.Series):
        return "" if "expected the path of a table file" in message else "does not say a table is expected"
    source = "DataFrame" if isinstance(data, pd.DataFrame) else Path(data).name
    if source not in message:
        return f"does not name {source}"
    column = case.column or (
        loader.base.col(case.role) if case.names_column and case.role in loader.base.roles else None
    )
    if column and f"'{column}'" not in message and f'"{column}"' not in message:
        return f"does not name column {column!r}"
    return ""


def _classify(case: Case, run: Callable[[], Any], check: Callable[[str], str]) -> tuple[str, str]:
    try:
        run()
    except DataError as exc:
        msg = str(exc)
        if "Traceback" in msg:
            return "traceback", msg[:200]
        if case.expect == "accept":
            return "wrong refusal", msg[:300]
        missing = check(msg)
        return ("unclear refusal", f"{missing}: {msg[:300]}") if missing else ("clean refusal", "")
    except _Rendered:
        pass
    except Exception as exc:  # noqa: BLE001 - any other exception is a traceback for the user
        return "traceback", f"{type(exc).__name__}: {str(exc)[:200]}"
    return ("accepted", "") if case.expect == "accept" else ("silent acceptance", "")


def loader_outcomes(tmp_path: Path) -> list[Outcome]:
    """Run every applicable case through every loader."""
    out = []
    for loader in LOADERS:
        for i, case in enumerate(CASES):
            if not _applicable(loader, case):
                continue
            folder = tmp_path / f"l{LOADERS.index(loader)}_{i}"
            folder.mkdir(parents=True)
            data = _materialise(case, loader.base, folder)
            kind, detail = _classify(
                case, partial(loader.call, data), partial(_names_what_it_should, data=data, loader=loader, case=case)
            )
            out.append(Outcome(loader.name, case.name, case.expect, kind, detail))
    return out


def cli_outcomes(tmp_path: Path) -> list[Outcome]:
    """Run every file case through ``jeugdlib report --region JZ24 --<flag> <file>`` (rendering replaced)."""
    import contextlib

    from jeugdlib.cli import main

    out = []
    for loader in LOADERS:
        flag = CLI_FLAGS.get(loader.name)
        if flag is None:
            continue
        for i, case in enumerate(CASES):
            if not _applicable(loader, case):
                continue
            folder = tmp_path / f"c{LOADERS.index(loader)}_{i}"
            folder.mkdir(parents=True)
            data = _materialise(case, loader.base, folder)
            if isinstance(data, (pd.DataFrame, pd.Series)):  # not a file: no CLI case
                continue
            err = io.StringIO()
            argv = ["report", "--region", "JZ24", "--out", str(folder / "out"), flag, str(data)]
            if flag in CLI_COMPANIONS:  # claims are read beside their trajectories: give a valid one
                companion = next(ld for ld in LOADERS if ld.name == CLI_COMPANIONS[flag])
                (folder / "trajecten.csv").write_text(_csv_text(companion.base), encoding="utf-8")
                argv += [CLI_FLAGS[companion.name], str(folder / "trajecten.csv")]
            try:
                with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
                    code = main(argv)
            except _Rendered:  # the files were accepted
                kind, detail = ("accepted", "") if case.expect == "accept" else ("silent acceptance", "")
            except Exception as exc:  # noqa: BLE001 - escaped main(): a traceback for the user
                kind, detail = "traceback", f"{type(exc).__name__}: {str(exc)[:200]}"
            else:
                stderr = err.getvalue()
                if code != 2 or "Traceback" in stderr:
                    kind, detail = "traceback", f"exit {code}: {stderr[:300]}"
                elif case.expect == "accept":
                    kind, detail = "wrong refusal", stderr[:300]
                elif Path(data).name not in stderr:
                    kind, detail = "unclear refusal", stderr[:300]
                else:
                    kind, detail = "clean refusal", ""
            out.append(Outcome(f"cli {flag}", case.name, case.expect, kind, detail))
    return out


def summary(outcomes: list[Outcome]) -> str:
    """One line with the counts the issue asks for."""
    kinds = ("clean refusal", "accepted", "traceback", "silent acceptance", "unclear refusal", "wrong refusal")
    count = {k: sum(o.kind == k for o in outcomes) for k in kinds}
    n_cli = sum(o.where.startswith("cli") for o in outcomes)
    return (
        f"malformed inputs: {len(outcomes)} cases ({len(outcomes) - n_cli} loader, {n_cli} CLI): "
        f"{count['clean refusal']} clean refusals, {count['accepted']} well-formed variants accepted, "
        f"{count['traceback']} tracebacks, {count['silent acceptance']} silent acceptances, "
        f"{count['unclear refusal']} refusals not naming file/column, {count['wrong refusal']} wrong refusals"
    )


@pytest.fixture
def no_rendering(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI validates its files, then would fit models and start kernels: stop it there (files accepted)."""
    from jeugdlib import reports

    def rendered(*args: Any, **kwargs: Any) -> None:
        raise _Rendered

    monkeypatch.setattr(reports, "_execute", rendered)


def test_malformed_inputs_across_loaders_and_cli(tmp_path: Path, no_rendering: None) -> None:
    """>= 300 cases: every one refused cleanly (DataError naming file and column; CLI exit 2) or, for the
    well-formed variants, accepted; 0 tracebacks and 0 silent acceptances. ``pytest -s`` prints the counts."""
    outcomes = loader_outcomes(tmp_path / "loaders") + cli_outcomes(tmp_path / "cli")
    print("\n" + summary(outcomes))
    bad = [o for o in outcomes if not o.ok]
    assert len(outcomes) >= 300
    assert not bad, "\n".join(f"{o.where} / {o.case}: {o.kind} {o.detail}" for o in bad[:40])


# --------------------------------------------------------------------------- one Dutch Excel export, read the same way
def _dutch_excel_csv(b: Base) -> bytes:
    """What Excel's 'CSV UTF-8' writes in a Dutch locale: BOM, ';', decimal comma, thousands dots, CRLF."""

    def nl(column: str, value: str) -> str:
        if column not in b.decimals or not value:
            return value
        number = float(value)
        text = f"{number:,.6f}".rstrip("0").rstrip(".")
        return text.replace(",", "_").replace(".", ",").replace("_", ".")

    out = io.StringIO()
    w = csv.writer(out, delimiter=";", lineterminator="\r\n")
    w.writerow(b.header)
    w.writerows([nl(c, v) for c, v in zip(b.header, r)] for r in b.rows)
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


@pytest.mark.parametrize("loader", LOADERS, ids=lambda ld: ld.name)
def test_dutch_excel_csv_read_like_plain_csv(loader: Loader, tmp_path: Path) -> None:
    plain = tmp_path / "gewoon.csv"
    plain.write_text(_csv_text(loader.base), encoding="utf-8")
    dutch = tmp_path / "excel_nl.csv"
    dutch.write_bytes(_dutch_excel_csv(loader.base))
    assert b";" in dutch.read_bytes() and (not loader.base.decimals or b"," in dutch.read_bytes().split(b"\r\n", 1)[1])
    a, b = loader.call(plain), loader.call(dutch)
    a, b = getattr(a, "table", a), getattr(b, "table", b)
    pd.testing.assert_frame_equal(a, b)
    for c in loader.base.decimals:  # and the numbers are the plain CSV's numbers
        expected = [float(v) if v else np.nan for v in (r[loader.base.header.index(c)] for r in loader.base.rows)]
        np.testing.assert_array_equal(b[c].to_numpy(dtype=float), np.asarray(expected))


# --------------------------------------------------------------------------- header spelling never decides a check
def _spelled(b: Base) -> Base:
    """The same table with headers as people type them: 'Jaar Wijkteam', 'Perc Huurwoningen'."""
    return replace(b, header=tuple(h.replace("_", " ").title() for h in b.header))


def _keyed(df: Any) -> pd.DataFrame:
    from jeugdlib.io import header_key

    df = getattr(df, "table", df)
    return df.set_axis([header_key(c) for c in df.columns], axis=1)


@pytest.mark.parametrize("loader", LOADERS, ids=lambda ld: ld.name)
def test_header_spelling_read_the_same(loader: Loader, tmp_path: Path) -> None:
    plain, spelled = tmp_path / "plain.csv", tmp_path / "spelled.csv"
    plain.write_text(_csv_text(loader.base), encoding="utf-8")
    spelled.write_text(_csv_text(_spelled(loader.base)), encoding="utf-8")
    assert _spelled(loader.base).header != loader.base.header
    pd.testing.assert_frame_equal(_keyed(loader.call(plain)), _keyed(loader.call(spelled)))


_SPELLED_CASES = (
    Case("year as text", "integer", cell("integer", "twintig")),
    Case("share 150", "share", cell("share", "150")),
    Case("text in a numeric column", "numeric", cell("numeric", "hoog")),
    Case("bad code XX12", "code", cell("code", "XX12")),
)


@pytest.mark.parametrize("case", _SPELLED_CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("loader", LOADERS, ids=lambda ld: ld.name)
def test_checks_apply_whatever_the_header_spelling(loader: Loader, case: Case, tmp_path: Path) -> None:
    if case.role not in loader.base.roles:
        assert loader.not_applicable.get(case.role), f"{loader.name}: {case.role!r} neither declared nor excused"
        pytest.skip(f"not applicable to {loader.name}: {loader.not_applicable[case.role]}")
    p = tmp_path / "spelled.csv"
    p.write_text(_csv_text(_spelled(case.make(loader.base))), encoding="utf-8")
    with pytest.raises(DataError) as info:
        loader.call(p)
    assert f"'{loader.base.col(case.role)}'" in str(info.value), str(info.value)


if __name__ == "__main__":  # python tests/test_malformed_inputs.py: the counts for the closing note
    import tempfile

    from jeugdlib import reports

    def _stop(*args: Any, **kwargs: Any) -> None:
        raise _Rendered

    reports._execute = _stop
    with tempfile.TemporaryDirectory() as tmp:
        results = loader_outcomes(Path(tmp) / "loaders") + cli_outcomes(Path(tmp) / "cli")
    print(summary(results))
    for o in results:
        if not o.ok:
            print(f"  {o.where} / {o.case}: {o.kind} {o.detail}")
