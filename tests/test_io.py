"""The input layer jeugdlib.io: reading, codes, numbers, dates, schemas and messages."""

from __future__ import annotations

import io
import re
import time

import numpy as np
import pandas as pd
import pytest

from jeugdlib.io import (
    Column,
    DataError,
    Schema,
    format_rows,
    normalise_code,
    parse_dates,
    parse_numeric,
    read_table,
)


def num(values, **kw):
    return parse_numeric(pd.Series(values, dtype=object), column="waarde", source="f.csv", **kw)


# --------------------------------------------------------------------------- reading
def test_dutch_excel_csv_utf8(tmp_path):
    """Excel's 'CSV UTF-8' in a Dutch locale: BOM, ';', decimal comma, dot thousands."""
    p = tmp_path / "excel.csv"
    p.write_bytes("\ufeffgemeentecode;aantal;bedrag\r\nGM0363;12;1.234,5\r\n363;7;12,5\r\n".encode())
    df, src = read_table(p)
    assert list(df.columns) == ["gemeentecode", "aantal", "bedrag"]  # the BOM does not hide the first header
    assert src == str(p)
    assert num(df["bedrag"]).tolist() == [1234.5, 12.5]
    assert normalise_code(df["gemeentecode"], "gemeente", column="gemeentecode", source=src).tolist() == [
        "GM0363",
        "GM0363",
    ]


def test_plain_csv_and_comma_separator(tmp_path):
    p = tmp_path / "plain.csv"
    p.write_text('gemeentecode,naam,bedrag\nGM0363,"Amsterdam, centrum",1234.5\n', encoding="utf-8")
    df, _ = read_table(p)
    assert df.loc[0, "naam"] == "Amsterdam, centrum"
    assert num(df["bedrag"]).tolist() == [1234.5]


def test_separator_sniffed_outside_quotes(tmp_path):
    p = tmp_path / "q.csv"
    p.write_text('"a,b";"c,d"\n1;2\n', encoding="utf-8")
    df, _ = read_table(p)
    assert list(df.columns) == ["a,b", "c,d"]


def test_latin1_file_read(tmp_path):
    p = tmp_path / "latin.csv"
    p.write_bytes("gemeentecode;aantal cliënten;toelichting\nGM0363;5;€ per cliënt\n".encode("cp1252"))
    df, _ = read_table(p)
    assert list(df.columns) == ["gemeentecode", "aantal cliënten", "toelichting"]
    assert df.loc[0, "toelichting"] == "€ per cliënt"


def test_latin1_after_64kb_of_ascii(tmp_path):
    p = tmp_path / "late.csv"
    body = "a;b\n" + "x;1\n" * 20000 + "cliënt;2\n"
    p.write_bytes(body.encode("latin-1"))
    df, _ = read_table(p)
    assert df["a"].iloc[-1] == "cliënt" and len(df) == 20001


def test_non_text_encoding_refused(tmp_path):
    p = tmp_path / "weird.csv"
    p.write_bytes(b"a;b\n" + bytes([0x81, 0x8D, 0x8F]) * 5 + b";1\n")  # undefined in Windows-1252
    with pytest.raises(DataError, match="CSV UTF-8"):
        read_table(p)


def test_missing_cells_are_none_and_tokens_stay_text(tmp_path):
    p = tmp_path / "m.csv"
    p.write_text('a,b\n,NA\n"",nan\n', encoding="utf-8")
    df, _ = read_table(p)
    assert df["a"].isna().all()
    assert df["b"].tolist() == ["NA", "nan"]  # not silently missing: the numeric parser refuses them


@pytest.mark.parametrize(
    "name,content,pattern",
    [
        ("empty.csv", b"", "is empty"),
        ("blank.csv", b"\xef\xbb\xbf  \n", "is empty"),
        ("binary.csv", bytes(range(256)) * 4, "binary"),
        ("dup.csv", b"jaar,Jaar\n1,2\n", "duplicate column names"),
        ("dup2.csv", b"gemeente code;gemeente_code\n1;2\n", "duplicate column names"),
        ("ragged.csv", b"a,b\n1,2,3\n", "as many fields as the header"),
        ("zip.csv", b"PK\x03\x04rest", "zipped"),
        ("table.json", b"{}", "unsupported file type '.json'"),
    ],
)
def test_unreadable_files_refused(tmp_path, name, content, pattern):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(DataError, match=pattern) as info:
        read_table(p)
    assert str(p) in str(info.value)


def test_missing_file(tmp_path):
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "nope.csv")


def test_header_only_gives_empty_frame(tmp_path):
    p = tmp_path / "h.csv"
    p.write_text("gemeentecode;waarde\n", encoding="utf-8")
    df, src = read_table(p)
    assert df.shape == (0, 2)
    schema = Schema("t", [Column("gemeentecode", "code:gemeente")])
    with pytest.raises(DataError, match="0 data rows"):
        schema.validate(df, src)
    assert Schema("t", [Column("gemeentecode", "code:gemeente")], min_rows=0).validate(df, src).empty


