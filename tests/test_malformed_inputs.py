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
LOADERS: tuple[Loader, ...] = (
    Loader(
        "validate_table",
        _validate_table,
        Base(
            ("gemeentecode", "naam", "aantal", "aandeel"),
            (("GM0363", "Amsterdam", "1234.5", "12.5"), ("GM0518", "Den Haag", "17", "7.25"),
             ("GM0599", "Rotterdam", "3", "0")),
            {"key": "gemeentecode", "code": "gemeentecode", "numeric": "aantal", "share": "aandeel",
             "required": "aantal"},
            decimals=("aantal", "aandeel"),
        ),
        {
            "integer": "validate_table declares key, numeric and share columns only (no whole-number kind)",
            "count": "validate_table declares key, numeric and share columns only (no count kind)",
            "date": _NO_DATES,
            "rows": "validate_table accepts a table without rows (its compatibility contract); the loaders refuse it",
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
            {"key": "wijkcode", "code": "wijkcode", "numeric": "sociale_cohesie", "integer": "jaar",
             "count": "n_respondenten", "share": "perc_huurwoningen", "required": "jaar"},
            decimals=("sociale_cohesie", "veiligheid_ervaren", "perc_huurwoningen"),
        ),
        {"date": _NO_DATES},
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
        {"count": "the policy table has no count column (adoption years: see the integer cases)", "date": _NO_DATES},
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
            {"key": "toewijzingnummer", "code": "gemeentecode", "date": "begindatum", "required": "begindatum"},
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

assert len(CASES) >= 40


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


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
@pytest.mark.parametrize("loader", LOADERS, ids=lambda ld: ld.name)
def test_malformed_input_refused(loader: Loader, case: Case, tmp_path: Path) -> None:
    base = loader.base
    if case.role == "rows":  # not a column: every loader needs data rows unless it declares otherwise
        if "rows" in loader.not_applicable:
            pytest.skip(f"not applicable to {loader.name}: {loader.not_applicable['rows']}")
    elif case.role is not None and case.role not in base.roles:
        reason = loader.not_applicable.get(case.role)
        assert reason, f"{loader.name} declares neither a {case.role!r} column nor why the case does not apply"
        pytest.skip(f"not applicable to {loader.name}: {reason}")
    data = _materialise(case, base, tmp_path)
    with pytest.raises(DataError) as info:
        loader.call(data)
    message = str(info.value)
    if isinstance(data, pd.Series):  # not a table at all: the message says what is expected
        assert "expected the path of a table file" in message, message
    elif isinstance(data, pd.DataFrame):
        assert "DataFrame" in message, message
    else:
        assert data.name in message, message
    if case.names_column and case.role is not None:
        column = base.col(case.role)
        assert f"'{column}'" in message or f'"{column}"' in message, message


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
