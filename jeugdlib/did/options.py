"""Option objects of the DiD estimators: which columns make the panel, and how to do inference.

The estimators keep their readable keyword form (``staggered_att(df, "lemp", "countyreal",
"year", "first.treat", n_boot=0)``); these small frozen dataclasses are what the
implementation works on, and can be passed instead (``panel=PanelSpec(...)``,
``inference=InferenceSpec(...)``) to share one specification between calls.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

__all__ = ["CS_FEW_CLUSTERS", "InferenceSpec", "PanelSpec", "level_from_alpha", "resolve_specs"]

#: Below this many clusters Callaway–Sant'Anna inference warns and applies its small-G correction.
CS_FEW_CLUSTERS = 30


@dataclass(frozen=True)
class PanelSpec:
    """Which columns make the long panel.

    Attributes
    ----------
    outcome, unit, time:
        Outcome, unit id (gemeente) and period (numeric, e.g. a year).
    cohort:
        First treated period of the unit (0/NaN = never treated); ``None`` where
        the estimator takes a treatment indicator instead (:func:`~jeugdlib.did.twfe`).
    covariates:
        Time-invariant covariates (Callaway–Sant'Anna with ``differences``).
    unbalanced:
        ``"drop"`` units not observed in every period (as R ``did``) or ``"error"``.
    """

    outcome: str
    unit: str
    time: str
    cohort: str | None = None
    covariates: tuple[str, ...] = ()
    unbalanced: Literal["drop", "error"] = "drop"

    def __post_init__(self) -> None:
        object.__setattr__(self, "covariates", tuple(self.covariates or ()))
        if self.unbalanced not in ("drop", "error"):
            raise ValueError("unbalanced must be 'drop' or 'error'")


@dataclass(frozen=True)
class InferenceSpec:
    """How standard errors, intervals and bootstrap p-values are computed.

    Attributes
    ----------
    level:
        Confidence level of the intervals (0.95).
    cluster:
        Cluster column (default: the unit).
    n_boot:
        Multiplier-bootstrap draws (Callaway–Sant'Anna) or resampling draws (growth
        and intensity comparisons); 0 = analytic.
    seed:
        Seed of every bootstrap.
    uniform:
        With ``n_boot > 0``: simultaneous (uniform) bands over the reported cells, as R
        ``did``; ``False`` gives pointwise intervals with bootstrap SEs.
    n_wild:
        Wild cluster bootstrap draws for regression p-values; ``None`` = 9,999 when there
        are fewer than ``few_clusters`` clusters, none otherwise.
    wild_weights:
        ``rademacher``, ``webb`` or ``mammen`` (default: Webb below 12 clusters).
    few_clusters:
        Threshold for the automatic wild bootstrap.
    multiplier_weights:
        Weights of the Callaway–Sant'Anna multiplier bootstrap: ``rademacher`` (default, as
        R ``did``) or ``mammen``.
    small_g:
        Small-number-of-clusters correction of Callaway–Sant'Anna inference: ``"auto"``
        (below :data:`CS_FEW_CLUSTERS` clusters, with a warning), ``"always"`` or ``"never"``.
        The correction scales the variance by ``G/(G-1)``, uses t(G-1) critical values and
        p-values (the bootstrap band's critical value is scaled by ``t/z``) and a permutation
        (or Hotelling ``F(k, G-k)``) pre-trend test.
    """

    level: float = 0.95
    cluster: str | None = None
    n_boot: int = 999
    seed: int | None = None
    uniform: bool = True
    n_wild: int | None = None
    wild_weights: Literal["rademacher", "webb", "mammen"] | None = None
    few_clusters: int = 50
    multiplier_weights: Literal["rademacher", "mammen"] = "rademacher"
    small_g: Literal["auto", "always", "never"] = "auto"

    def __post_init__(self) -> None:
        if not 0.0 < float(self.level) < 1.0:
            raise ValueError(f"level must lie strictly between 0 and 1 (got {self.level}); e.g. 0.95")
        if int(self.n_boot) < 0:
            raise ValueError("n_boot must be >= 0")
        if self.wild_weights not in (None, "rademacher", "webb", "mammen"):
            raise ValueError("wild_weights must be 'rademacher', 'webb' or 'mammen'")
        if self.multiplier_weights not in ("rademacher", "mammen"):
            raise ValueError("multiplier_weights must be 'rademacher' or 'mammen'")
        if self.small_g not in ("auto", "always", "never"):
            raise ValueError("small_g must be 'auto', 'always' or 'never'")

    @property
    def alpha(self) -> float:
        """``1 - level``."""
        return 1.0 - self.level


def resolve_specs(
    panel: PanelSpec | None,
    inference: InferenceSpec | None,
    panel_kw: dict[str, Any],
    inference_kw: dict[str, Any],
    inference_defaults: InferenceSpec,
    source: str,
) -> tuple[PanelSpec, InferenceSpec]:
    """Combine the option objects with the keyword form.

    Keyword values that are not ``None`` (panel) or differ from the function's defaults
    (inference) override the option objects; giving neither a ``panel`` nor the column
    names is an error.
    """
    given = {k: v for k, v in panel_kw.items() if v is not None}
    if panel is None:
        missing = [k for k in ("outcome", "unit", "time") if k not in given]
        if missing:
            raise TypeError(f"{source}: pass the column names {missing} or panel=PanelSpec(...)")
        panel = PanelSpec(**given)
    elif given:
        panel = replace(panel, **given)
    base = inference if inference is not None else inference_defaults
    names = {f.name for f in fields(InferenceSpec)}
    changed = {k: v for k, v in inference_kw.items() if k in names and v != getattr(inference_defaults, k)}
    return panel, (replace(base, **changed) if changed else base)


def level_from_alpha(level: float | None, alpha: float | None, source: str, default: float = 0.95) -> float:
    """The confidence level from ``level`` or the deprecated ``alpha`` keyword (``level = 1 - alpha``).

    ``alpha`` (jeugdlib 0.1) warns with a :class:`DeprecationWarning`; giving both is an error.
    """
    if alpha is None:
        return default if level is None else level
    if level is not None:
        raise TypeError(f"{source}: pass level= only; alpha= is deprecated (level = 1 - alpha), not both")
    level = 1.0 - float(alpha)
    warnings.warn(
        f"{source}: alpha= is deprecated since jeugdlib 0.2; use level={level:g} (level = 1 - alpha)",
        DeprecationWarning,
        stacklevel=3,
    )
    return level


def deprecated_alpha(obj: Any) -> float:
    """``1 - obj.level`` for the deprecated ``.alpha`` attribute of a result, with a warning."""
    warnings.warn(
        f"{type(obj).__name__}.alpha is deprecated since jeugdlib 0.2; use .level (alpha = 1 - level)",
        DeprecationWarning,
        stacklevel=3,
    )
    return round(1.0 - float(obj.level), 12)
