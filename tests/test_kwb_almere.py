"""KWB across years on real CBS rows: Almere (GM0034), its wijken, 2018-2025.

The fake cbsodata client serves the rows of ``tests/fixtures/kwb_almere`` (copied verbatim
from CBS OData output; provenance in that folder's README) with per-year metadata derived
from the rows. No network.
"""

from __future__ import annotations

import importlib.util
import json
import re
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from jeugdlib.data import cbs
from jeugdlib.errors import DataError, JeugdlibWarning

FIXTURE = Path(__file__).parent / "fixtures" / "kwb_almere"
_spec = importlib.util.spec_from_file_location("almere_fake_client", FIXTURE / "fake_client.py")
assert _spec is not None and _spec.loader is not None
_fake = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fake)
AlmereCBS = _fake.AlmereCBS

#: JongerenMetJeugdzorgInNatura of GM0034 in each yearly table, read by hand from the source rows.
ALMERE_JEUGDZORG = {2018: 5805, 2019: 5885, 2020: 5960, 2021: 6585, 2022: 6680, 2023: 7160, 2024: 7400}
#: PercentageJongerenMetJeugdzorg of GM0034 as stored (one decimal, no decimal point: 96 = 9.6%).
ALMERE_PERC_STORED = {2018: 96, 2019: 97, 2020: 97, 2021: 107, 2022: 108, 2023: 114, 2024: 117}


@pytest.fixture(autouse=True)
def _no_network_cbs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    import cbsodata

    def boom(*a: Any, **k: Any) -> Any:
        raise AssertionError("real cbsodata called in tests (no network allowed)")

    for name in ("get_data", "get_meta"):
        monkeypatch.setattr(cbsodata, name, boom)
    monkeypatch.setenv("JEUGDLIB_CACHE_DIR", str(tmp_path / "envcache"))


def _kwb(year: int, level: str, tmp_path: Path, client: Any = None, **kw: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JeugdlibWarning)  # the x10 note, tested on its own below
        return cbs.kwb(year, level, cache_dir=tmp_path / str(year), client=client or AlmereCBS(), **kw)  # type: ignore[arg-type]


def test_fixture_is_the_real_rows_and_local() -> None:
    rows = pd.read_csv(FIXTURE / "kwb_almere_rows.csv", sep=";", dtype=str, keep_default_na=False)
    kinds = rows.groupby([rows["Peildatum"].str[-4:], rows["SoortRegio_2"].str.strip()]).size().unstack()
    assert kinds["Gemeente"].eq(1).all() and (kinds["Buurt"] > 0).all()  # buurten of wijk 01: must be dropped
    assert kinds["Wijk"].to_dict() == {str(y): 6 if y < 2022 else 71 for y in range(2018, 2026)}
    # CBS pads codes; numbers carry no decimal point (one-decimal values stored x10)
    assert rows["Codering_3"].iloc[0] == "GM0034    "
    assert not rows.drop(columns=["Peildatum"]).apply(lambda s: s.str.contains(r"\d[.,]\d").any()).any()
    for p in FIXTURE.iterdir():
        assert not re.search(r"/work/shared|\.\./shared", p.read_text(encoding="utf-8")), p.name


@pytest.mark.parametrize("year", sorted(ALMERE_JEUGDZORG))
def test_every_year_harmonises_at_both_levels(year: int, tmp_path: Path) -> None:
    cols = list(cbs.KWB_COLUMNS)
    gm = _kwb(year, "gemeente", tmp_path / "g", columns=cols)
    assert gm["gemeentecode"].tolist() == ["GM0034"] and gm["gemeentenaam"].tolist() == ["Almere"]
    assert gm["jongeren_met_jeugdzorg"].tolist() == [ALMERE_JEUGDZORG[year]]
    assert gm["perc_jongeren_met_jeugdzorg"].tolist() == [pytest.approx(ALMERE_PERC_STORED[year] / 10)]
    # an independent check of the scale: % of 0-22 year olds lies just above the share of the 0-24 population
    proxy = 100 * gm["jongeren_met_jeugdzorg"] / (gm["inw_0_14"] + gm["inw_15_24"])
    assert ((gm["perc_jongeren_met_jeugdzorg"] / proxy).between(1.0, 1.4)).all()
    assert gm["gem_huishoudensgrootte"].iloc[0] == pytest.approx(
        gm["inwoners"].iloc[0] / gm["huishoudens"].iloc[0], abs=0.1
    )
    wk = _kwb(year, "wijk", tmp_path / "w", columns=cols)
    assert len(wk) == (6 if year < 2022 else 71) and wk["wijkcode"].is_unique
    assert wk["wijkcode"].str.match(r"^WK0034\d\d$").all() and (wk["gemeentecode"] == "GM0034").all()
    # wijk counts are rounded to 5 and suppressed below 10: they add up to at most the gemeente total
    n = wk["jongeren_met_jeugdzorg"].dropna()
    assert (n % 5 == 0).all() and n.min() >= 10 and n.sum() <= ALMERE_JEUGDZORG[year]


def test_2022_has_71_wijken_and_their_counts(tmp_path: Path) -> None:
    wk = _kwb(2022, "wijk", tmp_path, columns=["inwoners", "jongeren_met_jeugdzorg", "perc_jongeren_met_jeugdzorg"])
    assert len(wk) == 71
    row = wk.set_index("wijkcode").loc["WK003424"]  # read by hand: 9895 inhabitants, 295 youths, 97 (= 9.7%)
    assert (row["inwoners"], row["jongeren_met_jeugdzorg"], row["perc_jongeren_met_jeugdzorg"]) == (9895, 295, 9.7)
    assert np.isnan(wk.set_index("wijkcode").loc["WK003415", "jongeren_met_jeugdzorg"])  # 0 inhabitants: empty


