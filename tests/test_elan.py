"""ELAN/LUMC wijkprofielen: jeugdhulp per gemeente and per wijk 2015-2022 (embedded real data)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from jeugdlib import data as d
from jeugdlib.data import elan
from jeugdlib.errors import DataError

EMBEDDED = Path(d.__file__).resolve().parent / "embedded"


def test_gemeente_panel_values_read_by_hand() -> None:
    g = d.load_elan_haaglanden("gemeente")
    assert g["gemeentecode"].nunique() == 22 and sorted(g["jaar"].unique()) == list(range(2015, 2023))
    assert len(g) == 22 * 8 and not g.duplicated(["gemeentecode", "jaar"]).any()
    idx = g.set_index(["gemeentecode", "jaar"])
    # df_count_gem_ver_6.csv: 's-Gravenhage 2022 JGDHULP_user 15080.0, Total_All_Pop 577339; 2015 13000.0
    assert idx.loc[("GM0518", 2022), "jeugdhulp_gebruikers"] == 15080
    assert idx.loc[("GM0518", 2022), "inwoners"] == 577339
    assert idx.loc[("GM0518", 2022), "perc_jeugdhulp_inwoners"] == pytest.approx(100 * 15080 / 577339)
    assert idx.loc[("GM0518", 2015), "jeugdhulp_gebruikers"] == 13000
    assert idx.loc[("GM0575", 2015), "jeugdhulp_gebruikers"] == 885  # Noordwijk
    assert idx.loc[("GM0518", 2022), "gemeentenaam"] == "'s-Gravenhage"
    assert (g["bron"] == "ELAN/LUMC op basis van CBS-microdata").all() and d.ELAN_BRON == g["bron"].iloc[0]
    assert (g["indelingsjaar"] == 2022).all()


def test_noordwijk_on_post_2019_boundaries() -> None:
    # Noordwijk absorbed Noordwijkerhout in 2019; ELAN counts both for every year (no jump in 2019)
    g = d.load_elan_haaglanden().set_index(["gemeentecode", "jaar"])["inwoners"]
    assert g[("GM0575", 2015)] > 40000 and abs(g[("GM0575", 2019)] / g[("GM0575", 2018)] - 1) < 0.05
    assert "GM0576" not in {c for c, _ in g.index}


def test_wijk_panel_values_read_by_hand() -> None:
    w = d.load_elan_haaglanden("wijk")
    assert w["wijkcode"].nunique() == 70 and len(w) == 70 * 8
    assert w.groupby("gemeentecode")["wijkcode"].nunique().to_dict() == {
        "GM0518": 44, "GM0603": 11, "GM0629": 2, "GM1916": 13,
    }  # fmt: skip
    row = w.set_index(["wijkcode", "jaar"]).loc[("WK051801", 2015)]
    # df_count_ver_3.csv: WK051801 'Wijk 01 Oostduinen' 2015, Total_Population 8390, %_JGDHULP_user 0.01132300357568534
    assert row["wijknaam"] == "Wijk 01 Oostduinen" and row["gemeentenaam"] == "'s-Gravenhage"
    assert row["inwoners"] == 8390 and row["perc_jeugdhulp_inwoners"] == pytest.approx(1.132300357568534)
    # a small wijk with 0 from 2015 on: possibly suppressed, never a confident zero
    small = w[w["wijkcode"] == "WK051843"]
    assert small["mogelijk_onderdrukt"].all() and (small["inwoners"] < 200).all()
    assert w.loc[w["perc_jeugdhulp_inwoners"] > 0, "mogelijk_onderdrukt"].eq(False).all()
    # every code exists in CBS's 2022 wijk list (the boundary year the loader states)
    assert set(w["wijkcode"]) <= set(d.load_wijken(2022)["wijkcode"])
    assert (w["bron"] == d.ELAN_BRON).all()


def test_wijk_share_is_of_all_residents() -> None:
    # share x residents, summed over a gemeente's wijken, gives about the gemeente's count of users
    # (a share of youths would give about a fifth of it)
    g = d.load_elan_haaglanden().set_index(["gemeentecode", "jaar"])
    w = d.load_elan_haaglanden("wijk")
    users = (w["perc_jeugdhulp_inwoners"] / 100 * w["inwoners"]).groupby([w["gemeentecode"], w["jaar"]]).sum()
    ratio = users / g.loc[users.index, "jeugdhulp_gebruikers"]
    assert ratio.between(0.95, 1.1).all() and len(ratio) == 4 * 8


def test_loader_copies_and_bad_level() -> None:
    a = d.load_elan_haaglanden()
    a.loc[0, "jeugdhulp_gebruikers"] = -1
    assert d.load_elan_haaglanden().loc[0, "jeugdhulp_gebruikers"] != -1
    with pytest.raises(DataError, match="buurt"):
        d.load_elan_haaglanden("buurt")


def test_damaged_file_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    src = (EMBEDDED / "elan_jeugdhulp_gemeenten_2015_2022.csv").read_text(encoding="utf-8").splitlines()
    src[3] = src[3].replace(",2017,", ",2009,")  # a year outside 2015-2022
    bad = tmp_path / "elan_jeugdhulp_gemeenten_2015_2022.csv"
    bad.write_text("\n".join(src) + "\n", encoding="utf-8")
    monkeypatch.setattr(elan, "embedded_path", lambda name: bad)
    d.load_elan_haaglanden.cache_clear()
    try:
        with pytest.raises(DataError, match=r"elan_jeugdhulp_gemeenten_2015_2022.csv.*jaar"):
            d.load_elan_haaglanden()
    finally:
        d.load_elan_haaglanden.cache_clear()


def test_source_is_cited_in_the_catalogue() -> None:
    for name in ("elan_jeugdhulp_gemeenten", "elan_jeugdhulp_wijken"):
        ds = d.DATASETS[name]
        assert ds.path.exists() and "ELAN/LUMC op basis van CBS-microdata" in ds.source + ds.licence
    assert "MIT License" in (EMBEDDED / "elan_wijkprofielen_LICENSE.txt").read_text(encoding="utf-8")
    assert pd.read_csv(d.DATASETS["elan_jeugdhulp_wijken"].path)["YEAR"].min() == 2015
