"""Difference-in-differences with staggered adoption (CPB wijkteams / POH-jeugd).

The CPB study *Wijkteams en praktijkondersteuners in de jeugdzorg* (2020) compares the
growth of second-line youth care between groups of gemeenten before and after the 2015
decentralisation: a difference-in-differences question with staggered adoption.

Layout (one responsibility per module):

* :mod:`~jeugdlib.did.callaway_santanna` — :func:`staggered_att`, the Callaway &
  Sant'Anna (2021) group-time ATT (:class:`AttResult`), reproducing R ``did``;
* :mod:`~jeugdlib.did.aggregate` — the ``simple``/``group``/``dynamic``/``calendar``
  aggregations of R's ``aggte`` as pure functions (:class:`Aggregate`);
* :mod:`~jeugdlib.did.regression` — :func:`event_study`, :func:`twfe` and
  :func:`compare_estimators` (TWFE and Sun & Abraham on pyfixest, t(G-1) inference as
  fixest; Gardner's did2s in :mod:`~jeugdlib.did._did2s`);
* :mod:`~jeugdlib.did.inference` — cluster sums, multiplier bootstrap with uniform bands
  (Rademacher), Wald tests (chi-square, F(k, G-1), Hotelling), wild cluster bootstrap
  (t and joint Wald);
* :mod:`~jeugdlib.did.sensitivity` — :func:`relative_magnitudes` (Rambachan & Roth style);
* :mod:`~jeugdlib.did.comparisons` — :func:`intensity_did` and :func:`growth_by_group`;
* :mod:`~jeugdlib.did.simulate` — :func:`simulate_cpb_panel` (SYNTHETIC) and :func:`true_att`;
* :mod:`~jeugdlib.did.policy` — :func:`load_policy_table`;
* :mod:`~jeugdlib.did.options` — :class:`PanelSpec` and :class:`InferenceSpec`;
* :mod:`~jeugdlib.did._adapters` — the only use of pyfixest/differences internals.

Every result derives from :class:`jeugdlib.results.Result` (``tidy()``, ``summary()``,
``plot()`` where a standard figure exists); hypothesis tests are
:class:`jeugdlib.results.TestResult`.
"""

from __future__ import annotations

from jeugdlib.data import load_mpdta
from jeugdlib.did._results import EventStudyResult, TwfeResult
from jeugdlib.did.aggregate import Aggregate
from jeugdlib.did.callaway_santanna import AttResult, estimate_att_gt, staggered_att
from jeugdlib.did.comparisons import GrowthResult, IntensityResult, growth_by_group, intensity_did
from jeugdlib.did.options import InferenceSpec, PanelSpec
from jeugdlib.did.policy import load_policy_table
from jeugdlib.did.regression import compare_estimators, estimate_event_study, event_study, twfe
from jeugdlib.did.sensitivity import RelativeMagnitudes, relative_magnitudes
from jeugdlib.did.simulate import CPB_TARGETS, simulate_cpb_panel, true_att
from jeugdlib.results import TestResult

#: Former name of the Wald-test result; every test is now a :class:`~jeugdlib.results.TestResult`.
WaldTest = TestResult

__all__ = [
    "CPB_TARGETS",
    "Aggregate",
    "AttResult",
    "EventStudyResult",
    "GrowthResult",
    "InferenceSpec",
    "IntensityResult",
    "PanelSpec",
    "RelativeMagnitudes",
    "TwfeResult",
    "WaldTest",
    "compare_estimators",
    "estimate_att_gt",
    "estimate_event_study",
    "event_study",
    "growth_by_group",
    "intensity_did",
    "load_mpdta",
    "load_policy_table",
    "relative_magnitudes",
    "simulate_cpb_panel",
    "staggered_att",
    "true_att",
    "twfe",
]
