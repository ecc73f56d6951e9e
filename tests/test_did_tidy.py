"""The result protocol of jeugdlib.did: tidy()/summary()/plot() on every result, option
objects, levels, deprecated names."""

from __future__ import annotations

import warnings

import matplotlib
import numpy as np
import pandas as pd
import pytest
from scipy import stats

matplotlib.use("Agg")

from jeugdlib import did  # noqa: E402
from jeugdlib.errors import DataError, StaggeredTimingWarning  # noqa: E402
from jeugdlib.results import TIDY_COLUMNS, Result, TestResult  # noqa: E402

MPDTA_ARGS = ("lemp", "countyreal", "year", "first.treat")
Z975 = 1.959963984540054
Z90 = 1.6448536269514722


@pytest.fixture(scope="module")
def mpdta() -> pd.DataFrame:
    return did.load_mpdta()


@pytest.fixture(scope="module")
def cs(mpdta: pd.DataFrame) -> did.AttResult:
    return did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=0)


@pytest.fixture(scope="module")
def cs_boot(mpdta: pd.DataFrame) -> did.AttResult:
    return did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=199, seed=3)


@pytest.fixture(scope="module")
def panel() -> pd.DataFrame:
    return did.simulate_cpb_panel(n_gemeenten=120, seed=8)


def _standard(t: pd.DataFrame) -> None:
    assert list(t.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    assert np.allclose(t["statistic"], t["estimate"] / t["std_error"], equal_nan=True)


def test_att_gt_tidy(cs: did.AttResult) -> None:
    assert isinstance(cs, Result)
    t = cs.tidy()
    _standard(t)
    assert t["term"].iloc[0] == "ATT(2004,2004)" and len(t) == 12
    assert np.allclose(t["estimate"], cs.att_gt["estimate"]) and np.allclose(t["ci_low"], cs.att_gt["ci_low"])
    assert {"event_time", "group", "estimator"} <= set(t.columns) and (t["estimator"] == "cs").all()
    t90 = cs.tidy(level=0.9)
    assert np.allclose(t90["ci_high"] - t90["estimate"], Z90 * t90["std_error"])
    assert "ATT(g,t)" in cs.summary()


def test_uniform_band_survives_tidy(cs_boot: did.AttResult) -> None:
    t = cs_boot.tidy()
    assert cs_boot.crit_value > Z975
    # ci_low/ci_high are pointwise, the simultaneous band of att_gt follows in its own columns
    assert np.allclose(t["ci_high"] - t["estimate"], Z975 * t["std_error"])
    assert np.allclose(t["ci_high_uniform"] - t["estimate"], cs_boot.crit_value * t["std_error"])
    assert np.allclose(t["ci_low_uniform"], cs_boot.att_gt["ci_low"])
    assert np.allclose(t["ci_high_uniform"], cs_boot.att_gt["ci_high"])
    assert np.allclose(t["crit_uniform"], cs_boot.crit_value)
    assert np.allclose(t["p_value"], 2 * (1 - stats.norm.cdf(np.abs(t["statistic"]))))
    wider = cs_boot.tidy(level=0.99)
    assert (wider["ci_high"] - wider["ci_low"] > t["ci_high"] - t["ci_low"]).all()
    assert (wider["ci_high_uniform"] - wider["ci_low_uniform"] > t["ci_high_uniform"] - t["ci_low_uniform"]).all()


def _excludes_zero(lo: pd.Series, hi: pd.Series) -> np.ndarray:
    return ((lo > 0) | (hi < 0)).to_numpy()


@pytest.fixture(scope="module")
def cs_999(mpdta: pd.DataFrame) -> did.AttResult:
    return did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=999, seed=1)