def test_trailing_empty_columns_and_row_numbers_dropped_other_unnamed_refused(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text("a;b;\n1;2;\n", encoding="utf-8")
    assert list(read_table(p)[0].columns) == ["a", "b"]
    p.write_text(',"a","b"\n"1",2,3\n"2",4,5\n', encoding="utf-8")  # R's write.csv: row numbers 1, 2, ...
    df, _ = read_table(p)
    assert list(df.columns) == ["a", "b"] and df.iloc[0].tolist() == ["2", "3"]
    frame = pd.DataFrame({"a": ["x", "y"], "b": [1, 2]})
    frame.to_csv(tmp_path / "pandas.csv")  # pandas' index 0, 1, ...
    for data in (tmp_path / "pandas.csv", pd.read_csv(tmp_path / "pandas.csv")):  # header '' or 'Unnamed: 0'
        assert list(read_table(data)[0].columns) == ["a", "b"]
    p.write_text(",a,b\n7,2,3\n9,4,5\n", encoding="utf-8")  # data without a header: refused, not guessed
    with pytest.raises(DataError, match=r"column 1 has no header but holds data \('7', '9' at file lines \[2, 3\]"):
        read_table(p)
    with pytest.raises(DataError, match="column 1 has no header"):
        read_table(pd.DataFrame({"Unnamed: 0": [7, 9], "a": [1, 2]}))


def test_excel_ods_parquet_same_values(tmp_path):
    df = pd.DataFrame(
        {
            "gemeentecode": ["GM0518", "GM0599"],
            "waarde": [1.5, 2.0],
            "datum": pd.to_datetime(["2021-01-31", "2021-02-28"]),
        }
    )
    df.to_excel(tmp_path / "a.xlsx", index=False)
    df.to_excel(tmp_path / "a.ods", index=False, engine="odf")
    df.to_parquet(tmp_path / "a.parquet")
    df.to_csv(tmp_path / "a.csv", index=False, sep=";", decimal=",", date_format="%Y-%m-%d")
    for name in ("a.xlsx", "a.ods", "a.parquet", "a.csv"):
        raw, src = read_table(tmp_path / name)
        assert num(raw["waarde"]).tolist() == [1.5, 2.0], name
        assert parse_dates(raw["datum"], column="datum", source=src).tolist() == list(df.datum), name
        assert raw["gemeentecode"].tolist() == ["GM0518", "GM0599"], name


def test_excel_sheet_name_and_missing_sheet(tmp_path):
    p = tmp_path / "s.xlsx"
    with pd.ExcelWriter(p) as w:
        pd.DataFrame({"a": [1]}).to_excel(w, sheet_name="eerste", index=False)
        pd.DataFrame({"b": [2]}).to_excel(w, sheet_name="tweede", index=False)
    assert list(read_table(p, sheet_name="tweede")[0].columns) == ["b"]
    with pytest.raises(DataError, match="sheet 'derde' not found"):
        read_table(p, sheet_name="derde")


def test_corrupt_spreadsheet_and_parquet(tmp_path):
    for name in ("bad.xlsx", "bad.parquet", "bad.ods"):
        (tmp_path / name).write_bytes(b"not really a file at all")
        with pytest.raises(DataError, match="could not be read"):
            read_table(tmp_path / name)


def test_dataframe_passes_through_as_copy():
    df = pd.DataFrame({" Gemeentecode\ufeff": ["GM0363"], "x": [1]})
    out, src = read_table(df)
    assert src == "<DataFrame>" and list(out.columns) == ["Gemeentecode", "x"]
    out.loc[0, "x"] = 5
    assert df.loc[0, "x"] == 1
    assert read_table(df, source="mijn tabel")[1] == "mijn tabel"


# --------------------------------------------------------------------------- codes
@pytest.mark.parametrize("value", ["GM0363", "gm0363", "GM363", "363", " GM 0363 ", "Gm 363", 363, 363.0, "363.0"])
def test_gemeentecode_forms(value):
    assert normalise_code(pd.Series([value], dtype=object), "gemeente", column="c", source="s").tolist() == ["GM0363"]


@pytest.mark.parametrize(
    "kind,value,expected",
    [
        ("wijk", "wk36300", "WK036300"),
        ("wijk", 36300, "WK036300"),
        ("jeugdregio", "jz1", "JZ01"),
        ("jeugdregio", "JZ24", "JZ24"),
        ("buurt", "BU 0363 0000", "BU03630000"),
        ("gemeente", "GM0003", "GM0003"),
    ],
)
def test_other_code_kinds(kind, value, expected):
    assert normalise_code(pd.Series([value], dtype=object), kind, column="c", source="s").tolist() == [expected]


@pytest.mark.parametrize("value", ["XX12", "WK036300", "GM12345", "GM03a3", "Amsterdam", "363.5", "GM-0363"])
def test_bad_codes_refused(value):
    with pytest.raises(DataError, match=r"s: column 'c' has codes not of the form GM \+ 4 digits"):
        normalise_code(pd.Series([value, "GM0363"], dtype=object), "gemeente", column="c", source="s")


def test_code_missing_stays_missing():
    out = normalise_code(pd.Series(["GM0363", None, "", np.nan], dtype=object), "gemeente", column="c", source="s")
    assert out.tolist() == ["GM0363", None, None, None]


# --------------------------------------------------------------------------- numbers
@pytest.mark.parametrize(
    "values,expected",
    [
        (["12,5", "7"], [12.5, 7.0]),
        (["1.234,5", "12,5"], [1234.5, 12.5]),
        (["1.234.567"], [1234567.0]),
        (["1,234.5", "13.5"], [1234.5, 13.5]),
        (["1,234,567", "2.5"], [1234567.0, 2.5]),
        (["13.5", "-2", "+3", "1e3", ".5"], [13.5, -2.0, 3.0, 1000.0, 0.5]),
        ([" 4 ", "5\t"], [4.0, 5.0]),
        (["1,234"], [1.234]),  # ambiguous alone: the Dutch convention (comma = decimal)
    ],
)
def test_numbers_parsed(values, expected):
    assert num(values).tolist() == expected


def test_numbers_against_pandas():
    """The hand-rolled separator handling gives what pandas.to_numeric gives on the normalised strings."""
    rng = np.random.default_rng(1)
    vals = np.round(rng.normal(0, 1e4, 500), 3)
    dot = [repr(float(v)) for v in vals]
    plain = [f"{v:.3f}" for v in vals]
    comma = [t.replace(".", ",") for t in plain]
    grouped = [f"{v:,.3f}".replace(",", "_").replace(".", ",").replace("_", ".") for v in vals]
    assert num(dot).tolist() == pd.to_numeric(pd.Series(dot)).tolist()
    expect = pd.to_numeric(pd.Series(plain)).tolist()
    assert num(comma).tolist() == expect
    assert num(grouped).tolist() == expect
    # and pandas' CSV reader, bit for bit, also for 16-17 digits and exponents (where pandas is not correctly
    # rounded): a table keeps exactly the numbers it had when read with pandas.read_csv
    many = [repr(float(v)) for v in rng.uniform(0, 100, 3000)] + [f"{v:.16e}" for v in rng.uniform(0, 1e-3, 500)]
    many += [f"{v:.{d}f}" for d in range(1, 18) for v in rng.uniform(0, 1000, 50)] + ["0.1", "1e22", "1.5E-30"]
    # short strings with exponents near and beyond the exact powers of ten (1e22)
    many += [f"{m}e{e}" for m in ("1", "7", "99999999999", "123456789", "-3.25") for e in range(-40, 41, 3)]
    many += ["99999999999e-24", "1234567890e-20", "12345678901e-30", "9.999999999e15", "1e23"]
    text = "x\n" + "\n".join(dot + many) + "\n"
    parsed = num(dot + many).to_numpy()
    reference = pd.read_csv(io.StringIO(text))["x"].to_numpy()
    assert (parsed == reference).all(), np.flatnonzero(parsed != reference)[:5]
    assert (parsed != np.array([float(v) for v in dot + many])).any()  # the case is real: float() differs


def test_missing_tokens():
    out = num(["", ".", "-", "x", "X", None, np.nan, "3"])
    assert out.isna().tolist() == [True] * 7 + [False]


@pytest.mark.parametrize(
    "values,pattern",
    [
        (["12,5", "13.5"], "mixes a decimal comma and a decimal point"),
        (["1.234,5", "1,234.5"], "mixes a decimal comma and a decimal point"),
        (["inf"], "must be numeric"),
        (["-inf"], "must be numeric"),
        (["nan"], "must be numeric"),
        (["NaN"], "must be numeric"),
        (["Infinity"], "must be numeric"),
        (["NA"], "must be numeric"),
        (["hoog"], "must be numeric"),
        (["1,2,3"], "must be numeric"),
        (["12,5", "1.23.4"], "must be numeric"),
        (["12 %"], "must be numeric"),
        (["€ 12"], "must be numeric"),
    ],
)
def test_numbers_refused(values, pattern):
    with pytest.raises(DataError, match=rf"f\.csv: column 'waarde' {pattern}") as info:
        num(values)
    assert info.value.column == "waarde" and info.value.source == "f.csv"


def test_mixed_separators_never_read_as_135():
    with pytest.raises(DataError, match="'12,5', '13.5'"):
        num(["12,5", "13.5"])


def test_numeric_dtype_passes_and_inf_refused():
    assert parse_numeric(pd.Series([1, 2]), column="c", source="s").tolist() == [1.0, 2.0]
    with pytest.raises(DataError, match="infinite"):
        parse_numeric(pd.Series([1.0, np.inf]), column="c", source="s")


def test_mixed_object_column_from_excel():
    assert num([12.5, "7", None, 3]).tolist()[:2] == [12.5, 7.0]


def test_integer():
    out = num(["2022", "2022.0", ""], integer=True)
    assert str(out.dtype) == "Int64" and out.tolist()[:2] == [2022, 2022] and out.isna().tolist()[2]
    with pytest.raises(DataError, match=r"whole numbers but has '2022\.7'"):
        num(["2021", "2022.7"], integer=True)
    with pytest.raises(DataError, match="whole numbers"):
        parse_numeric(pd.Series([2022.7]), column="jaar", source="s", integer=True)


def test_min_max():
    assert num(["0", "100"], min=0, max=100).tolist() == [0.0, 100.0]
    with pytest.raises(DataError, match=r"below the allowed minimum 0: '-1'"):
        num(["-1", "5"], min=0)
    with pytest.raises(DataError, match=r"above the allowed maximum 100: '150'"):
        num(["150", "5"], max=100)


def test_numeric_million_rows_fast():
    s = pd.Series([f"{i % 997},{i % 100:02d}" for i in range(1_000_000)], dtype=object)
    t0 = time.perf_counter()
    out = parse_numeric(s, column="bedrag", source="big.csv")
    elapsed = time.perf_counter() - t0
    assert out.iloc[1001] == pytest.approx(4.01)
    assert elapsed < 3.0, elapsed  # about 0.3 s on one core; generous for a shared CI machine


# --------------------------------------------------------------------------- dates
def test_dates_iso():
    out = parse_dates(
        pd.Series(["2021-03-31", "2021-01-05T00:00:00", None, "", "2021-01-05 00:00:00"]), column="d", source="s"
    )
    assert out.tolist()[0] == pd.Timestamp("2021-03-31") and out.isna().tolist() == [False, False, True, True, False]
    assert str(out.dtype) == "datetime64[ns]"


def test_dates_explicit_format():
    out = parse_dates(pd.Series(["31-03-2021"]), column="d", source="s", format="%d-%m-%Y")
    assert out.tolist() == [pd.Timestamp("2021-03-31")]
    with pytest.raises(DataError, match="not valid dates"):
        parse_dates(pd.Series(["2021-03-31"]), column="d", source="s", format="%d-%m-%Y")


def test_datetime_dtype_passes_through():
    s = pd.Series(pd.to_datetime(["2021-01-01", None]))
    assert parse_dates(s, column="d", source="s").equals(s.astype("datetime64[ns]"))


@pytest.mark.parametrize(
    "value",
    [
        "today",
        "now",
        "gisteren",
        "2021",
        "01-02-21",
        "2021-02-30",
        "12/31/2021",
        "31/12/2021",
        "44197",
        "2021-13-01",
        "2021/03/31",
        "20210331",
    ],
)
def test_dates_refused(value):
    shown = r"\*\*\*" if re.fullmatch(r"\d{8,9}", value) else f"'{re.escape(value)}'"  # 8 digits: BSN-like, masked
    with pytest.raises(DataError, match=rf"s: column 'd' has values that are not valid dates: {shown}"):
        parse_dates(pd.Series(["2021-01-01", value]), column="d", source="s")


def test_excel_serial_number_refused_but_real_excel_date_accepted(tmp_path):
    pd.DataFrame({"d": [44197]}).to_excel(tmp_path / "serial.xlsx", index=False)
    raw, src = read_table(tmp_path / "serial.xlsx")
    with pytest.raises(DataError, match="not valid dates"):
        parse_dates(raw["d"], column="d", source=src)
    pd.DataFrame({"d": pd.to_datetime(["2021-01-01"])}).to_excel(tmp_path / "real.xlsx", index=False)
    raw, src = read_table(tmp_path / "real.xlsx")
    assert parse_dates(raw["d"], column="d", source=src).tolist() == [pd.Timestamp("2021-01-01")]


# --------------------------------------------------------------------------- messages
def test_message_rows_as_file_lines_and_examples_limited(tmp_path):
    p = tmp_path / "many.csv"
    p.write_text("waarde\n" + "".join(f"fout{i}\n" for i in range(25)), encoding="utf-8")
    df, src = read_table(p)
    with pytest.raises(DataError) as info:
        parse_numeric(df["waarde"], column="waarde", source=src)
    msg = str(info.value)
    assert str(p) in msg and "'waarde'" in msg
    assert "file lines [2, 3, 4, 5, 6, 7, 8, 9, 10, 11 and 15 more]" in msg
    assert msg.count("'fout") == 5


def test_message_rows_as_labels_for_dataframes():
    df = pd.DataFrame({"waarde": ["1", "x1"]}, index=[10, 20])
    with pytest.raises(DataError, match=r"at rows \[20\]"):
        parse_numeric(df["waarde"], column="waarde", source="<DataFrame>")


def test_bsn_like_values_masked():
    with pytest.raises(DataError) as info:
        normalise_code(pd.Series(["GM0363", "123456782", "12345678"]), "gemeente", column="c", source="s")
    assert "123456782" not in str(info.value) and "12345678" not in str(info.value)
    assert "***" in str(info.value)


def test_format_rows():
    assert format_rows(range(3)) == "[0, 1, 2]"
    assert format_rows(range(12)) == "[0, 1, 2, 3, 4, 5, 6, 7, 8, 9 and 2 more]"


# --------------------------------------------------------------------------- schema
SCHEMA = Schema(
    "test table",
    [
        Column("gemeentecode", "code:gemeente", description="CBS code"),
        Column("jaar", "int", min=1990, max=2100),
        Column("aantal", "count"),
        Column("aandeel", "share", required=False),
        Column("startdatum", "date", required=False),
        Column("actief", "bool", required=False),
        Column("naam", "str", required=False, aliases=("gemeentenaam",)),
    ],
    key=("gemeentecode", "jaar"),
    description="one row per gemeente and year",
)


def _frame(**cols):
    base = {"gemeentecode": ["GM0363", "518"], "jaar": ["2021", "2022"], "aantal": ["5", "6"]}
    base.update(cols)
    return pd.DataFrame(base)


def test_schema_matches_headers_and_converts():
    df = pd.DataFrame(
        {
            " Gemeente Code": ["gm363"],
            "JAAR": ["2021"],
            "Aantal": ["1234"],
            "Gemeentenaam": [" A "],
            "Extra Kolom ": ["x"],
        }
    )
    out = SCHEMA.validate(df, "s")
    assert list(out.columns)[:7] == list(SCHEMA.names) and out.columns[-1] == "Extra Kolom"
    row = out.iloc[0]
    assert row.gemeentecode == "GM0363" and row.jaar == 2021 and row.aantal == 1234 and row.naam == "A"
    assert out["aandeel"].isna().all() and out["startdatum"].isna().all()


def test_schema_kinds():
    out = SCHEMA.validate(_frame(aandeel=["12,5", ""], startdatum=["2021-01-01", ""], actief=["ja", "0"]), "s")
    assert out.aandeel.tolist()[0] == 12.5 and out.actief.tolist() == [True, False]
    assert out.startdatum.iloc[0] == pd.Timestamp("2021-01-01")


@pytest.mark.parametrize(
    "cols,pattern",
    [
        ({"gemeentecode": ["GM0363", "GM0363"]}, None),
        ({"jaar": ["2021", "2022.7"]}, "whole numbers"),
        ({"jaar": ["1800", "2022"]}, "below the allowed minimum 1990"),
        ({"aantal": ["-1", "2"]}, "below the allowed minimum 0"),
        ({"aandeel": ["150", "2"]}, "is a percentage but has values outside 0–100"),
        ({"gemeentecode": ["XX12", "GM0363"]}, "codes not of the form"),
        ({"startdatum": ["today", ""]}, "not valid dates"),
        ({"actief": ["misschien", "ja"]}, "must be yes/no"),
        ({"gemeentecode": [None, "GM0363"]}, "is empty"),
    ],
)
def test_schema_refuses(cols, pattern):
    df = _frame(**cols)
    if pattern is None:
        df["jaar"] = ["2021", "2021"]
        pattern = r"key columns 'gemeentecode' \+ 'jaar' have duplicate values \[GM0363 / 2021\]"
    with pytest.raises(DataError, match=pattern):
        SCHEMA.validate(df, "s")


def test_schema_missing_required_and_duplicate_match():
    with pytest.raises(DataError, match=r"s: required column\(s\) \['aantal'\] missing"):
        SCHEMA.validate(_frame().drop(columns="aantal"), "s")
    with pytest.raises(DataError, match="same column"):
        SCHEMA.validate(_frame(naam=["a", "b"], gemeentenaam=["a", "b"]), "s")


def test_schema_collects_all_problems():
    with pytest.raises(DataError, match=r"s: 2 problems in the test table:\n- column 'jaar'.*\n- column 'aantal'"):
        SCHEMA.validate(_frame(jaar=["x", "2022"], aantal=["-3", "1"]), "s")


def test_schema_describe_and_declaration_errors():
    d = SCHEMA.describe()
    assert d.column.tolist() == list(SCHEMA.names)
    assert d.set_index("column").loc["aandeel", "max"] == 100 and d.key.sum() == 2
    with pytest.raises(ValueError, match="unknown kind"):
        Column("x", "number")
    with pytest.raises(ValueError, match="declared twice"):
        Schema("t", [Column("a"), Column("b", aliases=("A",))])


def test_bsn_like_values_masked_in_reader_messages(tmp_path):
    p = tmp_path / "ragged.csv"
    p.write_text("client_id,b\n123456782,2\n123456782,2,3\n", encoding="utf-8")
    with pytest.raises(DataError, match="as many fields") as info:
        read_table(p)
    assert "123456782" not in str(info.value) and "line 3: 3 fields" in str(info.value)  # no raw row quoted


def test_xlsm_read_and_xls_refused_clearly(tmp_path):
    df = pd.DataFrame({"gemeentecode": ["GM0518"], "waarde": [1.5]})
    df.to_excel(tmp_path / "a.xlsx", index=False)
    (tmp_path / "a.xlsm").write_bytes((tmp_path / "a.xlsx").read_bytes())  # same container as .xlsx
    raw, _ = read_table(tmp_path / "a.xlsm")
    assert raw.to_dict("list") == {"gemeentecode": ["GM0518"], "waarde": ["1.5"]}
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + bytes(600))  # an OLE2 header: old Excel format
    with pytest.raises(DataError, match=r"old\.xls: .*(extra package|could not be read)") as info:
        read_table(tmp_path / "old.xls")
    assert ".xlsx" in str(info.value) or "valid spreadsheet" in str(info.value)


