"""jeugdlib — research toolkit for Dutch youth care use (jeugdhulpgebruik).

Capabilities are grouped by module:

- :mod:`jeugdlib.io` — the one input layer: reading files and user frames,
  codes, numbers and dates, declared table schemas.
- :mod:`jeugdlib.data` — embedded real data (SCP 2017, CBS KWB and youth care),
  live CBS StatLine access with an on-disk cache, validation of user tables.
- :mod:`jeugdlib.results` — the result protocol: ``tidy()``, ``summary()``,
  ``plot()`` and one :class:`~jeugdlib.results.TestResult` for every test.
- :mod:`jeugdlib.scp` — the SCP multilevel model: expected versus observed use.
- :mod:`jeugdlib.multilevel` — extensions of that model and model comparison.
- :mod:`jeugdlib.did` — difference-in-differences with staggered adoption.
- :mod:`jeugdlib.trajectories` — durations, extensions, care paths, flows, cost.
- :mod:`jeugdlib.disclosure` — statistical disclosure control for reports.
- :mod:`jeugdlib.plots` — figures; :mod:`jeugdlib.reports` — papermill reports
  (rendering), with their sections in :mod:`jeugdlib.report_sections`.

Importing :mod:`jeugdlib` reads no files; the submodules load data on first use.
"""

from __future__ import annotations

from jeugdlib.errors import (
    ConvergenceWarning,
    DataError,
    JeugdlibWarning,
    OfflineError,
    RegionNotFoundError,
    StaggeredTimingWarning,
)

__version__ = "0.2.0"

__all__ = [
    "ConvergenceWarning",
    "DataError",
    "JeugdlibWarning",
    "OfflineError",
    "RegionNotFoundError",
    "StaggeredTimingWarning",
    "__version__",
]
