"""The SCP model, tested against SCP's published expected values."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats

from jeugdlib import DataError, JeugdlibWarning, scp
from jeugdlib.results import TIDY_COLUMNS, Result
from jeugdlib.scp._design import _back_mean


def test_determinants_and_info():
    assert len(scp.SCP_DETERMINANTS) == 27
    assert scp.SCP_DETERMINANTS[0] == "perc_sbo_g" and scp.SCP_DETERMINANTS[-1] == "kleinewijk"
    info = scp.DETERMINANT_INFO
    assert info.variabele.tolist() == scp.SCP_DETERMINANTS
    assert info.set_index("variabele").loc["perc_1ouder", "label"] == "aandeel eenouderhuishoudens"
    assert info.bron.notna().all()


_IMPORT_GUARD = textwrap.dedent(
    """
    import builtins, importlib, io, os, pkgutil, sys

    import jeugdlib

    # discover every module of the package without importing it
    names = ["jeugdlib"] + [m.name for m in pkgutil.walk_packages(jeugdlib.__path__, "jeugdlib.")
                            if not any(part.startswith("test") for part in m.name.split("."))]
    for name in list(sys.modules):
        if name.startswith("jeugdlib"):
            del sys.modules[name]

    # import the third-party libraries first: they may read their own files at import
    probe = __import__("subprocess").run(
        [sys.executable, "-c", "import importlib, sys; [importlib.import_module(n) for n in sys.argv[1:]]; "
         "print(' '.join(sorted({m.split('.')[0] for m in sys.modules if not m.startswith('jeugdlib')})))", *names],
        capture_output=True, text=True, check=True)
    for top in probe.stdout.split():
        try:
            importlib.import_module(top)
        except Exception:
            pass

    def refuse(what):
        def guard(*args, **kwargs):
            target = str(args[0]) if args else str(kwargs)
            if what in ("open", "io.open", "os.open") and target.endswith((".py", ".pyc")):
                return real[what](*args, **kwargs)
            raise RuntimeError(f"I/O at import time: {what}({target!r})")
        return guard

    real = {"open": builtins.open, "io.open": io.open, "os.open": os.open}
    builtins.open = refuse("open")
    io.open = refuse("io.open")
    os.open = refuse("os.open")
    import numpy as np
    import pandas as pd
    for reader in ("read_csv", "read_table", "read_excel", "read_parquet", "read_json", "read_feather", "read_pickle"):
        setattr(pd, reader, refuse("pandas." + reader))
    for reader in ("load", "loadtxt", "genfromtxt", "fromfile"):
        setattr(np, reader, refuse("numpy." + reader))
    try:
        import pyarrow.csv, pyarrow.parquet
        pyarrow.csv.read_csv = refuse("pyarrow.csv.read_csv")
        pyarrow.parquet.read_table = refuse("pyarrow.parquet.read_table")
    except ImportError:
        pass

    failed = []
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:
            failed.append(f"{name}: {type(exc).__name__}: {exc}")
    print("MODULES", len(names))
    print("\\n".join(failed))
    """
)


def test_import_opens_no_file():
    """Importing jeugdlib and every submodule reads no file (open, pandas/numpy/pyarrow readers refused)."""
    out = subprocess.run([sys.executable, "-c", _IMPORT_GUARD], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    lines = out.stdout.strip().splitlines()
    assert lines[0].startswith("MODULES") and int(lines[0].split()[1]) >= 20
    # these must be in the list the guard walked
    failures = [line for line in lines[1:] if line]
    assert failures == []


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
        subset=["perc_jhzv"]
    )
    formula = "perc_jhzv ~ " + " + ".join(X.columns)
    bare = sm.MixedLM.from_formula(
        formula, data=data, groups="jeugdregio_code", vc_formula={"gemeente": "0 + C(gemeentecode)"}, re_formula="1"
    ).fit(reml=True, method="lbfgs")
    np.testing.assert_allclose(np.asarray(bare.fe_params), np.asarray(scp_model.result.fe_params), rtol=1e-3, atol=1e-3)
    assert bare.llf == pytest.approx(scp_model.llf, abs=1e-3)
    assert exp.shape[0] == 2918


def test_expected_columns_and_suppressed_outcomes(scp_model):
    exp = scp_model.expected()
    cols = [
        "wijkcode",
        "observed",
        "expected",
        "expected_fixed",
        "region_effect",
        "gemeente_effect",
        "difference",
        "pi_low",
        "pi_high",
        "flag",
    ]
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


def test_flags_follow_interval_and_fdr(scp_model):
    """Per-wijk flags are the two-sided 5% tests; FDR flags are Benjamini-Hochberg (scipy) at 5%."""
    plain = scp_model.expected()
    fdr = scp_model.expected(fdr=True)
    obs = plain.observed.notna().to_numpy()
    p = plain.p_value.to_numpy()[obs]
    flagged = plain.flag.isin(["higher", "lower"]).to_numpy()[obs]
    # outside the 95% prediction interval <=> p < 0.05 (two computations of one test)
    np.testing.assert_array_equal(flagged, p < 0.05)
    bh = stats.false_discovery_control(p, method="bh") <= 0.05
    fdr_flagged = fdr.flag.isin(["higher", "lower"]).to_numpy()[obs]
    np.testing.assert_array_equal(fdr_flagged, bh)
    # direction follows the sign of observed - expected
    sign = np.sign(fdr.difference.to_numpy()[obs][fdr_flagged])
    np.testing.assert_array_equal(np.where(sign > 0, "higher", "lower"), fdr.flag.to_numpy()[obs][fdr_flagged])
    # on the SCP data: 79 wijken outside their interval with the exact prediction-error variance
    # (73 when the variances were summed: the independent validation of issue 12 found 6 of 2,632
    # flags changing), 16 survive the FDR control
    assert flagged.sum() == 79 and fdr_flagged.sum() == 16


def test_tidy_fixed_effects(scp_model):
    assert isinstance(scp_model, Result)
    t = scp_model.tidy()
    assert list(t.columns) == [*TIDY_COLUMNS, "n_obs"]
    assert t.term.tolist() == ["const", *scp.SCP_DETERMINANTS]
    assert (t.n_obs == 2632).all()
    res = scp_model.result
    np.testing.assert_array_equal(t.estimate, np.asarray(res.fe_params))
    np.testing.assert_array_equal(t.std_error, np.asarray(res.bse)[:28])
    np.testing.assert_allclose(t.statistic, np.asarray(res.tvalues)[:28], rtol=1e-12)
    np.testing.assert_allclose(t.p_value, np.asarray(res.pvalues)[:28], rtol=1e-9, atol=1e-300)
    ci = np.asarray(res.conf_int(alpha=0.10))[:28]
    t90 = scp_model.tidy(level=0.90)
    np.testing.assert_allclose(t90[["ci_low", "ci_high"]].to_numpy(), ci, rtol=1e-12)
    # coefficients() carries the same numbers under its older names
    c = scp_model.coefficients()
    np.testing.assert_array_equal(c.se, t.std_error)
    np.testing.assert_array_equal(c.z, t.statistic)
    assert c.set_index("term").loc["perc_1ouder", "label"] == "aandeel eenouderhuishoudens"


def test_summary(scp_model):
    s = scp_model.summary_tables()
    assert s["counts"] == {"wijken_fit": 2632, "wijken_total": 2918, "gemeenten": 388, "regios": 42}
    vc = s["variance_components"].set_index("component")
    assert (vc.variance > 0).all()
    assert vc.share.sum() == pytest.approx(1)
    v = scp_model.variance_components
    assert vc.loc["jeugdregio", "icc"] == pytest.approx(v["jeugdregio"] / sum(v.values()))
    assert vc.loc["gemeente", "icc"] == pytest.approx((v["jeugdregio"] + v["gemeente"]) / sum(v.values()))
    r2 = s["r_squared"]
    assert 0 < r2["marginal"] < r2["conditional"] < 1
    coef = s["coefficients"]
    assert {"estimate", "se", "ci_low", "ci_high", "standardised"} <= set(coef.columns)
    assert s["convergence"]["converged"]
    assert s["aic"] == pytest.approx(-2 * scp_model.llf + 2 * (28 + 3))


def test_summary_text(scp_model):
    text = scp_model.summary()
    assert isinstance(text, str)
    assert "wijken 2632 in the fit of 2918, gemeenten 388, regions 42" in text
    assert f"log-likelihood {scp_model.llf:.4f}" in text
    assert "REML fit" in text and "Variance components" in text
    for term in ("const", *scp.SCP_DETERMINANTS):
        assert re.search(rf"^\s*{term}\s+-?\d", text, flags=re.MULTILINE), term


def test_summary_text_keeps_the_old_dict_access(scp_model):
    text = scp_model.summary()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # printing and searching the text does not warn
        assert str(text) == repr(text) and text.splitlines()[0] == str(text).splitlines()[0]
        assert text[:5] == str(text)[:5]
    with pytest.warns(DeprecationWarning, match="summary_tables"):
        counts = text["counts"]
    assert counts == scp_model.summary_tables()["counts"]
    with pytest.warns(DeprecationWarning):
        coef = text["coefficients"]
    pd.testing.assert_frame_equal(coef, scp_model.coefficients())
    with pytest.warns(DeprecationWarning):
        assert set(text.keys()) == set(scp_model.summary_tables())
    with pytest.raises(KeyError):
        with pytest.warns(DeprecationWarning):
            text["no_such_table"]


def test_expected_parses_decimal_commas_and_refuses_text(scp_model, scp_2017):
    """A Dutch new_df (decimal commas as text) gives the same predictions, not NaN observations."""
    new = scp_2017.head(40).copy()
    ref = scp_model.expected(new)
    dutch = new.copy()
    for col in [scp_model.outcome, *scp_model.design.raw_means.index]:
        dutch[col] = new[col].map(lambda v: "" if pd.isna(v) else repr(float(v)).replace(".", ","))
    got = scp_model.expected(dutch)
    assert ref["observed"].notna().sum() > 20
    np.testing.assert_allclose(got["observed"], ref["observed"], rtol=1e-12)
    np.testing.assert_allclose(got["expected"], ref["expected"], rtol=1e-12)
    assert got["flag"].tolist() == ref["flag"].tolist()
    bad = new.copy()
    bad[scp_model.outcome] = bad[scp_model.outcome].astype(object)
    bad.iloc[3, bad.columns.get_loc(scp_model.outcome)] = "onbekend"
    with pytest.raises(DataError, match=scp_model.outcome):
        scp_model.expected(bad)


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
    assert _back_mean(mu, 0.04, "log")[0] == pytest.approx(10 * np.exp(0.02))
    # logit-normal mean by simulation
    rng = np.random.default_rng(0)
    eta = np.log(0.1 / 0.9) + rng.normal(0, 0.5, 400_000)
    sim = 100 * np.mean(1 / (1 + np.exp(-eta)))
    assert _back_mean(np.array([np.log(0.1 / 0.9)]), 0.25, "logit")[0] == pytest.approx(sim, rel=2e-3)


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
    with pytest.warns(JeugdlibWarning, match=r"1 missing-indicator\(s\) dropped.*\['huur_corp__ontbreekt'\]"):
        m = scp.fit_scp_model(scp_2017, missing_indicators=True, min_indicator=1)
    X = m.design.X[m.fit_mask].to_numpy()
    assert np.linalg.matrix_rank(np.column_stack([np.ones(len(X)), X])) == X.shape[1] + 1
    # independently from the data: one indicator per determinant missing in a fitted wijk
    # (min_indicator=1), except huur_corp whose missing wijk is perc_1gez's
    fitted = scp_2017[scp_2017.perc_jhzv.notna()]
    missing = fitted[scp.SCP_DETERMINANTS].isna()
    with_missing = [p for p in scp.SCP_DETERMINANTS if missing[p].any()]
    assert len(with_missing) == 15
    np.testing.assert_array_equal(missing["huur_corp"], missing["perc_1gez"])
    assert m.design.indicators == [f"{p}__ontbreekt" for p in with_missing if p != "huur_corp"]
    for p in with_missing:
        if p != "huur_corp":
            np.testing.assert_array_equal(m.design.X.loc[m.fit_mask, f"{p}__ontbreekt"], missing[p].astype(float))


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
    s = m.summary_tables()
    assert s["counts"]["regios"] == 42
    assert 0.05 < s["r_squared"]["marginal"] < 0.6
    exp = m.expected()
    assert exp.expected.notna().all()
