"""The result protocol: tidy_frame against statsmodels, TestResult, etable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from jeugdlib.results import TIDY_COLUMNS, Result, TestResult, critical_value, etable, tidy_frame


@pytest.fixture(scope="module")
def ols():
    rng = np.random.default_rng(7)
    x = rng.normal(size=(40, 2))
    y = 0.3 + x @ np.array([0.5, -0.2]) + rng.normal(size=40)
    return sm.OLS(y, sm.add_constant(x)).fit()


def test_tidy_frame_t_matches_statsmodels(ols):
    """With df, p-values and intervals are Student t: identical to statsmodels' OLS output."""
    out = tidy_frame(["const", "x1", "x2"], ols.params, ols.bse, df=ols.df_resid, level=0.9)
    assert list(out.columns[:7]) == list(TIDY_COLUMNS)
    np.testing.assert_allclose(out["statistic"], ols.tvalues, rtol=1e-12)
    np.testing.assert_allclose(out["p_value"], ols.pvalues, rtol=1e-10)
    ci = ols.conf_int(alpha=0.1)
    np.testing.assert_allclose(out["ci_low"], ci[:, 0], rtol=1e-10)
    np.testing.assert_allclose(out["ci_high"], ci[:, 1], rtol=1e-10)
    assert (out["df"] == ols.df_resid).all()


def test_tidy_frame_normal_matches_statsmodels_z(ols):
    """Without df the reference is N(0, 1), as statsmodels' use_t=False."""
    z = sm.OLS(ols.model.endog, ols.model.exog).fit(use_t=False)
    out = tidy_frame(["const", "x1", "x2"], z.params, z.bse)
    np.testing.assert_allclose(out["p_value"], z.pvalues, rtol=1e-10)
    np.testing.assert_allclose(out[["ci_low", "ci_high"]].to_numpy(), z.conf_int(), rtol=1e-10)
    assert "df" not in out.columns


def test_tidy_frame_given_bounds_crit_and_extras():
    out = tidy_frame(
        ["a", "b"],
        [1.0, -2.0],
        [0.5, 1.0],
        crit=3.0,
        extra={"estimator": "cs", "event_time": [0, 1], "custom": "x", "n_obs": 12},
    )
    np.testing.assert_allclose(out["ci_low"], [-0.5, -5.0])
    np.testing.assert_allclose(out["ci_high"], [2.5, 1.0])
    # standard extras first, in protocol order, then the others
    assert list(out.columns[7:]) == ["n_obs", "event_time", "estimator", "custom"]
    given = tidy_frame("a", 1.0, 0.5, ci_low=[0.1], ci_high=[1.7], p_value=[0.04])
    assert given.loc[0, "ci_low"] == 0.1 and given.loc[0, "ci_high"] == 1.7 and given.loc[0, "p_value"] == 0.04


def test_tidy_frame_zero_se_gives_nan_statistic_not_inf():
    out = tidy_frame(["a"], [1.0], [0.0])
    assert np.isnan(out.loc[0, "statistic"]) and np.isnan(out.loc[0, "p_value"])


def test_tidy_frame_rejects_bad_input():
    with pytest.raises(ValueError, match="level"):
        tidy_frame(["a"], [1.0], [1.0], level=95)
    with pytest.raises(ValueError, match="looks like alpha: pass level=0.9"):
        critical_value(0.1)  # e.g. relative_magnitudes(es, mbar, 0.1) with the 0.1 signature (alpha)
    with pytest.raises(ValueError, match="terms"):
        tidy_frame(["a", "b"], [1.0], [1.0])


def test_critical_value():
    assert critical_value(0.95) == pytest.approx(1.959963984540054)
    assert critical_value(0.95, df=5) == pytest.approx(2.570581835636314)


def test_test_result_and_etable():
    t = TestResult("LR: + x", 3.84, 1, 0.05004352124870519)
    row = t.tidy()
    assert list(row.columns[:7]) == list(TIDY_COLUMNS) and row.loc[0, "term"] == "LR: + x"
    assert row.loc[0, "statistic"] == 3.84 and row.loc[0, "distribution"] == "chi2"
    assert row[["estimate", "std_error", "ci_low", "ci_high"]].isna().all(axis=None)
    assert "LR: + x" in t.summary() and "p=0.05" in t.summary()

    class Two(Result):
        result_name = "two"

        def tidy(self, level: float = 0.95) -> pd.DataFrame:
            return tidy_frame(["a", "b"], [1.0, 2.0], [1.0, 1.0], level=level)

    table = etable({"m1": Two(), "m2": Two(), "lr": t})
    assert list(table["model"]) == ["m1", "m1", "m2", "m2", "lr"]
    assert list(table["term"]) == ["a", "b", "a", "b", "LR: + x"]
    assert "two (90% intervals)" in Two().summary(level=0.9)
    with pytest.raises(NotImplementedError):
        Two().plot()


def test_tidy_frame_uniform_band_beside_pointwise_interval():
    out = tidy_frame(["a", "b"], [1.0, -2.0], [0.5, 1.0], uniform_crit=2.5)
    np.testing.assert_allclose(out["ci_low_uniform"], [-0.25, -4.5])
    np.testing.assert_allclose(out["ci_high_uniform"], [2.25, 0.5])
    assert (out["crit_uniform"] == 2.5).all()
    np.testing.assert_allclose(out["ci_low"], [1.0 - 0.5 * critical_value(), -2.0 - critical_value()])
    assert "ci_low_uniform" not in tidy_frame(["a"], [1.0], [0.5]).columns
