"""The model comparison within each jeugdregio in turn, with Holm-adjusted p-values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import ClassVar, Literal

import numpy as np
import pandas as pd

from jeugdlib.data import load_scp_2017
from jeugdlib.errors import DataError
from jeugdlib.multilevel._common import _LEVELS
from jeugdlib.multilevel._scope import _scope_mask
from jeugdlib.multilevel.comparison import _check_inputs, _compare, _tidy_extra
from jeugdlib.multilevel.lrtest import LRTest
from jeugdlib.results import DeprecatedTableAccess, Result, tidy_frame
from jeugdlib.scp import SCP_DETERMINANTS, ScpModel

__all__ = ["RegionComparison", "compare_by_region"]


@dataclass
class RegionComparison(DeprecatedTableAccess, Result):
    """Result of :func:`compare_by_region`: the extension tested within each jeugdregio.

    Attributes
    ----------
    table:
        One row per region: ``jeugdregio_code, n_wijken, lr_statistic, df,
        p_value, p_holm`` (Holm-adjusted across regions) and, for a single
        extra variable, its within-region coefficient per unit with 95% CI;
        ``error`` for a region where the test is impossible.
    tests:
        Region code -> its :class:`LRTest` (regions without an error).
    extra_predictors:
        The variables tested.

    Notes
    -----
    Until jeugdlib 0.1 :func:`compare_by_region` returned the table itself. DataFrame
    access (``res["p_holm"]``, ``res.loc[...]``, ``res.insert(...)``, ``len(res)``)
    still reaches ``table`` with a :class:`DeprecationWarning`; use ``res.table``.
    """

    result_name: ClassVar[str] = "model comparison by jeugdregio"

    table: pd.DataFrame
    tests: dict[str, LRTest]
    extra_predictors: list[str]
    extra_fixed: pd.DataFrame = field(default_factory=pd.DataFrame, repr=False)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Per region and extra variable: standard tidy columns, ``n_obs``, ``group`` (the region),
        the per-unit estimate and CI, and the region's LR test (``lr_statistic, lr_df, lr_p_value, p_holm``)."""
        f = self.extra_fixed
        if f.empty:
            return tidy_frame([], [], [], level=level).assign(n_obs=[], group=[])
        t = _tidy_extra(f, level, {"n_obs": f.n_obs.to_numpy(), "group": f.group.tolist()})
        by = self.table.set_index("jeugdregio_code")
        for col, src in (
            ("lr_statistic", "lr_statistic"),
            ("lr_df", "df"),
            ("lr_p_value", "p_value"),
            ("p_holm", "p_holm"),
        ):
            t[col] = t.group.map(by[src]).to_numpy()
        return t

    # -- deprecated DataFrame-like access (compare_by_region returned the table until 0.1)
    _deprecation_note = "compare_by_region() returns a RegionComparison result since jeugdlib 0.2"
    _deprecation_use = "use .table"

    def _repr_html_(self) -> str:
        return f"<p>{self.result_name}: + {', '.join(self.extra_predictors)}</p>" + self.table.to_html(index=False)

    def summary(self, level: float = 0.95) -> str:
        """The per-region table as text."""
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            body = self.table.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        return f"{self.result_name}: + {', '.join(self.extra_predictors)}\n{body}"


def compare_by_region(
    df: pd.DataFrame | None = None,
    base_predictors: Sequence[str] = SCP_DETERMINANTS,
    extra_predictors: Sequence[str] = (),
    *,
    regions: Sequence[str] | None = None,
    outcome: str = "perc_jhzv",
    levels: tuple[str, str] = _LEVELS,
    extra_missing: Literal["impute", "drop"] = "impute",
    weights: str | None = None,
) -> RegionComparison:
    """The extension tested within each jeugdregio in turn (``scope`` = that region).

    :func:`compare_models` with ``scope=<region>`` for every region (the same
    body), but base fits on the same rows are reused (with ``extra_missing="drop"``
    the rows depend on the region). Each row tests whether the variables explain
    differences *between wijken within* that region beyond the national model.

    Returns
    -------
    RegionComparison
        ``table``: one row per region with ``lr_statistic, df, p_value, p_holm``
        (Holm-adjusted across regions), ``n_wijken`` and, for a single extra
        variable, its within-region coefficient per unit with 95% CI; ``error``
        for a region where the test is impossible (e.g. the variable is
        constant there). ``tidy()``: the coefficients per region.
    """
    from statsmodels.stats.multitest import multipletests

    if df is None:
        df = load_scp_2017()
    df = df.reset_index(drop=True)
    base_predictors, extra = list(base_predictors), list(extra_predictors)
    _check_inputs(df, base_predictors, extra, outcome, levels)
    rg = levels[0]
    codes = sorted(df[rg].dropna().unique()) if regions is None else list(regions)
    base_cache: dict[bytes, ScpModel] = {}
    rows: list[dict[str, object]] = []
    tests: dict[str, LRTest] = {}
    fixed: list[pd.DataFrame] = []
    for code in codes:
        mask, _ = _scope_mask(df, code, levels)
        try:
            mc = _compare(
                df,
                base_predictors,
                extra,
                outcome=outcome,
                levels=levels,
                extra_missing=extra_missing,
                scope_mask=mask,
                scope_codes=[code],
                random_slope=None,
                slope_correlated=True,
                weights=weights,
                level=0.95,
                ci_level=0.95,
                source="extra variables",
                with_flags=False,
                quiet=True,
                base_cache=base_cache,
            )
        except DataError as exc:  # e.g. the variable is constant or collinear within this region
            rows.append({"jeugdregio_code": code, "error": str(exc)})
            continue
        t = mc.test
        tests[str(code)] = t
        row: dict[str, object] = {
            "jeugdregio_code": code,
            "n_wijken": mc.n_scope,
            "lr_statistic": t.statistic,
            "df": t.df,
            "p_value": t.p_value,
        }
        if len(extra) == 1:
            c = mc.tidy(level=0.95).iloc[0]
            row.update(
                estimate_per_unit=c.estimate_per_unit,
                ci_low_per_unit=c.ci_low_per_unit,
                ci_high_per_unit=c.ci_high_per_unit,
            )
        rows.append(row)
        fixed.append(mc.extra_fixed.assign(group=code, n_obs=mc.n_scope))
    out = pd.DataFrame(rows)
    out["p_holm"] = np.nan
    if "p_value" in out:
        ok = out["p_value"].notna()
        if ok.any():
            out.loc[ok, "p_holm"] = multipletests(out.loc[ok, "p_value"], method="holm")[1]
    return RegionComparison(
        table=out,
        tests=tests,
        extra_predictors=extra,
        extra_fixed=pd.concat(fixed, ignore_index=True) if fixed else pd.DataFrame(),
    )