def test_tidy_p_values_agree_with_intervals(cs_999: did.AttResult) -> None:
    """The review's case: 3 of 12 ATT(g,t) had p < 0.05 while the (uniform) 95% CI covered 0."""
    tables = {
        "att_gt": cs_999.tidy(),
        **{k: cs_999.aggregate(k).tidy() for k in ("group", "dynamic", "calendar")},
        "es_cs": cs_999.to_event_study().tidy(),
    }
    for name, t in tables.items():
        assert np.array_equal(t["p_value"] < 0.05, _excludes_zero(t["ci_low"], t["ci_high"])), name
        banded = t["crit_uniform"].notna()
        assert banded.sum() == len(t) - (name != "att_gt"), name  # every row but "overall"/"post_average"
        u = t[banded]
        assert (u["ci_high_uniform"] - u["ci_low_uniform"] > u["ci_high"] - u["ci_low"]).all(), name
    # exactly the review's discrepancy: significant pointwise, but the uniform band covers 0
    att = tables["att_gt"]
    both = (att["p_value"] < 0.05) & ~_excludes_zero(att["ci_low_uniform"], att["ci_high_uniform"])
    assert both.sum() == 3
    # the existing tables and plots keep the uniform band
    dyn = cs_999.aggregate("dynamic")
    t = tables["dynamic"].iloc[:-1]
    assert np.allclose(t["ci_low_uniform"], dyn.by["ci_low"]) and np.allclose(t["ci_high_uniform"], dyn.by["ci_high"])
    es = cs_999.to_event_study()
    ev = tables["es_cs"][tables["es_cs"]["term"] == "event"]
    assert np.allclose(ev["ci_low_uniform"], es.coefs["ci_low"]) and np.isnan(tables["es_cs"]["crit_uniform"].iloc[-1])
    fig = es.plot()
    segs = fig.axes[0].collections[0].get_segments()
    assert np.allclose([s[0][1] for s in segs], es.coefs.sort_values("event_time")["ci_low"])


def test_no_uniform_columns_without_a_band(cs: did.AttResult) -> None:
    assert "ci_low_uniform" not in cs.tidy().columns
    assert "ci_low_uniform" not in cs.aggregate("dynamic").tidy().columns


@pytest.mark.parametrize(
    "kind,key", [("simple", None), ("group", "group"), ("dynamic", "event_time"), ("calendar", "time")]
)
def test_aggregate_tidy(cs: did.AttResult, kind: str, key: str | None) -> None:
    agg = cs.aggregate(kind)
    t = agg.tidy()
    _standard(t)
    assert t["term"].iloc[-1] == "overall"
    assert t["estimate"].iloc[-1] == pytest.approx(agg.overall["estimate"])
    assert t["ci_low"].iloc[-1] == pytest.approx(agg.overall["ci_low"])
    if key is None:
        assert len(t) == 1
    else:
        assert len(t) == len(agg.by) + 1 and t["term"].iloc[0].startswith(f"{key}=")
        assert np.allclose(t[key].iloc[:-1], agg.by[key])
        assert np.allclose(t["std_error"].iloc[:-1], agg.by["std_error"])
    assert agg.to_frame()["estimate"].iloc[-1] == pytest.approx(agg.overall["estimate"])


def test_aggregate_is_a_pure_function(cs: did.AttResult) -> None:
    from jeugdlib.did import aggregate

    a = aggregate.aggregate_dynamic(cs, min_e=-2, max_e=2)
    b = cs.aggregate("dynamic", min_e=-2, max_e=2)
    pd.testing.assert_frame_equal(a.by, b.by)
    before = cs.att_gt.copy()
    aggregate.aggregate(cs, "group")
    pd.testing.assert_frame_equal(cs.att_gt, before)
    fig = b.plot()
    assert len(fig.axes[0].containers) == 1
    with pytest.raises(NotImplementedError):
        cs.aggregate("simple").plot()


def test_pretrend_is_a_test_result(cs: did.AttResult) -> None:
    w = cs.pretrend_test("chi2")
    assert isinstance(w, TestResult) and w.distribution == "chi2" and w.df == 5
    assert cs.pretrend_test().distribution == "permutation"  # the default: right size (issue 12)
    assert w.tidy()[["statistic", "df", "p_value"]].iloc[0].tolist() == [w.statistic, 5, w.p_value]
    assert did.WaldTest is TestResult


