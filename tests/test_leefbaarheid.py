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
    assert f"steeg het aandeel inwoners met jeugdhulp in {ups} van de 2 gemeenten" in text
    assert elan_trend([]).empty and "geen ELAN-cijfers" in elan_trend_text(elan_trend([]))
