"""Leefbaarometer 3.0 (meting 2024) per wijk and gemeente, mapped to earlier boundary years."""

from __future__ import annotations

import csv
from collections import defaultdict
from pathlib import Path

import numpy as np
import pytest

from jeugdlib import data as d
from jeugdlib.data import leefbaarometer as lbm
from jeugdlib.errors import DataError

EMBEDDED = Path(d.__file__).resolve().parent / "embedded"


def _shipped_buurten() -> list[dict[str, str]]:
    with (EMBEDDED / "leefbaarometer3_2024_buurten.csv").open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def wijk_2022():
    return d.load_leefbaarometer("wijk", 2022)


def test_soc_and_onv_are_plain_buurt_means(wijk_2022) -> None:
    # computed here from the shipped rows with the csv module: the mean of the buurten BU{wijk digits}..
    sums: dict[str, list[float]] = defaultdict(list)
    for r in _shipped_buurten():
        sums["WK" + r["code"][2:8]].append((float(r["soc"]), float(r["onv"])))
    w = wijk_2022.set_index("wijkcode")
    for code in ("WK001400", "WK051828", "WK003424", "WK034401", "WK059901"):
        vals = np.array(sums[code])
        assert w.loc[code, "n_buurten"] == len(vals) > 0
        assert w.loc[code, "lbm_soc"] == pytest.approx(vals[:, 0].mean(), abs=1e-12)
        assert w.loc[code, "lbm_onv"] == pytest.approx(vals[:, 1].mean(), abs=1e-12)
    # by hand: WK001400 (Groningen) has 6 published buurten (00, 01, 02, 03, 05, 08); soc sums to -0.2335614
    assert w.loc["WK001400", "n_buurten"] == 6
    assert w.loc["WK001400", "lbm_soc"] == pytest.approx(-0.2335614 / 6, abs=1e-9)


def test_layout_and_every_buurt_accounted_for(wijk_2022) -> None:
    assert list(wijk_2022.columns) == [
        "wijkcode", "gemeentecode", "indelingsjaar", "lbm_won", "lbm_fys", "lbm_vrz", "lbm_soc", "lbm_onv",
        "lbm_afw", "n_buurten", "lbm_jaar", "wijkcode_2024", "indeling_gemeente_gewijzigd",
    ]  # fmt: skip
    assert wijk_2022["wijkcode"].is_unique and (wijk_2022["indelingsjaar"] == 2022).all()
    assert (wijk_2022["lbm_jaar"] == 2024).all() and (wijk_2022["n_buurten"] >= 1).all()
    assert set(wijk_2022["wijkcode"]) <= set(d.load_wijken(2022)["wijkcode"])
    assert (wijk_2022["wijkcode"] == wijk_2022["wijkcode_2024"]).all()  # codes are kept, never translated
    cov = d.leefbaarometer_coverage("wijk", 2022)
    # every published buurt is in a mapped wijk or in a listed unmapped one
    assert wijk_2022["n_buurten"].sum() + cov.unmapped["n_buurten"].sum() == len(_shipped_buurten()) == 12147


def test_coverage_of_the_open_model_wijken_and_the_missing_list() -> None:
    from jeugdlib.scp import open_data_frame

    wijken, _ = open_data_frame(2022)
    cov = d.leefbaarometer_coverage("wijk", 2022, wijken["wijkcode"])
    assert cov.n_total == len(wijken) and cov.share >= 0.90
    assert cov.n_covered + len(cov.missing) == cov.n_total
    why = cov.missing.set_index("wijkcode")["reden"]
    # Amsterdam numbers its wijken with letters in 2024 (BU0363AA01): not guessed back to WK0363xx
    assert (why[why.index.str.startswith("WK0363")] == "wijkindeling_gewijzigd").all()
    assert why.index.str.startswith("WK0363").sum() >= 95
    # Weesp (to Amsterdam) and Brielle, Hellevoetsluis, Westvoorne (Voorne aan Zee) merged in 2023
    merged = {c[:6].replace("WK", "GM") for c in why[why == "gemeente_heringedeeld"].index}
    assert merged == {"GM0457", "GM0501", "GM0530", "GM0614"}
    assert set(cov.by_reason().index) == {"gemeente_heringedeeld", "wijkindeling_gewijzigd", "geen_gepubliceerde_buurt"}
    assert cov.missing["toelichting"].notna().all()
    assert "indeling 2022" in cov.summary() and f"{100 * cov.share:.1f}%".replace(".", ",") in cov.summary()
    # Voorne aan Zee's 2024 wijken are listed as unmapped, not assigned to the old gemeenten
    assert (cov.unmapped.loc[cov.unmapped["gemeentecode_2024"] == "GM1992", "reden"] == "gemeente_heringedeeld").all()
    assert (cov.unmapped["gemeentecode_2024"] == "GM1992").any()