# --------------------------------------------------------------------------- adversarial findings (review C)
@pytest.mark.parametrize("word", ["today", "now", "NOW", "Today"])
def test_words_refused_with_explicit_format(word):
    with pytest.raises(DataError, match=rf"not valid dates: '{word}'"):
        parse_dates(pd.Series(["01-01-2021", word]), column="d", source="s", format="%d-%m-%Y")


@pytest.mark.parametrize("fmt", ["mixed", "ISO8601", "%Q", "%Y-%m-%dT%H:%M:%S%z", "%Y-%m-%d %Z", "dd-mm-yyyy"])
def test_format_must_be_plain_strptime(fmt):
    with pytest.raises(DataError, match="not an explicit strptime format"):
        parse_dates(pd.Series(["2021-01-05T00:00:00+01:00", "01/02/2021"]), column="d", source="s", format=fmt)


def test_tz_aware_dates_refused_never_shifted():
    utc = pd.Series(pd.to_datetime(["2021-01-05 00:00"]).tz_localize("Europe/Amsterdam").tz_convert("UTC"))
    with pytest.raises(DataError, match="time-zone-aware"):
        parse_dates(utc, column="d", source="s")
    mixed = pd.Series([pd.Timestamp("2021-01-05", tz="UTC"), "2021-01-05"], dtype=object)
    with pytest.raises(DataError, match=r"time-zone-aware dates at rows \[0\]"):
        parse_dates(mixed, column="d", source="s")


