"""Result types of the regression event studies and the static TWFE estimate."""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from jeugdlib.did.options import deprecated_alpha
from jeugdlib.results import Result, TestResult, tidy_frame

if TYPE_CHECKING:
    from jeugdlib.did.sensitivity import RelativeMagnitudes

__all__ = ["EventStudyResult", "TwfeResult"]


@dataclass
class EventStudyResult(Result):
    """Event-study coefficients of one estimator.

    Attributes
    ----------
    estimator:
        ``twfe``, ``sunab``, ``did2s`` or ``cs``.
    coefs:
        ``event_time, estimate, std_error, ci_low, ci_high, p_value, p_wild`` (reference
        period -1 is omitted for the regression estimators).
    post_average:
        Average of the post-period (``e >= 0``) coefficients: ``estimate, std_error,
        ci_low, ci_high, p_value, p_wild``.
    vcov:
        Covariance of the coefficients (indexed by event time).
    pretrend:
        Joint Wald test that the pre-period coefficients are zero.
    level:
        Confidence level of the intervals in ``coefs`` and ``post_average``.
    uniform, crit_value:
        Whether the ``coefs`` intervals are a simultaneous band (``cs`` bootstrapped), and
        the critical value they use.
    model:
        The underlying pyfixest fit (or :class:`~jeugdlib.did.AttResult` for ``cs``).
    window:
        The ``(lo, hi)`` event-time window.
    df:
        Degrees of freedom of the t distribution behind ``p_value`` and the intervals
        (``G - 1`` with ``G`` clusters, as fixest); ``None``: standard normal.
    """

    result_name: ClassVar[str] = "event study"

    estimator: str
    coefs: pd.DataFrame
    post_average: pd.Series
    vcov: pd.DataFrame
    pretrend: TestResult
    n_obs: int
    n_clusters: int
    n_wild: int
    level: float = 0.95
    uniform: bool = False
    crit_value: float = float("nan")
    model: Any = field(default=None, repr=False)
    notes: list[str] = field(default_factory=list)
    window: tuple[int, int] | None = None
    df: float | None = None

    @property
    def alpha(self) -> float:
        """Deprecated: ``1 - level``."""
        return deprecated_alpha(self)

    def pretrend_test(self) -> TestResult:
        """Joint Wald test of the pre-period coefficients (same as ``pretrend``)."""
        return self.pretrend

    def relative_magnitudes(self, mbar: Sequence[float] = (0, 0.5, 1, 1.5, 2)) -> RelativeMagnitudes:
        """Shortcut for :func:`jeugdlib.did.relative_magnitudes`."""
        from jeugdlib.did.sensitivity import relative_magnitudes

        return relative_magnitudes(self, mbar)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """``term`` ``"event"`` per event time (``event_time``) and ``"post_average"``.

        Standard columns plus ``event_time, n_obs, estimator, p_wild``. ``ci_low``/``ci_high``
        are pointwise (``estimate ± z·std_error``), consistent with ``p_value``. For ``cs``
        with a bootstrap the simultaneous band that ``coefs`` (and the plot) show follows
        on the event rows in ``ci_low_uniform``, ``ci_high_uniform`` with its critical
        value ``crit_uniform``.
        """
        src = self
        if not np.isclose(level, self.level) and self.estimator == "cs" and self.model is not None:
            src = self.model.to_event_study(self.window, level=level)
        c = src.coefs
        est, se = c["estimate"].to_numpy(float), c["std_error"].to_numpy(float)
        extra: dict[str, Any] = {
            "event_time": c["event_time"].to_numpy(),
            "n_obs": self.n_obs,
            "estimator": self.estimator,
            "p_wild": c["p_wild"].to_numpy(float),
        }
        ev = tidy_frame(
            ["event"] * len(c),
            est,
            se,
            level=level,
            df=src.df,
            p_value=c["p_value"].to_numpy(float),
            uniform_crit=src.crit_value if src.uniform else None,
            extra=extra,
        )
        pa = src.post_average
        post = tidy_frame(
            "post_average",
            float(pa["estimate"]),
            float(pa["std_error"]),
            level=level,
            df=src.df,
            p_value=float(pa["p_value"]),
            extra={
                "event_time": np.nan,
                "n_obs": self.n_obs,
                "estimator": self.estimator,
                "p_wild": float(pa["p_wild"]),
            },
        )
        return pd.concat([ev, post], ignore_index=True)

    def plot(self, **kwargs: Any):
        """Event-study figure (:func:`jeugdlib.plots.did.event_study_plot`)."""
        from jeugdlib.plots.did import event_study_plot

        return event_study_plot(self, **kwargs)


@dataclass
class TwfeResult(Result):
    """Static two-way fixed-effects DiD estimate (``y ~ treated | unit + time``).

    ``p_value`` and the interval use t(``df``) with ``df = G - 1`` for ``G`` clusters, as
    fixest/pyfixest; ``p_wild`` is the wild cluster bootstrap p-value (NaN when not run).
    """

    result_name: ClassVar[str] = "static TWFE"

    estimate: float
    std_error: float
    ci_low: float
    ci_high: float
    p_value: float
    p_wild: float
    n_obs: int
    n_units: int
    n_clusters: int
    adoption_periods: list[float]
    staggered: bool
    level: float = 0.95
    treated: str = "treated"
    model: Any = field(default=None, repr=False)
    df: float | None = None

    @property
    def alpha(self) -> float:
        """Deprecated: ``1 - level``."""
        return deprecated_alpha(self)

    @property
    def se(self) -> float:
        """Deprecated: use ``std_error``."""
        warnings.warn(
            "TwfeResult.se is deprecated since jeugdlib 0.2; use TwfeResult.std_error",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.std_error

    def to_series(self) -> pd.Series:
        """The numbers as a Series (for tables)."""
        keys = ("estimate", "std_error", "ci_low", "ci_high", "p_value", "p_wild")
        return pd.Series({k: getattr(self, k) for k in keys})

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row, ``term`` the treatment column; extra ``n_obs, estimator, p_wild``."""
        return tidy_frame(
            self.treated,
            self.estimate,
            self.std_error,
            level=level,
            df=self.df,
            p_value=self.p_value,
            extra={"n_obs": self.n_obs, "estimator": "twfe_static", "p_wild": self.p_wild},
        )
