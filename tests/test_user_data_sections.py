"""The user-data sections (local wijk data, policy table, trajectories and costs) as a reader sees them.

Every table is rendered through ``to_html`` and checked for Dutch formatting: euro amounts, shares as
percentages, standard errors in significant digits, p-values, Dutch headers, and never ``nan``,
``None`` or ``<NA>``. The local wijk data and the trajectories are SYNTHETIC (seeded random values).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from scipy import stats

from jeugdlib import formatting as F
from jeugdlib import reports
from jeugdlib.report_sections import local_data_section, policy_section, to_html, trajectory_section
from jeugdlib.report_sections.user_data import lr_sentence, policy_label

MINUS = "\u2212"
ENGLISH = ("llf", "aic", "p_value", "estimate", "std_error", "converged", "ci_low", "ci_high", "statistic", "term")
NUM = r"\d{1,3}(?:\.\d{3})*"


def _cells(html: str) -> tuple[list[str], list[list[str]]]:
    soup = BeautifulSoup(html, "html.parser")
    head = [th.get_text() for th in soup.find("thead").find_all("th")]
    body = [[td.get_text() for td in tr.find_all("td")] for tr in soup.find("tbody").find_all("tr")]
    return head, body


def _column(html: str, name: str) -> list[str]:
    head, body = _cells(html)
    j = head.index(name)
    return [row[j] for row in body]


def _assert_clean(section: dict) -> list[str]:
    """Every table of the section rendered; no missing-value words or English statistics headers."""
    htmls = [to_html(t) for t in section["tables"]]
    for html in htmls:
        text = BeautifulSoup(html, "html.parser").get_text(" ")
        for bad in ("nan", "NaN", "None", "<NA>", "NaT", "True", "False"):
            assert not re.search(rf"(?<!\w){re.escape(bad)}(?!\w)", text), (bad, text[:300])
        head, _ = _cells(html)
        assert not set(head) & set(ENGLISH), head
        assert not any("_" in h for h in head), head
    for bad in ("nan", "None", "<NA>"):
        assert not re.search(rf"(?<!\w){re.escape(bad)}(?!\w)", section["text"]), bad
    return htmls


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    from jeugdlib.data import load_wijken
    from jeugdlib.trajectories import simulate_trajectories

    tmp = tmp_path_factory.mktemp("user_data")
    w = load_wijken(2022)
    w = w[w.jeugdregio_code == "JZ24"]
    rng = np.random.default_rng(20240624)
    pd.DataFrame(
        {
            "wijkcode": w.wijkcode,
            "jaar": 2022,
            "sociale_cohesie": rng.normal(6.0, 0.6, len(w)).round(1),
            "veiligheid_ervaren": rng.normal(7.0, 0.5, len(w)).round(1),
            "bron": "SYNTHETISCH",
        }
    ).to_csv(tmp / "SYNTHETIC_local.csv", index=False)
    # one gemeente with the policy nationally (GM0518), one without (0 = never), one absent from the region
    pd.DataFrame(
        {
            "gemeentecode": ["GM0518", "GM0503", "GM0363"],
            "jaar_wijkteam": [2016, 0, 0],
            "intensiteit_wijkteam": [0.25, None, 0.5],
            "opmerking": ["x", "y", "z"],
        }
    ).to_csv(tmp / "beleid.csv", index=False)
    sim = simulate_trajectories(1500, "2018-01-01", "2022-12-31", seed=3, gemeenten=("GM0518", "GM0503"))
    sim.trajectories.to_csv(tmp / "trajecten.csv", index=False)
    sim.claims.to_csv(tmp / "declaraties.csv", index=False)
    return tmp


@pytest.fixture(scope="module")
def local(files):
    # the section fits its own ML models; of the national models it only needs the year
    return local_data_section("JZ24", reports.NationalModels(None, None, 2022), str(files / "SYNTHETIC_local.csv"))


def test_local_data_section_is_dutch(local):
    fit, lr, coef, var = _assert_clean(local)
    # model fit: thousands separators and a true minus sign
    assert _column(fit, "Model") == ["zonder lokale kenmerken", "met lokale kenmerken"]
    assert all(re.fullmatch(rf"{MINUS}{NUM},\d", v) for v in _column(fit, "Log-likelihood"))
    n = _column(fit, "Wijken")[0]
    assert re.fullmatch(r"\d\.\d{3}", n), n  # thousands of wijken nationally: "2.836"
    # coefficients: Dutch row labels, SEs with two significant digits (never "0,0"), p-values
    assert _column(coef, "Kenmerk") == ["Sociale cohesie (0–10)", "Ervaren veiligheid (0–10)"]
    ses = _column(coef, "Standaardfout")
    assert all(re.fullmatch(r"0,0*[1-9]\d|[1-9],\d|\d+", s) for s in ses), ses
    assert all(re.fullmatch(r"< 0,001|0,\d{2,3}|> 0,99", p) for p in _column(coef, "p-waarde"))
    # estimates and intervals carry as many decimals as the SE
    dec = max(len(s.split(",")[1]) if "," in s else 0 for s in ses)
    for name in ("Effect per SD (procentpunt)", "Ondergrens 95%-interval", "Bovengrens 95%-interval"):
        assert all(len(v.split(",")[1]) == dec for v in _column(coef, name)), name
    # variances: the explained part is a percentage
    assert all(v.endswith("%") for v in _column(var, "Verklaard deel"))
    assert _column(var, "Niveau") == ["jeugdregio", "gemeente", "wijk", "totaal"]


def test_local_data_lr_test_is_shown_and_consistent(local):
    fit_t, lr_t = local["tables"][0], local["tables"][1]
    row = lr_t.iloc[0]
    # LR = 2 (llf_extended - llf_base), p from chi2(df): the published numbers agree with each other
    llf = fit_t.set_index("Model")["Log-likelihood"]
    lr = 2 * (llf["met lokale kenmerken"] - llf["zonder lokale kenmerken"])
    assert row["LR-toetsingsgrootheid"] == pytest.approx(lr, abs=0.2)
    assert row["Vrijheidsgraden"] == 2  # two local variables
    assert row["p-waarde"] == pytest.approx(stats.chi2.sf(row["LR-toetsingsgrootheid"], 2), abs=1e-3)
    # the sentence shows exactly the published numbers, in Dutch notation
    lr_html = to_html(lr_t)
    stat, df, p = (_column(lr_html, c)[0] for c in ("LR-toetsingsgrootheid", "Vrijheidsgraden", "p-waarde"))
    p_text = f"p {p}" if p.startswith(("<", ">")) else f"p = {p}"
    assert f"LR = {stat} bij {df} vrijheidsgraden, {p_text}" in local["text"]
    assert "likelihood-ratiotoets" in local["text"]
    wijken = F.count(fit_t["Wijken"].iloc[0])
    assert f"in {wijken} wijken" in local["text"]
    assert re.search(rf"^{NUM} van de {NUM} wijken uit het bestand zijn gekoppeld", local["text"])


def test_lr_sentence():
    assert lr_sentence(1.79, 2, 0.409, "2.836 wijken") == (
        "De likelihood-ratiotoets vergelijkt hoe goed het model met en zonder de lokale kenmerken het gebruik in "
        "2.836 wijken beschrijft: LR = 1,79 bij 2 vrijheidsgraden, p = 0,41; de lokale kenmerken verklaren het "
        "gebruik dus niet aantoonbaar beter dan de open wijkkenmerken alleen."
    )
    strong = lr_sentence(25.4, 1.0, 4.6e-7, "1 wijk")
    assert "in 1 wijk beschrijft" in strong and "bij 1 vrijheidsgraad, p < 0,001" in strong
    assert "verklaren het gebruik dus beter" in strong
    assert lr_sentence(float("nan"), 2, float("nan")) == "De likelihood-ratiotoets kon niet worden berekend."


@pytest.fixture(scope="module")
def policy(files):
    return policy_section("JZ24", str(files / "beleid.csv"))


def test_policy_section_is_dutch(policy):
    regional, national = _assert_clean(policy)
    head, _ = _cells(regional)
    assert head == [
        "Gemeentecode",
        "Gemeente",
        "Wijkteam geeft zelf hulp sinds",
        "Intensiteit wijkteam",
        "Jeugdhulp in natura 2022 (%)",
        "Waarvan met verblijf (%)",
    ]
    by_gem = dict(zip(_column(regional, "Gemeente"), _column(regional, "Wijkteam geeft zelf hulp sinds"), strict=True))
    assert by_gem["'s-Gravenhage"] == "2016" and by_gem["Delft"] == "geen" and by_gem["Zoetermeer"] == "–"
    share = dict(zip(_column(regional, "Gemeente"), _column(regional, "Intensiteit wijkteam"), strict=True))
    assert share["'s-Gravenhage"] == "25,0%" and share["Delft"] == "–"
    # the user's unknown column is not published, and the text says so
    assert "opmerking" not in regional and "1 kolom uit de invoer is niet gepubliceerd" in policy["text"]
    # national comparison: counts with thousands separators, the group "met beleid" is one gemeente
    assert all(re.fullmatch(rf"{NUM}|–", v) for v in _column(national, "Aantal inwoners 0–24 jaar"))
    assert _column(national, "Gemeenten")[0] == "1"


def test_policy_text_is_plural_aware(policy):
    text = policy["text"]
    assert "2 van de 10 gemeenten in de regio staan in de beleidstabel" in text
    assert "telt de groep met beleid (wijkteams die zelf hulp geven) 1 gemeente;" in text
    assert "1 gemeenten" not in text
    assert policy_label("jaar_poh") == "POH-jeugd gefinancierd sinds"


@pytest.fixture(scope="module")
def trajectories(files):
    return trajectory_section("JZ24", str(files / "trajecten.csv"), str(files / "declaraties.csv"))


def test_trajectory_section_euros_and_shares(trajectories):
    htmls = _assert_clean(trajectories)
    assert len(htmls) >= 4, "durations, providers and the two cost tables"
    costs = next(h for h in htmls if "Kosten (euro)" in _cells(h)[0])
    decomposition = next(h for h in htmls if "Aandeel van de verandering" in _cells(h)[0])
    for name in ("Kosten (euro)", "Kosten per zorgmaand (euro)", "Kosten per cliënt (euro)"):
        assert all(re.fullmatch(rf"{MINUS}?€ {NUM}", v) for v in _column(costs, name)), name
    effects = _column(decomposition, "Effect (euro)")
    assert all(re.fullmatch(rf"{MINUS}?€ {NUM}", v) for v in effects), effects
    shares = _column(decomposition, "Aandeel van de verandering")
    assert all(re.fullmatch(rf"{MINUS}?{NUM},\d%", v) for v in shares), shares
    assert shares[-1] == "100,0%"  # the total change is all of the change
    # the parts add up to the total (whole euros, each rounded once)
    amounts = [int(v.replace("€ ", "").replace(".", "").replace(MINUS, "-")) for v in effects]
    assert abs(sum(amounts[:-1]) - amounts[-1]) <= len(amounts) - 1
    # whole days for the Kaplan–Meier median
    durations = htmls[0]
    assert all(re.fullmatch(rf"{NUM}|–", v) for v in _column(durations, "Mediane duur (dagen)"))