def test_open_end_9999_refused_with_advice(tmp_path):
    import datetime as dt

    advice = "leave einddatum empty for a running trajectory"
    for s in (
        pd.Series(["2021-01-01", "9999-12-31"]),
        pd.Series([dt.datetime(2021, 1, 1), dt.datetime(9999, 12, 31)], dtype=object),
        pd.Series(np.array(["2021-01-01", "9999-12-31"], dtype="datetime64[us]")),
    ):
        with pytest.raises(DataError, match=rf"outside the supported range: '9999-12-31' at rows \[1\]\..*{advice}"):
            parse_dates(s, column="d", source="s")
    with pytest.raises(DataError, match=advice):
        parse_dates(pd.Series(["31-12-9999"]), column="d", source="s", format="%d-%m-%Y")
    import openpyxl

    wb = openpyxl.Workbook()
    wb.active.append(["d"])
    wb.active.append([dt.datetime(2021, 1, 4)])
    wb.active.append([dt.datetime(9999, 12, 31)])
    wb.save(tmp_path / "open.xlsx")
    raw, src = read_table(tmp_path / "open.xlsx")
    with pytest.raises(DataError, match=r"outside the supported range: '9999-12-31' at file lines \[3\]"):
        parse_dates(raw["d"], column="d", source=src)


