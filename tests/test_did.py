"""Tests for jeugdlib.did: R did agreement on mpdta, recovery on the synthetic CPB panel,
bad input. No network; small bootstrap sizes."""

from __future__ import annotations

import warnings
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pytest

matplotlib.use("Agg")

from jeugdlib import did  # noqa: E402
from jeugdlib.errors import DataError, JeugdlibWarning, StaggeredTimingWarning  # noqa: E402

#: R `did` full-precision output on mpdta (generator: tests/reference/r_did_mpdta_aggte.R)
REFERENCE = Path(__file__).parent / "reference" / "r_did_mpdta_aggte.csv"
Z975 = 1.959963984540054  # scipy.stats.norm.ppf(0.975)


def r_did(case: str, kind: str, key: str | int) -> tuple[float, float]:
    """(att, se) of one row of the R reference file."""
    ref = pd.read_csv(REFERENCE, dtype={"key": str}).set_index(["case", "kind", "key"])
    row = ref.loc[(case, kind, str(key))]
    return float(row["att"]), float(row["se"])


MPDTA_ARGS = ("lemp", "countyreal", "year", "first.treat")


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return did.load_mpdta()


@pytest.fixture(scope="module")
def cs_mpdta(mpdta: pd.DataFrame) -> did.AttResult:
    return did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=0)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return did.simulate_cpb_panel(n_gemeenten=300, seed=3)


def _hand_2x2(df: pd.DataFrame, g: int, t: int, b: int) -> float:
    """Difference of mean changes b -> t between cohort g and never-treated (pandas only)."""
    wide = df.pivot(index="countyreal", columns="year", values="lemp")
    cohort = df.groupby("countyreal")["first.treat"].first()
    change = wide[t] - wide[b]
    return float(change[cohort == g].mean() - change[cohort == 0].mean())


# ---------------------------------------------------------------------------- mpdta vs R did
def test_att_gt_matches_r_did_published(cs_mpdta: did.AttResult) -> None:
    tab = cs_mpdta.att_gt.set_index(["group", "time"])
    assert len(tab) == 12
    for (g, t), row in tab.iterrows():
        att, se = r_did("never", "gt", f"{g}_{t}")
        assert row["estimate"] == pytest.approx(att, rel=1e-10), (g, t)
        assert row["std_error"] == pytest.approx(se, rel=1e-10), (g, t)


@pytest.mark.parametrize(
    "g,t,b",
    [
        (2004, 2004, 2003),
        (2004, 2007, 2003),
        (2006, 2005, 2004),
        (2006, 2007, 2005),
        (2007, 2004, 2003),
        (2007, 2007, 2006),
    ],
)
def test_att_gt_equals_hand_2x2(mpdta: pd.DataFrame, cs_mpdta: did.AttResult, g: int, t: int, b: int) -> None:
    row = cs_mpdta.att_gt.query("group == @g and time == @t").iloc[0]
    assert row["base_period"] == b
    assert row["estimate"] == pytest.approx(_hand_2x2(mpdta, g, t, b), abs=1e-6)


def test_agrees_with_differences_package(mpdta: pd.DataFrame, cs_mpdta: did.AttResult) -> None:
    """The independent implementation in `differences` (R did port) agrees to 1e-6, SEs too."""
    from differences import ATTgt

    d = mpdta.assign(c=mpdta["first.treat"].replace(0, np.nan)).set_index(["countyreal", "year"])
    model = ATTgt(data=d, cohort_column="c")
    model.fit(formula="lemp", control_group="never_treated", est_method="dr", progress_bar=False)
    ref = model.results().droplevel("base_period").iloc[:, :2]
    ref.columns = ["estimate", "std_error"]
    ours = cs_mpdta.att_gt.set_index(["group", "time"])
    for (g, t), row in ref.iterrows():
        assert ours.loc[(g, t), "estimate"] == pytest.approx(row["estimate"], abs=1e-6)
        assert ours.loc[(g, t), "std_error"] == pytest.approx(row["std_error"], abs=1e-6)


