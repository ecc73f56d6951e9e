"""The ONE place where jeugdlib touches private internals of its dependencies.

- **pyfixest** (0.60): a fitted ``Feols`` has no public accessor for its coefficient
  covariance matrix (``Feols.vcov()`` *recomputes* inference and returns the model; the
  matrix itself lives in ``fit._vcov``). :func:`fit_vcov` reads it and checks it against
  the public ``fit.se()``.
- **differences** (0.3): ``ATTgt`` exposes its group-time results only as a table; the
  per-cell influence functions that the aggregations, uniform bands and pre-trend test are
  built on live in ``model._result_dict["full_sample"]["ATTgt_ntl"]`` (named tuples with
  ``cohort, base_period, time, ATT, influence_func, n_sample``). :func:`attgt_cells` reads
  them.

``tests/test_did_adapters.py`` checks that each of these still exists with the expected
shape, so that a dependency upgrade fails loudly there instead of silently here.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import version
from typing import Any

import numpy as np
from scipy import sparse

__all__ = ["AdapterError", "AttgtCell", "attgt_cells", "dependency_version", "fit_vcov"]

#: Versions these adapters were written and tested against.
TESTED_VERSIONS = {"pyfixest": "0.60", "differences": "0.3"}

#: Fields of differences' per-cell named tuple that :func:`attgt_cells` reads.
ATTGT_FIELDS = ("cohort", "base_period", "time", "ATT", "influence_func", "n_sample")


class AdapterError(RuntimeError):
    """A dependency's private internals no longer look as jeugdlib expects."""


def dependency_version(name: str) -> str:
    """Installed version of ``name`` (``"unknown"`` when not installed as a distribution)."""
    try:
        return version(name)
    except Exception:  # noqa: BLE001 - metadata lookups fail in many ways; only used in messages
        return "unknown"


def _fail(dep: str, what: str) -> AdapterError:
    return AdapterError(
        f"{dep} {dependency_version(dep)}: {what}. jeugdlib.did was tested with {dep} "
        f"{TESTED_VERSIONS[dep]}.x; pin {dep}=={TESTED_VERSIONS[dep]}.* or update jeugdlib/did/_adapters.py."
    )


def fit_vcov(fit: Any) -> np.ndarray:
    """Coefficient covariance matrix of a pyfixest fit (``Feols``, ``did2s``), ``(k, k)``.

    Raises :class:`AdapterError` when ``fit._vcov`` is missing, not ``(k, k)`` for the ``k``
    coefficients of ``fit.coef()``, or disagrees with the public standard errors ``fit.se()``.
    """
    raw = getattr(fit, "_vcov", None)
    if raw is None:
        raise _fail("pyfixest", "fitted model has no attribute '_vcov' (coefficient covariance)")
    vcov = np.asarray(raw, float)
    k = len(fit.coef())
    if vcov.shape != (k, k):
        raise _fail("pyfixest", f"'_vcov' has shape {vcov.shape}, expected ({k}, {k}) for {k} coefficients")
    se = np.asarray(fit.se(), float)
    if not np.allclose(np.sqrt(np.clip(np.diag(vcov), 0, None)), se, rtol=1e-8, atol=1e-14):
        raise _fail("pyfixest", "sqrt(diag('_vcov')) differs from fit.se(); '_vcov' no longer holds the covariance")
    return vcov


@dataclass(frozen=True)
class AttgtCell:
    """One group-time cell of a fitted ``differences.ATTgt``."""

    cohort: float
    base_period: float
    time: float
    att: float
    influence: np.ndarray
    n_sample: int


def attgt_cells(model: Any, n_units: int) -> list[AttgtCell]:
    """Group-time ATTs and influence functions of a fitted ``differences.ATTgt``.

    Cells without an estimate (``ATT`` missing or not finite) are skipped. Influence
    functions are dense, length ``n_units``, scaled so that ``se = sqrt(sum(inf^2)) / n``.
    """
    try:
        ntl = model._result_dict["full_sample"]["ATTgt_ntl"]
    except (AttributeError, KeyError, TypeError) as exc:
        raise _fail("differences", "ATTgt has no _result_dict['full_sample']['ATTgt_ntl']") from exc
    out = []
    for nt in ntl:
        missing = [f for f in ATTGT_FIELDS if not hasattr(nt, f)]
        if missing:
            raise _fail("differences", f"group-time result lacks field(s) {missing}")
        if nt.ATT is None or not np.isfinite(nt.ATT):
            continue
        inf = nt.influence_func
        inf = np.asarray(inf.todense() if sparse.issparse(inf) else inf, float).ravel()
        if inf.size != n_units:
            raise _fail("differences", f"influence function of length {inf.size}, expected {n_units} units")
        out.append(
            AttgtCell(float(nt.cohort), float(nt.base_period), float(nt.time), float(nt.ATT), inf, int(nt.n_sample))
        )
    return out