_NUM_SCHEMA = Schema("t", [Column("gemeentecode", "code:gemeente"), Column("aantal", "float", required=False),
                           Column("bedrag", "float", required=False)])  # fmt: skip


def _validated(tmp_path, text):
    p = tmp_path / "t.csv"
    p.write_bytes(text.encode())
    raw, src = read_table(p)
    return _NUM_SCHEMA.validate(raw, src)


def test_dot_thousands_read_as_thousands_in_a_dutch_file(tmp_path):
    # ';' separator (a Dutch Excel export): 12.345 is 12345, never 12.345
    text = "\ufeffgemeentecode;aantal\r\nGM0363;12.345\r\nGM0518;1.234\r\nGM0599;987\r\n"
    assert _validated(tmp_path, text)["aantal"].tolist() == [12345.0, 1234.0, 987.0]
    # the same with one 987,5 in the column (was already 12345 then): the same numbers
    text = text.replace(";987", ";987,5")
    assert _validated(tmp_path, text)["aantal"].tolist() == [12345.0, 1234.0, 987.5]
    # ',' separator, but another numeric column has a decimal comma: the file is Dutch
    text = 'gemeentecode,aantal,bedrag\nGM0363,1.234,"12,5"\nGM0518,2.500,"7,25"\n'
    assert _validated(tmp_path, text)["aantal"].tolist() == [1234.0, 2500.0]


