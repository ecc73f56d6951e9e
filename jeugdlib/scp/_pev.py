"""Exact prediction-error variance of the SCP model from Henderson's mixed-model equations.

For a wijk with fixed-effect row ``x0`` and random-effect row ``z0`` (its region and its
gemeente), the predicted mean ``x0' b + z0' u`` (``b`` the GLS estimate, ``u`` the BLUP)
differs from the true ``x0' beta + z0' v`` by an error whose variance, with the variance
components taken as known, is ``[x0; z0]' C [x0; z0]``. ``C`` is ``sigma^2`` times the
inverse of the coefficient matrix of Henderson's mixed-model equations

    [ X'WX       X'WZ          ]
    [ Z'WX       Z'WZ + s2 G^-1 ]

(``W`` the weights, ``G`` the diagonal of region and gemeente variances): the joint
covariance of ``b - beta`` and ``u - v`` (Henderson 1975). Adding the variances of the
fixed part and of each effect, as jeugdlib did before, leaves out their covariances.

This is hand-rolled because statsmodels exposes only the conditional variance of the
random effects with the fixed effects known (``random_effects_cov``); the tests pin it to
the dense closed form ``K = (X'V^-1X)^-1``, ``-K X'V^-1 Z G``, ``G - G Z' P Z G``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import linalg, sparse

__all__ = ["HendersonSystem", "henderson_system", "pev_rows", "prediction_error_variance"]

#: A variance component below this fraction of the residual variance is treated as zero
#: (its effects are exactly 0 and add nothing to the prediction error).
_ZERO = 1e-10


@dataclass(frozen=True)
class HendersonSystem:
    """The inverted mixed-model equations of one fit: what every prediction-error variance needs.

    Computed once per fitted model (:func:`henderson_system`) and reused for any set of new rows
    (:func:`pev_rows`), so predicting for one region does not refactor the national system.
    """

    C: np.ndarray  # sigma^2 * inverse of the coefficient matrix
    p: int  # number of fixed effects
    codes: tuple[pd.Index | None, ...]  # effect codes per component (None: component at zero)
    offsets: tuple[int, ...]
    variances: tuple[float, ...]


def henderson_system(
    X_fit: np.ndarray,
    w_fit: np.ndarray,
    keys_fit: tuple[np.ndarray, np.ndarray],
    variances: dict[str, float],
) -> HendersonSystem:
    """Factor Henderson's mixed-model equations of the fitted rows (see the module docstring)."""
    s2 = float(variances["wijk"])
    fit_ids = [pd.Series(keys_fit[0]).astype(str).to_numpy(), _pair(keys_fit)]
    n, p = X_fit.shape
    blocks, penalty, codes_out, offsets, vars_out = [], [], [], [], []
    offset = 0
    for k, name in enumerate(("jeugdregio", "gemeente")):
        var = float(variances[name])
        codes, idx = np.unique(fit_ids[k], return_inverse=True)
        vars_out.append(var)
        offsets.append(offset)
        if var <= _ZERO * s2:
            codes_out.append(None)
            continue
        codes_out.append(pd.Index(codes))
        blocks.append(sparse.csr_matrix((np.ones(n), (np.arange(n), idx)), shape=(n, len(codes))))
        penalty.append(np.full(len(codes), s2 / var))
        offset += len(codes)
    Z = sparse.hstack(blocks, format="csr") if blocks else sparse.csr_matrix((n, 0))
    Xw = X_fit * w_fit[:, None]
    ZtW = Z.T.multiply(w_fit[None, :]).tocsr()
    top = np.hstack([X_fit.T @ Xw, (ZtW @ X_fit).T])
    lower = np.hstack([ZtW @ X_fit, (ZtW @ Z).toarray() + np.diag(np.concatenate(penalty) if penalty else [])])
    M = np.vstack([top, lower])
    C = s2 * linalg.cho_solve(linalg.cho_factor(M), np.eye(M.shape[0]))
    return HendersonSystem(C, p, tuple(codes_out), tuple(offsets), tuple(vars_out))


def pev_rows(system: HendersonSystem, X_new: np.ndarray, keys_new: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Variance of ``x0'(b - beta) + z0'(u - v)`` for each new row, from a :class:`HendersonSystem`.

    A region or gemeente that is not in the fit has effect 0 and contributes its full component
    variance (a new, independent draw).
    """
    p, C = system.p, system.C
    new_ids = [pd.Series(keys_new[0]).astype(str).to_numpy(), _pair(keys_new)]
    extra = np.zeros(len(X_new))
    index_new = []
    for k in range(2):
        codes = system.codes[k]
        if codes is None:
            continue
        pos = codes.get_indexer(new_ids[k])
        index_new.append(np.where(pos >= 0, pos + system.offsets[k], -1))
        extra += np.where(pos >= 0, 0.0, system.variances[k])
    C11, C12, C22 = C[:p, :p], C[:p, p:], C[p:, p:]
    pev = np.einsum("ij,jk,ik->i", X_new, C11, X_new)
    XC12 = X_new @ C12
    rows = np.arange(len(X_new))
    cols = [ix for ix in index_new if (ix >= 0).any()]
    for a, ia in enumerate(cols):
        has = ia >= 0
        pev[has] += 2 * XC12[rows[has], ia[has]] + C22[ia[has], ia[has]]
        for ib in cols[a + 1 :]:
            both = has & (ib >= 0)
            pev[both] += 2 * C22[ia[both], ib[both]]
    return pev + extra


def prediction_error_variance(
    X_fit: np.ndarray,
    w_fit: np.ndarray,
    keys_fit: tuple[np.ndarray, np.ndarray],
    variances: dict[str, float],
    X_new: np.ndarray,
    keys_new: tuple[np.ndarray, np.ndarray],
) -> np.ndarray:
    """Variance of ``x0'(b - beta) + z0'(u - v)`` for each new row (no residual term).

    Parameters
    ----------
    X_fit, w_fit:
        Fixed-effect design (with constant) and weights (residual variance ``sigma^2 / w``)
        of the fitted rows.
    keys_fit:
        ``(region, gemeente)`` of each fitted row; a gemeente is identified by the pair.
    variances:
        ``jeugdregio``, ``gemeente`` and ``wijk`` (residual) variances.
    X_new, keys_new:
        Rows to predict. A region or gemeente that is not in the fit has effect 0 and
        contributes its full component variance (a new, independent draw).
    """
    return pev_rows(henderson_system(X_fit, w_fit, keys_fit, variances), X_new, keys_new)


def _pair(keys: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    return (pd.Series(keys[0]).astype(str) + "\x1f" + pd.Series(keys[1]).astype(str)).to_numpy()
