"""Shared pieces of the trajectory result classes (result protocol, :mod:`jeugdlib.results`)."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

__all__ = ["SummaryAlias", "wilson_rows"]


class SummaryAlias:
    """Deprecated bridge for ``result.summary``, which used to be the per-group DataFrame.

    Under the result protocol ``result.summary()`` is a method (printable text) and the
    per-group DataFrame is ``result.table``. Code written for the old attribute
    (``result.summary.loc[...]``, ``result.summary["median_days"]``,
    ``result.summary.reset_index()``) keeps working through this object: attribute and
    item access go to ``result.table`` with a :class:`DeprecationWarning`; calling it gives
    the protocol summary. It is not a DataFrame: pass ``result.table`` to pandas functions.
    Remove once no caller uses the attribute form.
    """

    __slots__ = ("_result",)

    def __init__(self, result: Any) -> None:
        self._result = result

    def __call__(self, level: float = 0.95) -> str:
        return self._result.summary_text(level=level)

    def _table(self) -> pd.DataFrame:
        warnings.warn(
            f"{type(self._result).__name__}.summary as a DataFrame is deprecated: use .table "
            "(and .summary() for the printable summary).",
            DeprecationWarning,
            stacklevel=3,
        )
        return self._result.table

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table(), name)

    def __getitem__(self, key: Any) -> Any:
        return self._table()[key]

    def __len__(self) -> int:
        return len(self._table())

    def __iter__(self) -> Iterator[Any]:
        return iter(self._table())

    def __repr__(self) -> str:
        return self._result.summary_text()


def wilson_rows(successes: np.ndarray, n: np.ndarray, level: float) -> tuple[np.ndarray, ...]:
    """Proportion, its standard error sqrt(p(1-p)/n) and the Wilson score interval (statsmodels).

    The Wilson interval keeps to [0, 1] and has close to nominal coverage for the small
    groups and extreme shares (few or almost all extended) that occur per product
    category; the standard error is the usual binomial one, reported alongside.
    """
    successes = np.asarray(successes, dtype=float)
    n = np.asarray(n, dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = successes / n
        se = np.sqrt(p * (1.0 - p) / n)
    lo, hi = proportion_confint(successes, n, alpha=1.0 - level, method="wilson")
    return p, se, np.asarray(lo, dtype=float), np.asarray(hi, dtype=float)
