"""Leefbaarometer in the open-data model (issue 14) and the report's Leefbaarheid/ELAN sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdlib.multilevel import leefbaarheid as L
from jeugdlib.report_sections import elan_trend, elan_trend_text


@pytest.fixture(scope="module")
def national():
    sets = {k: L.SETS[k] for k in ("sociale samenhang + onveiligheid", "alle vijf")}
    return L.leefbaarometer_tests(2022, sets=sets)


def test_national_lr_matches_the_first_look(national):
    """The issue's independent first look (plain buurt means, 2022 open model): LR 2.1 (df 2, p 0.36), LR 14 (df 5)."""
    t = national.table.set_index("set")
    a, b = t.loc["sociale samenhang + onveiligheid"], t.loc["alle vijf"]
    assert a.df == 2 and b.df == 5
    assert a.lr_statistic == pytest.approx(2.1, abs=0.1) and a.p_value == pytest.approx(0.36, abs=0.01)
    assert b.lr_statistic == pytest.approx(14.0, abs=0.5) and b.p_value == pytest.approx(0.014, abs=0.003)
    # the LR statistic is twice the log-likelihood gain of the two ML fits on the same wijken
    cmp = national.comparisons["alle vijf"]
    assert b.lr_statistic == pytest.approx(2 * (cmp.extended.llf - cmp.base.llf), rel=1e-9)
    assert a.n_wijken == b.n_wijken >= 2500
    # shares of deviating wijken are shares, and the change is their difference
    assert 0 < b.deviating_base < 1 and b.deviating_change == pytest.approx(b.deviating_extended - b.deviating_base)
    tidy = national.tidy()
    assert set(tidy.term) == set(L.DIMENSIONS) and {"estimate", "std_error", "p_value"} <= set(tidy.columns)


def test_national_text_states_the_numbers_and_the_caveat(national):
    text = L.national_text(national)
    assert "niet significant (LR = 2,1, df = 2, p = 0,357" in text
    assert "Alle vijf verbetert het model significant (LR = 14,3, df = 5, p = 0,014" in text
    assert "modelschatting" in text and "KJH" in text


def test_region_text_reads_the_direction():
    rng = np.random.default_rng(1)
    soc = rng.normal(size=40)
    tab = pd.DataFrame({"lbm_soc": soc, "lbm_onv": rng.normal(size=40), "Verschil (procentpunt)": -2 * soc})
    text = L.region_text(tab)
    assert "betere score op sociale samenhang hebben in deze regio vaker een lager gebruik" in text
    assert "rangcorrelatie -1,00, 40 wijken" in text
    assert "overlast en onveiligheid" in text and "geen duidelijke samenhang" in text
    few = L.region_text(tab.head(5))
    assert "te weinig wijken" in few
    # hidden differences (NaN) do not count
    tab.loc[:35, "Verschil (procentpunt)"] = np.nan
    assert "te weinig wijken met gepubliceerde cijfers (4)" in L.region_text(tab)


def test_elan_trend_is_the_loader_pivoted():
    from jeugdlib.data import load_elan_haaglanden

    g = load_elan_haaglanden("gemeente")
    t = elan_trend(["GM0518", "GM0503"])
    assert set(t.gemeentecode) == {"GM0518", "GM0503"}
    dh = g[g.gemeentecode == "GM0518"].set_index("jaar").perc_jeugdhulp_inwoners
    row = t.set_index("gemeentecode").loc["GM0518"]
    assert row["2015"] == pytest.approx(dh.loc[2015]) and row["2022"] == pytest.approx(dh.loc[2022])
    assert row["Verandering (procentpunt)"] == pytest.approx(dh.loc[2022] - dh.loc[2015])
    text = elan_trend_text(t)
    ups = int((t["Verandering (procentpunt)"] > 0).sum())
    expect = "in alle 2 gemeenten" if ups == 2 else f"in {ups} van de 2 gemeenten"
    assert expect in text and "daalde het in 0" not in text
    assert elan_trend([]).empty and "geen ELAN-cijfers" in elan_trend_text(elan_trend([]))


def test_deviation_persistence_known_answer():
    """Synthetic: wijk A (higher in 2017) keeps twice its gemeente's share, wijk B (lower) half of it."""
    from jeugdlib.multilevel.over_time import deviation_persistence, persistence_text

    scp = pd.DataFrame({"wijkcode": ["WK000101", "WK000102", "WK000103"], "residu": [2.0, -3.0, 0.5]})
    rows = []
    for y in (2017, 2022):
        for code, share in (("WK000101", 4.0), ("WK000102", 1.0), ("WK000103", 2.0)):
            rows.append({"wijkcode": code, "wijknaam": code, "gemeentecode": "GM0001", "jaar": y,
                         "perc_jeugdhulp_inwoners": share})  # fmt: skip
    w = pd.DataFrame(rows)
    g = pd.DataFrame({"gemeentecode": "GM0001", "jaar": [2017, 2022], "perc_jeugdhulp_inwoners": [2.0, 2.0]})
    r = deviation_persistence(scp, w, g)
    by = r.wijken.set_index("wijkcode")
    assert by.loc["WK000101", "groep_2017"] == "hoger" and by.loc["WK000102", "groep_2017"] == "lager"
    assert by.loc["WK000103", "groep_2017"] == "zoals verwacht"
    assert by.loc["WK000101", "relatief_2022"] == 2.0 and by.loc["WK000102", "relatief_2017"] == 0.5
    assert r.correlation.rho.tolist() == pytest.approx([1.0, 1.0])
    text = persistence_text(r)
    assert "2,00 keer het aandeel van hun gemeente en in 2022 2,00 keer" in text and "0,50 en 0,50 keer" in text


def test_elan_and_scp_agree_in_2017():
    """Independent check of the two sources: ELAN's 2017 youth-care share of youths ranks wijken as SCP's 2017 share."""
    from jeugdlib.data import load_elan_haaglanden, load_scp_2017

    w = load_elan_haaglanden("wijk").query("jaar == 2017")
    m = load_scp_2017().merge(w, on="wijkcode")
    youth_share = m.perc_jeugdhulp_inwoners / m.perc_0_20
    assert len(m) >= 60
    assert m.perc_jhzv.rank().corr(youth_share.rank()) > 0.8


def test_possibly_suppressed_elan_zeros_are_unknown():
    """ELAN marks a 0 in a small wijk as possibly suppressed: it must not count as 'far below its gemeente'."""
    from jeugdlib.multilevel.over_time import deviation_persistence

    scp = pd.DataFrame({"wijkcode": ["WK000101", "WK000102"], "residu": [2.0, -2.0]})
    w = pd.DataFrame(
        {
            "wijkcode": ["WK000101", "WK000102"] * 2,
            "wijknaam": ["a", "b"] * 2,
            "gemeentecode": "GM0001",
            "jaar": [2017, 2017, 2022, 2022],
            "perc_jeugdhulp_inwoners": [4.0, 1.0, 0.0, 1.0],
            "mogelijk_onderdrukt": [False, False, True, False],
        }
    )
    g = pd.DataFrame({"gemeentecode": "GM0001", "jaar": [2017, 2022], "perc_jeugdhulp_inwoners": [2.0, 2.0]})
    r = deviation_persistence(scp, w, g)
    assert np.isnan(r.wijken.set_index("wijkcode").loc["WK000101", "relatief_2022"])
