"""The SCP model: expected versus observed youth care use per wijk.

SCP (*Jeugdhulp in de wijk*, 2020) explained the share of youths with
jeugdhulp zonder verblijf per wijk (2017) with 27 wijk characteristics in a
multilevel model: wijken nested in gemeenten nested in jeugdzorgregio's. The
expected value of a wijk is its fixed part plus the effects of its gemeente and
region (SCP's ``perc_przv``); the difference with the observed share
(``residu``) points to characteristics the model lacks — never a verdict on
policy.

:func:`fit_scp_model` fits that model with statsmodels ``MixedLM`` (random
intercept per jeugdregio, variance component per gemeente within region).
The design is passed as arrays rather than a formula: it keeps the fit as fast
as a bare ``MixedLM`` call and lets optional weights enter exactly (a residual
variance ``sigma^2 / w_i``: rows and random-effect designs scaled by
``sqrt(w_i)``), which statsmodels' formula interface does not offer.

Missing predictors (suppressed in the public file) are imputed hierarchically —
gemeente mean, then region mean, then national mean — and, optionally, a
missing-indicator per predictor is added where it is identifiable (enough
ones, not collinear with the design; collinear indicators are dropped with a
warning).

The fitted :class:`ScpModel` follows the result protocol of
:mod:`jeugdlib.results`: ``tidy()``, ``summary()`` and ``plot()``.

Every fit is accepted only at a verified maximum of the likelihood (``_maximum``:
gradient and Newton gain of the profile likelihood, escalating over optimizers and
starts; :meth:`ScpModel.fit_record` lists what was tried), and prediction intervals use
the exact prediction-error variance (``_pev``, Henderson's mixed-model equations).

Layout: ``_info`` (determinants and their documentation), ``_design``
(imputation, standardisation, transformations), ``_model`` (:class:`ScpModel`),
``_fit`` (:func:`fit_scp_model`), ``_maximum`` (verified maxima), ``_pev``
(prediction-error variance), ``_checks`` (agreement with SCP, cross-validation)
and ``_open`` (the model on open CBS data).

No file is read at import: :data:`DETERMINANT_INFO` is built on first access.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from jeugdlib.scp._checks import agreement_breakdown, compare_with_published, cross_validate
from jeugdlib.scp._design import impute_hierarchical
from jeugdlib.scp._fit import fit_mixedlm_with_fallback, fit_scp_model
from jeugdlib.scp._info import OPTIMIZERS, SCP_DETERMINANTS, Transform, determinant_info, determinant_labels
from jeugdlib.scp._model import ScpModel
from jeugdlib.scp._open import OPEN_DATA_MAPPING, OPEN_OUTCOME, fit_open_model, open_data_frame

if TYPE_CHECKING:
    import pandas as pd

    #: Table of the 27 determinants: ``variabele, label, bron, bron_detail, groep, subgroep``
    #: (read lazily from the embedded ``bronnen`` sheet on first access).
    DETERMINANT_INFO: pd.DataFrame

__all__ = [
    "DETERMINANT_INFO",
    "OPEN_DATA_MAPPING",
    "OPEN_OUTCOME",
    "OPTIMIZERS",
    "SCP_DETERMINANTS",
    "ScpModel",
    "Transform",
    "agreement_breakdown",
    "compare_with_published",
    "cross_validate",
    "determinant_info",
    "determinant_labels",
    "fit_mixedlm_with_fallback",
    "fit_open_model",
    "fit_scp_model",
    "impute_hierarchical",
    "open_data_frame",
]


def __getattr__(name: str):
    # PEP 562: DETERMINANT_INFO is read from disk on first access, not at import.
    if name == "DETERMINANT_INFO":
        return determinant_info()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | {"DETERMINANT_INFO"})
