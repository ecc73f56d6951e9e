"""The embedded data layer and validation of user tables."""

from __future__ import annotations

import pandas as pd
import pytest

from jeugdlib import DataError, RegionNotFoundError
from jeugdlib import data as d
from jeugdlib.data.validation import read_table, to_numeric_nl, validate_table


def test_scp_2017_shape(scp_2017):
    assert len(scp_2017) == 2918
    assert scp_2017.gemeentecode.nunique() == 388
    assert scp_2017.jeugdregio_code.nunique() == 42
    assert scp_2017.perc_jhzv.isna().sum() == 286
    assert scp_2017.perc_przv.notna().all()
    for col in [
        "wijkcode",
        "wijknaam",
        "gemeentecode",
        "gemeentenaam",
        "jeugdregio_code",
        "jeugdregio_naam",
        "perc_jhzv",
        "perc_przv",
        "residu",
        *d.SCP_DETERMINANT_COLUMNS,
    ]:
        assert col in scp_2017.columns
    assert len(d.SCP_DETERMINANT_COLUMNS) == 27
    assert all(pd.api.types.is_float_dtype(scp_2017[c]) for c in d.SCP_DETERMINANT_COLUMNS)
    # residu is observed - expected as published
    ok = scp_2017.perc_jhzv.notna()
    diff = scp_2017.perc_jhzv[ok] - scp_2017.perc_przv[ok] - scp_2017.residu[ok]
    assert diff.abs().max() < 0.01
    # a known wijk: Appingedam Wijk 00
    row = scp_2017.set_index("wijkcode").loc["WK000300"]
    assert row.gemeentenaam == "Appingedam" and row.jeugdregio_code == "JZ01"
    assert row.perc_jhzv == pytest.approx(12.489)


def test_loaders_return_copies(scp_2017):
    a = d.load_scp_2017()
    a.loc[0, "perc_jhzv"] = -1
    assert d.load_scp_2017().loc[0, "perc_jhzv"] != -1


@pytest.mark.parametrize("year,n", [(2021, 3248), (2022, 3340)])
def test_load_wijken_every_wijk_has_region(year, n):
    w = d.load_wijken(year)
    assert len(w) == n and w.wijkcode.is_unique
    assert w.jeugdregio_code.notna().all()
    assert w.jeugdregio_code.nunique() == 42
    assert {"inwoners", "inw_0_14", "inw_15_24", "jz_jongeren", "perc_jz_van_0_24_proxy"} <= set(w.columns)
    share = 100 * w.jz_jongeren / (w.inw_0_14 + w.inw_15_24)
    pd.testing.assert_series_equal(share, w.perc_jz_van_0_24_proxy, check_names=False)


def test_2021_merged_gemeenten_map_to_successor_region():
    w = d.load_wijken(2021)
    beemster = w[w.gemeentecode == "GM0370"]
    assert len(beemster) > 0
    assert (beemster.gemeentecode_2022 == "GM0439").all()
    assert (beemster.jeugdregio_code == "JZ09").all()
    uden = w[w.gemeentecode == "GM0856"]
    assert (uden.gemeentecode_2022 == "GM1991").all() and (uden.jeugdregio_code == "JZ33").all()


def test_only_2021_variables_are_empty_in_2022():
    w = d.load_wijken(2022)
    assert w.afstand_huisarts.isna().all() and w.bijstand.isna().all()
    assert d.load_wijken(2021).afstand_huisarts.notna().mean() > 0.9


def test_gemeenten_2022_with_indicators():
    g = d.load_gemeenten(2022)
    assert len(g) == 345 and g.gemeentecode.is_unique
    assert g.perc_jeugdhulp_in_natura.notna().all()
    assert g.voorlopig.all()
    den_haag = g.set_index("gemeentecode").loc["GM0518"]
    assert den_haag.jeugdregio_code == "JZ24"
    assert 5 < den_haag.perc_jeugdhulp_in_natura < 25
    assert len(d.load_gemeenten(2017)) == 388


def test_regions_and_find_region():
    for year in (2017, 2021, 2022):
        r = d.regions(year)
        assert len(r) == 42 and r.jeugdregio_code.is_unique
    assert d.find_region("JZ24").jeugdregio_naam == "Haaglanden"
    assert d.find_region("haaglanden").jeugdregio_code == "JZ24"
    assert d.find_region("HAAGLANDEN", 2017).jeugdregio_code == "JZ24"
    assert d.find_region("jz24").jeugdregio_code == "JZ24"


