"""Likelihood-ratio tests of nested ML fits, including the boundary (chi-square mixture) case."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scipy import stats

from jeugdlib.results import TestResult

__all__ = ["LLF_TOL", "LRTest", "NestedFitError", "lr_test", "mixture_pvalue"]

#: Log-likelihood units below which ``llf_alt - llf_null`` is numerical noise. The larger
#: model's fit starts at the nested model's solution and is accepted only at a verified
#: maximum, so a larger negative difference means a failed fit, never a result.
LLF_TOL = 1e-6


class NestedFitError(RuntimeError):
    """The larger of two nested models has a lower maximised log-likelihood than the smaller one.

    Impossible at true maxima (the smaller model is a special case of the larger one):
    one of the fits did not reach its maximum. Raised instead of reporting a clipped or
    negative LR statistic.
    """


@dataclass(repr=False)
class LRTest(TestResult):
    """A likelihood-ratio test of two nested ML fits: a :class:`~jeugdlib.results.TestResult`.

    ``distribution`` is ``"chi2"`` (``statistic ~ chi2(df)``) or ``"chi2-mixture"``
    (``0.5 chi2(df - 1) + 0.5 chi2(df)``, a variance tested at its boundary).

    Attributes
    ----------
    llf_null, llf_alt:
        Maximised (ML) log-likelihoods of the nested and the larger model.
    """

    llf_null: float = float("nan")
    llf_alt: float = float("nan")

    @property
    def reference(self) -> str:
        """The reference distribution in words, e.g. ``"chi2(1)"`` or ``"0.5 chi2(1) + 0.5 chi2(2)"``."""
        k = int(self.df)
        if self.distribution == "chi2-mixture":
            return f"0.5 chi2({k - 1}) + 0.5 chi2({k})"
        return f"{self.distribution}({k})"

    def to_dict(self) -> dict[str, Any]:
        """The scalar fields: ``statistic, df, p_value, distribution, reference, llf_null, llf_alt``."""
        return {
            "statistic": self.statistic,
            "df": self.df,
            "p_value": self.p_value,
            "distribution": self.distribution,
            "reference": self.reference,
            "llf_null": self.llf_null,
            "llf_alt": self.llf_alt,
        }


def mixture_pvalue(statistic: float, dfs: tuple[int, int] = (1, 2)) -> float:
    """p-value of an LR statistic under a 50:50 mixture of chi-square distributions.

    For a variance parameter tested at its boundary (zero), the LR statistic
    follows ``0.5 chi2(dfs[0]) + 0.5 chi2(dfs[1])`` (Self & Liang 1987; Stram &
    Lee 1994): ``(1, 2)`` for a random slope correlated with the random
    intercept (slope variance + covariance), ``(0, 1)`` for an independent
    slope (``chi2(0)`` is a point mass at zero).
    """
    s = max(float(statistic), 0.0)

    def sf(k: int) -> float:
        if k == 0:
            return 0.0 if s > 0 else 1.0
        return float(stats.chi2.sf(s, k))

    return 0.5 * sf(dfs[0]) + 0.5 * sf(dfs[1])


def lr_test(
    llf_null: float,
    llf_alt: float,
    df: int,
    *,
    mixture: tuple[int, int] | None = None,
    name: str = "likelihood ratio",
    terms: Sequence[Any] = (),
) -> LRTest:
    """Likelihood-ratio test ``2 (llf_alt - llf_null)``.

    Parameters
    ----------
    llf_null, llf_alt:
        Maximised (ML) log-likelihoods of the nested and the larger model.
    df:
        Number of extra parameters.
    mixture:
        Degrees of freedom of a 50:50 chi-square mixture for boundary tests
        (see :func:`mixture_pvalue`); must be ``(df - 1, df)``. ``None`` uses
        ``chi2(df)``.
    name, terms:
        What was tested, for :class:`~jeugdlib.results.TestResult`.

    Returns
    -------
    LRTest
        ``distribution`` ``"chi2"`` or ``"chi2-mixture"``.

    Raises
    ------
    NestedFitError
        ``llf_alt < llf_null - LLF_TOL``: the larger model's fit is below the nested
        model's maximum, so one of them is not a maximum; no statistic is reported.

    Notes
    -----
    A difference within ``LLF_TOL`` (1e-6) of zero is numerical equality of the two maxima
    and gives the statistic 0 exactly; anything more negative raises.
    """
    diff = float(llf_alt) - float(llf_null)
    if not diff >= -LLF_TOL:
        raise NestedFitError(
            f"{name}: the larger model's log-likelihood {float(llf_alt):.6f} is below the nested model's "
            f"{float(llf_null):.6f} by {-diff:.3g}; one of the fits is not at its maximum. Refit both from each "
            "other's solution (compare_models and random_slope_test do this) or report a bug."
        )
    stat = max(2.0 * diff, 0.0)
    common = {"name": name, "statistic": stat, "df": int(df), "terms": list(terms)}
    if mixture is None:
        p, dist = float(stats.chi2.sf(stat, df)), "chi2"
    else:
        if tuple(mixture) != (int(df) - 1, int(df)):
            raise ValueError(f"mixture must be (df - 1, df) = ({int(df) - 1}, {int(df)}), not {tuple(mixture)}")
        p, dist = mixture_pvalue(stat, mixture), "chi2-mixture"
    return LRTest(**common, p_value=p, distribution=dist, llf_null=float(llf_null), llf_alt=float(llf_alt))