def test_aggregations_match_r(cs_mpdta: did.AttResult) -> None:
    simple = cs_mpdta.aggregate("simple").overall
    att, se = r_did("never", "simple", "overall")
    assert simple["estimate"] == pytest.approx(att, rel=1e-10)
    assert simple["std_error"] == pytest.approx(se, rel=1e-10)  # analytic; R's bootstrap ~0.0118
    # the interval is estimate +- z * (R's) SE, not just "around" the estimate
    assert simple["ci_low"] == pytest.approx(att - Z975 * se, rel=1e-9)
    assert simple["ci_high"] == pytest.approx(att + Z975 * se, rel=1e-9)
    dyn = cs_mpdta.aggregate("dynamic")
    assert dyn.overall["estimate"] == pytest.approx(r_did("never", "dynamic", "overall")[0], rel=1e-10)
    assert dyn.by["event_time"].tolist() == [-3, -2, -1, 0, 1, 2, 3]
    assert dyn.by.set_index("event_time").loc[0, "estimate"] == pytest.approx(
        r_did("never", "dynamic", 0)[0], rel=1e-10
    )
    by = dyn.by.set_index("event_time")
    assert np.allclose(by["ci_high"] - by["estimate"], Z975 * by["std_error"], rtol=1e-9)
    assert not dyn.uniform and dyn.crit_value == pytest.approx(Z975)
    grp = cs_mpdta.aggregate("group")
    assert grp.overall["estimate"] == pytest.approx(r_did("never", "group", "overall")[0], rel=1e-10)
    for g, est in grp.by.set_index("group")["estimate"].items():
        assert est == pytest.approx(r_did("never", "group", g)[0], rel=1e-10)
    cal = cs_mpdta.aggregate("calendar")
    assert cal.overall["estimate"] == pytest.approx(r_did("never", "calendar", "overall")[0], rel=1e-10)


def test_bootstrap_uniform_bands(mpdta: pd.DataFrame) -> None:
    res = did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=299, seed=7)
    simple = res.aggregate("simple").overall
    assert 0.0105 < simple["std_error"] < 0.0135  # R: 0.0118-0.012 (bootstrap noise)
    pointwise = 1.959964
    assert res.crit_value > pointwise  # simultaneous band wider than pointwise
    dyn = res.aggregate("dynamic")
    assert dyn.uniform and dyn.crit_value > pointwise
    width = (dyn.by["ci_high"] - dyn.by["ci_low"]) / (2 * dyn.by["std_error"])
    assert np.allclose(width, dyn.crit_value)
    again = did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=299, seed=7)
    pd.testing.assert_frame_equal(res.att_gt, again.att_gt)


def test_pretrend_and_notyet_and_covariates(mpdta: pd.DataFrame, cs_mpdta: did.AttResult) -> None:
    w = cs_mpdta.pretrend_test("chi2")
    assert w.df == 5 and 0.05 < w.p_value < 1  # R did reports p = 0.168
    assert w.p_value == pytest.approx(0.168, abs=0.002)
    ny = did.staggered_att(mpdta, *MPDTA_ARGS, control="notyet", n_boot=0)
    assert ny.aggregate("simple").overall["estimate"] == pytest.approx(
        r_did("notyet", "simple", "overall")[0], rel=1e-10
    )
    cov = did.staggered_att(mpdta, *MPDTA_ARGS, covariates=["lpop"], method="dr", n_boot=0)
    assert cov.engine == "differences"
    # R did with xformla = ~lpop: ATT(2004,2004) = -0.0145, simple -0.0418
    assert cov.att_gt.set_index(["group", "time"]).loc[(2004, 2004), "estimate"] == pytest.approx(-0.0145, abs=5e-5)
    assert cov.aggregate("simple").overall["estimate"] == pytest.approx(-0.0418, abs=5e-5)