def test_dot_thousands_refused_when_the_file_does_not_decide(tmp_path):
    with pytest.raises(DataError, match=r"'aantal' has numbers whose only separator is a dot before 3 digits: "
                                        r"'12\.345', '1\.234' at file lines \[2, 3\]"):  # fmt: skip
        _validated(tmp_path, "gemeentecode,aantal\nGM0363,12.345\nGM0518,1.234\nGM0599,987\n")
    with pytest.raises(DataError, match="dot before 3 digits"):
        num(["1.234", "7"])  # no file: nothing decides
    # unambiguous columns keep their numbers
    assert _validated(tmp_path, "gemeentecode,aantal\nGM0363,1.234\nGM0518,13.5\n")["aantal"].tolist() == [1.234, 13.5]
    assert num(["0.125", "1.2345"]).tolist() == [0.125, 1.2345]
    assert num(["1.234.567", "1.234"]).tolist() == [1234567.0, 1234.0]  # several groups: Dutch thousands


def test_typed_numbers_never_ambiguous(tmp_path):
    pd.DataFrame({"gemeentecode": ["GM0363", "GM0518"], "aantal": [12.345, 1.5]}).to_excel(
        tmp_path / "a.xlsx", index=False
    )
    pd.DataFrame({"gemeentecode": ["GM0363"], "aantal": [12.345]}).to_excel(tmp_path / "b.xlsx", index=False)
    for name in ("a.xlsx", "b.xlsx"):
        raw, src = read_table(tmp_path / name)
        assert _NUM_SCHEMA.validate(raw, src)["aantal"].iloc[0] == 12.345
    assert num([12.345, "7"]).tolist() == [12.345, 7.0]  # a float among text in a DataFrame column


@pytest.mark.parametrize("value", ["1e400", "9" * 400, "-1e400", "1" + "0" * 400 + ",5"])
def test_overflow_refused_never_missing(value):
    with pytest.raises(DataError, match="too large to be stored") as info:
        num(["7", value])
    assert "rows [1]" in str(info.value)


@pytest.mark.parametrize("value", ["1e20", str(2**63 - 1), "9007199254740993", "-1e19", "2015.0000000000002"])
def test_integer_overflow_and_hidden_fractions_refused(value):
    with pytest.raises(DataError, match="whole numbers") as info:
        num(["120", value], integer=True, min=None)
    assert "rows [1]" in str(info.value)
    with pytest.raises(DataError, match="whole numbers"):  # the schema's fast path too
        Schema("t", [Column("jaar", "int")]).validate(pd.DataFrame({"jaar": ["2015", value]}), "s")


def test_integer_limits_kept():
    assert num([str(2**53 - 1), "2015.000000000000000", " 2015 "], integer=True).tolist() == [2**53 - 1, 2015, 2015]
    with pytest.raises(DataError, match="whole numbers"):
        parse_numeric(pd.Series([2**63 - 1, 5]), column="c", source="s", integer=True)


def test_stray_quote_refused_with_its_line_but_multiline_note_kept(tmp_path):
    p = tmp_path / "t.csv"
    p.write_text(
        'id,aanbieder,code\nK1,A,GM0363\nK2,"De Brug,T1,45\nK3,Aanbieder B",GM0363\nK4,C,GM0518\n',
        encoding="utf-8",
    )
    with pytest.raises(DataError, match=r"column 'aanbieder' has a quoted cell spanning lines .* file line 3: a stray"):
        read_table(p)
    p.write_text('id;notitie;n\nK1;"regel een\nregel twee";1\nK2;b;hoog\n', encoding="utf-8")
    df, src = read_table(p)
    assert df["notitie"].tolist() == ["regel een\nregel twee", "b"]
    with pytest.raises(DataError, match=r"'hoog' at file lines \[4\]"):  # the real line after a two-line cell
        parse_numeric(df["n"], column="n", source=src)


