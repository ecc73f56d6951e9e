"""Sensitivity of the post-period average to parallel-trend violations (relative magnitudes)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pandas as pd

from jeugdlib.did._results import EventStudyResult
from jeugdlib.did.callaway_santanna import AttResult
from jeugdlib.errors import DataError
from jeugdlib.results import Result, critical_value, tidy_frame

__all__ = ["RelativeMagnitudes", "relative_magnitudes"]


@dataclass
class RelativeMagnitudes(Result):
    """Bounds on the post-period average for several ``Mbar`` (see :func:`relative_magnitudes`).

    Attributes
    ----------
    table:
        ``mbar, lb, ub, ci_low, ci_high, excludes_zero``.
    breakdown_mbar:
        Largest ``Mbar`` for which the interval still excludes zero (``0`` when it already
        includes zero; ``inf`` when ``max_pre`` is 0 and zero is excluded).
    max_pre:
        ``M0``, the largest period-to-period change before treatment.
    estimate, std_error:
        The post-period average and its standard error.
    k_mean:
        Mean number of steps from the reference period over the post periods.
    level:
        Confidence level of ``table``.
    """

    result_name: ClassVar[str] = "relative magnitudes"

    table: pd.DataFrame
    breakdown_mbar: float
    max_pre: float
    estimate: float
    std_error: float
    k_mean: float
    level: float

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row per ``Mbar`` (``term`` ``"Mbar=<m>"``): the identified set widened by ``z·se``.

        ``estimate``/``std_error`` are the post-period average; ``ci_low``/``ci_high`` the
        robust interval; extra columns ``mbar, lb, ub``.
        """
        z = critical_value(level)
        t = self.table
        return tidy_frame(
            [f"Mbar={m:g}" for m in t["mbar"]],
            np.full(len(t), self.estimate),
            self.std_error,
            level=level,
            ci_low=(t["lb"] - z * self.std_error).to_numpy(),
            ci_high=(t["ub"] + z * self.std_error).to_numpy(),
            extra={"mbar": t["mbar"].to_numpy(), "lb": t["lb"].to_numpy(), "ub": t["ub"].to_numpy()},
        )

    def summary(self, level: float = 0.95) -> str:
        return (
            f"relative magnitudes: M0 = {self.max_pre:.4g}, breakdown Mbar = {self.breakdown_mbar:.3g}\n"
            + self.table.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        )


def relative_magnitudes(
    result: EventStudyResult | AttResult,
    mbar: Sequence[float] = (0, 0.5, 1, 1.5, 2),
    level: float | None = None,
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

    Returns
    -------
    RelativeMagnitudes
        ``table`` (``mbar, lb, ub, ci_low, ci_high, excludes_zero``), ``breakdown_mbar``
        and ``max_pre`` (``M0``).
    """
    if isinstance(result, AttResult):
        result = result.to_event_study()
    lvl = result.level if level is None else level
    z = critical_value(lvl)
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
    return RelativeMagnitudes(table, float(breakdown), m0, theta, se, k_mean, lvl)