def test_event_study_tidy_and_compare_keeps_p_values(panel: pd.DataFrame) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaggeredTimingWarning)
        table, results = did.compare_estimators(
            panel, "ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam", window=(-2, 2), return_results=True
        )
    for est, r in results.items():
        t = r.tidy()
        _standard(t)
        assert (t["estimator"] == est).all() and (t["n_obs"] == r.n_obs).all()
        ev = t[t["term"] == "event"]
        assert np.allclose(ev["event_time"], r.coefs["event_time"])
        assert np.allclose(ev["p_value"], r.coefs["p_value"])
        assert np.allclose(ev["ci_low"], r.coefs["ci_low"])
        assert t["estimate"].iloc[-1] == pytest.approx(r.post_average["estimate"])
        mine = table[table["estimator"] == est].reset_index(drop=True)
        assert np.allclose(mine["p_value"], t["p_value"]) and mine["p_value"].notna().all()
    static = table[table["term"] == "static"].iloc[0]
    # t(G-1) as fixest (issue 12), not the normal distribution
    g = results["twfe"].n_clusters
    assert static["df"] == g - 1
    assert static["p_value"] == pytest.approx(2 * stats.t.sf(abs(static["statistic"]), g - 1), rel=1e-10)
    fig = results["sunab"].plot()
    assert len(fig.axes[0].containers) == 1


def test_twfe_tidy(panel: pd.DataFrame) -> None:
    with pytest.warns(StaggeredTimingWarning):
        r = did.twfe(panel, "ln_met_verblijf", "gemeentecode", "jaar", "wijkteam_helpt", n_wild=0)
    t = r.tidy()
    _standard(t)
    assert t["term"].tolist() == ["wijkteam_helpt"]
    row = t.iloc[0]
    assert (row["estimate"], row["std_error"], row["ci_low"]) == pytest.approx((r.estimate, r.std_error, r.ci_low))
    assert r.ci_high - r.estimate == pytest.approx(stats.t.ppf(0.975, r.n_clusters - 1) * r.std_error)
    assert t["df"].iloc[0] == r.n_clusters - 1


def test_relative_magnitudes_result(panel: pd.DataFrame) -> None:
    es = did.event_study(
        panel, "ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam", window=(-3, 2), estimator="sunab"
    )
    rm = did.relative_magnitudes(es, mbar=[0, 1])
    t = rm.tidy()
    assert list(t.columns[: len(TIDY_COLUMNS)]) == list(TIDY_COLUMNS)
    # only the robust interval is meaningful on an Mbar row: no test statistic or p-value
    assert t["statistic"].isna().all() and t["p_value"].isna().all()
    assert t["std_error"].notna().all() and t["ci_low"].notna().all()
    assert t["term"].tolist() == ["Mbar=0", "Mbar=1"]
    assert np.allclose(t["ci_low"], rm.table["ci_low"]) and np.allclose(t["ci_high"], rm.table["ci_high"])
    assert t["estimate"].iloc[0] == pytest.approx(es.post_average["estimate"])
    assert "breakdown" in rm.summary()


def test_growth_and_intensity_tidy(panel: pd.DataFrame) -> None:
    grp = panel.assign(h=np.where(panel["intensiteit_wijkteam"] > 0.05, "veel", "weinig"))
    gr = did.growth_by_group(grp, "jeugdhulp_met_verblijf", "h", 2013, 2018, n_boot=99, seed=2, reference="weinig")
    t = gr.tidy()
    _standard(t)
    assert t["term"].tolist() == ["growth:veel", "growth:weinig", "veel - weinig"]
    assert np.allclose(t["ci_low"].iloc[:2], gr.table["ci_low"])
    assert t["estimate"].iloc[2] == pytest.approx(gr.contrasts["estimate"].iloc[0])
    assert t["ci_high"].iloc[2] == pytest.approx(gr.contrasts["ci_high"].iloc[0])
    fig = gr.plot()
    assert np.allclose([p.get_height() for p in fig.axes[0].patches], gr.table["growth_pct"])
    # p-values from the same bootstrap draws as the percentile intervals
    assert (t["inference"] == "bootstrap percentile").all()
    d = 100 * (gr.boot[:, 0] - gr.boot[:, 1])  # veel - weinig
    expected = min(1.0, 2 * min((d <= 0).mean(), (d >= 0).mean()))
    assert t["p_value"].iloc[2] == pytest.approx(expected)
    assert np.array_equal(t["p_value"] < 0.05, ((t["ci_low"] > 0) | (t["ci_high"] < 0)).to_numpy())
    res = did.intensity_did(
        panel, "jeugdhulp_met_verblijf", "gemeentecode", "jaar", "intensiteit_wijkteam", post_from=2015, n_boot=0
    )
    t = res.tidy()
    _standard(t)
    assert t["term"].tolist() == ["middle - low", "high - low", "slope"]
    assert np.allclose(t["ci_low"].iloc[:2], res.contrasts["ci_low"])
    assert t["estimate"].iloc[-1] == pytest.approx(res.slope["estimate"])