def test_line_numbers_with_blank_lines_and_short_rows(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("a,b\nGM0363,2015\n\nGM0518,2016\n,\nGM0599,twintig\n\n", encoding="utf-8")
    df, src = read_table(p)
    assert df["a"].tolist() == ["GM0363", "GM0518", "GM0599"]  # empty lines and separator-only lines skipped
    with pytest.raises(DataError, match=r"'twintig' at file lines \[6\]"):
        parse_numeric(df["b"], column="b", source=src)
    p.write_text("a,b\nGM0363,2015\nGM0518\n", encoding="utf-8")
    with pytest.raises(DataError, match=r"line 3: 1 fields; the header has 2 fields"):
        read_table(p)


def test_leading_blank_line_and_header_only_without_newline(tmp_path):
    p = tmp_path / "p.csv"
    p.write_text("\ngemeentecode,jaar\nGM0363,2015\n", encoding="utf-8")
    with pytest.raises(DataError, match="line 1 is empty"):
        read_table(p)
    for text in ("gemeentecode;waarde", "gemeentecode;waarde\n", "\ufeffgemeentecode;waarde\r\n  \r\n"):
        p.write_text(text, encoding="utf-8")
        df, _ = read_table(p)
        assert list(df.columns) == ["gemeentecode", "waarde"] and df.empty


def test_utf8_character_across_the_64kb_head(tmp_path):
    line = "K1,Zorg Čačak\n"
    body = "id,naam\n" + line * (65400 // len(line.encode()))
    body += "K2," + "x" * (65535 - len(body.encode()) - 3) + "é\n"
    assert body.encode()[65535:65537] == "é".encode()
    p = tmp_path / "u.csv"
    p.write_bytes(body.encode("utf-8"))
    df, _ = read_table(p)
    assert df["naam"].iloc[-1].endswith("é") and df["naam"].iloc[0] == "Zorg Čačak"


def test_inputs_that_are_not_regular_files_or_paths(tmp_path):
    import os

    fifo = tmp_path / "pipe.csv"
    os.mkfifo(fifo)
    with pytest.raises(DataError, match="not a regular file"):
        read_table(fifo)  # must not hang
    loop = tmp_path / "loop.csv"
    loop.symlink_to(loop)
    with pytest.raises(DataError, match="link loop"):
        read_table(loop)
    for bad in (pd.Series([1]), {"a": [1]}, 5, b"a,b\n1,2\n", None):
        with pytest.raises(DataError, match="expected the path of a table file"):
            read_table(bad)
    with pytest.raises(DataError, match=r"file not found") as info:
        read_table("nope/nope.csv")
    assert os.getcwd() not in str(info.value) and "nope/nope.csv" in str(info.value)


def test_sheet_name_must_be_one_sheet(tmp_path):
    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "s.xlsx", index=False)
    for sheet in (None, [0, 1], True):
        with pytest.raises(DataError, match="sheet_name must be one sheet"):
            read_table(tmp_path / "s.xlsx", sheet_name=sheet)


def test_list_cells_refused(tmp_path):
    with pytest.raises(DataError, match=r"column 'jaar' holds lists .* at rows \[1\]"):
        read_table(pd.DataFrame({"jaar": [2015, [2016]]}))
    pd.DataFrame({"jaar": [[2015], [2016, 2017]]}).to_parquet(tmp_path / "l.parquet")
    with pytest.raises(DataError, match="holds lists"):
        read_table(tmp_path / "l.parquet")


def test_formula_cells_without_saved_value_refused(tmp_path):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["gemeentecode", "jaar_wijkteam", "basis"])
    ws.append(["GM0363", 2015, 2014])
    ws.append(["GM0518", "=C3+1", 2015])
    wb.save(tmp_path / "f.xlsx")
    with pytest.raises(DataError, match=r"column 'jaar_wijkteam' has formulas without a saved value at file lines "
                                        r"\[3\].*open and save the file in Excel/LibreOffice"):  # fmt: skip
        read_table(tmp_path / "f.xlsx")
    ws["B3"] = 2016  # values, and empty cells without formulas, are fine
    ws["C2"] = None
    wb.save(tmp_path / "v.xlsx")
    assert read_table(tmp_path / "v.xlsx")[0]["jaar_wijkteam"].tolist() == ["2015", "2016"]


@pytest.mark.parametrize("value", ["٣٦٣", "３６３", "GM０３６３", "GM0٣٦٣", "GM03\n63", "363.5", "３６３.0"])
def test_codes_ascii_digits_only_and_no_line_breaks(value):
    with pytest.raises(DataError, match="codes not of the form"):
        normalise_code(pd.Series([value], dtype=object), "gemeente", column="c", source="s")


@pytest.mark.parametrize("value", ["05-01-２０２１", "٠٥-٠١-٢٠٢١"])
def test_dates_ascii_digits_only(value):
    with pytest.raises(DataError, match="not valid dates"):
        parse_dates(pd.Series([value]), column="d", source="s", format="%d-%m-%Y")


@pytest.mark.parametrize("value", ["363.0", "363.00", 363.0, "0363.0"])
def test_codes_saved_as_floats_accepted(value):
    assert normalise_code(pd.Series([value], dtype=object), "gemeente", column="c", source="s").tolist() == ["GM0363"]


@pytest.mark.parametrize(
    "bsn", ["123456782", "12345678", "0123456782", "123-45-678", "123 456 782", "1234.56.782", "BSN123456782",
            "bsn: 123456782", "12 34 56 782", "123_456_782", "bsn:_123_456_782"]
)  # fmt: skip
def test_formatted_bsns_masked_everywhere(bsn, tmp_path):
    from jeugdlib.io import mask_text, mask_value

    assert mask_value(bsn) == "***" and bsn not in mask_text(f"waarde {bsn} op regel 3")
    with pytest.raises(DataError) as info:  # values
        normalise_code(pd.Series(["GM0363", bsn]), "gemeente", column="c", source="s")
    assert bsn not in str(info.value) and "***" in str(info.value)
    p = tmp_path / "t.csv"  # a file without a header: its first row (with a BSN) is the header
    p.write_text(f"{bsn},GM0363\nK0001,GM0518\n", encoding="utf-8")
    raw, src = read_table(p)
    with pytest.raises(DataError, match=r"Present columns: \[\*\*\*, 'GM0363'\]") as info:
        SCHEMA.validate(raw, src)
    assert bsn not in str(info.value)
    with pytest.raises(DataError, match="duplicate column names") as info:  # duplicate headers
        read_table(pd.DataFrame([[1, 2]], columns=[bsn, bsn + " "]))
    assert bsn not in str(info.value)
    with pytest.raises(DataError) as info:  # row labels of a DataFrame indexed by client
        parse_numeric(pd.Series(["1", "hoog"], index=["K1", bsn]), column="c", source="s")
    assert bsn not in str(info.value)


@pytest.mark.parametrize("text", ["2021-01-04", "1.234.567", "12,5", "GM0363", "WK036300", "2015"])
def test_dates_numbers_and_codes_not_masked(text):
    from jeugdlib.io import mask_value

    assert mask_value(text) == repr(text)