def test_unknown_region_lists_closest():
    with pytest.raises(RegionNotFoundError, match="Haaglanden") as exc:
        d.find_region("haaglandn")
    assert any("Haaglanden" in s for s in exc.value.suggestions)
    with pytest.raises(DataError, match="boundary years"):
        d.regions(2019)


def test_geometries():
    w = d.load_geometries("wijk", 2022)
    assert {"wijkcode", "gemeentecode", "geometry"} <= set(w.columns) and len(w) == 3326
    j = d.load_geometries("jeugdregio", 2022)
    assert len(j) == 42 and j.geometry.is_valid.mean() > 0.9
    assert set(j.jeugdregio_code) == set(d.regions(2022).jeugdregio_code)
    assert len(d.load_geometries("gemeente", 2022)) == 345
    with pytest.raises(DataError, match="no embedded geometries"):
        d.load_geometries("buurt", 2022)


def test_amsterdam_2017_matches_scp(scp_2017):
    a = d.load_kwb_amsterdam_2017()
    assert len(a) == 99
    assert a.wijkcode.isin(scp_2017.wijkcode).sum() == 96
    assert a.criminaliteit_per_1000.notna().sum() > 80


# ---------------------------------------------------------------- validation of bad input
def _table(**cols):
    base = {"wijkcode": ["WK000300", "WK000301"], "aandeel": ["12,5", "7,25"]}
    base.update(cols)
    return pd.DataFrame(base)


def test_decimal_comma_converted():
    out = validate_table(_table(), key="wijkcode", shares=["aandeel"], source="x.csv")
    assert out.aandeel.tolist() == [12.5, 7.25]
    assert to_numeric_nl(pd.Series(["1.234,5", "."]), column="c").iloc[0] == 1234.5


def test_wrong_code_format():
    # WK3000 was refused before the one code normaliser; lost leading zeros are now padded (WK003000), so the
    # malformed code here has too many digits
    with pytest.raises(DataError, match=r"x\.csv: column 'wijkcode' has codes not of the form.*'WK30000001'"):
        validate_table(_table(wijkcode=["WK30000001", "WK000301"]), key="wijkcode", source="x.csv")
    with pytest.raises(DataError, match=r"x\.csv: column 'wijkcode' has codes not of the form.*'GM0363'"):
        validate_table(_table(wijkcode=["GM0363", "WK000301"]), key="wijkcode", source="x.csv")
    out = validate_table(_table(wijkcode=["wk36300", " WK 000301 "]), key="wijkcode", source="x.csv")
    assert out.wijkcode.tolist() == ["WK036300", "WK000301"]


def test_duplicate_keys():
    with pytest.raises(DataError, match=r"duplicate codes \[WK000300\] at rows \[0, 1\]"):
        validate_table(_table(wijkcode=["WK000300", "WK000300"]), key="wijkcode", source="x.csv")


def test_non_numeric():
    with pytest.raises(DataError, match=r"column 'aandeel' must be numeric but has values 'hoog'"):
        validate_table(_table(aandeel=["hoog", "3"]), key="wijkcode", numeric=["aandeel"], source="x.csv")


def test_share_out_of_range():
    with pytest.raises(DataError, match=r"'aandeel' is a percentage but has values outside 0–100"):
        validate_table(_table(aandeel=["120", "3"]), key="wijkcode", shares=["aandeel"], source="x.csv")


def test_missing_column():
    with pytest.raises(DataError, match=r"x\.csv: required column\(s\) \['cohesie'\] missing"):
        validate_table(_table(), key="wijkcode", required=["cohesie"], source="x.csv")


def test_read_table_formats(tmp_path):
    df = pd.DataFrame({"gemeentecode": ["GM0518", "GM0599"], "waarde": [1.5, 2.0]})
    df.to_csv(tmp_path / "a.csv", sep=";", index=False, decimal=",")
    df.to_parquet(tmp_path / "a.parquet")
    df.to_excel(tmp_path / "a.xlsx", index=False)
    for name in ("a.csv", "a.parquet", "a.xlsx"):
        raw, src = read_table(tmp_path / name)
        out = validate_table(raw, key="gemeentecode", numeric=["waarde"], source=src)
        assert out.waarde.tolist() == [1.5, 2.0], name
    with pytest.raises(DataError, match="file not found"):
        read_table(tmp_path / "missing.csv")
    (tmp_path / "a.json").write_text("{}")
    with pytest.raises(DataError, match="unsupported file type"):
        read_table(tmp_path / "a.json")


def test_datasets_have_provenance():
    for ds in d.DATASETS.values():
        assert ds.path.exists(), ds.file
        assert ds.source and ds.licence


