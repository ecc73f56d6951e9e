"""Gardner's (2022) two-stage DiD (did2s) with the Butts & Gardner GMM standard errors.

pyfixest's ``did2s`` (0.60) drops singleton fixed effects in its first stage and then fails
with a broadcasting ``ValueError`` as soon as a unit has exactly one untreated period (full
mpdta; a 2016 cohort in a 2015-2023 panel). A unit with one untreated period is not a
problem for the estimator: its unit effect is identified by that one observation. So the
two stages are computed here, in sparse linear algebra, keeping those units:

1. first stage on the untreated observations: ``y = alpha_i + lambda_t + u``;
2. second stage on all observations: ``y - alpha_i - lambda_t = X2 beta + e``;
3. covariance ``(X2'X2)^-1 (sum_g W_g W_g') (X2'X2)^-1`` with
   ``W_g = X2_g' e_g - (X2'X1)(X10'X10)^-1 X10_g' u_g`` (R ``did2s``, pyfixest's
   ``_did2s_vcov``; no small-sample factor, as both).

``tests/test_did_inference.py`` pins this to pyfixest on panels where pyfixest runs
(coefficients and covariance to 1e-8) and to the truth of a simulation.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import sparse
from scipy.sparse.linalg import splu

from jeugdlib.errors import DataError

__all__ = ["Did2sFit", "did2s_fit"]


@dataclass
class Did2sFit:
    """Second-stage coefficients of :func:`did2s_fit` and their GMM cluster covariance."""

    coefnames: list[str]
    beta: np.ndarray
    vcov: np.ndarray
    n_obs: int
    n_clusters: int
    notes: list[str] = field(default_factory=list)

    def coef(self) -> pd.Series:
        """Coefficients by name (as a pyfixest fit's ``coef()``)."""
        return pd.Series(self.beta, index=self.coefnames)

    def se(self) -> pd.Series:
        """Standard errors by name."""
        return pd.Series(np.sqrt(np.diag(self.vcov)), index=self.coefnames)


def _dummies(codes: np.ndarray, n_levels: int, drop_first: bool) -> sparse.csr_array:
    rows = np.arange(codes.size)
    x = sparse.csr_array((np.ones(codes.size), (rows, codes)), shape=(codes.size, n_levels))
    return x[:, 1:] if drop_first else x


def did2s_fit(
    data: pd.DataFrame,
    names: list[str],
    treated: np.ndarray,
    source: str = "event_study[did2s]",
) -> tuple[Did2sFit, pd.DataFrame]:
    """Two-stage DiD of ``_y`` on the columns ``names`` with unit and time effects.

    Parameters
    ----------
    data:
        Rows with ``_y, _unit, _time, _cl`` and the second-stage regressors ``names``.
    names:
        Second-stage regressors (event-time dummies; no intercept).
    treated:
        Boolean per row: the observation is treated (left out of the first stage).
    source:
        Name used in error messages.

    Returns
    -------
    (Did2sFit, DataFrame)
        The fit and the rows it used (rows whose unit or period has no untreated
        observation cannot be imputed and are dropped, with a note).
    """
    treated = np.asarray(treated, bool)
    notes: list[str] = []
    untreated_units = set(data.loc[~treated, "_unit"])
    untreated_times = set(data.loc[~treated, "_time"])
    keep = data["_unit"].isin(untreated_units).to_numpy() & data["_time"].isin(untreated_times).to_numpy()
    if not keep.all():
        n_u = data.loc[~keep, "_unit"].nunique()
        notes.append(
            f"did2s: {int((~keep).sum())} observation(s) of {n_u} unit(s) without an untreated unit or period "
            "dropped (their fixed effects cannot be imputed)"
        )
        data, treated = data.loc[keep], treated[keep]
    if not (~treated).any():
        raise DataError(f"{source}: no untreated observations for the first stage.")
    names = [c for c in names if data[c].to_numpy().any()]  # event times left without observations
    if not names:
        raise DataError(f"{source}: no event-time observations left after dropping non-imputable units.")
    unit = pd.factorize(data["_unit"])[0]
    time = pd.factorize(data["_time"])[0]
    x1 = sparse.hstack([_dummies(unit, unit.max() + 1, False), _dummies(time, time.max() + 1, True)], format="csr")
    u0 = (~treated).astype(float)
    x10 = sparse.csr_array(x1.multiply(u0[:, None]))
    y = data["_y"].to_numpy(float)
    x2 = data[names].to_numpy(float)
    lhs = (x10.T @ x10).tocsc()
    try:
        lu = splu(lhs)
    except RuntimeError as exc:  # singular: the untreated observations do not connect units and periods
        raise DataError(
            f"{source}: the untreated observations do not identify every unit and period effect "
            "(disconnected panel); did2s cannot impute the untreated outcomes."
        ) from exc
    gamma = lu.solve(x10.T @ (y * u0))
    resid1 = y - x1 @ gamma  # imputed treatment effects on treated rows, first-stage residuals elsewhere
    xtx = x2.T @ x2
    xtx_inv = np.linalg.pinv(xtx)
    beta = xtx_inv @ (x2.T @ resid1)
    resid2 = resid1 - x2 @ beta
    first_u = resid1 * u0
    proj = x1 @ lu.solve(np.asarray((x1.T @ x2), float).reshape(x1.shape[1], -1))  # X1 (X10'X10)^-1 X1'X2
    z = x2 * resid2[:, None] - proj * first_u[:, None]
    cl = pd.factorize(data["_cl"])[0]
    s = np.zeros((cl.max() + 1, len(names)))
    np.add.at(s, cl, z)
    vcov = xtx_inv @ (s.T @ s) @ xtx_inv
    fit = Did2sFit(list(names), beta, vcov, int(len(data)), int(cl.max() + 1), notes)
    return fit, data
