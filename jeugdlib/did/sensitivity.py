"""Sensitivity of the post-period average to parallel-trend violations (relative magnitudes)."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from jeugdlib.did._results import EventStudyResult
from jeugdlib.did.callaway_santanna import AttResult
from jeugdlib.did.options import level_from_alpha
from jeugdlib.errors import DataError
from jeugdlib.results import DeprecatedTableAccess, Result, critical_value, tidy_frame

__all__ = ["RelativeMagnitudes", "relative_magnitudes"]


@dataclass
class RelativeMagnitudes(DeprecatedTableAccess, Result):
    """Bounds on the post-period average for several ``Mbar`` (see :func:`relative_magnitudes`).

    Attributes
    ----------
    table:
        ``mbar, lb, ub, ci_low, ci_high, excludes_zero``.
    breakdown_mbar:
        Largest ``Mbar`` for which the interval still excludes zero (``0`` when it already
        includes zero; ``inf`` when ``max_pre`` is 0 and zero is excluded). Formerly
        ``attrs["breakdown_mbar"]`` of the returned DataFrame (deprecated; the same for
        ``attrs["max_pre"]``, now ``max_pre``).
    max_pre:
        ``M0``, the largest period-to-period change before treatment.
    df:
        Degrees of freedom of the t critical value (that of the event study; ``None``: normal).
    estimate, std_error:
        The post-period average and its standard error.
    k_mean:
        Mean number of steps from the reference period over the post periods.
    level:
        Confidence level of ``table``.

    Notes
    -----
    Until jeugdlib 0.1 :func:`relative_magnitudes` returned the table itself. DataFrame
    access (``rm["lb"]``, ``rm.loc[...]``, ``rm.to_string()``, ``len(rm)``, ``rm.attrs``)
    still works on this object and reaches ``table`` with a :class:`DeprecationWarning`;
    use ``rm.table`` (and ``rm.breakdown_mbar``, ``rm.max_pre``) instead.
    """

    result_name: ClassVar[str] = "relative magnitudes"

    table: pd.DataFrame
    breakdown_mbar: float
    max_pre: float
    estimate: float
    std_error: float
    k_mean: float
    level: float
    df: float | None = None

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per ``Mbar`` (``term`` ``"Mbar=<m>"``): the identified set widened by ``z·se``.

        ``estimate``/``std_error`` are the post-period average; ``ci_low``/``ci_high`` the
        robust interval; extra columns ``mbar, lb, ub``. ``statistic`` and ``p_value`` are
        NaN: only the robust interval is meaningful on an ``Mbar`` row (the post-average's
        own test is in the event study's ``tidy()``, term ``"post_average"``).
        """
        z = critical_value(level, self.df)
        t = self.table
        nan = np.full(len(t), np.nan)
        return tidy_frame(
            [f"Mbar={m:g}" for m in t["mbar"]],
            np.full(len(t), self.estimate),
            self.std_error,
            level=level,
            statistic=nan,
            p_value=nan,
            ci_low=(t["lb"] - z * self.std_error).to_numpy(),
            ci_high=(t["ub"] + z * self.std_error).to_numpy(),
            extra={"mbar": t["mbar"].to_numpy(), "lb": t["lb"].to_numpy(), "ub": t["ub"].to_numpy()},
        )

    # -- deprecated DataFrame-like access (relative_magnitudes returned the table until 0.1)
    _deprecation_note = "relative_magnitudes() returns a RelativeMagnitudes result since jeugdlib 0.2"
    _deprecation_use = "use .table (and .breakdown_mbar, .max_pre)"

    @property
    def attrs(self) -> dict[str, float]:
        """Deprecated: ``{"breakdown_mbar": ..., "max_pre": ...}``; use the attributes."""
        warnings.warn(
            "RelativeMagnitudes.attrs is deprecated since jeugdlib 0.2; use .breakdown_mbar and .max_pre",
            DeprecationWarning,
            stacklevel=2,
        )
        return {"breakdown_mbar": self.breakdown_mbar, "max_pre": self.max_pre}

    def _repr_html_(self) -> str:
        return f"<p>{self.summary().splitlines()[0]}</p>" + self.table.to_html(index=False)

    def summary(self, level: float = 0.95) -> str:
        return (
            f"relative magnitudes: M0 = {self.max_pre:.4g}, breakdown Mbar = {self.breakdown_mbar:.3g}\n"
            + self.table.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        )