def test_option_objects_give_identical_numbers(mpdta: pd.DataFrame, panel: pd.DataFrame) -> None:
    spec = did.PanelSpec("lemp", "countyreal", "year", "first.treat")
    inf = did.InferenceSpec(n_boot=99, seed=4, level=0.9)
    a = did.staggered_att(mpdta, panel=spec, inference=inf)
    b = did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=99, seed=4, level=0.9)
    pd.testing.assert_frame_equal(a.att_gt, b.att_gt)
    c = did.estimate_att_gt(mpdta, spec, inf)
    pd.testing.assert_frame_equal(a.att_gt, c.att_gt)
    # keywords complete/override the option object
    d = did.staggered_att(mpdta, panel=spec, inference=inf, n_boot=0)
    assert d.n_boot == 0 and d.level == 0.9
    es_spec = did.PanelSpec("ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam")
    e1 = did.event_study(panel, panel=es_spec, estimator="sunab", window=(-2, 2))
    e2 = did.event_study(panel, "ln_met_verblijf", "gemeentecode", "jaar", "jaar_wijkteam", (-2, 2), "sunab")
    pd.testing.assert_frame_equal(e1.coefs, e2.coefs)
    with pytest.raises(TypeError, match="column names"):
        did.staggered_att(mpdta)
    with pytest.raises(ValueError, match="level"):
        did.InferenceSpec(level=95)


def test_simulated_panel_truth_is_typed(panel: pd.DataFrame) -> None:
    assert panel.attrs == {"synthetic": True}
    sub = panel[panel["gemeentecode"] != panel["gemeentecode"].iloc[0]].copy()
    assert not did.true_att(sub).empty  # the truth survives filtering (columns, not attrs)
    gt = did.true_att(panel)
    first = panel[(panel["jaar_wijkteam"] == 2016) & (panel["jaar"] == 2017)]
    expected = first["true_effect_ln_met_verblijf"].mean()
    assert gt.set_index(["group", "time"]).loc[(2016, 2017), "att"] == pytest.approx(expected)
    with pytest.raises(DataError, match="true_effect"):
        did.true_att(panel.drop(columns="true_effect_ln_met_verblijf"))


def test_growth_p_values_agree_with_percentile_intervals() -> None:
    rng = np.random.default_rng(5)
    rows = []
    for i in range(60):
        grp = ("a", "b", "c")[i % 3]
        base = rng.integers(50, 150)
        growth = {"a": 1.0, "b": 1.04, "c": 1.3}[grp] * rng.lognormal(0, 0.15)
        rows += [(f"GM{i:04d}", 2015, grp, base), (f"GM{i:04d}", 2019, grp, base * growth)]
    df = pd.DataFrame(rows, columns=["gemeentecode", "jaar", "g", "y"])
    t = did.growth_by_group(df, "y", "g", 2015, 2019, n_boot=499, seed=1).tidy()
    sig = (t["p_value"] < 0.05).to_numpy()
    assert sig.any() and not sig.all()
    assert np.array_equal(sig, ((t["ci_low"] > 0) | (t["ci_high"] < 0)).to_numpy())
    # the normal test on the bootstrap SD (the old p-value) is not what is reported
    assert not np.allclose(t["p_value"], 2 * stats.norm.sf(np.abs(t["statistic"])))