def test_gemeente_level_uses_the_official_scores() -> None:
    g = d.load_leefbaarometer("gemeente", 2022).set_index("gemeentecode")
    assert len(g) == 341  # 345 gemeenten of 2022 minus the 4 merged in 2023
    # leefbaarometer3_2024_gemeenten.csv: GM0034 Almere afw -0.0821675, soc -0.00752191, onv -0.0363665
    assert g.loc["GM0034", ["lbm_afw", "lbm_soc", "lbm_onv"]].tolist() == [-0.0821675, -0.00752191, -0.0363665]
    assert g.loc["GM0034", "gemeentenaam"] == "Almere" and g.loc["GM0034", "lbm_jaar"] == 2024
    assert bool(g.loc["GM0363", "gebied_gewijzigd"]) and not g.loc["GM0034", "gebied_gewijzigd"]  # Amsterdam + Weesp
    cov = d.leefbaarometer_coverage("gemeente", 2022)
    assert (cov.n_covered, cov.n_total) == (341, 345)
    assert set(cov.missing["gemeentecode"]) == {"GM0457", "GM0501", "GM0530", "GM0614"}
    assert set(cov.missing["gemeentecode_2024"]) == {"GM0363", "GM1992"}
    g24 = d.load_leefbaarometer("gemeente", 2024)
    assert len(g24) == 342 and g24["n_buurten"].sum() == 12147


def test_other_boundary_years() -> None:
    assert d.leefbaarometer_coverage("wijk", 2024).share == 1.0
    w17 = d.load_leefbaarometer("wijk", 2017)
    assert set(w17["wijkcode"]) <= set(d.load_scp_2017()["wijkcode"]) and (w17["indelingsjaar"] == 2017).all()
    # Bedum (GM0005, merged into Het Hogeland in 2019) has no 2017 wijk score
    assert not w17["gemeentecode"].eq("GM0005").any()


def test_bad_input_and_copies(wijk_2022) -> None:
    with pytest.raises(DataError, match="buurt"):
        d.load_leefbaarometer("buurt", 2022)
    with pytest.raises(DataError, match="2019"):
        d.load_leefbaarometer("wijk", 2019)
    with pytest.raises(DataError, match="WK999999"):
        d.leefbaarometer_coverage("wijk", 2022, ["WK999999"])
    a = d.load_leefbaarometer("wijk", 2022)
    a.loc[0, "lbm_soc"] = 99.0
    assert d.load_leefbaarometer("wijk", 2022).loc[0, "lbm_soc"] != 99.0


def test_damaged_embedded_file_refused(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    lines = (EMBEDDED / "leefbaarometer3_2024_buurten.csv").read_text(encoding="utf-8").splitlines()
    cases = {
        "score": (lines[1].replace(",0.189053,", ",189053,"), r"afw"),  # decimal point lost: out of -1..1
        "code": (lines[1].replace("BU00140000", "BU0014-000"), r"buurtcode.*rows \[2\]"),
    }
    for name, (line, pattern) in cases.items():
        bad = tmp_path / f"{name}.csv"
        bad.write_text("\n".join([lines[0], line, *lines[2:50]]) + "\n", encoding="utf-8")
        monkeypatch.setattr(lbm, "embedded_path", lambda _n, bad=bad: bad)
        for f in (lbm._buurten, lbm._wijken_2024, lbm._gemeenten_2024, lbm._map, d.load_leefbaarometer):
            f.cache_clear()
        with pytest.raises(DataError, match=pattern):
            d.load_leefbaarometer("wijk", 2022)
    monkeypatch.undo()
    for f in (lbm._buurten, lbm._wijken_2024, lbm._gemeenten_2024, lbm._map, d.load_leefbaarometer):
        f.cache_clear()
    assert len(d.load_leefbaarometer("wijk", 2022)) > 3000
