"""CPB's growth comparisons: growth per group of gemeenten and DiD by treatment intensity."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from jeugdlib.did._panel import _numeric, _prepare_panel, _require_columns, _rows
from jeugdlib.did.options import level_from_alpha
from jeugdlib.errors import DataError, JeugdlibWarning
from jeugdlib.results import Result, critical_value, tidy_frame

__all__ = ["GrowthResult", "IntensityResult", "growth_by_group", "intensity_did"]


def _tails(level: float) -> list[float]:
    a = 1.0 - level
    return [a / 2, 1 - a / 2]


@dataclass
class GrowthResult(Result):
    """Growth per group (see :func:`growth_by_group`).

    Attributes
    ----------
    table:
        ``group, n_units, base, end, growth_pct, ci_low, ci_high`` (percentile intervals).
    contrasts:
        ``group, reference, estimate, std_error, ci_low, ci_high``: growth difference in
        percentage points versus ``reference`` (bootstrap SD and percentile interval).
    """

    result_name: ClassVar[str] = "growth by group"

    table: pd.DataFrame
    contrasts: pd.DataFrame
    base_year: int
    end_year: int
    n_boot: int
    level: float = 0.95
    reference: Any = None
    boot: np.ndarray | None = field(default=None, repr=False)  # (n_boot, n_groups), growth as a fraction

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Growth per group (``term`` ``"growth:<group>"``) and contrasts (``"<group> - <reference>"``), in %.

        Everything comes from the same bootstrap draws (units resampled within groups):
        ``std_error`` is the bootstrap SD (``statistic = estimate / std_error``),
        ``ci_low``/``ci_high`` are percentile intervals, and ``p_value`` is the two-sided
        bootstrap percentile p-value ``2 · min(share of draws <= 0, share of draws >= 0)``
        (capped at 1), so ``p_value < 1 - level`` exactly when the percentile interval
        excludes zero (up to the quantile interpolation). A p-value of 0 means no draw lay
        on the other side of zero (p < 2 / n_boot). The column ``inference`` says so
        (``"bootstrap percentile"``); without a bootstrap (``n_boot=0``) these are NaN.
        """
        t, c = self.table, self.contrasts
        groups = t["group"].tolist()
        if self.boot is not None:
            b = 100 * self.boot
            se_g = b.std(axis=0, ddof=1)
            q = np.quantile(b, _tails(level), axis=0)
            jr = groups.index(self.reference)
            d = np.stack([b[:, groups.index(g)] - b[:, jr] for g in c["group"]], axis=1) if len(c) else b[:, :0]
            se_c, qc = d.std(axis=0, ddof=1), np.quantile(d, _tails(level), axis=0)
            p_g, p_c = _percentile_p(b), _percentile_p(d)
        else:
            se_g = se_c = np.nan
            q = np.full((2, len(t)), np.nan)
            qc = np.full((2, len(c)), np.nan)
            p_g, p_c = np.full(len(t), np.nan), np.full(len(c), np.nan)
        how = "bootstrap percentile" if self.boot is not None else "none (n_boot=0)"
        growth = tidy_frame(
            [f"growth:{g}" for g in groups],
            t["growth_pct"].to_numpy(float),
            se_g,
            level=level,
            p_value=p_g,
            ci_low=q[0],
            ci_high=q[1],
            extra={"group": groups, "n_obs": t["n_units"].to_numpy(), "inference": how},
        )
        contrast = tidy_frame(
            [f"{g} - {self.reference}" for g in c["group"]],
            c["estimate"].to_numpy(float),
            se_c,
            level=level,
            p_value=p_c,
            ci_low=qc[0],
            ci_high=qc[1],
            extra={"group": c["group"].tolist(), "inference": how},
        )
        return pd.concat([growth, contrast], ignore_index=True)

    def plot(self, **kwargs: Any):
        """Growth per group (:func:`jeugdlib.plots.did.growth_plot`)."""
        from jeugdlib.plots.did import growth_plot

        return growth_plot(self, **kwargs)


def _percentile_p(draws: np.ndarray) -> np.ndarray:
    """Two-sided bootstrap percentile p-value of zero per column of ``draws``."""
    if draws.shape[1] == 0:
        return np.zeros(0)
    below, above = (draws <= 0).mean(axis=0), (draws >= 0).mean(axis=0)
    return np.minimum(1.0, 2.0 * np.minimum(below, above))