# ---------------------------------------------------------------- embedded tables through the input layer
def test_mergers_table():
    m = d.load_mergers()
    assert len(m) == 70 and m.oude_gemeentecode.is_unique
    assert m.ingangsjaar.dtype == "int64" and m.oude_gemeentecode.str.fullmatch(r"GM\d{4}").all()
    row = m.set_index("oude_gemeentecode").loc["GM0478"]  # Zeevang -> Edam-Volendam, 2016
    assert row.nieuwe_gemeentecode == "GM0385" and row.ingangsjaar == 2016


def test_mpdta_types():
    m = d.load_mpdta()
    assert m.shape == (2500, 6) and m.countyreal.nunique() == 500
    assert [str(t) for t in m.dtypes] == ["int64", "int64", "float64", "float64", "int64", "int64"]


def test_embedded_schemas_describe_and_boundary_years():
    from jeugdlib.data import schemas

    desc = schemas.SCP_2017_SCHEMA.describe()
    assert desc.loc[desc.key, "column"].tolist() == ["wijkcode"]
    assert desc.set_index("column").loc["perc_jhzv", "max"] == 100
    assert schemas.kwb_schema("wijk").column("a_inw").name == "inwoners"  # published name -> readable name
    assert d.DATASETS["scp_2017"].boundary_year == 2017 and d.DATASETS["kwb_jeugdzorg_2021_2022"].boundary_year is None
    # the boundary year travels in a visible int column (read by jeugdlib.multilevel), not in DataFrame.attrs
    for frame, year in (
        (d.load_scp_2017(), 2017),
        (d.load_wijken(2021), 2021),
        (d.load_wijken(2022), 2022),
        (d.load_kwb_amsterdam_2017(), 2017),
    ):
        assert frame.indelingsjaar.dtype == "int64" and frame.indelingsjaar.unique().tolist() == [year]
        assert "boundary_year" not in frame.attrs and "source" not in frame.attrs
    assert "indelingsjaar" not in d.load_gemeenten(2017).columns  # aggregated: only the declared columns


def test_embedded_file_checked_like_user_file(tmp_path):
    """A damaged copy of an embedded file is refused by the same schema, naming file, column and line."""
    from jeugdlib.data import schemas
    from jeugdlib.io import read_table as io_read

    text = d.embedded_path("gemeente_jeugdregio_2022").read_text(encoding="utf-8").splitlines()
    text[3] = text[3].replace(",JZ", ",XX", 1)
    p = tmp_path / "regio.csv"
    p.write_text("\n".join(text) + "\n", encoding="utf-8")
    raw, src = io_read(p)
    with pytest.raises(
        DataError, match=r"regio\.csv: column 'jeugdregio_code' has codes not of the form.*file lines \[4\]"
    ):
        schemas.GEMEENTE_JEUGDREGIO_SCHEMA.validate(raw, src)


def test_to_numeric_nl_reexport_is_deprecated():
    import jeugdlib.data
    from jeugdlib.io import parse_numeric

    values = pd.Series(["12,5", "1.234,5", "", "3"])
    with pytest.warns(DeprecationWarning, match="parse_numeric"):
        got = jeugdlib.data.to_numeric_nl(values, column="x", source="t")
    pd.testing.assert_series_equal(got, parse_numeric(values, column="x", source="t"))
    assert got.tolist()[:2] == [12.5, 1234.5]
    with pytest.warns(DeprecationWarning), pytest.raises(DataError, match="'x'"):
        jeugdlib.data.to_numeric_nl(pd.Series(["12,5", "abc"]), column="x")


def test_validate_table_accepts_header_spelling_and_reads_dutch_thousands(tmp_path):
    from jeugdlib.data.validation import read_table, validate_table

    p = tmp_path / "nl.csv"
    text = "\ufeffGemeente Code;naam;Aantal;AANDEEL\r\nGM0363;Amsterdam;12.345;12,5\r\nGM0518;Den Haag;1.234;7,25\r\n"
    p.write_bytes(text.encode())
    raw, src = read_table(p)
    out = validate_table(raw, key="gemeentecode", numeric=["aantal"], shares=["aandeel"], source=src)
    assert list(out.columns) == ["gemeentecode", "naam", "aantal", "aandeel"]
    assert out["aantal"].tolist() == [12345.0, 1234.0] and out["aandeel"].tolist() == [12.5, 7.25]
    with pytest.raises(DataError, match="same column 'gemeentecode'"):
        validate_table(raw.assign(gemeentecode=raw["Gemeente Code"]), key="gemeentecode", source=src)
