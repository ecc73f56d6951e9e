"""Content of the figures: axes, labels, number of points/bars/polygons, colour limits, legends.

Every figure is checked against the numbers it is drawn from, not only its type. Inputs are
small hand-built tables (or light stand-ins with the attributes a plot function reads), so a
test fails when a figure stops showing what its docstring promises.
"""

from __future__ import annotations

from types import SimpleNamespace

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402
from matplotlib.collections import LineCollection, PathCollection  # noqa: E402
from matplotlib.container import ErrorbarContainer  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from jeugdlib.plots import did as pdid  # noqa: E402
from jeugdlib.plots import maps  # noqa: E402
from jeugdlib.plots import multilevel as pml  # noqa: E402
from jeugdlib.plots import scp as pscp  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _scatters(ax) -> list[PathCollection]:
    return [c for c in ax.collections if isinstance(c, PathCollection)]


def _errorbars(ax) -> list[ErrorbarContainer]:
    return [c for c in ax.containers if isinstance(c, ErrorbarContainer)]


def _legend_texts(ax) -> list[str]:
    leg = ax.get_legend()
    assert leg is not None, "figure has no legend"
    return [t.get_text() for t in leg.get_texts()]


# --------------------------------------------------------------------------- plots/scp.py
def _expected_table(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    expected = rng.uniform(5, 15, n)
    observed = expected + rng.normal(0, 2, n)
    observed[:3] = np.nan  # suppressed wijken
    flag = np.where(observed > expected + 2.5, "higher", np.where(observed < expected - 2.5, "lower", "as_expected"))
    flag = np.where(np.isnan(observed), None, flag)
    return pd.DataFrame(
        {
            "wijkcode": [f"WK{i:06d}" for i in range(n)],
            "observed": observed,
            "expected": expected,
            "pi_low": expected - 2.5,
            "pi_high": expected + 2.5,
            "flag": pd.Series(flag, dtype="object"),
        }
    )


def test_observed_vs_expected_points_legend_and_intervals():
    exp = _expected_table(60)
    fig = pscp.observed_vs_expected(exp, level=0.9)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert ax.get_xlabel() == "verwacht gebruik (%)" and ax.get_ylabel() == "waargenomen gebruik (%)"
    assert ax.get_title() == "Waargenomen en verwacht gebruik per wijk"
    obs = exp.dropna(subset=["observed"])
    counts = obs.flag.value_counts()
    assert set(counts.index) == {"higher", "lower", "as_expected"}
    scatters = _scatters(ax)
    # one scatter per flag, in FLAG_COLOURS order, together all observed wijken (suppressed left out)
    assert [len(s.get_offsets()) for s in scatters] == [counts[f] for f in pscp.FLAG_COLOURS]
    for s, flag in zip(scatters, pscp.FLAG_COLOURS, strict=True):
        part = obs[obs.flag == flag]
        np.testing.assert_allclose(s.get_offsets(), part[["expected", "observed"]].to_numpy())
        np.testing.assert_allclose(s.get_facecolor()[0][:3], matplotlib.colors.to_rgb(pscp.FLAG_COLOURS[flag]))
    labels = _legend_texts(ax)
    for flag in pscp.FLAG_COLOURS:
        assert f"{pscp.FLAG_LABELS[flag]} ({counts[flag]})" in labels
    assert "90%-voorspellingsinterval" in labels
    # prediction intervals: one vertical segment per observed wijk, from pi_low to pi_high
    (vl,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    segs = vl.get_segments()
    assert len(segs) == len(obs)
    np.testing.assert_allclose([s[0][1] for s in segs], obs.pi_low)
    np.testing.assert_allclose([s[1][1] for s in segs], obs.pi_high)
    # the diagonal observed = expected spans the data
    (diag,) = ax.get_lines()
    lo = min(obs.expected.min(), obs.observed.min())
    hi = max(obs.expected.max(), obs.observed.max())
    np.testing.assert_allclose(diag.get_xdata(), [lo, hi])
    np.testing.assert_allclose(diag.get_ydata(), [lo, hi])


def test_observed_vs_expected_large_table_has_no_intervals_and_custom_title():
    exp = _expected_table(500, seed=1)
    fig = pscp.observed_vs_expected(exp, title="Haaglanden")
    ax = fig.axes[0]
    assert ax.get_title() == "Haaglanden"
    assert not [c for c in ax.collections if isinstance(c, LineCollection)]  # > 400 wijken: no intervals
    assert sum(len(s.get_offsets()) for s in _scatters(ax)) == 497
    assert not any("interval" in t for t in _legend_texts(ax))
    fig = pscp.observed_vs_expected(exp.head(50), show_intervals=False)
    assert not [c for c in fig.axes[0].collections if isinstance(c, LineCollection)]


def test_observed_vs_expected_draws_into_given_axis():
    fig, (a, b) = plt.subplots(1, 2)
    out = pscp.observed_vs_expected(_expected_table(30), ax=b)
    assert out is fig and not _scatters(a) and _scatters(b)


def _fake_model(transform=None) -> SimpleNamespace:
    codes = [f"JZ{i:02d}" for i in range(1, 8)]
    eff = pd.Series([0.5, -1.2, 0.1, 2.0, -0.3, 0.8, -2.4], index=codes)
    var = pd.Series([0.04, 0.09, 0.01, 0.25, 0.04, 0.16, 0.36], index=codes)
    gem = pd.Series([0.3, -0.2], index=["GM0001", "GM0002"])
    return SimpleNamespace(
        region_effects=eff,
        region_effect_var=var,
        gemeente_effects=gem,
        gemeente_effect_var=pd.Series([0.01, 0.04], index=gem.index),
        transform=transform,
    )


def test_caterpillar_sorted_effects_with_intervals():
    m = _fake_model()
    fig = pscp.caterpillar(m, "jeugdregio", names={"JZ04": "Regio Vier"})
    ax = fig.axes[0]
    (eb,) = _errorbars(ax)
    line, _, (bars,) = eb.lines
    order = m.region_effects.sort_values()
    np.testing.assert_allclose(np.asarray(line.get_xdata(), dtype=float), order.to_numpy())
    np.testing.assert_allclose(np.asarray(line.get_ydata(), dtype=float), np.arange(7))
    half = [(s[1][0] - s[0][0]) / 2 for s in bars.get_segments()]
    np.testing.assert_allclose(half, 1.96 * np.sqrt(m.region_effect_var[order.index]))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == [("Regio Vier" if c == "JZ04" else c) for c in order.index]
    assert ax.get_title() == "Effecten per jeugdregio"
    assert ax.get_xlabel() == "effect op gebruik (procentpunt)"
    assert pscp.caterpillar(_fake_model("logit")).axes[0].get_xlabel() == "effect (modelschaal)"


def test_caterpillar_codes_top_and_level():
    m = _fake_model()
    ax = pscp.caterpillar(m, top=3).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["JZ07", "JZ02", "JZ04"]  # |effect| largest, sorted
    ax = pscp.caterpillar(m, codes=["JZ01", "JZ03", "JZ99"]).axes[0]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["JZ03", "JZ01"]
    ax = pscp.caterpillar(m, "gemeente").axes[0]
    assert ax.get_title() == "Effecten per gemeente" and len(ax.get_yticklabels()) == 2
    with pytest.raises(ValueError, match="level must be"):
        pscp.caterpillar(m, "wijk")


def test_coefficient_plot_points_colours_and_labels():
    coefs = pd.DataFrame(
        {
            "term": ["const", "a", "b", "c", "d"],
            "label": [None, "aandeel " + "x" * 40, "kort", None, "d-label"],
            "estimate": [10.0, 0.5, -0.4, 0.05, 0.2],
            "ci_low": [9.0, 0.2, -0.6, -0.1, 0.01],
            "ci_high": [11.0, 0.8, -0.2, 0.2, 0.39],
        }
    )
    m = SimpleNamespace(coefficients=lambda: coefs)
    fig = pscp.coefficient_plot(m)
    ax = fig.axes[0]
    (pts,) = _scatters(ax)
    c = coefs[coefs.term != "const"].sort_values("estimate")
    np.testing.assert_allclose(pts.get_offsets()[:, 0], c.estimate)  # the constant is left out
    red, blue, grey = (matplotlib.colors.to_rgba(h) for h in ("#c0392b", "#2471a3", "#9e9e9e"))
    np.testing.assert_allclose(pts.get_facecolors(), [blue, grey, red, red])  # b < 0, c spans 0, d and a > 0
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert ticks == ["b: kort", "c", "d: d-label", "a: " + ("aandeel " + "x" * 40)[:38] + "…"]
    assert ax.get_title() == "Samenhang van wijkkenmerken met jeugdhulpgebruik"
    assert "per standaarddeviatie" in ax.get_xlabel()


def test_scp_model_plot_delegates_to_observed_vs_expected(scp_model):
    fig = scp_model.plot(level=0.9)
    ax = fig.axes[0]
    exp = scp_model.expected(level=0.9)
    obs = exp.dropna(subset=["observed"])
    assert sum(len(s.get_offsets()) for s in _scatters(ax)) == len(obs) == 2632
    counts = obs.flag.value_counts()
    labels = _legend_texts(ax)
    for flag, n in counts.items():
        assert f"{pscp.FLAG_LABELS[flag]} ({n})" in labels
    # fdr=True flags fewer wijken, and the figure shows that
    fdr_labels = _legend_texts(scp_model.plot(fdr=True).axes[0])
    n_fdr = scp_model.expected(fdr=True).flag.isin(["higher", "lower"]).sum()
    shown = sum(int(t.rsplit("(", 1)[1].rstrip(")")) for t in fdr_labels if not t.startswith("zoals"))
    assert shown == n_fdr


# --------------------------------------------------------------------------- plots/maps.py
@pytest.fixture()
def wijken_geo():
    gpd = pytest.importorskip("geopandas")
    from shapely.geometry import box

    geoms = [box(i * 1000, j * 1000, i * 1000 + 900, j * 1000 + 900) for i in range(4) for j in range(3)]
    values = np.array([1.0, -4.0, np.nan, 3.0, 2.5, -1.0, 0.5, np.nan, 7.0, -2.0, 1.5, 0.0])
    g = gpd.GeoDataFrame(
        {"wijkcode": [f"WK{i:06d}" for i in range(12)], "verschil": values, "verwacht": values + 10},
        geometry=geoms,
        crs=28992,
    )
    g["waargenomen"] = g["verwacht"] + np.linspace(-1, 1, 12)
    g.loc[11, "geometry"] = None  # a wijk without geometry is not drawn
    return g


def _poly_collections(ax):
    return [c for c in ax.collections if type(c).__name__ == "_GeoPandasPolyCollection"]


def test_choropleth_polygons_hatching_and_colour_limits(wijken_geo):
    g = wijken_geo
    fig = maps.choropleth(g, "verwacht", title="Verwacht", legend_label="%", vmin=5.0, vmax=20.0)
    ax = fig.axes[0]
    assert ax.get_title() == "Verwacht" and not ax.axison
    has_geom = g.geometry.notna()
    valued, missing = _poly_collections(ax)
    # one polygon per wijk with geometry: valued + hatched missing ones
    assert len(valued.get_paths()) == int((has_geom & g.verwacht.notna()).sum()) == 9
    assert len(missing.get_paths()) == int((has_geom & g.verwacht.isna()).sum()) == 2
    assert len(valued.get_paths()) + len(missing.get_paths()) == int(has_geom.sum())
    assert missing.get_hatch() == "///" and missing.get_label() == "geen gegevens"
    np.testing.assert_allclose(valued.get_array(), g.loc[has_geom & g.verwacht.notna(), "verwacht"])
    assert valued.get_clim() == (5.0, 20.0)
    cbar_ax = fig.axes[1]
    assert cbar_ax.get_ylabel() == "%"


def test_choropleth_diverging_is_symmetric_and_robust(wijken_geo):
    g = wijken_geo
    fig = maps.choropleth(g, "verschil", diverging=True, legend_label="procentpunt")
    ax = fig.axes[0]
    valued = _poly_collections(ax)[0]
    # 95th percentile of |verschil| over the 10 known values (|.| sorted: 0 .5 1 1 1.5 2 2.5 3 4 7):
    # position 0.95 * 9 = 8.55 → 4 + 0.55 * (7 - 4) = 5.65, so the outlier 7 does not set the scale
    assert valued.get_clim() == pytest.approx((-5.65, 5.65))
    assert valued.get_cmap().name == "RdBu_r"
    # the clipped wijk (7.0) is outlined and the legend explains hatching and outline
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["geen gegevens", "buiten de kleurschaal"]
    assert fig.axes[1].get_ylabel() == "procentpunt"
    # an explicit vmin/vmax is overruled by the symmetric scale
    fig = maps.choropleth(g, "verschil", diverging=True, vmin=0, vmax=1)
    assert _poly_collections(fig.axes[0])[0].get_clim() == pytest.approx((-5.65, 5.65))


def test_choropleth_hatches_hidden_wijken_separately(wijken_geo):
    g = wijken_geo.assign(status="gepubliceerd")
    g.loc[2, "status"] = "afgeschermd"  # wijk 2 hidden for privacy, wijk 7 has no data
    ax = maps.choropleth(g, "verschil", diverging=True).axes[0]
    cols = _poly_collections(ax)
    hatches = sorted(c.get_hatch() for c in cols if c.get_hatch())
    assert hatches == ["///", "\\\\\\"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [
        "geen gegevens", "afgeschermd", "buiten de kleurschaal"]  # fmt: skip


def test_choropleth_reprojects_to_rd(wijken_geo):
    wgs = wijken_geo.dropna(subset=["geometry"]).to_crs(4326)
    ax = maps.choropleth(wgs, "verwacht").axes[0]
    x0, x1 = ax.get_xlim()
    assert x1 - x0 > 3000  # metres in EPSG:28992, not degrees


def test_choropleth_panel_shares_one_scale(wijken_geo):
    g = wijken_geo
    panels = [("waargenomen", "Waargenomen (%)", False), ("verwacht", "Verwacht (%)", False),
              ("verschil", "Verschil", True)]  # fmt: skip
    fig = maps.choropleth_panel(g, panels, suptitle="Regio")
    assert fig._suptitle.get_text() == "Regio"
    map_axes = [ax for ax in fig.axes if _poly_collections(ax)]
    assert [ax.get_title() for ax in map_axes] == ["Waargenomen (%)", "Verwacht (%)", "Verschil"]
    shared = pd.concat([g.waargenomen, g.verwacht])
    expected_lim = (float(shared.quantile(0.02)), float(shared.quantile(0.98)))
    clims = [_poly_collections(ax)[0].get_clim() for ax in map_axes]
    np.testing.assert_allclose(clims[0], expected_lim)
    np.testing.assert_allclose(clims[1], expected_lim)
    assert clims[2] == pytest.approx((-5.65, 5.65))  # robust, see the diverging test
    colourbars = [ax for ax in fig.axes if ax not in map_axes]
    assert [ax.get_ylabel() for ax in colourbars] == ["%", "%", "procentpunt"]


# --------------------------------------------------------------------------- plots/did.py
def _event_table(estimator: str, shift: float = 0.0) -> pd.DataFrame:
    et = np.arange(-3, 4)
    est = np.where(et >= 0, 0.1 * (et + 1), 0.0) + shift
    return pd.DataFrame({"estimator": estimator, "term": "event", "event_time": et, "estimate": est,
                         "ci_low": est - 0.05, "ci_high": est + 0.1})  # fmt: skip


def test_event_study_plot_series_offsets_and_truth():
    long = pd.concat([_event_table("twfe"), _event_table("cs", 0.02),
                      _event_table("cs", 0.02).assign(term="pre_trend")], ignore_index=True)  # fmt: skip
    truth = pd.DataFrame({"event_time": [0, 1, 2, 3], "att": [0.1, 0.2, 0.3, 0.4]})
    fig = pdid.event_study_plot(long, truth=truth, title="Wijkteams", ylabel="log gebruik")
    ax = fig.axes[0]
    assert ax.get_title() == "Wijkteams" and ax.get_ylabel() == "log gebruik"
    assert ax.get_xlabel() == "jaren sinds invoering (event time)"
    ebs = _errorbars(ax)
    assert len(ebs) == 2
    for eb, name, off in zip(ebs, ["twfe", "cs"], [-0.12, 0.12], strict=True):
        line, _, (bars,) = eb.lines
        d = _event_table(name, 0.02 if name == "cs" else 0.0)
        np.testing.assert_allclose(line.get_xdata(), d.event_time + off)  # side by side
        np.testing.assert_allclose(line.get_ydata(), d.estimate)
        np.testing.assert_allclose([s[0][1] for s in bars.get_segments()], d.ci_low)
        np.testing.assert_allclose([s[1][1] for s in bars.get_segments()], d.ci_high)
        assert matplotlib.colors.same_color(line.get_color(), pdid.ESTIMATOR_COLOURS[name])
    assert sorted(_legend_texts(ax)) == ["Callaway & Sant'Anna", "TWFE (dynamisch)", "werkelijk (simulatie)"]
    truth_line = [ln for ln in ax.get_lines() if ln.get_label() == "werkelijk (simulatie)"][0]
    np.testing.assert_allclose(truth_line.get_ydata(), truth.att)


def test_event_study_plot_single_result_and_bad_input():
    res = SimpleNamespace(estimator="sunab", coefs=_event_table("sunab").drop(columns=["estimator", "term"]))
    ax = pdid.event_study_plot(res).axes[0]
    (eb,) = _errorbars(ax)
    np.testing.assert_allclose(eb.lines[0].get_xdata(), np.arange(-3, 4))  # no offset for one series
    assert _legend_texts(ax) == ["Sun & Abraham"]
    with pytest.raises(TypeError, match="EventStudyResult"):
        pdid.event_study_plot({"x": [1, 2, 3]})


def test_att_gt_plot_one_panel_per_cohort():
    rows = []
    for g in (2004, 2006):
        for t in range(2003, 2008):
            est = 0.0 if t < g else -0.03
            rows.append({"group": g, "time": t, "post": t >= g, "estimate": est, "ci_low": est - 0.02,
                         "ci_high": est + 0.02})  # fmt: skip
    tab = pd.DataFrame(rows)
    fig = pdid.att_gt_plot(SimpleNamespace(att_gt=tab, n_boot=999))
    assert len(fig.axes) == 2
    assert [ax.get_ylabel() for ax in fig.axes] == ["cohort 2004", "cohort 2006"]
    assert fig._suptitle.get_text() == "ATT(g,t) met simultane 95%-banden"
    for ax, g in zip(fig.axes, (2004, 2006), strict=True):
        pre, post = _errorbars(ax)
        d = tab[tab.group == g]
        np.testing.assert_allclose(pre.lines[0].get_xdata(), d.time[~d.post])
        np.testing.assert_allclose(post.lines[0].get_xdata(), d.time[d.post])
        assert matplotlib.colors.same_color(pre.lines[0].get_color(), "#7f8c8d")  # pre-periods grey
        assert matplotlib.colors.same_color(post.lines[0].get_color(), "#2471a3")
    assert fig.axes[-1].get_xlabel() == "jaar"
    fig = pdid.att_gt_plot(SimpleNamespace(att_gt=tab, n_boot=0), title="Eigen titel")
    assert fig._suptitle.get_text() == "Eigen titel"
    assert "puntsgewijze" in pdid.att_gt_plot(SimpleNamespace(att_gt=tab, n_boot=0)).texts[0].get_text()


def test_intensity_and_growth_bars():
    groups = pd.DataFrame({"group": ["weinig", "midden", "veel"], "growth_pct": [2.0, 5.0, 9.0],
                           "ci_low": [0.0, 3.0, 6.0], "ci_high": [4.0, 7.5, 12.0]})  # fmt: skip
    ax = pdid.intensity_plot(SimpleNamespace(groups=groups), title="Intensiteit").axes[0]
    assert [p.get_height() for p in ax.patches] == [2.0, 5.0, 9.0]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["weinig", "midden", "veel"]
    assert ax.get_ylabel() == "groei (%)" and ax.get_title() == "Intensiteit"
    (eb,) = _errorbars(ax)
    segs = eb.lines[2][0].get_segments()
    np.testing.assert_allclose([[s[0][1], s[1][1]] for s in segs], groups[["ci_low", "ci_high"]])
    change = groups.rename(columns={"growth_pct": "change_mean"})
    assert pdid.intensity_plot(SimpleNamespace(groups=change)).axes[0].get_ylabel() == "verandering"

    table = groups.assign(ci_low=np.nan, ci_high=np.nan)
    ax = pdid.growth_plot(SimpleNamespace(table=table, base_year=2018, end_year=2022)).axes[0]
    assert [p.get_height() for p in ax.patches] == [2.0, 5.0, 9.0]
    assert ax.get_ylabel() == "groei 2018-2022 (%)"
    assert not _errorbars(ax)  # no intervals drawn when they are missing
    ax = pdid.growth_plot(SimpleNamespace(table=groups, base_year=2018, end_year=2022)).axes[0]
    assert len(_errorbars(ax)) == 1


# --------------------------------------------------------------------------- plots/multilevel.py
def test_plot_variance_change_bars_and_annotations():
    var = pd.DataFrame({"component": ["jeugdregio", "gemeente", "wijk", "total"], "base": [1.0, 0.8, 5.0, 6.8],
                        "extended": [0.9, 0.8, 4.0, 5.7]})  # fmt: skip
    var["proportional_reduction"] = (var.base - var.extended) / var.base
    cmp = SimpleNamespace(variance=var, extra_predictors=["perc_kind_sch5"])
    ax = pml.plot_variance_change(cmp).axes[0]
    heights = [p.get_height() for p in ax.patches]
    assert heights == [1.0, 0.8, 5.0, 0.9, 0.8, 4.0]  # base then extended; the total is left out
    assert [t.get_text() for t in ax.texts] == ["+10.0%", "+0.0%", "+20.0%"]
    assert ax.get_title() == "Variantiecomponenten: perc_kind_sch5"
    assert _legend_texts(ax) == ["basismodel", "uitgebreid model"]


def test_plot_deviations_sorted_points_and_interval():
    wijken = pd.DataFrame({"observed": [12.0, np.nan, 8.0, 15.0], "expected": [10.0, 9.0, 7.0, 11.0],
                           "pi_low_95": [7.0, 6.0, 4.0, 8.0], "pi_high_95": [13.0, 12.0, 10.0, 14.0],
                           "pi95": ["as_expected", None, "as_expected", "higher"]})  # fmt: skip
    share = SimpleNamespace(wijken=wijken, summary=pd.DataFrame({"definition": ["pi95"]}), region_name="Haaglanden")
    ax = pml.plot_deviations(share).axes[0]
    (pts,) = _scatters(ax)
    np.testing.assert_allclose(pts.get_offsets()[:, 1], [8.0, 12.0, 15.0])  # sorted by expected, unobserved out
    np.testing.assert_allclose(pts.get_facecolors()[2], matplotlib.colors.to_rgba("#c0392b"))  # higher: red
    (vl,) = [c for c in ax.collections if isinstance(c, LineCollection)]
    np.testing.assert_allclose([s[1][1] for s in vl.get_segments()], [10.0, 13.0, 14.0])
    assert ax.get_title() == "Haaglanden: waargenomen vs verwacht (pi95)"
    assert sorted(_legend_texts(ax)) == ["95% interval", "verwacht", "waargenomen"]


def test_plot_region_slopes_caterpillar():
    slopes = pd.DataFrame({"jeugdregio_code": ["JZ01", "JZ02", "JZ03"], "jeugdregio_naam": ["A", "B", "C"],
                           "slope_per_unit": [0.3, -0.1, 0.1], "slope_per_sd": [1.5, -0.5, 0.5]})  # fmt: skip
    slope = SimpleNamespace(region_slopes=slopes, predictor="perc_kind_sch5", test=SimpleNamespace(p_value=0.0123))
    ax = pml.plot_region_slopes(slope).axes[0]
    (pts,) = _scatters(ax)
    np.testing.assert_allclose(pts.get_offsets()[:, 0], [-0.1, 0.1, 0.3])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["B", "C", "A"]
    assert ax.get_xlabel() == "helling van perc_kind_sch5 (per eenheid)"
    assert "p = 0.0123" in ax.get_title()
    assert pml.plot_region_slopes(slope, per_unit=False).axes[0].get_xlabel().endswith("(per SD)")


# --------------------------------------------------------------------------- plots/trajectories.py
def test_trajectory_plots_content():
    from jeugdlib.plots import trajectories as ptr

    surv = pd.DataFrame({"group": ["45"] * 3 + ["43"] * 3, "days": [0, 100, 400, 0, 50, 300],
                         "survival": [1.0, 0.7, 0.4, 1.0, 0.5, 0.2]})  # fmt: skip
    ax = ptr.plot_survival(SimpleNamespace(survival=surv), groups=["43"]).axes[0]
    curve, half = ax.get_lines()
    np.testing.assert_allclose(curve.get_xdata(), np.array([0, 50, 300]) / (365.25 / 12))
    np.testing.assert_allclose(half.get_ydata(), [0.5, 0.5])
    assert ax.get_ylim() == (0, 1.02) and len(_legend_texts(ax)) == 1

    flows = pd.DataFrame({"inflow": [5, 7, 4], "outflow": [2, 6, 8], "stock_end": [10, 11, 7]},
                         index=["2021", "2022", "2023"])  # fmt: skip
    ax = ptr.plot_flows(flows).axes[0]
    assert [p.get_height() for p in ax.patches] == [10, 11, 7]
    assert [t.get_text() for t in ax.get_xticklabels()] == ["2021", "2022", "2023"]
    assert _legend_texts(ax) == ["instroom", "uitstroom", "lopend aan eind periode"]

    yearly = pd.DataFrame({"cost": [10e6, 12e6]}, index=[2019, 2023])
    effects = pd.DataFrame({"effect_eur": [3e6, -2e6, 1e6]},
                           index=["clients", "care_months_per_client", "cost_per_care_month"])  # fmt: skip
    ax = ptr.plot_cost_decomposition(
        SimpleNamespace(base_year=2019, end_year=2023, yearly=yearly, effects=effects)).axes[0]  # fmt: skip
    bars = ax.patches
    np.testing.assert_allclose([b.get_height() for b in bars], [10, 3, 2, 1, 12])
    np.testing.assert_allclose([b.get_y() for b in bars], [0, 10, 11, 11, 0])  # waterfall: each step from the last
    assert [t.get_text() for t in ax.texts] == ["+3.00", "-2.00", "+1.00"]
    assert ax.get_title() == "Kostengroei 2019–2023 ontleed (LMDI)"

    matrix = pd.DataFrame([[8.0, 2.0], [np.nan, 5.0]], index=["45", "43"], columns=["45", "43"])
    fig = ptr.plot_transitions(matrix)
    img = fig.axes[0].get_images()[0]
    np.testing.assert_allclose(img.get_array()[0], [80.0, 20.0])
    assert np.ma.getmaskarray(img.get_array())[1, 0]  # suppressed cells stay blank
    assert sorted(t.get_text() for t in fig.axes[0].texts) == ["100", "20", "80"]
    assert fig.axes[1].get_ylabel() == "% van rij"
