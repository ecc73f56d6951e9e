"""The private internals of pyfixest and differences that jeugdlib.did reads
(jeugdlib/did/_adapters.py) still exist with the expected shape. A failure here names the
dependency and its version: update the adapter (or pin the dependency), not the estimators."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from jeugdlib import did
from jeugdlib.did import _adapters


def _version(dep: str) -> str:
    return f"{dep} {_adapters.dependency_version(dep)} (adapters tested with {_adapters.TESTED_VERSIONS[dep]})"


@pytest.fixture(scope="module")
def small_panel() -> pd.DataFrame:
    return did.simulate_cpb_panel(n_gemeenten=60, seed=11)


# ------------------------------------------------------------------------------ pyfixest
def test_pyfixest_feols_has_vcov_matrix(small_panel: pd.DataFrame) -> None:
    import pyfixest as pf

    fit = pf.feols(
        "ln_met_verblijf ~ wijkteam_helpt + poh_jeugd | gemeentecode + jaar",
        data=small_panel,
        vcov={"CRV1": "gemeentecode"},
    )
    assert hasattr(fit, "_vcov"), f"{_version('pyfixest')}: Feols no longer has the private '_vcov' matrix"
    raw = np.asarray(fit._vcov)
    assert raw.shape == (2, 2), f"{_version('pyfixest')}: Feols._vcov has shape {raw.shape}, expected (2, 2)"
    assert np.allclose(np.sqrt(np.diag(raw)), fit.se().to_numpy()), (
        f"{_version('pyfixest')}: sqrt(diag(Feols._vcov)) no longer equals fit.se()"
    )
    vcov = _adapters.fit_vcov(fit)
    assert vcov.shape == (2, 2) and np.allclose(vcov, vcov.T)


def test_pyfixest_did2s_has_vcov_matrix(small_panel: pd.DataFrame) -> None:
    import pyfixest as pf

    d = small_panel.assign(g=small_panel["jaar_wijkteam"])
    fit = pf.did2s(
        d,
        yname="ln_met_verblijf",
        first_stage="~ 0 | gemeentecode + jaar",
        second_stage="~ wijkteam_helpt",
        treatment="wijkteam_helpt",
        cluster="gemeentecode",
    )
    assert hasattr(fit, "_vcov"), f"{_version('pyfixest')}: did2s fit no longer has the private '_vcov' matrix"
    vcov = _adapters.fit_vcov(fit)  # checks shape and agreement with the public fit.se()
    assert vcov.shape == (1, 1)


def test_fit_vcov_fails_loudly_when_internals_change() -> None:
    class Drifted:  # what a future pyfixest without '_vcov' would look like
        def coef(self) -> pd.Series:
            return pd.Series([1.0], index=["x"])

        def se(self) -> pd.Series:
            return pd.Series([0.1], index=["x"])

    with pytest.raises(_adapters.AdapterError, match=r"pyfixest \S+: .*'_vcov'.*pin pyfixest==0\.60"):
        _adapters.fit_vcov(Drifted())
    wrong = Drifted()
    wrong._vcov = np.eye(2)
    with pytest.raises(_adapters.AdapterError, match=r"shape \(2, 2\), expected \(1, 1\)"):
        _adapters.fit_vcov(wrong)
    stale = Drifted()
    stale._vcov = np.array([[4.0]])
    with pytest.raises(_adapters.AdapterError, match="differs from fit.se"):
        _adapters.fit_vcov(stale)


# ------------------------------------------------------------------------------ differences
@pytest.fixture(scope="module")
def attgt_model():
    from differences import ATTgt

    mpdta = did.load_mpdta()
    d = mpdta.assign(c=mpdta["first.treat"].replace(0, np.nan)).set_index(["countyreal", "year"])
    model = ATTgt(data=d, cohort_column="c")
    model.fit(formula="lemp ~ lpop", control_group="never_treated", est_method="dr", progress_bar=False)
    return model


def test_differences_result_dict_layout(attgt_model) -> None:
    assert hasattr(attgt_model, "_result_dict"), f"{_version('differences')}: ATTgt has no '_result_dict'"
    rd = attgt_model._result_dict
    assert "full_sample" in rd and "ATTgt_ntl" in rd["full_sample"], (
        f"{_version('differences')}: _result_dict['full_sample']['ATTgt_ntl'] is gone"
    )
    ntl = rd["full_sample"]["ATTgt_ntl"]
    assert len(ntl) == 12
    for nt in ntl:
        missing = [f for f in _adapters.ATTGT_FIELDS if not hasattr(nt, f)]
        assert not missing, f"{_version('differences')}: group-time result lacks {missing}"
        inf = nt.influence_func
        n = inf.shape[0] if hasattr(inf, "shape") else len(inf)
        assert n == 500, f"{_version('differences')}: influence function of length {n}, expected 500 units"


def test_attgt_cells_agree_with_public_results(attgt_model) -> None:
    """What the adapter reads equals differences' public results table (ATT and SE)."""
    cells = _adapters.attgt_cells(attgt_model, n_units=500)
    public = attgt_model.results().droplevel("base_period").iloc[:, :2]
    assert len(cells) == len(public) == 12
    for c in cells:
        att, se = public.loc[(c.cohort, c.time)]
        assert c.att == pytest.approx(att, rel=1e-12)
        assert np.sqrt(np.sum(c.influence**2)) / 500 == pytest.approx(se, rel=1e-8)


def test_attgt_cells_fail_loudly_when_internals_change(attgt_model) -> None:
    class Drifted:
        _result_dict = {"full_sample": {}}

    with pytest.raises(_adapters.AdapterError, match=r"differences \S+: .*ATTgt_ntl.*pin differences==0\.3"):
        _adapters.attgt_cells(Drifted(), n_units=500)
    with pytest.raises(_adapters.AdapterError, match="expected 499 units"):
        _adapters.attgt_cells(attgt_model, n_units=499)


def test_no_private_dependency_access_outside_the_adapter() -> None:
    """`_vcov` and `_result_dict` are read in _adapters.py only."""
    from pathlib import Path

    root = Path(did.__file__).parent
    offenders = [
        p.name
        for p in root.glob("*.py")
        if p.name != "_adapters.py" and any(s in p.read_text() for s in ("._vcov", "_result_dict", "._G"))
    ]
    assert offenders == []
