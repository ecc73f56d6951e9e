"""Statistical disclosure control for tables that leave the library.

Counts of persons below ``threshold`` (10) are suppressed, the rest rounded to
``base`` (5), and secondary suppression is checked with the *interval audit*
of τ-ARGUS and R ``sdcTable``: for every suppressed cell, the smallest and
largest value a reader can derive from the published cells and the table's
additive relations (two HiGHS linear programs per cell).

Array level (:mod:`jeugdlib.disclosure._audit`, :mod:`jeugdlib.disclosure._relations`):

* :class:`Relation`, :func:`relation_matrix`, :func:`add_external_totals` -- the
  relations ``A x = 0`` between cells;
* :func:`feasible_intervals` -- the interval audit;
* :func:`secondary_suppression` -- suppress cheapest cells until no primary cell
  is recoverable;
* :func:`audit_published` / :class:`AuditReport` -- the reader's audit, no true
  values needed.

DataFrame level (:mod:`jeugdlib.disclosure._protect`): :func:`protect_table`
(with :class:`ProtectionReport`), :func:`protect` and :func:`check_protected`.
"""

from __future__ import annotations

from jeugdlib.disclosure._audit import AuditReport, audit_published, feasible_intervals, secondary_suppression
from jeugdlib.disclosure._base import DisclosureError, round_to_base, rounding_bounds
from jeugdlib.disclosure._protect import (
    DisclosureInfo,
    ProtectedTable,
    ProtectionReport,
    Rate,
    check_protected,
    protect,
    protect_table,
)
from jeugdlib.disclosure._relations import ExternalTotals, Relation, add_external_totals, relation_matrix

__all__ = [
    "AuditReport",
    "DisclosureError",
    "DisclosureInfo",
    "ExternalTotals",
    "ProtectedTable",
    "ProtectionReport",
    "Rate",
    "Relation",
    "add_external_totals",
    "audit_published",
    "check_protected",
    "feasible_intervals",
    "protect",
    "protect_table",
    "relation_matrix",
    "round_to_base",
    "rounding_bounds",
    "secondary_suppression",
]