def test_percentages_scaled_by_the_metadata_not_by_a_guess(tmp_path: Path) -> None:
    with pytest.warns(JeugdlibWarning, match=r"PercentageJongerenMetJeugdzorg_88 \(/10\).*Decimals"):
        cbs.kwb(2022, "gemeente", columns=["perc_jongeren_met_jeugdzorg"], cache_dir=tmp_path / "a", client=AlmereCBS())
    # the same rows with Decimals 0 in the metadata are read as they are
    fake = AlmereCBS()
    fake.meta = json.loads(json.dumps(fake.meta))
    for p in fake.meta["85318NED"]["DataProperties"]:
        if p["Key"].startswith("PercentageJongerenMetJeugdzorg"):
            p["Decimals"] = 0
    with warnings.catch_warnings():
        warnings.simplefilter("error", JeugdlibWarning)
        out = cbs.kwb(2022, "gemeente", columns=["perc_jongeren_met_jeugdzorg"], cache_dir=tmp_path / "b", client=fake)
    assert out["perc_jongeren_met_jeugdzorg"].tolist() == [108.0]
    # values written with their decimal point (CBS's untyped output) are never rescaled
    fake = AlmereCBS()
    fake.rows = {t: [dict(r) for r in rows] for t, rows in fake.rows.items()}
    for r in fake.rows["85318NED"]:
        if r["PercentageJongerenMetJeugdzorg_88"]:
            r["PercentageJongerenMetJeugdzorg_88"] = f"{int(r['PercentageJongerenMetJeugdzorg_88']) / 10:8.1f}"
    out = _kwb(2022, "gemeente", tmp_path / "c", client=fake, columns=["perc_jongeren_met_jeugdzorg"])
    assert out["perc_jongeren_met_jeugdzorg"].tolist() == [10.8]


def test_lossy_export_is_flagged(tmp_path: Path) -> None:
    # household size 2.0 is stored '2' (its '.0' lost), 2.3 as '23': among 71 wijken no value ends in 0
    with pytest.warns(JeugdlibWarning, match=r"GemiddeldeHuishoudensgrootte_32 \(/10, no value ends in 0\)"):
        cbs.kwb(2022, "wijk", columns=["gem_huishoudensgrootte"], cache_dir=tmp_path, client=AlmereCBS())


def test_2025_table_has_no_youth_care_yet(tmp_path: Path) -> None:
    gm = _kwb(2025, "gemeente", tmp_path, columns=["inwoners", "jongeren_met_jeugdzorg"])
    assert gm["inwoners"].tolist() == [229574] and gm["jongeren_met_jeugdzorg"].isna().all()
    with pytest.raises(DataError, match=r"86165NED.*GemiddeldeWOZWaardeVanWoningen.*woz_waarde"):
        _kwb(2025, "gemeente", tmp_path / "b", columns=["woz_waarde"])


# --------------------------------------------------------------------------- wijk_panel


def _panel(tmp_path: Path, years: Any = range(2018, 2025), **kw: Any) -> pd.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", JeugdlibWarning)
        return cbs.wijk_panel(years, cache_dir=tmp_path, client=AlmereCBS(), **kw)


def test_wijk_panel_flags_every_boundary_change(tmp_path: Path) -> None:
    p = _panel(tmp_path, columns=["inwoners", "jongeren_met_jeugdzorg"], gemeenten=["GM0034"])
    assert len(p) == 6 * 4 + 71 * 3 and not p.duplicated(["wijkcode", "jaar"]).any()
    changed = p.groupby("jaar")["grens_gewijzigd"].sum(min_count=1)
    # 2018: nothing to compare with; 2020/2021: CBS marks the 6 old wijken redrawn (5, then 6); 2022: 6 -> 71
    assert pd.isna(changed[2018]) and changed.drop(2018).to_dict() == {
        2019: 0, 2020: 5, 2021: 6, 2022: 71, 2023: 0, 2024: 0,
    }  # fmt: skip
    new = p[p["jaar"] == 2022].set_index("wijkcode")["nieuwe_code"]
    assert new.sum() == 65 and not new[[f"WK00340{i}" for i in range(1, 7)]].any()
    # the same code before and after the 2022 redrawing is two series: no trend across it
    w1 = p[p["wijkcode"] == "WK003401"].set_index("jaar")
    assert w1["reeks"].to_dict() == {
        2018: "WK003401:2018", 2019: "WK003401:2018", 2020: "WK003401:2020", 2021: "WK003401:2021",
        2022: "WK003401:2022", 2023: "WK003401:2022", 2024: "WK003401:2022",
    }  # fmt: skip
    diff = p.groupby("reeks")["inwoners"].diff().set_axis(p.index)[p["wijkcode"] == "WK003401"].to_numpy()
    assert np.isnan(diff[[0, 2, 3, 4]]).all() and diff[1] == 22875 - 22790  # 23530 -> 1635 is never a "trend"
    assert p["indelingswijziging"].isin([1.0, 3.0]).all()


def test_wijk_panel_refuses_gaps_and_bad_input(tmp_path: Path) -> None:
    with pytest.raises(DataError, match=r"skip \[2019\]"):
        _panel(tmp_path, years=[2018, 2020])
    with pytest.raises(DataError, match="2016"):
        _panel(tmp_path, years=[2016, 2017])
    with pytest.raises(DataError, match="inkomen"):
        _panel(tmp_path, columns=["inkomen"])
    with pytest.raises(DataError, match="gemeenten"):
        _panel(tmp_path, gemeenten=["XX34"])