# ------------------------------------------------------------------ synthetic CPB panel
def test_simulated_panel_is_labelled_and_calibrated(panel: pd.DataFrame) -> None:
    assert panel.attrs["synthetic"] is True and panel["synthetic"].all()
    assert "SYNTHETIC" in (did.simulate_cpb_panel.__doc__ or "")
    assert panel["gemeentecode"].str.fullmatch(r"GM9\d{3}").all()
    units = panel.groupby("gemeentecode").first()
    assert 0.55 < (units["jaar_wijkteam"] > 0).mean() < 0.73
    assert 0.45 < (units["jaar_poh"] > 0).mean() < 0.63
    tot = panel[panel["jaar"].isin([2013, 2018])].groupby("jaar")["jeugdhulp_totaal"].sum()
    assert 4 < 100 * (tot[2018] / tot[2013] - 1) < 10
    cuts = pd.qcut(units["intensiteit_wijkteam"].rank(method="first"), 3, labels=["weinig", "midden", "veel"])
    d = panel.assign(grp=panel["gemeentecode"].map(cuts))
    gr = did.growth_by_group(d, "jeugdhulp_met_verblijf", "grp", 2013, 2018, n_boot=99, seed=1, reference="weinig")
    g = gr.table.set_index("group")["growth_pct"]
    assert 17 < g["weinig"] < 30 and 6 < g["veel"] < 16
    c = gr.contrasts.set_index("group").loc["veel"]
    assert c["ci_high"] < 0
    assert (gr.table["ci_low"] < gr.table["growth_pct"]).all()


def test_cs_recovers_truth_and_twfe_does_not(panel: pd.DataFrame) -> None:
    truth = did.true_att(panel, "ln_met_verblijf", kind="simple")
    res = did.staggered_att(panel, "ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam", n_boot=0)
    s = res.aggregate("simple").overall
    assert s["ci_low"] < truth < s["ci_high"]
    gt = res.att_gt.merge(did.true_att(panel), on=["group", "time"])
    z = (gt["estimate"] - gt["att"]) / gt["std_error"]
    assert np.mean(np.abs(z) < 1.96) > 0.85
    with pytest.warns(StaggeredTimingWarning):
        tw = did.twfe(panel, "ln_met_verblijf", "gemeentecode", "jaar", "wijkteam_helpt")
    assert not (tw.ci_low < truth < tw.ci_high)
    assert abs(tw.estimate - truth) > 3 * abs(s["estimate"] - truth)
    # zero true effect of POH-jeugd is not "found" by the robust estimator
    poh = did.staggered_att(panel, "ln_totaal", "gemeentecode", "jaar", "jaar_poh", n_boot=0)
    p = poh.aggregate("simple").overall
    assert p["ci_low"] < 0 < p["ci_high"]


def test_event_study_estimators_and_compare(panel: pd.DataFrame) -> None:
    dyn_true = did.true_att(panel, "ln_met_verblijf", kind="dynamic").set_index("event_time")["att"]
    with pytest.warns(StaggeredTimingWarning, match="adoption periods"):
        table, results = did.compare_estimators(
            panel, "ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam", window=(-3, 3), return_results=True
        )
    assert set(table["estimator"]) == {"twfe", "sunab", "did2s", "cs", "twfe_static"}
    for est in ("sunab", "did2s", "cs"):
        ev = table[(table["estimator"] == est) & (table["term"] == "event")].set_index("event_time")
        for e in (0, 1, 2, 3):
            assert ev.loc[e, "estimate"] == pytest.approx(dyn_true[e], abs=0.02), (est, e)
        assert results[est].pretrend.p_value > 0.01
    # Sun-Abraham and CS (never-treated control, no covariates) coincide for e >= 0
    sa = results["sunab"].coefs.set_index("event_time")["estimate"]
    cs = results["cs"].coefs.set_index("event_time")["estimate"]
    assert np.allclose(sa.loc[0:3], cs.loc[0:3], atol=1e-8)
    static = table[table["estimator"] == "twfe_static"].iloc[0]
    truth = did.true_att(panel, "ln_met_verblijf", kind="simple")
    assert static["estimate"] > truth + 0.01  # attenuated towards zero