def test_deprecated_alpha_keyword_and_attributes(mpdta: pd.DataFrame, panel: pd.DataFrame) -> None:
    with pytest.warns(DeprecationWarning, match=r"level=0\.9"):
        r = did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=0, alpha=0.1)
    assert r.level == pytest.approx(0.9)
    pd.testing.assert_frame_equal(r.att_gt, did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=0, level=0.9).att_gt)
    with pytest.warns(DeprecationWarning, match="level"):
        assert r.alpha == 0.1
    with pytest.warns(DeprecationWarning):
        assert r.aggregate("group").alpha == 0.1
    with pytest.raises(TypeError, match="not both"):
        did.staggered_att(mpdta, *MPDTA_ARGS, n_boot=0, alpha=0.1, level=0.9)
    mp = mpdta.assign(d=((mpdta["first.treat"] > 0) & (mpdta["year"] >= mpdta["first.treat"])).astype(int))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", StaggeredTimingWarning)
        with pytest.warns(DeprecationWarning, match="alpha"):
            tw = did.twfe(mp, "lemp", "countyreal", "year", "d", alpha=0.1, n_wild=0)
        assert tw.ci_high - tw.estimate == pytest.approx(stats.t.ppf(0.95, tw.n_clusters - 1) * tw.std_error)
        with pytest.warns(DeprecationWarning, match="std_error"):
            assert tw.se == tw.std_error
        with pytest.warns(DeprecationWarning):
            es = did.event_study(mp, *MPDTA_ARGS, window=(-2, 2), estimator="sunab", alpha=0.1, n_wild=0)
        assert es.level == pytest.approx(0.9)
        with pytest.warns(DeprecationWarning):
            assert es.alpha == 0.1
        with pytest.warns(DeprecationWarning):
            tab = did.compare_estimators(mp, *MPDTA_ARGS, window=(-2, 1), estimators=("sunab",), alpha=0.1)
        row = tab[tab["term"] == "post_average"].iloc[0]
        assert row["ci_high"] - row["estimate"] == pytest.approx(stats.t.ppf(0.95, row["df"]) * row["std_error"])
    with pytest.warns(DeprecationWarning):
        rm = did.relative_magnitudes(es, alpha=0.2)
    assert rm.level == pytest.approx(0.8)
    with pytest.raises(TypeError):
        did.relative_magnitudes(es, level=0.9, alpha=0.1)
    grp = panel.assign(h=np.where(panel["intensiteit_wijkteam"] > 0.05, "veel", "weinig"))
    with pytest.warns(DeprecationWarning):
        gr = did.growth_by_group(grp, "jeugdhulp_met_verblijf", "h", 2013, 2018, n_boot=49, seed=2, alpha=0.1)
    assert gr.level == pytest.approx(0.9)
    with pytest.warns(DeprecationWarning):
        it = did.intensity_did(
            panel, "jeugdhulp_met_verblijf", "gemeentecode", "jaar", "intensiteit_wijkteam", 2015, n_boot=0, alpha=0.1
        )
    assert it.level == pytest.approx(0.9)


def test_relative_magnitudes_dataframe_access_is_deprecated(cs: did.AttResult) -> None:
    rm = did.relative_magnitudes(cs)
    with pytest.warns(DeprecationWarning, match=r"\.table"):
        lb = rm["lb"]
    pd.testing.assert_series_equal(lb, rm.table["lb"])
    with pytest.warns(DeprecationWarning):
        assert rm.loc[0, "mbar"] == 0
    with pytest.warns(DeprecationWarning):
        assert len(rm) == 5
    with pytest.warns(DeprecationWarning):
        assert list(rm.columns) == list(rm.table.columns)
    with pytest.warns(DeprecationWarning):
        assert rm.attrs["breakdown_mbar"] == rm.breakdown_mbar and rm.attrs["max_pre"] == rm.max_pre
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert bool(rm) and rm.breakdown_mbar >= 0
    with pytest.raises(AttributeError):
        rm.no_such_thing  # noqa: B018


def test_compare_estimators_keeps_the_uniform_band_for_plots(mpdta: pd.DataFrame) -> None:
    from jeugdlib.plots import did as pdid

    table, results = did.compare_estimators(
        mpdta, *MPDTA_ARGS, window=(-2, 2), estimators=("cs",), n_boot=99, seed=2, static=False, return_results=True
    )
    ev = table[table["term"] == "event"]
    coefs = results["cs"].coefs
    assert np.allclose(ev["ci_low_uniform"], coefs["ci_low"]) and not np.allclose(ev["ci_low"], coefs["ci_low"])
    from_table = pdid.event_study_plot(table).axes[0].collections[0].get_segments()
    from_result = pdid.event_study_plot(results["cs"]).axes[0].collections[0].get_segments()
    assert np.allclose(np.array(from_table), np.array(from_result))
