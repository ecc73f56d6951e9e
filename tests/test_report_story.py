"""The story of a regional report: measures box, totals reconciliation, deviation categories, summary."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdlib import formatting as F
from jeugdlib import publication as P
from jeugdlib.publication import Publication, TableSpec
from jeugdlib.report_sections import regional as R
from jeugdlib.report_sections import story as S


def _table(rows: list[tuple]) -> pd.DataFrame:
    """A published-like wijk table: (wijk, gemeente, observed, expected, pi_low, pi_high, category)."""
    df = pd.DataFrame(rows, columns=["Wijk", "Gemeente", S.COL_OBS, S.COL_EXP, S.COL_PI_LOW, S.COL_PI_HIGH, S.COL_CAT])
    df[S.COL_DIFF] = df[S.COL_OBS] - df[S.COL_EXP]
    df[S.COL_DIFF_LOW] = df[S.COL_OBS] - df[S.COL_PI_HIGH]
    df[S.COL_DIFF_HIGH] = df[S.COL_OBS] - df[S.COL_PI_LOW]
    return df


# four published wijken (one of each category) and one hidden
KNOWN = _table(
    [
        ("Noord", "A", 15.0, 8.0, 4.0, 12.0, S.CATEGORIES[0]),  # +7, half-width above 4 -> score 1.75
        ("Zuid", "A", 5.0, 9.0, 6.0, 13.0, S.CATEGORIES[1]),  # -4, distance below 3 -> score 1.33
        ("Oost", "B", 10.0, 8.0, 4.0, 12.0, S.CATEGORIES[2]),  # +2 -> 0.5
        ("West", "B", 8.5, 8.0, 4.0, 12.0, S.CATEGORIES[3]),  # +0.5 -> 0.125
        ("Klein", "B", np.nan, 7.0, 3.0, 11.0, None),  # hidden: only expected
    ]
)


def test_deviation_category_graded():
    obs = [13.0, 11.0, 9.6, 8.0, np.nan, 6.5]
    exp = [8.0] * 6
    pi95 = ([4.0] * 6, [12.0] * 6)
    pi80 = ([5.5] * 6, [10.5] * 6)
    cat = S.deviation_category(obs, pi95, pi80, exp)
    assert list(cat) == [
        "buiten het 95%-interval",
        "buiten het 80%-interval",
        "verschil ≥ 1,5 procentpunt",
        "binnen de verwachting",
        None,
        "verschil ≥ 1,5 procentpunt",  # exactly 1.5 below expected
    ]


def test_interval_width_and_text():
    assert S.interval_width(KNOWN) == pytest.approx(8.0 * 4 / 5 + 7.0 / 5)  # widths 8, 7, 8, 8, 8: hidden counts too
    text = S.interval_width_text(7.8)
    assert "gemiddeld 7,8 procentpunt breed" in text and "ruim 3,9 procentpunt" in text
    assert "geen voorspellingsinterval" in S.interval_width_text(float("nan"))


def test_deviation_counts():
    c = S.deviation_counts(KNOWN)
    assert c["gepubliceerd"] == 4 and c["afgeschermd"] == 1
    assert (c["hoger_95"], c["lager_95"], c["buiten_80"], c["drempel"]) == (1, 0, 2, 3)
    assert [c[k] for k in S.CATEGORIES] == [1, 1, 1, 1]


def test_wijken_to_watch_ranks_by_interval_and_skips_hidden():
    watch = S.wijken_to_watch(KNOWN, n=3)
    assert list(watch["Wijk"]) == ["Noord", "Zuid", "Oost"]
    assert watch["Afstand (interval)"].tolist() == pytest.approx([7 / 4, 4 / 3, 0.5])
    assert "Klein" not in set(S.wijken_to_watch(KNOWN, n=10)["Wijk"])


def test_deviation_display_is_dutch_text():
    shown = S.deviation_display(KNOWN)
    assert shown.loc[0, "Verschil in procentpunt (95%-interval)"] == "+7,0 (+3,0 tot +11,0)"
    assert shown.loc[1, "Verschil in procentpunt (95%-interval)"] == "−4,0 (−8,0 tot −1,0)"
    assert shown.loc[4].tolist() == ["Klein", "B", "–", "7,0% (3,0 tot 11,0)", "–", "–"]
    assert not shown.isin(["nan", "None", "<NA>"]).any().any()


def test_deviation_text_plurals():
    text = S.deviation_text(KNOWN)
    assert "Van de 4 wijken met gepubliceerde cijfers ligt het gebruik in 1 wijk buiten het 95%-interval" in text
    assert "Van 1 wijk is het aantal jongeren afgeschermd" in text
    assert "1 wijken" not in text


def test_executive_summary_known_inputs():
    s = S.executive_summary("Regio X", 2022, 9.84, 9.48, KNOWN)
    assert len(s) == 5
    assert s[0] == (
        "In Regio X kreeg in 2022 9,8% van de inwoners van 0–24 jaar jeugdzorg in natura; dat is hoger dan het "
        "landelijke 9,5%."
    )
    assert "Van de 4 wijken met gepubliceerde cijfers ligt het gebruik in 1 wijk duidelijk hoger en in 0 wijken" in s[1]
    assert "in 3 wijken verschilt het minstens 1,5 procentpunt" in s[1]
    assert "gemiddeld 7,8 procentpunt breed" in s[2]
    assert s[3].startswith("De grootste afwijking ten opzichte van de onzekerheid heeft Noord (A): 15,0% waargenomen")
    assert "+7,0 procentpunt" in s[3]
    assert "geen oordeel" in s[4]
    # five sentences, not five paragraphs: each item is one sentence
    assert all(item.count(". ") == 0 and item.endswith(".") for item in s), s
    # the same rounded share reads "gelijk aan"; nothing observed: no wijk named, the trend sentence instead
    hidden = KNOWN.assign(**{S.COL_OBS: np.nan, S.COL_DIFF: np.nan, S.COL_CAT: None})
    s2 = S.executive_summary("Regio X", 2022, 9.51, 9.48, hidden, trend="Het gebruik steeg.")
    assert "gelijk aan het landelijke 9,5%" in s2[0]
    assert s2[1].startswith("Van geen enkele wijk") and s2[3] == "Het gebruik steeg."
    assert "afgeschermd" in S.executive_summary("Regio X", 2022, float("nan"), 9.48, KNOWN)[0]


def test_measures_box_names_each_measure_and_national_figure():
    box = S.measures_box(S.report_measures(2022, 9.48, 13.2))
    for part in ("Welke cijfers?", "§1 en §2", "§4", "§3", "85098NED", "SCP", "0–24 jaar", "2022*", "2017"):
        assert part in box
    assert "**9,5%**" in box and "**13,2%**" in box and "**8,5%**" in box
    assert "gebruikt drie maten" in box
    four = S.measures_box((*S.report_measures(2022, 9.48, 13.2), S.elan_measure()))
    assert "gebruikt vier maten" in four and "§5" in four and "alle inwoners" in four
    assert "nan" not in four and "(9,5%, 13,2%, 8,5%)" in four  # ELAN has no national figure


def _register() -> Publication:
    """A register holding a gemeente table and a wijk table of the same quantity (published through the boundary)."""
    pub = Publication()
    q = "jongeren met jeugdzorg"
    gem = pd.DataFrame({"gemeentecode": ["GM1", "GM2"], "Gemeente": ["Een", "Twee"], "Aantal": [1235, 300]})
    cols = (P.code("gemeentecode"), P.label("Gemeente"), P.count("Aantal", q))
    pub.publish(gem, TableSpec("g", cols, key="gemeentecode"))
    wijk = pd.DataFrame(
        {
            "wijkcode": ["WK100", "WK200", "WK201", "WK202"],
            "Gemeente": ["Een", "Twee", "Twee", "Twee"],
            "Aantal": [1165, 150, 120, 4],  # WK202 below the threshold: hidden, and one more of Twee with it
        }
    )
    pub.publish(
        wijk,
        TableSpec(
            "w", (P.code("wijkcode"), P.label("Gemeente"), P.count("Aantal", q)), key="wijkcode", groups="Gemeente",
            column_totals=True,
        ),
    )  # fmt: skip
    return pub


def test_reconcile_totals_uses_published_values_only():
    pub = _register()
    gem = pd.DataFrame({"gemeentecode": ["GM1", "GM2"], "Gemeente": ["Een", "Twee"], "Wijken": [1, 4]})
    wijk = pd.DataFrame({"wijkcode": ["WK100", "WK200", "WK201", "WK202"], "Gemeente": ["Een", "Twee", "Twee", "Twee"]})
    rec = S.reconcile_totals(pub, gem, wijk, "jongeren met jeugdzorg").set_index("gemeentecode")
    assert rec.loc["GM1", ["Gemeentetotaal", "Som gepubliceerde wijken", "Verschil"]].tolist() == [1235, 1165, 70]
    assert rec.loc["GM1", "Verklaring"] == "Verder: jongeren zonder wijk en afronding (zie boven)."
    two = rec.loc["GM2"]
    shown = [pub.count("jongeren met jeugdzorg", c) for c in ["WK200", "WK201", "WK202"]]
    assert shown.count(None) == 2  # primary + secondary suppression
    assert two["Wijken afgeschermd"] == 2 and two["Som gepubliceerde wijken"] == sum(v for v in shown if v)
    assert two["Verklaring"].startswith("2 afgeschermde wijken niet in de som; 1 wijk onder 100 inwoners niet in")
    shown = S.reconcile_display(rec.reset_index())
    assert shown.loc[0].tolist()[:5] == ["Een", "1.235", "1.165", "70", "1 (1, 0)"]
    text = S.reconcile_text(rec.reset_index(), 0.9)
    assert "in alle 2 gemeenten verschillen ze" in text
    assert "Voorbeeld: Een telt 1.235 jongeren met jeugdzorg, haar enige wijk 1.165." in text
    assert "Landelijk is de som van de wijken 90% van het gemeentetotaal" in text
    assert "Landelijk" not in S.reconcile_text(rec.reset_index())


def test_wijk_coverage_is_the_median_ratio():
    totals = pd.Series({"GM1": 100.0, "GM2": 200.0, "GM3": 50.0, "GM4": np.nan})
    wijk = pd.Series([40.0, 50.0, 150.0, 10.0, np.nan, 30.0])
    gm = pd.Series(["GM1", "GM1", "GM2", "GM3", "GM3", "GM4"])
    assert S.wijk_coverage(totals, wijk, gm) == pytest.approx(0.75)  # ratios 0.9, 0.75, 0.2; GM4 has no total


def test_wijk_coverage_on_cbs_2022_is_about_nine_tenths():
    from jeugdlib.data import load_gemeenten, load_wijken

    g, w = load_gemeenten(2022), load_wijken(2022)
    cov = S.wijk_coverage(g.set_index("gemeentecode")["jz_jongeren"], w["jz_jongeren"], w["gemeentecode"])
    assert 0.85 < cov < 0.95


# --------------------------------------------------------------------------- on the real models
@pytest.fixture(scope="module")
def models():
    from jeugdlib import reports

    return reports.fit_national_models(2022)


@pytest.fixture(scope="module")
def rijnmond(models):
    from jeugdlib import reports

    pub = Publication()
    overview = reports.region_overview("Rijnmond", 2022, pub=pub)
    open_section = R.region_open_model(models, "Rijnmond", pub=pub)
    return pub, overview, open_section


def test_region_measures_add_elan_only_where_the_report_shows_it(rijnmond, models):
    from jeugdlib import reports

    _, overview, _ = rijnmond
    assert [m.section for m in R.region_measures(overview)] == ["§1 en §2", "§4", "§3"]
    haaglanden = reports.region_overview("Haaglanden", 2022, pub=Publication())
    measures = R.region_measures(haaglanden)
    assert [m.section for m in measures] == ["§1 en §2", "§4", "§3", "§5"]
    assert measures[1].national == pytest.approx(13.2, abs=0.05) and measures[0].national == pytest.approx(
        9.48, abs=0.05
    )
    scp = R.region_scp_2017(models, "Haaglanden", pub=Publication())
    assert scp["n_observed"] == scp["table"]["Waargenomen 2017 (%)"].notna().sum() < scp["n_wijken"]


@pytest.mark.slow
def test_krimpen_total_explained(rijnmond):
    pub, overview, open_section = rijnmond
    section = R.totals_section(overview, open_section, pub=pub)
    rec = section["tables"][0].set_index("gemeentecode")
    k = rec.loc["GM0542"]
    shown = (k["Gemeentetotaal"], k["Som gepubliceerde wijken"], k["Wijken"], k["Wijken afgeschermd"])
    assert shown == (1235, 1165, 1, 0)
    assert "Krimpen aan den IJssel telt 1.235" in section["text"] and "haar enige wijk 1.165" in section["text"]
    # a gemeente's sum never exceeds its total where nothing is hidden and all wijken are in the table
    full = rec[(rec["Wijken afgeschermd"] == 0) & (rec["Wijken"] == rec["Wijken in wijktabel"])]
    assert (full["Verschil"] >= 0).all()


@pytest.mark.slow
def test_open_model_table_categories_and_hidden_wijken(rijnmond):
    _, _, open_section = rijnmond
    t = open_section["table"]
    hidden = t[S.COL_COUNT].isna()
    assert hidden.any() and (~hidden).any()
    for c in (S.COL_OBS, S.COL_DIFF, S.COL_DIFF_LOW, S.COL_DIFF_HIGH, S.COL_CAT):
        assert t.loc[hidden, c].isna().all(), c
    assert t.loc[hidden, [S.COL_EXP, S.COL_PI_LOW, S.COL_PI_HIGH]].notna().all().all()
    pubd = t[~hidden]
    assert set(pubd[S.COL_CAT]) <= set(S.CATEGORIES)
    out95 = (pubd[S.COL_OBS] < pubd[S.COL_PI_LOW]) | (pubd[S.COL_OBS] > pubd[S.COL_PI_HIGH])
    assert ((pubd[S.COL_CAT] == S.CATEGORIES[0]) == out95).all()
    assert (pubd[S.COL_DIFF_HIGH] - pubd[S.COL_DIFF_LOW]).to_numpy() == pytest.approx(
        (pubd[S.COL_PI_HIGH] - pubd[S.COL_PI_LOW]).to_numpy(), abs=2e-3
    )
    assert 5 < open_section["interval_width"] < 12  # the issue: "about 8 pp wide"
    assert open_section["counts"]["gepubliceerd"] == len(pubd)


@pytest.mark.slow
def test_map_frame_contract(rijnmond):
    _, _, open_section = rijnmond
    geo = R.region_map_frame(open_section)
    assert list(geo.columns) == [
        "wijkcode", "wijknaam", "gemeentenaam", "waargenomen", "verwacht", "verschil", "pi_laag", "pi_hoog",
        "categorie", "status", "geometry",
    ]  # fmt: skip
    assert set(geo.status) <= set(R.MAP_STATUS)
    t = open_section["table"]
    n_hidden = int(t[S.COL_COUNT].isna().sum())
    assert (geo.status == "afgeschermd").sum() == n_hidden
    assert (geo.status == "gepubliceerd").sum() == int(t[S.COL_COUNT].notna().sum())
    assert geo.loc[geo.status != "gepubliceerd", ["waargenomen", "verschil", "categorie"]].isna().all().all()
    assert geo.wijknaam.notna().all() and geo.gemeentenaam.notna().all()
    assert "Goeree-Overflakkee" in set(geo.gemeentenaam)
    assert isinstance(geo.attrs.get("note"), str)


@pytest.mark.slow
def test_gemeente_names_are_the_same_in_every_section(models):
    pub = Publication()
    scp = R.region_scp_2017(models, "Haaglanden", pub=pub)
    ov = R.region_overview("Haaglanden", 2022, pub=pub)
    names_2022 = set(ov["table"]["Gemeente"]) - {"Totaal regio"}
    assert set(scp["table"]["Gemeente"]) <= names_2022  # no "Rijswijk (ZH.)" or "'s-Gravenhage (gemeente)"
    assert set(scp["gemeente_effects"]["Gemeente"]) <= names_2022
    ind = R.region_indicators("Haaglanden", pub=pub)["table"]
    assert set(ind["Gemeente"]) - {"Nederland (CBS)"} == names_2022
    assert ind.set_index("Gemeentecode").loc["NL00", "Jeugdhulp in natura (%)"] == pytest.approx(13.2)


def test_deviation_category_uses_the_difference_as_shown():
    """A difference shown as "+1,5" (1,46 rounded) is at the Haaglanden threshold; 1,44 ("+1,4") is not."""
    exp = [10.0, 10.0, 10.0, 10.0]
    obs = [11.46, 8.54, 11.44, 11.4496]  # the last: published as 1,450, shown as +1,5
    wide = ([0.0] * 4, [20.0] * 4)
    cat = S.deviation_category(obs, wide, wide, exp)
    assert list(cat) == [S.CATEGORIES[2], S.CATEGORIES[2], S.CATEGORIES[3], S.CATEGORIES[2]]
    # as the report shows them: the published difference (3 decimals) in one decimal
    assert [F.points(F.rounded(o - e, 3)) for o, e in zip(obs, exp)] == [
        "+1,5 procentpunt", "−1,5 procentpunt", "+1,4 procentpunt", "+1,5 procentpunt"
    ]  # fmt: skip