def test_twfe_event_study_warns_and_matches_pyfixest_and_wild(panel: pd.DataFrame) -> None:
    with pytest.warns(StaggeredTimingWarning):
        es = did.event_study(
            panel,
            "ln_met_verblijf",
            "gemeentecode",
            "jaar",
            "jaar_wijkteam",
            window=(-3, 3),
            estimator="twfe",
            n_wild=199,
            seed=1,
        )
    assert es.coefs["event_time"].tolist() == [-3, -2, 0, 1, 2, 3]
    # 300 clusters: the wild bootstrap p-values are close to the normal-theory ones
    assert np.allclose(es.coefs["p_wild"], es.coefs["p_value"], atol=0.05)
    assert es.coefs.set_index("event_time").loc[-3, "p_wild"] == pytest.approx(0.24, abs=0.05)
    assert es.coefs.set_index("event_time").loc[2, "p_wild"] < 0.01
    assert es.coefs.set_index("event_time").loc[-2, "p_wild"] > 0.01
    assert np.allclose(es.coefs["estimate"], es.model.coef().to_numpy())
    assert es.pretrend.df == 2


def test_wild_bootstrap_few_clusters() -> None:
    """Few clusters: automatic wild bootstrap with Webb weights, p-values close to t-based."""
    small = did.simulate_cpb_panel(n_gemeenten=40, seed=5, effect_scale=0.0)
    small = small.assign(single=np.where(small["jaar_wijkteam"] > 0, 2016, 0))
    small["d"] = ((small["single"] > 0) & (small["jaar"] >= 2016)).astype(int)
    with warnings.catch_warnings():
        warnings.simplefilter("error", StaggeredTimingWarning)  # single adoption date: no warning
        res = did.twfe(small, "ln_met_verblijf", "gemeentecode", "jaar", "d", n_wild=9_999, seed=2)
    assert not res.staggered
    assert abs(res.p_wild - res.p_value) < 0.15
    # the independent implementation (wildboottest, WCR-11 on the dummy-variable regression)
    # agrees up to Monte Carlo noise of two 9,999-draw bootstraps
    import statsmodels.formula.api as smf
    from wildboottest.wildboottest import wildboottest

    model = smf.ols("ln_met_verblijf ~ d + C(gemeentecode) + C(jaar)", data=small)
    ref = wildboottest(
        model,
        param="d",
        cluster=pd.factorize(small["gemeentecode"])[0],
        B=9_999,
        weights_type="rademacher",
        impose_null=True,
        bootstrap_type="11",
        seed=1,
        show=False,
    )
    assert res.p_wild == pytest.approx(float(ref["p-value"].iloc[0]), abs=0.02)
    es = did.event_study(
        small, "ln_met_verblijf", "gemeentecode", "jaar", "single", window=(-2, 2), n_wild=None, seed=1
    )
    assert es.n_wild == 9_999 and es.coefs["p_wild"].notna().all()


def test_relative_magnitudes(panel: pd.DataFrame) -> None:
    es = did.event_study(
        panel, "ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam", window=(-3, 3), estimator="sunab"
    )
    rm = did.relative_magnitudes(es, mbar=[0, 1, 2])
    assert (rm.table["ub"] - rm.table["lb"]).is_monotonic_increasing
    assert rm.table.loc[0, "lb"] == pytest.approx(es.post_average["estimate"])
    bd = rm.breakdown_mbar
    m0 = rm.max_pre
    theta, se = es.post_average["estimate"], es.post_average["std_error"]
    # R&R Δ^RM: consecutive pre-period changes (reference -1 at 0) bound each post-period step;
    # post event times 0..3 are steps k = 1..4 from the reference, so the average's bias is m*M0*2.5
    pre = es.coefs.sort_values("event_time").query("event_time < 0")["estimate"].to_numpy()
    assert m0 == pytest.approx(np.max(np.abs(np.diff(np.r_[pre, 0.0]))))
    from scipy import stats

    crit = stats.t.ppf(0.975, es.n_clusters - 1)  # t(G-1), as the event study's own intervals
    assert abs(theta) - crit * se == pytest.approx(bd * m0 * 2.5, rel=1e-6)
    assert rm.table.loc[1, "ub"] - rm.table.loc[1, "lb"] == pytest.approx(2 * m0 * 2.5)


