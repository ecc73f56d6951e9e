"""Youth-care trajectories and cost: durations, extensions, care paths, flows.

The data model follows the iJw messages that municipalities hold (iStandaarden):

* a **trajectory** table, one row per assignment (JW301 toewijzing with the
  start and stop of care, JW305/JW307): ``client_id`` (a pseudonym),
  ``gemeentecode``, ``aanbieder``, ``toewijzingnummer``, ``productcategorie``
  (JZ020), ``productcode``, ``begindatum``, ``einddatum`` (last day of care;
  empty = running), ``reden_beeindiging`` (JZ588), ``reden_wijziging`` (JZ002)
  and ``verwijzer`` (COD327);
* a **claims** table (JW323 declaratie): ``toewijzingnummer``,
  ``periode_start``, ``periode_eind``, ``volume``, ``eenheid`` (WJ756),
  ``tarief`` and ``bedrag`` (euro).

Code lists with Dutch labels: :func:`codelists`, :func:`code_labels`.

``client_id`` must be a pseudonym. :func:`pseudonymise` replaces identifiers (BSNs in
any format) by keyed pseudonyms (HMAC-SHA-256 with a secret key of at least 128 bits
from :func:`new_pseudonym_key`, read by :func:`load_pseudonym_key` from a file or the
environment); ``read_trajectories(..., pseudonymise_bsn=True)`` does this on loading.
This is pseudonymisation, not anonymisation: the table stays personal data under the
AVG/GDPR. Every other column holding BSNs is refused by the input layer.

:func:`read_trajectories` / :func:`read_claims` return a :class:`LoadedTable`: the
validated table with its :class:`LoadReport` and observation window (``as_of``,
``observed_from``) as typed fields, which every analysis accepts;
:func:`load_trajectories` / :func:`load_claims` return only the table. A
:class:`LoadedTable` offers light DataFrame conveniences (``len``, ``t["col"]``,
``t.columns``, ``t.head()``, printing); ``t.table`` is the DataFrame. A plain DataFrame
carries no window: an analysis given one without ``as_of=`` (and, where it matters,
``observed_from=``) warns what it assumes (a :class:`jeugdlib.JeugdlibWarning`). Files and
DataFrames are read by the one input layer (:mod:`jeugdlib.io`); the tables are
declared once as :data:`TRAJECTORY_SCHEMA` and :data:`CLAIMS_SCHEMA`
(``.describe()`` lists the columns).

Results follow the result protocol (:mod:`jeugdlib.results`): :class:`DurationResult`
and :class:`ExtensionsResult` have ``tidy()``, ``summary()`` and (durations) ``plot()``.

Two levels are used. :func:`load_trajectories` applies the CBS rule
(overlapping trajectories of the same form at the same provider are merged).
The analyses then link successive assignments of the same client, aanbieder
and product category (the next starting within ``max_gap_days``, default 7, of
the previous end) into one **trajectory** (:func:`episodes`): an assignment
and its extensions are one period of care.

Analyses return raw counts so that identities (e.g. the stock-flow identity)
can be checked; pass counts through :func:`jeugdlib.disclosure.protect` before
publishing them. :func:`provider_indicators` does this itself.

:func:`simulate_trajectories` produces SYNTHETIC data for tests and demos only;
``traj, claims = simulate_trajectories(...)`` unpacks into :class:`LoadedTable` s that
carry the simulated extract's window (``.trajectories`` / ``.claims`` are the DataFrames).
"""

from __future__ import annotations

from jeugdlib.trajectories._analysis import (
    CarePathsResult,
    ExtensionsResult,
    care_paths,
    extensions,
    flows,
)
from jeugdlib.trajectories._chain import chain_ids
from jeugdlib.trajectories._codes import CLAIM_COLUMNS, TRAJECTORY_COLUMNS, code_labels, codelists
from jeugdlib.trajectories._cost import CostDecomposition, cost_decomposition, lmdi, provider_indicators
from jeugdlib.trajectories._data import LoadedTable, LoadReport, ValidationReport
from jeugdlib.trajectories._durations import BUCKETS, DurationResult, durations
from jeugdlib.trajectories._episodes import DEFAULT_MAX_GAP_DAYS, episodes
from jeugdlib.trajectories._io import (
    load_claims,
    load_trajectories,
    looks_like_bsn,
    merge_overlapping,
    read_claims,
    read_trajectories,
    validation_report,
)
from jeugdlib.trajectories._pseudonym import PseudonymKey, load_pseudonym_key, new_pseudonym_key, pseudonymise
from jeugdlib.trajectories._schema import CLAIMS_SCHEMA, TRAJECTORY_SCHEMA
from jeugdlib.trajectories._simulate import SCENARIOS, SimulatedTrajectories, simulate_trajectories

__all__ = [
    "BUCKETS",
    "CLAIMS_SCHEMA",
    "CLAIM_COLUMNS",
    "DEFAULT_MAX_GAP_DAYS",
    "SCENARIOS",
    "TRAJECTORY_COLUMNS",
    "TRAJECTORY_SCHEMA",
    "CarePathsResult",
    "CostDecomposition",
    "DurationResult",
    "ExtensionsResult",
    "LoadReport",
    "LoadedTable",
    "PseudonymKey",
    "SimulatedTrajectories",
    "ValidationReport",
    "chain_ids",
    "care_paths",
    "code_labels",
    "codelists",
    "cost_decomposition",
    "durations",
    "episodes",
    "extensions",
    "flows",
    "lmdi",
    "load_claims",
    "load_pseudonym_key",
    "load_trajectories",
    "looks_like_bsn",
    "merge_overlapping",
    "new_pseudonym_key",
    "provider_indicators",
    "pseudonymise",
    "read_claims",
    "read_trajectories",
    "simulate_trajectories",
    "validation_report",
]
