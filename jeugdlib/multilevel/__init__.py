"""Extensions of the SCP model: extra wijk variables, model comparison, random slopes.

SCP's expected values leave room for local knowledge: the Haaglanden study
(Kennisnetwerk Jeugd Haaglanden, 2020) found that in almost 40% of its wijken
use was substantially higher or lower than expected, and that (perceived)
social cohesion, safety and facilities improved the prediction. This module
lets a user test such variables on top of the SCP model:

* :func:`load_local_wijk_data` reads and validates local cohesion/safety data
  in the schema :data:`LOCAL_WIJK_SCHEMA` (wijkmonitor, Veiligheidsmonitor);
* :func:`join_wijk_variables` (typed result) and :func:`add_wijk_variables`
  (the joined frame) join any table of wijk variables to the wijk data — a
  left join that never drops a row and reports unmatched and duplicated codes
  and boundary-year mismatches;
* :func:`compare_models` fits the model with and without the extra variables
  by maximum likelihood (ML, not REML: REML likelihoods of models with
  different fixed effects are not comparable) on exactly the same wijken, and
  returns the likelihood-ratio test, AIC/BIC, the proportional reduction of the
  region, gemeente and wijk variance, the change in the share of wijken
  flagged ``higher``/``lower`` and the extra coefficients with confidence
  intervals; :func:`compare_by_region` runs the same comparison within each
  jeugdregio (Holm-adjusted p-values);
* :func:`random_slope_test` lets one coefficient vary by jeugdregio and tests
  that with the boundary-corrected (mixture chi-square) likelihood-ratio test;
* :func:`deviation_share` counts the wijken of one region that lie
  substantially above or below expectation, under stated definitions.

As SCP stresses, a difference between observed and expected use is **no
verdict on policy**: it says the wijk has characteristics the model lacks and
is a reason to look closer with local partners.

Results follow :mod:`jeugdlib.results`: :class:`ModelComparison` and
:class:`RegionComparison` are :class:`~jeugdlib.results.Result` objects with
``tidy()``, and every LR test is an :class:`LRTest`, a
:class:`~jeugdlib.results.TestResult` (``"chi2"``, or ``"chi2-mixture"`` for a
random slope).

Layout: :mod:`~jeugdlib.multilevel.local` (schema and loader),
:mod:`~jeugdlib.multilevel.joins`, :mod:`~jeugdlib.multilevel.lrtest`,
:mod:`~jeugdlib.multilevel.slopes`, :mod:`~jeugdlib.multilevel.comparison`
(with ``_scope``: scope masks, extra-variable preparation),
:mod:`~jeugdlib.multilevel.by_region` and
:mod:`~jeugdlib.multilevel.deviation`.
"""

from __future__ import annotations

from jeugdlib.multilevel.by_region import RegionComparison, compare_by_region
from jeugdlib.multilevel.comparison import ModelComparison, compare_models
from jeugdlib.multilevel.deviation import DeviationShare, deviation_share
from jeugdlib.multilevel.joins import JoinReport, WijkJoin, add_wijk_variables, join_wijk_variables
from jeugdlib.multilevel.leefbaarheid import LeefbaarheidTests, leefbaarometer_by_region, leefbaarometer_tests
from jeugdlib.multilevel.local import LOCAL_WIJK_SCHEMA, load_local_wijk_data, local_wijk_schema
from jeugdlib.multilevel.lrtest import LRTest, NestedFitError, lr_test, mixture_pvalue
from jeugdlib.multilevel.over_time import DeviationPersistence, deviation_persistence
from jeugdlib.multilevel.slopes import SlopeTest, random_slope_test

__all__ = [
    "LOCAL_WIJK_SCHEMA",
    "DeviationPersistence",
    "DeviationShare",
    "JoinReport",
    "LRTest",
    "LeefbaarheidTests",
    "ModelComparison",
    "NestedFitError",
    "RegionComparison",
    "SlopeTest",
    "WijkJoin",
    "add_wijk_variables",
    "compare_by_region",
    "compare_models",
    "deviation_persistence",
    "deviation_share",
    "join_wijk_variables",
    "leefbaarometer_by_region",
    "leefbaarometer_tests",
    "load_local_wijk_data",
    "local_wijk_schema",
    "lr_test",
    "mixture_pvalue",
    "random_slope_test",
]


def __getattr__(name: str) -> object:
    # names of jeugdlib 0.1 that have no one-to-one replacement: say where to go
    if name == "SchemaColumn":
        raise AttributeError(
            "jeugdlib.multilevel.SchemaColumn was removed in jeugdlib 0.2: LOCAL_WIJK_SCHEMA is a "
            "jeugdlib.io.Schema of jeugdlib.io.Column (fields name, kind, required, min, max, description); "
            "see docs/migrating-0.2.md"
        )
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