def test_aggregate_empty_range_is_a_clear_error(cs_mpdta: did.AttResult) -> None:
    from jeugdlib import DataError

    with pytest.raises(DataError, match="no group-time cells"):
        cs_mpdta.aggregate("dynamic", min_e=10)


def test_intensity_did(panel: pd.DataFrame) -> None:
    res = did.intensity_did(
        panel,
        "jeugdhulp_met_verblijf",
        "gemeentecode",
        "jaar",
        "intensiteit_wijkteam",
        post_from=2015,
        n_boot=99,
        seed=1,
    )
    assert res.groups["group"].tolist() == ["low", "middle", "high"]
    g = res.groups.set_index("group")["growth_pct"]
    assert g["high"] < g["middle"] < g["low"]
    assert res.contrasts.set_index("group").loc["high", "ci_high"] < 0
    assert res.slope["ci_high"] < 0


def _errorbar_points(ax) -> list[np.ndarray]:
    """(x, y) of every errorbar series drawn on ``ax``."""
    return [np.column_stack(c.lines[0].get_data()) for c in ax.containers if hasattr(c, "lines")]


def test_plots(cs_mpdta: did.AttResult, panel: pd.DataFrame) -> None:
    import matplotlib.pyplot as plt

    from jeugdlib.plots import did as pdid

    es = cs_mpdta.to_event_study()
    fig = pdid.event_study_plot(es)
    (pts,) = _errorbar_points(fig.axes[0])
    assert np.allclose(pts[:, 0], es.coefs["event_time"]) and np.allclose(pts[:, 1], es.coefs["estimate"])
    assert fig.axes[0].get_legend().get_texts()[0].get_text() == "Callaway & Sant'Anna"
    # the whiskers are the interval
    seg = fig.axes[0].containers[0].lines[2][0].get_segments()
    assert np.allclose([s[:, 1].min() for s in seg], es.coefs["ci_low"])
    assert np.allclose([s[:, 1].max() for s in seg], es.coefs["ci_high"])
    truth = pd.DataFrame({"event_time": [0, 1], "att": [0.0, 0.0]})
    fig = pdid.event_study_plot({"cs": es}, truth=truth)
    assert len(_errorbar_points(fig.axes[0])) == 1
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "werkelijk (simulatie)",
        "Callaway & Sant'Anna",
    ]
    fig = cs_mpdta.plot()  # att_gt_plot: one panel per cohort, pre grey and post coloured
    assert len(fig.axes) == 3
    for ax, g in zip(fig.axes, [2004, 2006, 2007], strict=True):
        cells = cs_mpdta.att_gt[cs_mpdta.att_gt["group"] == g]
        pre, post = _errorbar_points(ax)
        assert np.allclose(pre[:, 1], cells.loc[~cells["post"], "estimate"])
        assert np.allclose(post[:, 1], cells.loc[cells["post"], "estimate"])
        assert ax.get_ylabel() == f"cohort {g}"
    assert "puntsgewijze" in fig.texts[0].get_text()  # n_boot = 0: pointwise bands
    res = did.intensity_did(
        panel, "jeugdhulp_met_verblijf", "gemeentecode", "jaar", "intensiteit_wijkteam", post_from=2015, n_boot=0
    )
    fig = res.plot()
    heights = [p.get_height() for p in fig.axes[0].patches]
    assert np.allclose(heights, res.groups["growth_pct"])
    assert [t.get_text() for t in fig.axes[0].get_xticklabels()] == ["low", "middle", "high"]
    plt.close("all")


# ---------------------------------------------------------------------------- bad input
def test_duplicate_rows(mpdta: pd.DataFrame) -> None:
    bad = pd.concat([mpdta, mpdta.iloc[[3]]], ignore_index=True)
    with pytest.raises(DataError, match=r"duplicate \('countyreal', 'year'\) rows.*2500"):
        did.staggered_att(bad, *MPDTA_ARGS, n_boot=0)