def _growth_boot(
    base: np.ndarray, end: np.ndarray, labels: np.ndarray, groups: list[Any], n_boot: int, rng: np.random.Generator
) -> np.ndarray:
    """Bootstrap growth per group by resampling units within groups: (n_boot, n_groups)."""
    out = np.empty((n_boot, len(groups)))
    for j, g in enumerate(groups):
        m = labels == g
        b, e = base[m], end[m]
        idx = rng.integers(0, m.sum(), size=(n_boot, m.sum()))
        out[:, j] = e[idx].sum(axis=1) / b[idx].sum(axis=1) - 1
    return out


def growth_by_group(
    df: pd.DataFrame,
    outcome: str,
    group: str,
    base_year: int,
    end_year: int,
    *,
    unit: str = "gemeentecode",
    time: str = "jaar",
    n_boot: int = 999,
    seed: int | None = None,
    level: float | None = None,
    reference: Any = None,
    alpha: float | None = None,
) -> GrowthResult:
    """Percentage change of ``outcome`` between two years per group of units.

    Growth of a group is ``sum(outcome in end_year) / sum(outcome in base_year) - 1`` over
    its units (CPB's "+11% versus +25%" for care met verblijf). Intervals are percentile
    intervals from resampling units within groups.

    Parameters
    ----------
    df:
        Long panel.
    outcome:
        A count (e.g. children with care met verblijf).
    group:
        Column with the group of each unit (constant within unit).
    base_year, end_year:
        Years compared; units must have the outcome in both (others are dropped with a
        warning).
    unit, time:
        Unit and year columns.
    n_boot, seed, level:
        Bootstrap settings and confidence level (default 0.95).
    reference:
        Group the others are contrasted with (default: the first group in sort order).
    alpha:
        Deprecated (jeugdlib 0.1): use ``level = 1 - alpha``.

    Returns
    -------
    GrowthResult
        ``table``: ``group, n_units, base, end, growth_pct, ci_low, ci_high``;
        ``contrasts``: growth difference (percentage points) versus ``reference``.
        ``n_units`` is a count of gemeenten, not of children.
    """
    source = "growth_by_group"
    level = level_from_alpha(level, alpha, source)
    _require_columns(df, [outcome, group, unit, time], source)
    panel = _prepare_panel(df, outcome, unit, time, [group], source)
    nun = panel.groupby(unit)[group].nunique()
    if (nun > 1).any():
        raise DataError(
            f"{source}: group column {group!r} varies within unit(s) {_rows(nun.index[nun > 1])}; "
            "give every unit one group."
        )
    wide = panel[panel[time].isin([base_year, end_year])].pivot(index=unit, columns=time, values=outcome)
    for yr in (base_year, end_year):
        if yr not in wide.columns:
            raise DataError(f"{source}: year {yr} not found in column {time!r}.")
    wide = wide[[base_year, end_year]]
    miss = wide.index[wide.isna().any(axis=1)]
    if len(miss):
        warnings.warn(
            f"{source}: {len(miss)} unit(s) {_rows(miss)} lack {outcome!r} in {base_year} or "
            f"{end_year} and are left out.",
            JeugdlibWarning,
            stacklevel=2,
        )
        wide = wide.drop(miss)
    labels = panel.groupby(unit)[group].first().reindex(wide.index).to_numpy()
    groups = sorted(pd.unique(labels[pd.notna(labels)]), key=str)
    base, end = wide[base_year].to_numpy(float), wide[end_year].to_numpy(float)
    rng = np.random.default_rng(seed)
    boot = _growth_boot(base, end, labels, groups, n_boot, rng) if n_boot else None
    tails = _tails(level)
    rows = []
    for j, g in enumerate(groups):
        m = labels == g
        gr = end[m].sum() / base[m].sum() - 1
        lo, hi = np.quantile(boot[:, j], tails) if boot is not None else (np.nan, np.nan)
        rows.append((g, int(m.sum()), base[m].sum(), end[m].sum(), 100 * gr, 100 * lo, 100 * hi))
    table = pd.DataFrame(rows, columns=["group", "n_units", "base", "end", "growth_pct", "ci_low", "ci_high"])
    ref = groups[0] if reference is None else reference
    if ref not in groups:
        raise DataError(f"{source}: reference group {ref!r} not in {groups}.")
    jr = groups.index(ref)
    crow = []
    for j, g in enumerate(groups):
        if j == jr:
            continue
        diff = table["growth_pct"].iloc[j] - table["growth_pct"].iloc[jr]
        if boot is not None:
            d = 100 * (boot[:, j] - boot[:, jr])
            se = d.std(ddof=1)
            lo, hi = np.quantile(d, tails)
        else:
            se = lo = hi = np.nan
        crow.append((g, ref, diff, se, lo, hi))
    contrasts = pd.DataFrame(crow, columns=["group", "reference", "estimate", "std_error", "ci_low", "ci_high"])
    return GrowthResult(table, contrasts, base_year, end_year, n_boot, level, ref, boot)