def relative_magnitudes(
    result: EventStudyResult | AttResult,
    mbar: Sequence[float] = (0, 0.5, 1, 1.5, 2),
    level: float | None = None,
    *,
    alpha: float | None = None,
) -> RelativeMagnitudes:
    """Bounds on the post-period average under bounded parallel-trend violations.

    A plug-in version of Rambachan & Roth's (2023) relative-magnitudes restriction
    Δ^RM(Mbar): each *period-to-period change* of the bias in the post period is at most
    ``Mbar`` times ``M0``, the largest period-to-period change seen before treatment. With
    pre-period coefficients relative to period -1 (TWFE, Sun–Abraham, did2s) those
    changes are the differences of consecutive pre coefficients (and the step to the
    reference 0); the Callaway–Sant'Anna pre-period cells (varying base period) are such
    changes already. The bias of the k-th post period (k = 1, 2, …, counted from the
    reference period) is then at most ``k * Mbar * M0``, so the bias of the post-period
    average is at most ``Mbar * M0 * mean(k)``. ``M0`` is treated as known (HonestDiD's
    exact conditional / FLCI inference also accounts for its estimation error), so the
    intervals are somewhat too narrow: a sensitivity guide, not HonestDiD.

    Parameters
    ----------
    result:
        An event study, or an :class:`AttResult` (its dynamic aggregation is used).
    mbar:
        The ``Mbar`` values.
    level:
        Confidence level (default: that of ``result``).
    alpha:
        Deprecated (jeugdlib 0.1): use ``level = 1 - alpha``. Note that the third
        positional argument is now ``level``, no longer ``alpha``.

    Returns
    -------
    RelativeMagnitudes
        ``table`` (``mbar, lb, ub, ci_low, ci_high, excludes_zero``), ``breakdown_mbar``
        and ``max_pre`` (``M0``).
    """
    if isinstance(result, AttResult):
        result = result.to_event_study()
    lvl = level_from_alpha(level, alpha, "relative_magnitudes", default=result.level)
    z = critical_value(lvl, result.df)  # t(G-1) for the regression estimators, as their own intervals
    coefs = result.coefs.sort_values("event_time")
    pre = coefs.loc[coefs["event_time"] < 0, "estimate"].to_numpy(dtype=float)
    if pre.size == 0:
        raise DataError("relative_magnitudes: the event study has no pre-period coefficients.")
    if result.estimator == "cs":
        m0 = float(np.max(np.abs(pre)))
    else:  # levels relative to the omitted period -1: look at consecutive changes
        m0 = float(np.max(np.abs(np.diff(np.r_[pre, 0.0]))))
    post_e = coefs.loc[coefs["event_time"] >= 0, "event_time"].to_numpy(dtype=float)
    k_mean = float(np.mean(post_e + 1)) if post_e.size else 1.0
    theta, se = float(result.post_average["estimate"]), float(result.post_average["std_error"])
    rows = []
    for m in mbar:
        half = m * m0 * k_mean
        lb, ub = theta - half, theta + half
        lo_ci, hi_ci = lb - z * se, ub + z * se
        rows.append((float(m), lb, ub, lo_ci, hi_ci, bool(lo_ci > 0 or hi_ci < 0)))
    table = pd.DataFrame(rows, columns=["mbar", "lb", "ub", "ci_low", "ci_high", "excludes_zero"])
    if m0 > 0:
        breakdown = max(0.0, (abs(theta) - z * se) / (m0 * k_mean))
    else:
        breakdown = np.inf if abs(theta) > z * se else 0.0
    return RelativeMagnitudes(table, float(breakdown), m0, theta, se, k_mean, lvl, result.df)