def test_cohort_varying_within_unit(mpdta: pd.DataFrame) -> None:
    bad = mpdta.copy()
    bad.loc[0, "first.treat"] = 2004
    with pytest.raises(DataError, match=r"'first.treat' varies within unit\(s\) \[8001\]"):
        did.staggered_att(bad, *MPDTA_ARGS, n_boot=0)


def test_no_never_treated(mpdta: pd.DataFrame) -> None:
    bad = mpdta[mpdta["first.treat"] > 0]
    with pytest.raises(DataError, match="no never-treated units.*control='notyet'"):
        did.staggered_att(bad, *MPDTA_ARGS, n_boot=0)
    res = did.staggered_att(bad, *MPDTA_ARGS, control="notyet", n_boot=0)
    assert res.att_gt["time"].max() < 2007  # no not-yet-treated controls left in 2007


def test_all_treated_in_first_period(mpdta: pd.DataFrame) -> None:
    bad = mpdta.copy()
    bad.loc[bad["first.treat"] > 0, "first.treat"] = 2003
    with pytest.raises(DataError, match="no pre-treatment period"):
        did.staggered_att(bad, *MPDTA_ARGS, n_boot=0)
    some = mpdta.copy()
    some.loc[some["first.treat"] == 2004, "first.treat"] = 2003
    with pytest.warns(JeugdlibWarning, match="treated in the first period"):
        res = did.staggered_att(some, *MPDTA_ARGS, n_boot=0)
    assert set(res.att_gt["group"]) == {2006, 2007}


def test_non_numeric_outcome(mpdta: pd.DataFrame) -> None:
    bad = mpdta.astype({"lemp": object})
    bad.loc[5, "lemp"] = "n.v.t."
    with pytest.raises(
        DataError, match=r"\(outcome\): column 'lemp' must be numeric but has values 'n\.v\.t\.' at rows \[5\]"
    ):
        did.staggered_att(bad, *MPDTA_ARGS, n_boot=0)
    with pytest.raises(DataError, match="column 'lemp' must be numeric"):
        did.event_study(bad, *MPDTA_ARGS)
    # a decimal comma (a Dutch export) is read like multilevel and the loaders read it: through jeugdlib.io
    comma = mpdta.assign(lemp=mpdta["lemp"].map(lambda v: f"{v:.6f}".replace(".", ",")))
    point = mpdta.assign(lemp=mpdta["lemp"].round(6))
    a = did.staggered_att(comma, *MPDTA_ARGS, n_boot=0).aggregate("simple").overall["estimate"]
    b = did.staggered_att(point, *MPDTA_ARGS, n_boot=0).aggregate("simple").overall["estimate"]
    assert a == pytest.approx(b, rel=1e-12)


def test_unbalanced_panel(mpdta: pd.DataFrame) -> None:
    bad = mpdta.drop(index=[0, 7])  # one period missing for two counties
    with pytest.warns(JeugdlibWarning, match="unbalanced panel: 2 unit"):
        res = did.staggered_att(bad, *MPDTA_ARGS, n_boot=0)
    assert res.n_units == 498
    with pytest.raises(DataError, match="unbalanced panel.*8001"):
        did.staggered_att(bad, *MPDTA_ARGS, n_boot=0, unbalanced="error")
    nan_y = mpdta.copy()
    nan_y.loc[10, "lemp"] = np.nan
    with pytest.warns(JeugdlibWarning, match="unbalanced"):
        assert did.staggered_att(nan_y, *MPDTA_ARGS, n_boot=0).n_units == 499


def test_missing_column(mpdta: pd.DataFrame) -> None:
    with pytest.raises(DataError, match=r"column\(s\) \['cohort'\] not found"):
        did.staggered_att(mpdta, "lemp", "countyreal", "year", "cohort", n_boot=0)


