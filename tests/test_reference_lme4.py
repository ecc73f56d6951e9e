"""The SCP three-level model against R lme4, at full precision.

Reference files in ``tests/reference/`` (generators committed next to them; CI has no R
and reads only the committed outputs):

- ``lme4_scp_input.csv`` — the fitted wijken with jeugdlib's imputed determinants,
  written by ``make_lme4_inputs.py``;
- ``lme4_scp_output.csv`` — ``lmer(perc_jhzv ~ 27 determinants + (1 | jeugdregio/gemeente))``
  by ML and REML, a weighted ML fit, the model without ``perc_kind_sch5`` and their
  ``anova`` LR test, written by ``r_lme4_scp.R`` (lme4 1.1-31).

Tolerances: the log-likelihood to 1e-6 (observed 1e-7), fixed effects to rtol 1e-5 with
atol 1e-5 percentage points (observed 4e-6); the variance components to rtol 2e-4
because the likelihood is flat in them (lme4's own bobyqa and Nelder-Mead optima differ
by 2e-5 relative in the gemeente variance).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from jeugdlib import scp

REFERENCE = Path(__file__).resolve().parent / "reference"
PREDICTORS_BASE = [p for p in scp.SCP_DETERMINANTS if p != "perc_kind_sch5"]


def _read_reference() -> pd.DataFrame:
    ref = pd.read_csv(
        REFERENCE / "lme4_scp_output.csv", comment="#", keep_default_na=False, float_precision="round_trip"
    )
    ref["value"] = ref["value"].astype(float)
    return ref


REF = _read_reference()


def ref_value(model: str, quantity: str, term: str = "") -> float:
    row = REF[(REF.model == model) & (REF.quantity == quantity) & (REF.term == term)]
    assert len(row) == 1, (model, quantity, term)
    return float(row.value.iloc[0])


def ref_series(model: str, quantity: str) -> pd.Series:
    rows = REF[(REF.model == model) & (REF.quantity == quantity)]
    assert len(rows), (model, quantity)
    return rows.set_index("term").value


@pytest.fixture(scope="module")
def data(scp_2017):
    df = scp_2017.copy()
    df["w"] = np.where(df.kleinewijk == 1, 50.0, 500.0)  # as make_lme4_inputs.py
    return df


@pytest.fixture(scope="module")
def fits(data, scp_model):
    return {
        "reml": scp_model,
        "ml": scp.fit_scp_model(data, reml=False),
        "ml_weighted": scp.fit_scp_model(data, reml=False, weights="w"),
        "reml_weighted": scp.fit_scp_model(data, reml=True, weights="w"),
        "ml_base": scp.fit_scp_model(data, predictors=PREDICTORS_BASE, reml=False),
    }


def test_reference_input_is_what_jeugdlib_fits(scp_model):
    """The committed lme4 input equals the generator's output now, and standardised it is jeugdlib's design."""
    sys.path.insert(0, str(REFERENCE))
    try:
        from make_lme4_inputs import lme4_input
    finally:
        sys.path.remove(str(REFERENCE))
    committed = pd.read_csv(REFERENCE / "lme4_scp_input.csv", float_precision="round_trip")
    pd.testing.assert_frame_equal(committed, lme4_input(), check_exact=True)
    assert len(committed) == int(scp_model.fit_mask.sum()) == 2632
    x = committed[scp.SCP_DETERMINANTS]
    standardised = (x - x.mean()) / x.std(ddof=0)
    design = scp_model.design.X[scp_model.fit_mask].reset_index(drop=True)
    np.testing.assert_allclose(standardised.to_numpy(), design.to_numpy(), rtol=0, atol=1e-12)
    observed = scp_model.data.loc[scp_model.fit_mask, "perc_jhzv"].to_numpy()
    np.testing.assert_array_equal(committed["perc_jhzv"].to_numpy(), observed)


@pytest.mark.parametrize("name", ["ml", "reml", "ml_base", "ml_weighted", "reml_weighted"])
def test_log_likelihood_matches_lme4(fits, name):
    m = fits[name]
    assert m.n_obs == ref_value(name, "nobs")
    assert m.n_params == ref_value(name, "df")
    assert m.llf == pytest.approx(ref_value(name, "logLik"), abs=1e-6)


@pytest.mark.parametrize("name", ["ml", "reml", "ml_weighted", "reml_weighted", "ml_base"])
def test_fixed_effects_match_lme4(fits, name):
    est = ref_series(name, "estimate")
    tidy = fits[name].tidy().set_index("term")
    assert list(tidy.index) == list(est.index)
    np.testing.assert_allclose(tidy.estimate.to_numpy(), est.to_numpy(), rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("name", ["ml", "reml", "ml_weighted", "reml_weighted", "ml_base"])
def test_variance_components_match_lme4(fits, name):
    vc = pd.Series(fits[name].variance_components)
    ref = ref_series(name, "variance")
    np.testing.assert_allclose(vc[ref.index].to_numpy(), ref.to_numpy(), rtol=2e-4)


@pytest.mark.parametrize("name", ["ml", "reml", "ml_weighted"])
def test_standard_errors_against_lme4(fits, name):
    """lme4's SEs are the GLS ones given the variance components; statsmodels' add the β–θ cross terms.

    (X'V⁻¹X)⁻¹ with jeugdlib's variance components (residual variance σ²/wᵢ when weighted)
    reproduces lme4's ``vcov``; jeugdlib's own SEs (statsmodels: inverse of the full
    observed information) can only be larger, here by less than 1%.
    """
    m = fits[name]
    ref = ref_series(name, "std_error").to_numpy()
    fit = m.data[m.fit_mask]
    X = np.column_stack([np.ones(m.n_obs), m.design.X[m.fit_mask].to_numpy()])
    vc = m.variance_components
    w = np.ones(m.n_obs) if m.weights is None else fit[m.weights].to_numpy() / fit[m.weights].mean()
    reg, gem = fit.jeugdregio_code.to_numpy(), fit.gemeentecode.to_numpy()
    V = (
        np.diag(vc["wijk"] / w)
        + vc["jeugdregio"] * (reg[:, None] == reg[None, :])
        + vc["gemeente"] * (gem[:, None] == gem[None, :])
    )
    gls_se = np.sqrt(np.diag(np.linalg.inv(X.T @ np.linalg.solve(V, X))))
    np.testing.assert_allclose(gls_se, ref, rtol=1e-4)
    own = m.tidy().std_error.to_numpy()
    assert (own >= ref * (1 - 1e-4)).all()
    assert np.max(own / ref - 1) < 0.01


def test_likelihood_ratio_test_matches_anova(fits):
    """LR test of perc_kind_sch5 (26 vs 27 determinants, ML) equals lme4's anova."""
    stat = 2 * (fits["ml"].llf - fits["ml_base"].llf)
    assert stat == pytest.approx(ref_value("lr_perc_kind_sch5", "statistic", "perc_kind_sch5"), abs=5e-6)
    assert ref_value("lr_perc_kind_sch5", "df", "perc_kind_sch5") == 1
    p = stats.chi2.sf(stat, 1)
    assert p == pytest.approx(ref_value("lr_perc_kind_sch5", "p_value", "perc_kind_sch5"), rel=1e-5)


def test_compare_models_lr_test_matches_anova(scp_2017):
    """jeugdlib.multilevel.compare_models gives lme4's anova statistic and p-value."""
    from jeugdlib import multilevel as ml

    cmp = ml.compare_models(scp_2017, PREDICTORS_BASE, ["perc_kind_sch5"])
    assert cmp.test.statistic == pytest.approx(ref_value("lr_perc_kind_sch5", "statistic", "perc_kind_sch5"), abs=5e-6)
    assert cmp.test.df == ref_value("lr_perc_kind_sch5", "df", "perc_kind_sch5")
    assert cmp.test.p_value == pytest.approx(ref_value("lr_perc_kind_sch5", "p_value", "perc_kind_sch5"), rel=1e-5)


def test_weighted_llf_matches_lme4(fits):
    """lme4's weighted logLik includes ½Σlog wᵢ (weights normalised to mean 1), and so does jeugdlib's (issue 12)."""
    m = fits["ml_weighted"]
    half_sum_log_w = ref_value("ml_weighted", "half_sum_log_w")
    w = m.data.loc[m.fit_mask, "w"].to_numpy()
    assert half_sum_log_w == pytest.approx(0.5 * np.sum(np.log(w / w.mean())), abs=1e-9)
    assert m.llf_jacobian == pytest.approx(half_sum_log_w, abs=1e-9)
    assert m.llf == pytest.approx(ref_value("ml_weighted", "logLik"), abs=1e-6)
    aic_lme4 = -2 * ref_value("ml_weighted", "logLik") + 2 * ref_value("ml_weighted", "df")
    assert m.aic == pytest.approx(aic_lme4, abs=1e-5)


def test_weighted_llf_does_not_depend_on_the_scale_of_the_weights(data):
    """With the Jacobian the llf is a property of the model, not of how the weights are scaled."""
    m1 = scp.fit_scp_model(data, reml=False, weights="w")
    m2 = scp.fit_scp_model(data.assign(w=data.w * 7.3), reml=False, weights="w")
    assert m1.llf == pytest.approx(m2.llf, abs=1e-6)