@dataclass
class IntensityResult(Result):
    """Dose-response comparison (see :func:`intensity_did`).

    Attributes
    ----------
    groups:
        ``group, intensity_min, intensity_max, n_units, change, growth_pct, ci_low,
        ci_high`` (growth CI in percent; ``change_mean`` instead of ``growth_pct`` when
        ``log=False``).
    contrasts:
        ``group, estimate, std_error, ci_low, ci_high, p_value``: change difference to the
        lowest group (bootstrap over units, or analytic).
    slope:
        ``estimate, std_error, ci_low, ci_high, p_value`` of the dose-response TWFE.
    """

    result_name: ClassVar[str] = "intensity DiD"

    groups: pd.DataFrame
    contrasts: pd.DataFrame
    slope: pd.Series
    post_from: int
    model: Any = field(default=None, repr=False)
    level: float = 0.95
    n_obs: int = 0
    boot: dict[str, np.ndarray] | None = field(default=None, repr=False)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """Contrasts (``term`` ``"<group> - <lowest>"``) and the ``"slope"`` row.

        With a bootstrap the contrast intervals are percentile intervals.
        """
        c = self.contrasts
        ref = self.groups["group"].iloc[0]
        if self.boot:
            q = np.array([np.quantile(self.boot[g] - self.boot[ref], _tails(level)) for g in c["group"]]).reshape(-1, 2)
            lo, hi = q[:, 0], q[:, 1]
        else:
            z = critical_value(level)
            lo = (c["estimate"] - z * c["std_error"]).to_numpy()
            hi = (c["estimate"] + z * c["std_error"]).to_numpy()
        contrast = tidy_frame(
            [f"{g} - {ref}" for g in c["group"]],
            c["estimate"].to_numpy(float),
            c["std_error"].to_numpy(float),
            level=level,
            p_value=c["p_value"].to_numpy(float),
            ci_low=lo,
            ci_high=hi,
            extra={"group": c["group"].tolist()},
        )
        slope = tidy_frame(
            "slope",
            float(self.slope["estimate"]),
            float(self.slope["std_error"]),
            level=level,
            extra={"n_obs": self.n_obs},
        )
        return pd.concat([contrast, slope], ignore_index=True)

    def plot(self, **kwargs: Any):
        """Growth per intensity group (:func:`jeugdlib.plots.did.intensity_plot`)."""
        from jeugdlib.plots.did import intensity_plot

        return intensity_plot(self, **kwargs)