# ---------------------------------------------------------------------------- policy table
def test_load_policy_table_formats(tmp_path) -> None:
    df = pd.DataFrame(
        {
            "gemeentecode": ["GM0363", "599", "gm0014"],
            "jaar_wijkteam": [2015, None, 2017],
            "intensiteit_wijkteam": ["0,12", "0", "0,05"],
        }
    )
    csv = tmp_path / "beleid.csv"
    df.to_csv(csv, sep=";", index=False)
    out = did.load_policy_table(csv, boundary_year=2022)
    assert out["gemeentecode"].tolist() == ["GM0363", "GM0599", "GM0014"]
    assert out["jaar_wijkteam"].tolist() == [2015, 0, 2017]
    assert str(out["jaar_wijkteam"].dtype) == "Int64"
    assert out["intensiteit_wijkteam"].tolist() == [0.12, 0.0, 0.05]
    assert (out["indelingsjaar"] == 2022).all()
    xlsx = tmp_path / "beleid.xlsx"
    df.to_excel(xlsx, index=False)
    assert did.load_policy_table(xlsx)["jaar_wijkteam"].tolist() == [2015, 0, 2017]
    # numeric Excel cells: codes as numbers, years as numbers, intensities as numbers
    numeric = tmp_path / "getallen.xlsx"
    pd.DataFrame(
        {"gemeentecode": [363, 599], "jaar_wijkteam": [2015, 0], "intensiteit_wijkteam": [0.12, 0.0]}
    ).to_excel(numeric, index=False)
    out = did.load_policy_table(numeric)
    assert out["gemeentecode"].tolist() == ["GM0363", "GM0599"] and out["intensiteit_wijkteam"].tolist() == [0.12, 0.0]
    pq = tmp_path / "beleid.parquet"
    df.astype("string").to_parquet(pq)
    pd.testing.assert_frame_equal(did.load_policy_table(pq), did.load_policy_table(csv))


def test_load_policy_table_dutch_excel_csv(tmp_path) -> None:
    """Excel's "CSV UTF-8" in a Dutch locale: BOM, ';', decimal comma, CRLF (issue 10)."""
    text = "GemeenteCode;jaar_wijkteam;intensiteit_wijkteam\r\nGM0363;2015;0,12\r\n 599 ;;0,05\r\n"
    path = tmp_path / "beleid_excel.csv"
    path.write_bytes(text.encode("utf-8-sig"))
    out = did.load_policy_table(path)
    assert list(out.columns) == ["gemeentecode", "jaar_wijkteam", "intensiteit_wijkteam"]
    assert out["gemeentecode"].tolist() == ["GM0363", "GM0599"]
    assert out["jaar_wijkteam"].tolist() == [2015, 0]
    assert out["intensiteit_wijkteam"].tolist() == [0.12, 0.05]
    mixed = tmp_path / "gemengd.csv"
    mixed.write_bytes("gemeentecode;intensiteit_wijkteam\nGM0363;0,12\nGM0599;0.05\n".encode("utf-8-sig"))
    with pytest.raises(DataError, match=r"gemengd.csv.*'intensiteit_wijkteam' mixes a decimal comma"):
        did.load_policy_table(mixed)
    assert set(did.policy.POLICY_SCHEMA.describe()["column"]) == {
        "gemeentecode",
        "jaar_wijkteam",
        "jaar_poh",
        "intensiteit_wijkteam",
    }


def test_load_policy_table_errors(tmp_path) -> None:
    base = pd.DataFrame({"gemeentecode": ["GM0363", "GM0599"], "jaar_wijkteam": [2015, 2016]})
    csv = tmp_path / "fout.csv"
    base.assign(gemeentecode=["GM0363", "Rotterdam"]).to_csv(csv, index=False)
    with pytest.raises(DataError, match=r"fout.csv: column 'gemeentecode'.*'Rotterdam' at file lines \[3\]"):
        did.load_policy_table(csv)
    with pytest.raises(DataError, match=r"'gemeentecode' has duplicate codes \[GM0363\] at rows \[0, 1\]"):
        did.load_policy_table(base.assign(gemeentecode=["GM0363", "GM0363"]))
    with pytest.raises(DataError, match=r"'jaar_wijkteam' has invalid values at rows \[1\]"):
        did.load_policy_table(base.assign(jaar_wijkteam=[2015, 15]))
    with pytest.raises(DataError, match=r"'jaar_wijkteam' must hold whole numbers.*2015.5"):
        did.load_policy_table(base.assign(jaar_wijkteam=[2015.5, 2016]))
    with pytest.raises(DataError, match=r"column 'intensiteit' has values above the allowed maximum 1: 12"):
        did.load_policy_table(base.assign(intensiteit=[0.1, 12]))
    with pytest.raises(DataError, match="geen kolom met een beleidsjaar"):
        did.load_policy_table(base.drop(columns="jaar_wijkteam"))
    with pytest.raises(DataError, match=r"required column\(s\) \['gemeentecode'\] missing"):
        did.load_policy_table(base.rename(columns={"gemeentecode": "code"}))
    with pytest.raises(DataError, match="file not found"):
        did.load_policy_table(tmp_path / "bestaat_niet.csv")


