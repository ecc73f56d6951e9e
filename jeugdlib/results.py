"""One result protocol for every estimator in jeugdlib.

Every estimator result (SCP model, model comparisons, every DiD result, trajectory
results where it makes sense) derives from :class:`Result` and offers

- ``.tidy(level=0.95)`` -> a DataFrame with the standard columns
  :data:`TIDY_COLUMNS` (``term, estimate, std_error, statistic, p_value, ci_low,
  ci_high``) plus extra columns where they apply (``df``, ``n_obs``,
  ``event_time``, ``group``, ``estimator``);
- ``.summary()`` -> printable text;
- ``.plot()`` where a standard figure exists.

Rows are built by exactly one helper, :func:`tidy_frame`, so names, the
p-value reference distribution (normal, or Student t when ``df`` is given) and
the interval construction are the same everywhere. Hypothesis tests (LR, Wald,
pre-trend, mixture LR) are one type, :class:`TestResult`.

This mirrors pyfixest's ``tidy()``/``etable`` and the broom convention in R.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from scipy import stats

__all__ = [
    "TIDY_COLUMNS",
    "TIDY_EXTRA_COLUMNS",
    "Result",
    "DeprecatedTableAccess",
    "TestResult",
    "tidy_frame",
    "critical_value",
    "etable",
]

#: The standard columns of every ``tidy()`` table, in this order.
TIDY_COLUMNS: tuple[str, ...] = (
    "term",
    "estimate",
    "std_error",
    "statistic",
    "p_value",
    "ci_low",
    "ci_high",
)

#: Extra columns that follow the standard ones where they apply, in this order.
TIDY_EXTRA_COLUMNS: tuple[str, ...] = ("df", "n_obs", "event_time", "group", "estimator")


def _check_level(level: float) -> float:
    level = float(level)
    if not 0.5 <= level < 1.0:
        hint = f"; {level} looks like alpha: pass level={1 - level:g}" if 0.0 < level < 0.5 else ""
        raise ValueError(f"level is a confidence level in [0.5, 1), e.g. 0.95 (got {level}){hint}")
    return level


def critical_value(level: float = 0.95, df: float | None = None) -> float:
    """Two-sided critical value for a ``level`` interval: normal, or t(df) when ``df`` is given."""
    level = _check_level(level)
    q = 0.5 + level / 2.0
    if df is None or not np.isfinite(df):
        return float(stats.norm.ppf(q))
    return float(stats.t.ppf(q, df))


def tidy_frame(
    term: Sequence[Any] | Any,
    estimate: Sequence[float] | float,
    std_error: Sequence[float] | float,
    *,
    level: float = 0.95,
    df: float | Sequence[float] | None = None,
    statistic: Sequence[float] | None = None,
    p_value: Sequence[float] | None = None,
    ci_low: Sequence[float] | None = None,
    ci_high: Sequence[float] | None = None,
    crit: float | Sequence[float] | None = None,
    uniform_crit: float | None = None,
    extra: Mapping[str, Any] | None = None,
) -> pd.DataFrame:
    """Build a tidy coefficient table: the one place where such rows are made.

    Parameters
    ----------
    term, estimate, std_error:
        One value or equally long sequences.
    level:
        Confidence level of ``ci_low``/``ci_high`` when they are computed here.
    df:
        Degrees of freedom: when given, ``p_value`` and the interval use Student t(df)
        (e.g. G - 1 with G clusters); otherwise the standard normal.
    statistic, p_value:
        Use these instead of ``estimate / std_error`` and its two-sided p-value (e.g. a
        bootstrap p-value).
    ci_low, ci_high:
        Use these bounds as they are (e.g. percentile or uniform bootstrap bands).
    crit:
        Critical value(s) for ``estimate ± crit · std_error`` instead of the quantile
        implied by ``level`` and ``df`` (e.g. a simultaneous band's critical value).
    uniform_crit:
        Critical value of a simultaneous (uniform) band: adds ``ci_low_uniform``,
        ``ci_high_uniform`` (``estimate ± uniform_crit · std_error``) and ``crit_uniform``
        beside the pointwise interval, which stays consistent with ``p_value``.
    extra:
        Further columns (``n_obs``, ``event_time``, ``group``, ``estimator``, ...): a
        scalar is broadcast.

    Returns
    -------
    DataFrame with :data:`TIDY_COLUMNS`, then ``df`` when given, then ``extra``, standard
    extras first in :data:`TIDY_EXTRA_COLUMNS` order.
    """
    level = _check_level(level)
    est = np.atleast_1d(np.asarray(estimate, dtype=float))
    n = est.size
    terms = list(term) if isinstance(term, (list, tuple, np.ndarray, pd.Index, pd.Series)) else [term]
    if len(terms) != n:
        raise ValueError(f"tidy_frame: {len(terms)} terms for {n} estimates")
    se = np.broadcast_to(np.asarray(std_error, dtype=float), (n,)).astype(float)
    dfs = None if df is None else np.broadcast_to(np.asarray(df, dtype=float), (n,)).astype(float)

    with np.errstate(divide="ignore", invalid="ignore"):
        z = est / np.where(se > 0, se, np.nan)
    stat = z if statistic is None else np.broadcast_to(np.asarray(statistic, float), (n,)).astype(float)

    if p_value is not None:
        p = np.broadcast_to(np.asarray(p_value, float), (n,)).astype(float)
    elif dfs is None:
        p = 2.0 * stats.norm.sf(np.abs(stat))
    else:
        p = 2.0 * stats.t.sf(np.abs(stat), np.where(np.isfinite(dfs), dfs, np.inf))

    if ci_low is not None and ci_high is not None:
        lo = np.broadcast_to(np.asarray(ci_low, float), (n,)).astype(float)
        hi = np.broadcast_to(np.asarray(ci_high, float), (n,)).astype(float)
    else:
        if crit is not None:
            c = np.broadcast_to(np.asarray(crit, float), (n,)).astype(float)
        elif dfs is None:
            c = np.full(n, critical_value(level))
        else:
            c = np.array([critical_value(level, d) for d in dfs])
        lo, hi = est - c * se, est + c * se

    out = pd.DataFrame(
        {
            "term": terms,
            "estimate": est,
            "std_error": se,
            "statistic": stat,
            "p_value": p,
            "ci_low": lo,
            "ci_high": hi,
        }
    )
    if uniform_crit is not None:
        out["ci_low_uniform"] = est - uniform_crit * se
        out["ci_high_uniform"] = est + uniform_crit * se
        out["crit_uniform"] = float(uniform_crit)
    if dfs is not None:
        out["df"] = dfs
    if extra:
        ordered = [k for k in TIDY_EXTRA_COLUMNS if k in extra] + [k for k in extra if k not in TIDY_EXTRA_COLUMNS]
        for k in ordered:
            v = extra[k]
            out[k] = list(v) if isinstance(v, (list, tuple, np.ndarray, pd.Series, pd.Index)) else v
    return out


class Result:
    """Base class of every estimator result: ``tidy()``, ``summary()``, ``plot()``.

    Subclasses implement :meth:`tidy`; :meth:`summary` defaults to the tidy table as
    text with a title, and :meth:`plot` raises where no standard figure exists.
    """

    #: Short human-readable name used by :meth:`summary` and :func:`etable`.
    result_name: ClassVar[str] = "result"

    def tidy(self, level: float = 0.95) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def summary(self, level: float = 0.95) -> str:
        """The tidy table as printable text, with a one-line title."""
        table = self.tidy(level=level)
        with pd.option_context("display.width", 120, "display.max_columns", 20):
            body = table.to_string(index=False, float_format=lambda v: f"{v:.4g}")
        return f"{self.result_name} ({int(round(level * 100))}% intervals)\n{body}"

    def plot(self, *args: Any, **kwargs: Any):
        """Standard figure for this result, where one exists."""
        raise NotImplementedError(f"{type(self).__name__} has no standard figure")


class DeprecatedTableAccess:
    """Mixin: DataFrame-like access to ``self.table``, deprecated, for results that were tables.

    Functions that returned a DataFrame until jeugdlib 0.1 and return a result object
    since 0.2 keep ``res[...]``, ``res[...] = ...``, ``res.<DataFrame method or column>``,
    ``len(res)`` and iteration working, each with a :class:`DeprecationWarning` that says
    what to use. Subclasses set :attr:`_deprecation_note`, e.g.
    ``"compare_by_region() returns a RegionComparison result since jeugdlib 0.2"``, and
    :attr:`_deprecation_use` (default ``"use .table"``).
    """

    _deprecation_note: ClassVar[str] = "this function returns a result object since jeugdlib 0.2"
    _deprecation_use: ClassVar[str] = "use .table"

    def _table_deprecated(self, what: str) -> pd.DataFrame:
        warnings.warn(
            f"{self._deprecation_note}; {what} on it is deprecated: {self._deprecation_use}",
            DeprecationWarning,
            stacklevel=3,
        )
        return self.__dict__["table"]

    def __getitem__(self, key: Any) -> Any:
        return self._table_deprecated(f"[{key!r}]")[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._table_deprecated(f"[{key!r}] = ...")[key] = value

    def __getattr__(self, name: str) -> Any:
        # only reached for names the result does not have; never for private/dunder names
        table = self.__dict__.get("table")
        if name.startswith("_") or table is None or not (hasattr(pd.DataFrame, name) or name in table.columns):
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        return getattr(self._table_deprecated(f".{name}"), name)

    def __len__(self) -> int:
        return len(self._table_deprecated("len()"))

    def __bool__(self) -> bool:  # a result is truthy; do not fall back to the deprecated __len__
        return True

    def __iter__(self) -> Iterator[Any]:
        return iter(self._table_deprecated("iteration"))


@dataclass
class TestResult(Result):
    """A hypothesis test: likelihood ratio, Wald, pre-trend or mixture LR.

    Attributes
    ----------
    name:
        What was tested, e.g. ``"LR: + perc_kind_sch5"`` or ``"pre-trends (Wald)"``.
    statistic, df, p_value:
        The test statistic, its degrees of freedom and p-value.
    distribution:
        Reference distribution: ``"chi2"``, ``"chi2-mixture"`` (0.5·χ²(df-1) + 0.5·χ²(df)),
        ``"F"``, ``"t"`` or ``"normal"``.
    terms:
        The restricted terms, when meaningful.
    """

    __test__: ClassVar[bool] = False  # not a pytest test class
    result_name: ClassVar[str] = "test"

    name: str
    statistic: float
    df: float
    p_value: float
    distribution: str = "chi2"
    terms: list[Any] = field(default_factory=list)

    def tidy(self, level: float = 0.95) -> pd.DataFrame:
        """One row with the standard columns (so it stacks with estimates in :func:`etable`).

        ``term`` is the test's name; ``statistic`` and ``p_value`` are the test's; a test has
        no estimate, standard error or interval, so those are NaN. ``df`` and
        ``distribution`` follow.
        """
        nan = float("nan")
        return pd.DataFrame(
            [
                {
                    "term": self.name,
                    "estimate": nan,
                    "std_error": nan,
                    "statistic": self.statistic,
                    "p_value": self.p_value,
                    "ci_low": nan,
                    "ci_high": nan,
                    "df": self.df,
                    "distribution": self.distribution,
                }
            ]
        )

    def summary(self, level: float = 0.95) -> str:
        return repr(self)

    def __repr__(self) -> str:
        df = f"{self.df:g}" if np.isfinite(self.df) else "nan"
        return f"TestResult({self.name}: {self.distribution}={self.statistic:.4g}, df={df}, p={self.p_value:.4g})"


def etable(
    results: Mapping[str, Result] | Iterable[Result],
    level: float = 0.95,
) -> pd.DataFrame:
    """Stack the tidy tables of several results, one ``model`` column to tell them apart.

    ``results`` is a mapping name -> result, or an iterable (named by position).
    """
    items = results.items() if isinstance(results, Mapping) else enumerate(results)
    frames = [r.tidy(level=level).assign(model=str(name)) for name, r in items]
    if not frames:
        return pd.DataFrame(columns=[*TIDY_COLUMNS, "model"])
    return pd.concat(frames, ignore_index=True)
