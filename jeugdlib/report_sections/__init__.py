"""The sections of a regional report: tables computed, protected and published.

:mod:`jeugdlib.reports` renders the report notebook; the notebook calls the
functions here (re-exported by :mod:`jeugdlib.reports`). Every table a reader
sees goes through the report's :class:`~jeugdlib.publication.Publication` (the
publication boundary): each section declares every column's kind and the table's
additive relations in a :class:`~jeugdlib.publication.TableSpec`; the boundary
suppresses, rounds, recomputes rates from the rounded counts, audits the table
together with everything published before, and writes ``tabellen/``. A section
called without ``pub`` uses a private register. Every table is shown through
:func:`to_html`, which formats each column by its kind (:mod:`jeugdlib.formatting`). Sections built from user data
(local wijk data, policy table, trajectories and claims) are in
:func:`optional_sections`; an absent input gives a section saying so.
"""

from jeugdlib.publication import Publication
from jeugdlib.report_sections._common import (
    COUNT_PREFIX,
    FLAG_NL,
    INTEGER_COLUMNS,
    PUBLICATION_KINDS,
    format_table,
    guess_kind,
    nl,
    publish_table,
    safe_markdown,
    shown,
    to_html,
)
from jeugdlib.report_sections.regional import (
    deviation_section,
    elan_trend,
    elan_trend_section,
    elan_trend_text,
    leefbaarheid_section,
    region_indicators,
    region_map_frame,
    region_open_model,
    region_overview,
    region_scp_2017,
)
from jeugdlib.report_sections.user_data import (
    local_data_section,
    lr_sentence,
    optional_sections,
    policy_label,
    policy_section,
    trajectory_section,
    validate_user_inputs,
)

__all__ = [
    "COUNT_PREFIX",
    "FLAG_NL",
    "INTEGER_COLUMNS",
    "PUBLICATION_KINDS",
    "Publication",
    "deviation_section",
    "elan_trend",
    "elan_trend_section",
    "elan_trend_text",
    "format_table",
    "guess_kind",
    "leefbaarheid_section",
    "local_data_section",
    "lr_sentence",
    "nl",
    "optional_sections",
    "policy_label",
    "policy_section",
    "publish_table",
    "region_indicators",
    "region_map_frame",
    "region_open_model",
    "region_overview",
    "region_scp_2017",
    "safe_markdown",
    "shown",
    "to_html",
    "trajectory_section",
    "validate_user_inputs",
]