def test_wild_bootstrap_matches_brute_force() -> None:
    """The cluster-level WCR shortcut equals a draw-by-draw restricted wild bootstrap."""
    from jeugdlib.did.inference import wild_cluster_pvalues as _wild_pvalues

    rng = np.random.default_rng(0)
    n_g, per, k, draws = 12, 6, 3, 199
    cl = np.repeat(np.arange(n_g), per)
    x = rng.normal(size=(cl.size, k)) + rng.normal(size=(n_g, k))[cl]
    y = x @ np.array([0.3, 0.0, 0.1]) + rng.normal(size=cl.size) + rng.normal(size=n_g)[cl]
    fast = _wild_pvalues(x, y, cl, np.eye(k), draws, "rademacher", 5)

    def crv(u: np.ndarray, a: np.ndarray) -> float:
        s = np.zeros(n_g)
        np.add.at(s, cl, (x @ a) * u)
        return float(np.sqrt(np.sum(s**2)))

    v = np.random.default_rng(5).choice(np.array([-1.0, 1.0]), size=(n_g, draws))
    xtx_inv = np.linalg.inv(x.T @ x)
    b = xtx_inv @ x.T @ y
    for j, r in enumerate(np.eye(k)):
        a = xtx_inv @ r
        t0 = (r @ b) / crv(y - x @ b, a)
        b_r = b - a * (r @ b) / (r @ a)
        u_r = y - x @ b_r
        t_boot = []
        for d in range(draws):
            ys = x @ b_r + u_r * v[cl, d]
            bs = xtx_inv @ x.T @ ys
            t_boot.append((r @ bs) / crv(ys - x @ bs, a))
        assert fast[j] == pytest.approx(np.mean(np.abs(t_boot) >= abs(t0) * (1 - 1e-9)))


def test_policy_columns_found_in_any_header_spelling(tmp_path):
    from jeugdlib.did import load_policy_table

    p = tmp_path / "p.csv"
    p.write_text("Gemeentecode;Jaar Wijkteam;Intensiteit wijkteam;Toelichting\nGM0363;twintig;0,5;x\n")
    with pytest.raises(DataError, match=r"'jaar_wijkteam' must be numeric but has values 'twintig'"):
        load_policy_table(p)
    p.write_text("Toelichting;Jaar Wijkteam;Gemeentecode;INTENSITEIT_wijkteam\nx;2015;GM0363;0,5\n")
    out = load_policy_table(p)
    assert list(out.columns) == ["Toelichting", "jaar_wijkteam", "gemeentecode", "intensiteit_wijkteam"]
    assert out.iloc[0].tolist() == ["x", 2015, "GM0363", 0.5]


def test_policy_messages_mask_bsn_like_values():
    from jeugdlib.did import load_policy_table

    with pytest.raises(DataError) as info:
        load_policy_table(pd.DataFrame({"gemeentecode": ["GM0363"], "jaar_wijkteam": ["123456782"]}))
    assert "123456782" not in str(info.value) and "***" in str(info.value)
    with pytest.raises(DataError, match=r"gevonden tussen \[\*\*\*, 'gemeentecode'\]") as info:
        load_policy_table(pd.DataFrame({"123456782": [1], "gemeentecode": ["GM0363"]}))