def intensity_did(
    df: pd.DataFrame,
    outcome: str,
    unit: str,
    time: str,
    intensity: str,
    post_from: int,
    groups: int = 3,
    *,
    log: bool = True,
    n_boot: int = 999,
    seed: int | None = None,
    level: float | None = None,
    cluster: str | None = None,
    alpha: float | None = None,
) -> IntensityResult:
    """CPB's "much versus little wijkteam help": DiD by treatment intensity.

    Units are split into ``groups`` quantile groups of ``intensity`` (e.g. the share of
    children helped by the wijkteam). For every unit the change is the mean outcome from
    ``post_from`` on minus the mean before (in logs when ``log=True``, so changes read as
    approximate growth rates). The table reports per group the mean change and its growth
    in percent; the contrasts are differences-in-differences versus the lowest group; the
    ``slope`` is the continuous dose-response TWFE coefficient of ``intensity x post`` (per
    unit of intensity) with gemeente-clustered SEs (pyfixest). ``level`` is the confidence
    level (default 0.95); ``alpha`` is deprecated (jeugdlib 0.1): use ``level = 1 - alpha``.

    Returns
    -------
    IntensityResult
    """
    import pyfixest as pf

    source = "intensity_did"
    level = level_from_alpha(level, alpha, source)
    panel = _prepare_panel(df, outcome, unit, time, [intensity] + ([cluster] if cluster else []), source)
    panel[intensity] = _numeric(panel, intensity, source, "intensity")
    nun = panel.groupby(unit)[intensity].nunique()
    if (nun > 1).any():
        raise DataError(
            f"{source}: intensity column {intensity!r} varies within unit(s) "
            f"{_rows(nun.index[nun > 1])}; use one (e.g. baseline) intensity per unit."
        )
    y = panel[outcome]
    if log:
        if (y <= 0).any():
            raise DataError(
                f"{source}: outcome {outcome!r} has values <= 0 at rows "
                f"{_rows(panel.index[y <= 0])}; log=True needs positive outcomes (or pass log=False)."
            )
        y = np.log(y)
    panel["_y"] = y
    panel["_post"] = (panel[time] >= post_from).astype(float)
    if panel["_post"].nunique() < 2:
        raise DataError(f"{source}: post_from={post_from} leaves no pre or no post period.")
    per = panel.dropna(subset=["_y"]).groupby([unit, "_post"])["_y"].mean().unstack().dropna()
    change = per[1.0] - per[0.0]
    inten = panel.groupby(unit)[intensity].first().reindex(change.index)
    ok = inten.notna()
    change, inten = change[ok], inten[ok]
    labels_text = {3: ["low", "middle", "high"], 2: ["low", "high"]}.get(groups, [f"Q{i + 1}" for i in range(groups)])
    q = pd.qcut(inten.rank(method="first"), groups, labels=labels_text)
    rng = np.random.default_rng(seed)
    ch, lab = change.to_numpy(), q.to_numpy()
    z, tails = critical_value(level), _tails(level)
    boots: dict[str, np.ndarray] = {}
    rows = []
    conv = (lambda v: 100 * (np.exp(v) - 1)) if log else (lambda v: v)
    for g in labels_text:
        m = lab == g
        c = ch[m]
        if n_boot:
            idx = rng.integers(0, m.sum(), size=(n_boot, m.sum()))
            boots[g] = c[idx].mean(axis=1)
            lo, hi = np.quantile(boots[g], tails)
        else:
            se = c.std(ddof=1) / np.sqrt(m.sum())
            lo, hi = c.mean() - z * se, c.mean() + z * se
        rows.append((g, inten[m].min(), inten[m].max(), int(m.sum()), c.mean(), conv(c.mean()), conv(lo), conv(hi)))
    gcol = "growth_pct" if log else "change_mean"
    tab = pd.DataFrame(
        rows, columns=["group", "intensity_min", "intensity_max", "n_units", "change", gcol, "ci_low", "ci_high"]
    )
    ref = labels_text[0]
    crow = []
    for g in labels_text[1:]:
        d = tab.loc[tab["group"] == g, "change"].iloc[0] - tab.loc[tab["group"] == ref, "change"].iloc[0]
        if n_boot:
            bd = boots[g] - boots[ref]
            se = bd.std(ddof=1)
            lo, hi = np.quantile(bd, tails)
        else:
            a, b = ch[lab == g], ch[lab == ref]
            se = np.sqrt(a.var(ddof=1) / a.size + b.var(ddof=1) / b.size)
            lo, hi = d - z * se, d + z * se
        p = float(tidy_frame(g, d, se, level=level)["p_value"].iloc[0])
        crow.append((g, d, se, lo, hi, p))
    contrasts = pd.DataFrame(crow, columns=["group", "estimate", "std_error", "ci_low", "ci_high", "p_value"])
    data = pd.DataFrame(
        {
            "_y": panel["_y"],
            "_dose": panel[intensity] * panel["_post"],
            "_unit": pd.factorize(panel[unit])[0],
            "_time": panel[time],
            "_cl": pd.factorize(panel[cluster] if cluster else panel[unit])[0],
        }
    ).dropna()
    fit = pf.feols("_y ~ _dose | _unit + _time", data=data, vcov={"CRV1": "_cl"})
    b, s = float(fit.coef()["_dose"]), float(fit.se()["_dose"])
    row = tidy_frame("slope", b, s, level=level).iloc[0]
    slope = pd.Series(
        {
            "estimate": b,
            "std_error": s,
            "ci_low": float(row["ci_low"]),
            "ci_high": float(row["ci_high"]),
            "p_value": float(row["p_value"]),
        }
    )
    return IntensityResult(tab, contrasts, slope, post_from, fit, level, int(len(data)), boots or None)