def test_wide_file_linear(tmp_path):
    n = 10_000
    p = tmp_path / "w.csv"
    header = ";".join(["wijkcode", "jaar"] + [f"v{i}" for i in range(n)])
    p.write_text(header + "\n" + "".join(";".join([f"WK0363{j:02d}", "2017"] + ["1,5"] * n) + "\n" for j in range(50)))
    schema = Schema("w", [Column("wijkcode", "code:wijk"), Column("jaar", "int")], key="wijkcode")
    t0 = time.perf_counter()
    raw, src = read_table(p)
    out = schema.validate(raw, src)
    elapsed = time.perf_counter() - t0
    assert out.shape == (50, n + 2) and list(out.columns[:3]) == ["wijkcode", "jaar", "v0"]
    assert out["v9999"].iloc[0] == "1,5"
    assert elapsed < 2.0, elapsed


def test_validate_keeps_index_with_duplicate_labels():
    df = pd.DataFrame({"gemeentecode": ["GM0363", "GM0518"], "jaar": ["2021", "2021"], "aantal": ["1", "2"],
                       **{f"x{i}": ["a", "b"] for i in range(60)}}, index=[7, 7])  # fmt: skip
    out = SCHEMA.validate(df, "s")
    assert out.index.tolist() == [7, 7] and out["x59"].tolist() == ["a", "b"] and out["jaar"].tolist() == [2021, 2021]


def test_numeric_columns_shortcut_agrees_with_parse_numeric():
    from jeugdlib.io.numeric import parse_numeric_columns

    cols = {
        "a": pd.Series(["1,5", "2,25", None]),
        "b": pd.Series(["1.5", "3", "4e2"]),
        "c": pd.Series(["12,5e3", "1", "2"]),  # refused by parse_numeric: never cast
        "d": pd.Series(["1.234,5", "7", "x"]),
        "e": pd.Series(["1,234", "2", "3"]),
    }
    fast = parse_numeric_columns(cols)
    assert set(fast) == {"a", "b", "e"}
    for name, values in fast.items():
        np.testing.assert_array_equal(values, parse_numeric(cols[name], column=name, source="s").to_numpy())


def test_invisible_characters_in_headers(tmp_path):
    p = tmp_path / "z.csv"
    p.write_text("\ufeffgemeentecode\u200b;jaar\u00ad;aantal\nGM0363;2021;5\n", encoding="utf-8")
    raw, src = read_table(p)
    assert list(raw.columns) == ["gemeentecode", "jaar", "aantal"]
    assert SCHEMA.validate(raw, src)["jaar"].tolist() == [2021]


@pytest.mark.parametrize("suffix", [".xlsx", ".ods"])
def test_spreadsheet_duplicate_headers_refused_not_renamed(suffix, tmp_path):
    """pandas renames a repeated header to 'einddatum.1'; jeugdlib refuses it as in a CSV (no silent column loss)."""
    p = tmp_path / f"dup{suffix}"
    df = pd.DataFrame([["K1", None, "2021-06-30"]], columns=["client_id", "einddatum", "einddatum"])
    df.to_excel(p, index=False, engine="odf" if suffix == ".ods" else None)
    with pytest.raises(DataError, match="duplicate column names 'einddatum' and 'einddatum'"):
        read_table(p)
    ok = tmp_path / f"ok{suffix}"
    pd.DataFrame({"gemeentecode": ["GM0363"], 2021: [5]}).to_excel(
        ok, index=False, engine="odf" if suffix == ".ods" else None
    )
    raw, _ = read_table(ok)
    assert list(raw.columns) == ["gemeentecode", "2021"] and raw.iloc[0].tolist() == ["GM0363", "5"]


def test_dutch_file_thousands_dots_beside_decimal_points_refused(tmp_path):
    """In a ';' file, 1.250 beside 2.5 is refused (1250 or 1.25?); in a ',' file the dot is the decimal point."""
    p = tmp_path / "nl.csv"
    p.write_text(
        "gemeentecode;aandeel;uitgaven;inwoners\nGM0363;12,5;1.250;1.875\nGM0518;7,25;2.5;2.000\n", "utf-8-sig"
    )
    raw, src = read_table(p)
    with pytest.raises(DataError, match=r"column 'uitgaven' has numbers that look like Dutch thousands.*lines \[2\]"):
        parse_numeric(raw["uitgaven"], column="uitgaven", source=src)
    assert parse_numeric(raw["inwoners"], column="inwoners", source=src).tolist() == [1875.0, 2000.0]
    schema = Schema("t", [Column("gemeentecode", "code:gemeente"), Column("uitgaven", "float")], key="gemeentecode")
    with pytest.raises(DataError, match="uitgaven"):
        schema.validate(raw, src)
    en = tmp_path / "en.csv"
    en.write_text("a,b\n1.250,x\n2.5,y\n", "utf-8")
    raw, src = read_table(en)
    assert parse_numeric(raw["a"], column="a", source=src).tolist() == [1.25, 2.5]


def test_declared_decimal_separator_decides_ambiguous_dots(tmp_path):
    """read_table(decimal=...) settles 1.250: refused when undecided, 1.25 with '.', 1250 with ','."""
    p = tmp_path / "amb.csv"
    p.write_text("gemeentecode,bedrag\nGM0363,1.250\nGM0518,2.000\n", "utf-8")
    schema = Schema("t", [Column("gemeentecode", "code:gemeente"), Column("bedrag", "float")], key="gemeentecode")
    with pytest.raises(DataError, match="only separator is a dot before 3 digits"):
        schema.validate(*read_table(p))
    assert schema.validate(*read_table(p, decimal=".")).bedrag.tolist() == [1.25, 2.0]
    assert schema.validate(*read_table(p, decimal=",")).bedrag.tolist() == [1250.0, 2000.0]
    raw, src = read_table(p, decimal=".")
    assert parse_numeric(raw["bedrag"], column="bedrag", source=src).tolist() == [1.25, 2.0]
    with pytest.raises(ValueError, match="decimal must be"):
        read_table(p, decimal=";")
