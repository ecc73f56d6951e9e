"""The SCP model, tested against SCP's published expected values."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from jeugdlib import DataError, JeugdlibWarning
from jeugdlib import scp


def test_determinants_and_info():
    assert len(scp.SCP_DETERMINANTS) == 27
    assert scp.SCP_DETERMINANTS[0] == "perc_sbo_g" and scp.SCP_DETERMINANTS[-1] == "kleinewijk"
    info = scp.DETERMINANT_INFO
    assert info.variabele.tolist() == scp.SCP_DETERMINANTS
    assert info.set_index("variabele").loc["perc_1ouder", "label"] == "aandeel eenouderhuishoudens"
    assert info.bron.notna().all()


def test_reproduces_published_expected_values(scp_model):
    """Target of issue 3: r >= 0.97 and RMSE <= 0.6 pp over all 2,918 wijken."""
    exp = scp_model.expected()
    agreement = scp.compare_with_published(exp)
    assert agreement.n_wijken == 2918
    assert agreement.corr_expected >= 0.97
    assert agreement.rmse_expected <= 0.6
    assert agreement.sign_agreement > 0.9
    assert scp_model.converged


def test_published_findings_signs(scp_model):
    """SCP: more one-parent households, bijstand, special education, non-western migrants → more use."""
    coef = scp_model.coefficients().set_index("term")
    for term in ("perc_1ouder", "perc_hhbijs", "perc_sbo_g", "perc_antsur"):
        assert coef.loc[term, "estimate"] > 0, term


def test_matches_bare_statsmodels(scp_2017, scp_model):
    """The array design equals a formula-built MixedLM with the same imputed data."""
    exp = scp_model.expected()
    X = scp_model.design.X.copy()
    data = pd.concat([X, scp_2017[["perc_jhzv", "gemeentecode", "jeugdregio_code"]]], axis=1).dropna(
        subset=["perc_jhzv"])
    formula = "perc_jhzv ~ " + " + ".join(X.columns)
    bare = sm.MixedLM.from_formula(formula, data=data, groups="jeugdregio_code",
                                   vc_formula={"gemeente": "0 + C(gemeentecode)"}, re_formula="1").fit(
        reml=True, method="lbfgs")
    np.testing.assert_allclose(np.asarray(bare.fe_params), np.asarray(scp_model.result.fe_params), rtol=1e-3,
                               atol=1e-3)
    assert bare.llf == pytest.approx(scp_model.llf, abs=1e-3)
    assert exp.shape[0] == 2918


def test_expected_columns_and_suppressed_outcomes(scp_model):
    exp = scp_model.expected()
    cols = ["wijkcode", "observed", "expected", "expected_fixed", "region_effect", "gemeente_effect",
            "difference", "pi_low", "pi_high", "flag"]
    assert all(c in exp.columns for c in cols)
    suppressed = exp[exp.observed.isna()]
    assert len(suppressed) == 286
    assert suppressed.expected.notna().all() and suppressed.flag.isna().all()
    obs = exp[exp.observed.notna()]
    assert set(obs.flag.unique()) <= {"higher", "lower", "as_expected"}
    np.testing.assert_allclose(obs.difference, obs.observed - obs.expected)
    np.testing.assert_allclose(exp.expected, exp.expected_fixed + exp.region_effect + exp.gemeente_effect)
    assert (obs.loc[obs.flag == "higher", "observed"] > obs.loc[obs.flag == "higher", "pi_high"]).all()
    # SCP-style reading: a few percent of wijken differ beyond the 95% interval
    assert 0.01 < (obs.flag != "as_expected").mean() < 0.1


def test_fdr_flags_are_fewer(scp_model):
    plain = scp_model.expected()
    fdr = scp_model.expected(fdr=True)
    assert (fdr.flag.isin(["higher", "lower"])).sum() <= (plain.flag.isin(["higher", "lower"])).sum()


def test_summary(scp_model):
    s = scp_model.summary()
    assert s["counts"] == {"wijken_fit": 2632, "wijken_total": 2918, "gemeenten": 388, "regios": 42}
    vc = s["variance_components"].set_index("component")
    assert (vc.variance > 0).all()
    assert vc.share.sum() == pytest.approx(1)
    r2 = s["r_squared"]
    assert 0 < r2["marginal"] < r2["conditional"] < 1
    coef = s["coefficients"]
    assert {"estimate", "se", "ci_low", "ci_high", "standardised"} <= set(coef.columns)
    assert s["convergence"]["converged"]


def test_cross_validation_coverage(scp_2017):
    """Held-out gemeenten: interval coverage close to 95%, R² positive."""
    metrics, pred = scp.cross_validate(scp_2017, folds=5, seed=1)
    assert 0.92 <= metrics.coverage <= 0.98
    assert 0.25 < metrics.r2 < 0.6
    assert metrics.rmse < 3.2
    assert pred.fold.nunique() == 5
    # whole gemeenten are held out: each gemeente appears in one fold
    assert pred.groupby("gemeentecode").fold.nunique().max() == 1


@pytest.mark.parametrize("transform", ["log", "logit"])
def test_transformed_outcome_back_transforms(scp_2017, transform):
    m = scp.fit_scp_model(scp_2017, transform=transform)
    exp = m.expected()
    assert (exp.expected > 0).all() and (exp.expected < 100).all()
    # back-transformed means sit on the share scale close to the linear model
    assert scp.compare_with_published(exp).corr_expected > 0.96
    assert (exp.pi_low < exp.expected).all() and (exp.expected < exp.pi_high).all()


def test_back_transform_means_are_exact():
    mu = np.array([np.log(10.0)])
    assert scp._back_mean(mu, 0.04, "log")[0] == pytest.approx(10 * np.exp(0.02))
    # logit-normal mean by simulation
    rng = np.random.default_rng(0)
    eta = np.log(0.1 / 0.9) + rng.normal(0, 0.5, 400_000)
    sim = 100 * np.mean(1 / (1 + np.exp(-eta)))
    assert scp._back_mean(np.array([np.log(0.1 / 0.9)]), 0.25, "logit")[0] == pytest.approx(sim, rel=2e-3)


def test_weights(scp_2017):
    df = scp_2017.copy()
    df["jongeren"] = np.where(df.kleinewijk == 1, 50.0, 500.0)
    m = scp.fit_scp_model(df, weights="jongeren")
    assert m.converged
    exp = m.expected()
    small = exp[df.kleinewijk.to_numpy() == 1]
    big = exp[df.kleinewijk.to_numpy() == 0]
    # small wijken (low weight) get wider intervals
    assert (small.pi_high - small.pi_low).median() > (big.pi_high - big.pi_low).median()
    bad = df.assign(jongeren=0.0)
    with pytest.raises(DataError, match="weights must be positive"):
        scp.fit_scp_model(bad, weights="jongeren")


def test_missing_indicators_collinear_dropped_with_warning(scp_2017):
    # a naive indicator set: perc_1gez and huur_corp are missing in the same wijk
    with pytest.warns(JeugdlibWarning, match=r"collinear.*huur_corp__ontbreekt"):
        m = scp.fit_scp_model(scp_2017, missing_indicators=True, min_indicator=1)
    X = m.design.X[m.fit_mask].to_numpy()
    assert np.linalg.matrix_rank(np.column_stack([np.ones(len(X)), X])) == X.shape[1] + 1
    assert len(m.design.indicators) >= 1


def test_regression_imputation_runs(scp_2017):
    m = scp.fit_scp_model(scp_2017, imputation="regression")
    assert not m.design.X.isna().any().any()
    assert scp.compare_with_published(m.expected()).corr_expected > 0.96


# ---------------------------------------------------------------- bad input
def test_missing_predictor_column(scp_2017):
    with pytest.raises(DataError, match=r"predictor column\(s\) \['perc_bestaat_niet'\]"):
        scp.fit_scp_model(scp_2017, predictors=[*scp.SCP_DETERMINANTS, "perc_bestaat_niet"])


def test_constant_and_all_nan_predictors_dropped(scp_2017):
    df = scp_2017.assign(constant=1.0, leeg=np.nan)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = scp.fit_scp_model(df, predictors=["perc_1ouder", "perc_nwmig", "constant", "leeg"])
    messages = " ".join(str(w.message) for w in caught)
    assert "'constant' is constant" in messages and "'leeg' is entirely missing" in messages
    assert m.design.dropped == ["constant", "leeg"]


def test_wijk_without_region(scp_2017):
    df = scp_2017.copy()
    df.loc[df.gemeentecode == "GM0003", "jeugdregio_code"] = None
    with pytest.raises(DataError, match=r"gemeenten \['GM0003'\]"):
        scp.fit_scp_model(df)


def test_region_with_single_gemeente_fits(scp_2017):
    df = scp_2017.copy()
    df.loc[df.gemeentecode == "GM0363", "jeugdregio_code"] = "JZ99"  # Amsterdam alone
    m = scp.fit_scp_model(df)
    assert "JZ99" in m.region_effects.index
    assert m.expected().expected.notna().all()


def test_non_numeric_outcome(scp_2017):
    df = scp_2017.astype({"perc_jhzv": object})
    df.loc[0, "perc_jhzv"] = "veel"
    with pytest.raises(DataError, match="'perc_jhzv' must be numeric"):
        scp.fit_scp_model(df)


def test_open_data_model_2021():
    m = scp.fit_open_model(2021)
    s = m.summary()
    assert s["counts"]["regios"] == 42
    assert 0.05 < s["r_squared"]["marginal"] < 0.6
    exp = m.expected()
    assert exp.expected.notna().all()
